//! Which REST API, stage, resource and method a request is for.

use std::collections::BTreeMap;

use crate::generated::apigateway::{Method, Resource};

/// `/restapis/<id>/<stage>/_user_request_/<path>` → (id, stage, /path): LocalStack's address,
/// which needs no Host header.
pub fn user_request(path: &str) -> Option<(&str, &str, &str)> {
    let rest = path.strip_prefix("/restapis/")?;
    let (id, rest) = rest.split_once('/')?;
    let (stage, rest) = rest.split_once('/')?;
    let rest = rest.strip_prefix("_user_request_")?;
    if !(rest.is_empty() || rest.starts_with('/')) {
        return None;
    }
    Some((id, stage, if rest.is_empty() { "/" } else { rest }))
}

/// `/<stage>/<path>` → (stage, /path).
pub fn stage_and_path(path: &str) -> Option<(&str, &str)> {
    let rest = path.strip_prefix('/')?;
    let (stage, tail) = match rest.find('/') {
        Some(i) => (&rest[..i], &rest[i..]),
        None => (rest, ""),
    };
    if stage.is_empty() {
        return None;
    }
    Some((stage, if tail.is_empty() { "/" } else { tail }))
}

/// How well a resource's path matched: per segment, literal (2) over `{param}` (1), with a
/// greedy `{proxy+}` last of all.
#[derive(PartialEq, Eq, PartialOrd, Ord)]
struct Score(Vec<u8>, bool);

/// Matches the percent-decoded `path` against the resources: the most specific one and its
/// path parameters.
pub fn resource<'a>(
    resources: &'a [Resource],
    path: &str,
) -> Option<(&'a Resource, BTreeMap<String, String>)> {
    let trimmed = if path.len() > 1 {
        path.trim_end_matches('/')
    } else {
        path
    };
    let wanted: Vec<&str> = trimmed
        .split('/')
        .skip(1)
        .filter(|s| !s.is_empty())
        .collect();
    let mut best: Option<(Score, &Resource, BTreeMap<String, String>)> = None;
    for r in resources {
        let template = r.path.as_deref().unwrap_or("/");
        let parts: Vec<&str> = template
            .split('/')
            .skip(1)
            .filter(|s| !s.is_empty())
            .collect();
        let Some((score, params)) = matches(&parts, &wanted) else {
            continue;
        };
        if best.as_ref().is_none_or(|(s, _, _)| score > *s) {
            best = Some((score, r, params));
        }
    }
    best.map(|(_, r, p)| (r, p))
}

fn matches(parts: &[&str], wanted: &[&str]) -> Option<(Score, BTreeMap<String, String>)> {
    let mut scores = Vec::new();
    let mut params = BTreeMap::new();
    for (i, part) in parts.iter().enumerate() {
        if let Some(name) = part.strip_prefix('{').and_then(|p| p.strip_suffix("+}")) {
            // Greedy: one or more segments.
            if i >= wanted.len() {
                return None;
            }
            params.insert(name.to_string(), wanted[i..].join("/"));
            return Some((Score(scores, false), params));
        }
        let seg = wanted.get(i)?;
        if let Some(name) = part.strip_prefix('{').and_then(|p| p.strip_suffix('}')) {
            params.insert(name.to_string(), seg.to_string());
            scores.push(1);
        } else if part == seg {
            scores.push(2);
        } else {
            return None;
        }
    }
    (parts.len() == wanted.len()).then_some((Score(scores, true), params))
}

/// The resource's method for `http_method`, else its ANY method.
pub fn method<'a>(r: &'a Resource, http_method: &str) -> Option<&'a Method> {
    let methods = r.resource_methods.as_ref()?;
    methods.get(http_method).or_else(|| methods.get("ANY"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn res(path: &str) -> Resource {
        Resource {
            id: Some(path.into()),
            path: Some(path.into()),
            ..Resource::default()
        }
    }

    #[test]
    fn the_most_specific_resource_wins() {
        let all = vec![
            res("/"),
            res("/pets"),
            res("/pets/{id}"),
            res("/pets/mine"),
            res("/{proxy+}"),
        ];
        let pick = |p: &str| {
            resource(&all, p).map(|(r, params)| (r.id.clone().unwrap_or_default(), params))
        };
        assert_eq!(pick("/").map(|x| x.0).as_deref(), Some("/"));
        assert_eq!(pick("/pets/").map(|x| x.0).as_deref(), Some("/pets"));
        assert_eq!(
            pick("/pets/mine").map(|x| x.0).as_deref(),
            Some("/pets/mine")
        );
        let (id, params) = pick("/pets/7").expect("matched");
        assert_eq!(
            (id.as_str(), params.get("id").map(String::as_str)),
            ("/pets/{id}", Some("7"))
        );
        let (id, params) = pick("/a/b/c").expect("matched");
        assert_eq!(
            (id.as_str(), params.get("proxy").map(String::as_str)),
            ("/{proxy+}", Some("a/b/c"))
        );
        assert!(resource(&all[..4], "/nope").is_none());
    }

    #[test]
    fn addresses() {
        assert_eq!(
            user_request("/restapis/abc/prod/_user_request_/pets"),
            Some(("abc", "prod", "/pets"))
        );
        assert_eq!(
            user_request("/restapis/abc/prod/_user_request_"),
            Some(("abc", "prod", "/"))
        );
        assert_eq!(user_request("/restapis/abc/stages/prod"), None);
        assert_eq!(stage_and_path("/prod/pets/1"), Some(("prod", "/pets/1")));
        assert_eq!(stage_and_path("/prod"), Some(("prod", "/")));
        assert_eq!(stage_and_path("/prod/"), Some(("prod", "/")));
        assert_eq!(stage_and_path("/"), None);
    }
}
