//! The JSONPath subset `$input.json()` and `$input.path()` accept.
//!
//! Supported: `$`, `.name`, `['name']` / `["name"]`, `[n]` (negative counts from the end),
//! `[*]` / `.*`, `..name` / `..*` / `..[...]` (recursive descent), unions `['a','b']` / `[0,2]`
//! and slices `[1:3]`. Filters (`[?(...)]`) and script expressions are rejected.

use crate::limits::{Fault, FaultResult};
use crate::value::Value;

#[derive(Debug, Clone, PartialEq)]
enum Selector {
    Name(String),
    Index(i64),
}

#[derive(Debug, Clone, PartialEq)]
enum Step {
    Select(Selector),
    Union(Vec<Selector>),
    Wildcard,
    Slice(Option<i64>, Option<i64>),
    /// The node itself and everything under it; the next step picks from those.
    Descend,
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) enum PathKey {
    Name(String),
    Index(usize),
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Path {
    steps: Vec<Step>,
}

fn bad(path: &str, why: &str) -> Fault {
    Fault::Invocation(format!("invalid JSONPath '{path}': {why}"))
}

impl Path {
    pub(crate) fn parse(text: &str) -> FaultResult<Path> {
        let trimmed = text.trim();
        let chars: Vec<char> = trimmed.chars().collect();
        let mut i = 0;
        let mut steps = Vec::new();
        match chars.first() {
            None => return Ok(Path { steps }),
            Some('$') => i = 1,
            Some('[' | '.') => {}
            // Like Jayway, a path without the root marker is relative to the root.
            Some(_) => {
                let name = read_name(&chars, &mut i);
                steps.push(Step::Select(Selector::Name(name)));
            }
        }
        while i < chars.len() {
            match chars[i] {
                '.' if chars.get(i + 1) == Some(&'.') => {
                    i += 2;
                    steps.push(Step::Descend);
                    match chars.get(i) {
                        Some('*') => {
                            i += 1;
                            steps.push(Step::Wildcard);
                        }
                        Some('[') => {}
                        Some(_) => {
                            let name = read_name(&chars, &mut i);
                            if name.is_empty() {
                                return Err(bad(text, "expected a name after '..'"));
                            }
                            steps.push(Step::Select(Selector::Name(name)));
                        }
                        None => return Err(bad(text, "path ends after '..'")),
                    }
                }
                '.' => {
                    i += 1;
                    if chars.get(i) == Some(&'*') {
                        i += 1;
                        steps.push(Step::Wildcard);
                        continue;
                    }
                    let name = read_name(&chars, &mut i);
                    if name.is_empty() {
                        return Err(bad(text, "expected a name after '.'"));
                    }
                    steps.push(Step::Select(Selector::Name(name)));
                }
                '[' => {
                    i += 1;
                    steps.push(parse_bracket(text, &chars, &mut i)?);
                }
                _ => return Err(bad(text, "expected '.' or '['")),
            }
        }
        Ok(Path { steps })
    }

    /// `$` itself.
    pub(crate) fn is_root(&self) -> bool {
        self.steps.is_empty()
    }

    /// A definite path names at most one node; anything else selects a list.
    pub(crate) fn is_definite(&self) -> bool {
        self.steps.iter().all(|s| matches!(s, Step::Select(_)))
    }

    /// For a definite path, the keys leading to its node in `root` (negative indexes resolved),
    /// or `None` when there is no such node.
    pub(crate) fn definite_keys(&self, root: &Value) -> Option<Vec<PathKey>> {
        let mut keys = Vec::with_capacity(self.steps.len());
        let mut node = root;
        for step in &self.steps {
            let Step::Select(sel) = step else {
                return None;
            };
            match (node, sel) {
                (Value::Map(m), Selector::Name(n)) => {
                    node = m.get(n)?;
                    keys.push(PathKey::Name(n.clone()));
                }
                (Value::List(l), Selector::Index(i)) => {
                    let i = if *i < 0 { l.len() as i64 + i } else { *i };
                    let u = usize::try_from(i).ok()?;
                    node = l.get(u)?;
                    keys.push(PathKey::Index(u));
                }
                _ => return None,
            }
        }
        Some(keys)
    }

    pub(crate) fn select<'a>(&self, root: &'a Value) -> Vec<&'a Value> {
        let mut current = vec![root];
        for step in &self.steps {
            let mut next = Vec::new();
            for node in current {
                match step {
                    Step::Select(sel) => next.extend(pick(node, sel)),
                    Step::Union(sels) => next.extend(sels.iter().filter_map(|s| pick(node, s))),
                    Step::Wildcard => match node {
                        Value::Map(m) => next.extend(m.values()),
                        Value::List(l) => next.extend(l.iter()),
                        _ => {}
                    },
                    Step::Slice(start, end) => {
                        if let Value::List(l) = node {
                            let len = l.len() as i64;
                            let norm = |v: i64| if v < 0 { (len + v).max(0) } else { v.min(len) };
                            let a = start.map_or(0, norm);
                            let b = end.map_or(len, norm);
                            if a < b {
                                next.extend(&l[a as usize..b as usize]);
                            }
                        }
                    }
                    Step::Descend => descend(node, &mut next),
                }
            }
            current = next;
        }
        current
    }
}

fn descend<'a>(node: &'a Value, out: &mut Vec<&'a Value>) {
    out.push(node);
    match node {
        Value::Map(m) => m.values().for_each(|v| descend(v, out)),
        Value::List(l) => l.iter().for_each(|v| descend(v, out)),
        _ => {}
    }
}

fn pick<'a>(node: &'a Value, sel: &Selector) -> Option<&'a Value> {
    match (node, sel) {
        (Value::Map(m), Selector::Name(n)) => m.get(n),
        (Value::List(l), Selector::Index(i)) => {
            let i = if *i < 0 { l.len() as i64 + i } else { *i };
            usize::try_from(i).ok().and_then(|u| l.get(u))
        }
        _ => None,
    }
}

fn read_name(chars: &[char], i: &mut usize) -> String {
    let start = *i;
    while *i < chars.len() && chars[*i] != '.' && chars[*i] != '[' {
        *i += 1;
    }
    chars[start..*i]
        .iter()
        .collect::<String>()
        .trim()
        .to_string()
}

fn parse_bracket(text: &str, chars: &[char], i: &mut usize) -> FaultResult<Step> {
    let close = chars[*i..]
        .iter()
        .scan(None::<char>, |quote, &c| {
            // Track quotes so a ']' inside a quoted name does not close the bracket.
            match (*quote, c) {
                (None, '\'' | '"') => *quote = Some(c),
                (Some(q), c) if c == q => *quote = None,
                _ => {}
            }
            Some((*quote, c))
        })
        .position(|(quote, c)| quote.is_none() && c == ']')
        .map(|p| p + *i)
        .ok_or_else(|| bad(text, "unclosed '['"))?;
    let inner: String = chars[*i..close].iter().collect();
    *i = close + 1;
    let inner = inner.trim();
    if inner == "*" {
        return Ok(Step::Wildcard);
    }
    if inner.starts_with('?') || inner.starts_with('(') {
        return Err(bad(text, "filter and script expressions are not supported"));
    }
    if let Some((a, b)) = inner.split_once(':') {
        let num = |s: &str| -> FaultResult<Option<i64>> {
            let s = s.trim();
            if s.is_empty() {
                return Ok(None);
            }
            s.parse()
                .map(Some)
                .map_err(|_| bad(text, "bad slice bound"))
        };
        return Ok(Step::Slice(num(a)?, num(b)?));
    }
    let mut sels = Vec::new();
    for part in split_union(inner) {
        let part = part.trim();
        let quoted = part.len() >= 2
            && ((part.starts_with('\'') && part.ends_with('\''))
                || (part.starts_with('"') && part.ends_with('"')));
        if quoted {
            sels.push(Selector::Name(part[1..part.len() - 1].to_string()));
        } else if let Ok(n) = part.parse::<i64>() {
            sels.push(Selector::Index(n));
        } else {
            return Err(bad(
                text,
                "expected a quoted name, an index or '*' in brackets",
            ));
        }
    }
    match sels.len() {
        0 => Err(bad(text, "empty brackets")),
        1 => Ok(Step::Select(sels.remove(0))),
        _ => Ok(Step::Union(sels)),
    }
}

fn split_union(inner: &str) -> Vec<String> {
    let mut parts = Vec::new();
    let mut cur = String::new();
    let mut quote = None;
    for c in inner.chars() {
        match (quote, c) {
            (None, '\'' | '"') => {
                quote = Some(c);
                cur.push(c);
            }
            (Some(q), c) if c == q => {
                quote = None;
                cur.push(c);
            }
            (None, ',') => parts.push(std::mem::take(&mut cur)),
            _ => cur.push(c),
        }
    }
    parts.push(cur);
    parts
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn doc() -> Value {
        Value::from_json(r#"{"a":{"b":[{"n":1},{"n":2},{"n":3}],"c":"x"},"d e":true,"n":0}"#)
            .unwrap()
    }

    fn sel(path: &str) -> Vec<Value> {
        let d = doc();
        Path::parse(path)
            .unwrap()
            .select(&d)
            .into_iter()
            .cloned()
            .collect()
    }

    #[test]
    fn selections() {
        assert_eq!(sel("$.a.c"), vec![Value::String("x".into())]);
        assert_eq!(sel("$['d e']"), vec![Value::Bool(true)]);
        assert_eq!(sel("$.a.b[1].n"), vec![Value::Int(2)]);
        assert_eq!(sel("$.a.b[-1].n"), vec![Value::Int(3)]);
        assert_eq!(
            sel("$.a.b[*].n"),
            vec![Value::Int(1), Value::Int(2), Value::Int(3)]
        );
        assert_eq!(
            sel("$..n"),
            vec![Value::Int(0), Value::Int(1), Value::Int(2), Value::Int(3)]
        );
        assert_eq!(sel("$.a.b[0:2].n"), vec![Value::Int(1), Value::Int(2)]);
        assert_eq!(sel("$.a.b[0,2].n"), vec![Value::Int(1), Value::Int(3)]);
        assert_eq!(sel("$.missing"), Vec::<Value>::new());
        assert_eq!(sel("a.c"), vec![Value::String("x".into())]);
        assert_eq!(sel("$").len(), 1);
    }

    #[test]
    fn definiteness_and_errors() {
        assert!(Path::parse("$.a.b[0]").unwrap().is_definite());
        assert!(!Path::parse("$.a[*]").unwrap().is_definite());
        assert!(!Path::parse("$..a").unwrap().is_definite());
        assert!(Path::parse("$.a[?(@.x)]").is_err());
        assert!(Path::parse("$.a[").is_err());
    }
}
