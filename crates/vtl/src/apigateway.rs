//! API Gateway's built-in template variables: `$input`, `$util`, and the override maps under
//! `$context` (`$context` and `$stageVariables` themselves are plain maps in the renderer).

use base64::engine::general_purpose::{GeneralPurpose, GeneralPurposeConfig, STANDARD};
use base64::engine::DecodePaddingMode;
use base64::Engine as _;

use crate::ast::Segment;
use crate::jsonpath::Path;
use crate::jsonpath::PathKey;
use crate::limits::{check_len, Fault, FaultResult};
use crate::render::{pairs_to_map, Key, Renderer, Target, BODY_VAR, R};
use crate::value::{Map, Value};

/// What AWS reports when a template reads a non-JSON body as JSON.
const INVALID_BODY: &str = "Invalid JSON in request body";

impl Renderer<'_> {
    /// The first segment after `$input` or `$util`.
    pub(crate) fn builtin(&mut self, root: &str, seg: &Segment) -> R<Target> {
        let (name, args) = match seg {
            Segment::Property(name) => (name.as_str(), None),
            Segment::Call(name, args) => (name.as_str(), Some(self.eval_args(args)?)),
            Segment::Index(_) => return Ok(Target::Owned(Value::Null)),
        };
        let result = if root == "input" {
            self.input(name, args)
        } else {
            match args {
                Some(args) => util(name, &args).map(Target::Owned),
                None => Ok(Target::Owned(Value::Null)),
            }
        };
        self.check(result)
    }

    fn input(&mut self, name: &str, args: Option<Vec<Value>>) -> FaultResult<Target> {
        let args = args.unwrap_or_default();
        let path_arg = || match args.first() {
            Some(Value::String(s)) => s.clone(),
            Some(other) if !other.is_null() => other.to_java_string(),
            _ => "$".to_string(),
        };
        let value = match name {
            "body" | "getBody" if args.is_empty() => Value::String(self.scope.body.clone()),
            "params" | "getParams" if args.is_empty() => self.params().clone(),
            "params" => {
                let name = match args.first() {
                    Some(Value::String(s)) => s.clone(),
                    Some(Value::Null) | None => String::new(),
                    Some(other) => other.to_java_string(),
                };
                Value::String(self.param(&name))
            }
            "json" => self.json(&path_arg())?,
            "path" => return self.path(&path_arg()),
            _ => Value::Null,
        };
        Ok(Target::Owned(value))
    }

    fn params(&mut self) -> &Value {
        let scope = self.scope;
        self.params.get_or_insert_with(|| {
            let mut params = Map::new();
            params.insert("path", Value::Map(pairs_to_map(&scope.path)));
            params.insert("querystring", Value::Map(pairs_to_map(&scope.querystring)));
            params.insert("header", Value::Map(pairs_to_map(&scope.header)));
            Value::Map(params)
        })
    }

    /// `$input.params('x')`: path, then query string, then headers (case-insensitively).
    fn param(&self, name: &str) -> String {
        let exact = |pairs: &[(String, String)]| {
            pairs
                .iter()
                .rev()
                .find(|(k, _)| k == name)
                .map(|(_, v)| v.clone())
        };
        exact(&self.scope.path)
            .or_else(|| exact(&self.scope.querystring))
            .or_else(|| {
                self.scope
                    .header
                    .iter()
                    .rev()
                    .find(|(k, _)| k.eq_ignore_ascii_case(name))
                    .map(|(_, v)| v.clone())
            })
            .unwrap_or_default()
    }

    /// The parsed body; an empty body reads as `{}`, as in API Gateway.
    fn parsed_body(&mut self) -> Option<&Value> {
        if self.body_json.is_none() {
            let parsed = if self.scope.body.trim().is_empty() {
                Some(Value::Map(Map::new()))
            } else {
                Value::from_json(&self.scope.body)
            };
            self.body_json = Some(parsed.is_some());
            if let Some(v) = parsed {
                self.vars.insert(BODY_VAR.to_string(), v);
            }
        }
        self.vars.get(BODY_VAR)
    }

    fn json(&mut self, path: &str) -> FaultResult<Value> {
        let path = Path::parse(path)?;
        let Some(body) = self.parsed_body() else {
            return Err(Fault::InvalidJson(INVALID_BODY.to_string()));
        };
        let selected = path.select(body);
        let text = if path.is_definite() {
            // A missing node renders as nothing, which is what AWS substitutes.
            selected.first().map(|v| v.to_json()).unwrap_or_default()
        } else {
            Value::List(selected.into_iter().cloned().collect()).to_json()
        };
        check_len(text.len())?;
        Ok(Value::String(text))
    }

    /// A definite path yields a place in the body, so `$input.path('$.items')[$i]` or
    /// `.size()` do not copy the whole selection.
    fn path(&mut self, path: &str) -> FaultResult<Target> {
        let path = Path::parse(path)?;
        let scope = self.scope;
        let Some(body) = self.parsed_body() else {
            // A non-JSON body is still readable whole, e.g. for form-encoded templates.
            return Ok(Target::Owned(if path.is_root() {
                Value::String(scope.body.clone())
            } else {
                Value::Null
            }));
        };
        if !path.is_definite() {
            let selected = path.select(body);
            return Ok(Target::Owned(Value::List(
                selected.into_iter().cloned().collect(),
            )));
        }
        Ok(match path.definite_keys(body) {
            Some(keys) => Target::Place(
                BODY_VAR.to_string(),
                keys.into_iter()
                    .map(|k| match k {
                        PathKey::Name(n) => Key::Name(n),
                        PathKey::Index(i) => Key::Index(i),
                    })
                    .collect(),
            ),
            None => Target::Owned(Value::Null),
        })
    }
}

fn string_arg(args: &[Value]) -> Option<String> {
    match args.first()? {
        Value::Null => None,
        Value::String(s) => Some(s.clone()),
        other => Some(other.to_java_string()),
    }
}

fn util(name: &str, args: &[Value]) -> FaultResult<Value> {
    if args.len() != 1 {
        return Ok(Value::Null);
    }
    let Some(s) = string_arg(args) else {
        return Ok(Value::Null);
    };
    let out = match name {
        "escapeJavaScript" => escape_javascript(&s),
        "parseJson" => {
            return Value::from_json(&s).ok_or_else(|| {
                Fault::InvalidJson(format!("$util.parseJson: invalid JSON: {}", preview(&s)))
            })
        }
        "urlEncode" => url_encode(&s),
        "urlDecode" => url_decode(&s)?,
        "base64Encode" => STANDARD.encode(s.as_bytes()),
        "base64Decode" => base64_decode(&s),
        _ => return Ok(Value::Null),
    };
    check_len(out.len())?;
    Ok(Value::String(out))
}

fn preview(s: &str) -> String {
    let head: String = s.chars().take(40).collect();
    if head.len() < s.len() {
        format!("{head}...")
    } else {
        head
    }
}

/// Commons Lang's `escapeJavaScript`, which API Gateway uses: it escapes `'` (making the result
/// invalid inside JSON, as AWS documents) and `/`, and writes every non-ASCII UTF-16 unit as
/// `\uXXXX`.
pub(crate) fn escape_javascript(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 8);
    for unit in s.encode_utf16() {
        match unit {
            0x22 => out.push_str("\\\""),
            0x27 => out.push_str("\\'"),
            0x5C => out.push_str("\\\\"),
            0x2F => out.push_str("\\/"),
            0x08 => out.push_str("\\b"),
            0x09 => out.push_str("\\t"),
            0x0A => out.push_str("\\n"),
            0x0C => out.push_str("\\f"),
            0x0D => out.push_str("\\r"),
            u if !(0x20..=0x7F).contains(&u) => out.push_str(&format!("\\u{u:04X}")),
            u => out.push(char::from(u as u8)),
        }
    }
    out
}

/// Java's `URLEncoder.encode(s, "UTF-8")`: form encoding, so a space becomes `+`.
pub(crate) fn url_encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        match b {
            b'a'..=b'z' | b'A'..=b'Z' | b'0'..=b'9' | b'.' | b'-' | b'*' | b'_' => {
                out.push(b as char)
            }
            b' ' => out.push('+'),
            b => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

/// Java's `URLDecoder.decode(s, "UTF-8")`, which rejects malformed `%` escapes.
pub(crate) fn url_decode(s: &str) -> FaultResult<String> {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while let Some(&b) = bytes.get(i) {
        match b {
            b'+' => {
                out.push(b' ');
                i += 1;
            }
            b'%' => {
                let hex = bytes
                    .get(i + 1..i + 3)
                    .and_then(|h| std::str::from_utf8(h).ok())
                    .and_then(|h| u8::from_str_radix(h, 16).ok());
                match hex {
                    Some(v) => out.push(v),
                    None => {
                        return Err(Fault::Invocation(
                            "IllegalArgumentException: URLDecoder: Illegal hex characters in escape (%) pattern"
                                .to_string(),
                        ))
                    }
                }
                i += 3;
            }
            b => {
                out.push(b);
                i += 1;
            }
        }
    }
    Ok(String::from_utf8_lossy(&out).into_owned())
}

/// Lenient like Commons Codec's `decodeBase64`: accepts the URL-safe alphabet, missing padding
/// and stray characters, which it skips.
pub(crate) fn base64_decode(s: &str) -> String {
    let mut clean: String = s
        .chars()
        .filter_map(|c| match c {
            'A'..='Z' | 'a'..='z' | '0'..='9' | '+' | '/' => Some(c),
            '-' => Some('+'),
            '_' => Some('/'),
            _ => None,
        })
        .collect();
    if clean.len() % 4 == 1 {
        clean.pop();
    }
    let engine = GeneralPurpose::new(
        &base64::alphabet::STANDARD,
        GeneralPurposeConfig::new()
            .with_decode_padding_mode(DecodePaddingMode::RequireNone)
            .with_decode_allow_trailing_bits(true),
    );
    let bytes = engine.decode(clean.as_bytes()).unwrap_or_default();
    String::from_utf8_lossy(&bytes).into_owned()
}

/// Overrides a template wrote into `$context` (`responseOverride`, `requestOverride`).
pub(crate) struct Overrides {
    pub status: Option<u16>,
    pub headers: Vec<(String, String)>,
    pub request: Vec<(String, String, String)>,
}

pub(crate) fn overrides(context: &Value) -> Overrides {
    let section = |name: &str| {
        context
            .as_map()
            .and_then(|c| c.get(name))
            .and_then(Value::as_map)
    };
    let response = section("responseOverride");
    let status = response
        .and_then(|r| r.get("status"))
        .and_then(|s| match s {
            Value::Int(i) => u16::try_from(*i).ok(),
            Value::Float(f) if f.fract() == 0.0 && (0.0..=65535.0).contains(f) => Some(*f as u16),
            Value::String(s) => s.trim().parse().ok(),
            _ => None,
        });
    let strings = |m: &Map| -> Vec<(String, String)> {
        m.iter()
            .filter(|(_, v)| !v.is_null())
            .map(|(k, v)| (k.to_string(), v.to_java_string()))
            .collect()
    };
    let headers = response
        .and_then(|r| r.get("header"))
        .and_then(Value::as_map)
        .map(strings)
        .unwrap_or_default();
    let mut request = Vec::new();
    if let Some(req) = section("requestOverride") {
        for kind in ["header", "querystring", "path"] {
            if let Some(m) = req.get(kind).and_then(Value::as_map) {
                for (k, v) in strings(m) {
                    request.push((kind.to_string(), k, v));
                }
            }
        }
    }
    Overrides {
        status,
        headers,
        request,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_like_commons_lang() {
        assert_eq!(
            escape_javascript("He didn't say, \"Stop!\"\n\t/\\"),
            "He didn\\'t say, \\\"Stop!\\\"\\n\\t\\/\\\\"
        );
        assert_eq!(
            escape_javascript("é😀\u{1}"),
            "\\u00E9\\uD83D\\uDE00\\u0001"
        );
    }

    #[test]
    fn url_coding() {
        assert_eq!(url_encode("a b&c=d/é*"), "a+b%26c%3Dd%2F%C3%A9*");
        assert_eq!(
            url_decode("a+b%26c%3Dd%2F%C3%A9").ok(),
            Some("a b&c=d/é".to_string())
        );
        assert!(url_decode("%zz").is_err());
        assert!(url_decode("abc%4").is_err());
    }

    #[test]
    fn base64_lenient() {
        assert_eq!(base64_decode("aGVsbG8="), "hello");
        assert_eq!(base64_decode("aGVsbG8"), "hello");
        assert_eq!(base64_decode("aGVs\nbG8="), "hello");
        assert_eq!(base64_decode("-_8"), String::from_utf8_lossy(&[0xfb, 0xff]));
    }
}
