//! CloudWatch Logs filter patterns, as FilterLogEvents (and subscription and metric filters)
//! apply them to each event's message.
//!
//! - terms: `ERROR` (every term must appear), `"disk full"` (a phrase), `?ERROR ?WARN` (any of
//!   them), `-DEBUG` (must not appear); matching is case-sensitive, as on AWS;
//! - JSON: `{ $.level = "error" && $.latency > 100 }` with `=`, `!=`, `<`, `<=`, `>`, `>=`,
//!   `&&`, `||`, parentheses, `*` wildcards in strings, `IS NULL`, `NOT EXISTS`, `IS TRUE`/`FALSE`;
//! - space-delimited: `[ip, user, ..., status = 404, size > 1000]`.

use serde_json::Value;

/// A parsed filter pattern.
#[derive(Debug, Clone, PartialEq)]
pub enum Pattern {
    All,
    Terms(Terms),
    Json(JsonExpr),
    Delimited(Vec<Field>),
}

#[derive(Debug, Clone, PartialEq, Default)]
pub struct Terms {
    required: Vec<String>,
    any: Vec<String>,
    excluded: Vec<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub enum JsonExpr {
    And(Box<JsonExpr>, Box<JsonExpr>),
    Or(Box<JsonExpr>, Box<JsonExpr>),
    Compare(Vec<Step>, Op, Literal),
    IsNull(Vec<Step>),
    NotExists(Vec<Step>),
}

#[derive(Debug, Clone, PartialEq)]
pub enum Step {
    Key(String),
    Index(usize),
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Op {
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Literal {
    Str(String),
    Num(f64),
    Bool(bool),
    Null,
}

/// One position of a space-delimited pattern: a named (or `...`) field with an optional test.
#[derive(Debug, Clone, PartialEq)]
pub struct Field {
    ellipsis: bool,
    test: Option<(Op, Literal)>,
}

/// Why a pattern could not be parsed (AWS answers InvalidParameterException).
#[derive(Debug, Clone, PartialEq)]
pub struct PatternError(pub String);

impl Pattern {
    pub fn parse(text: &str) -> Result<Pattern, PatternError> {
        let t = text.trim();
        if t.is_empty() {
            return Ok(Pattern::All);
        }
        if let Some(inner) = t.strip_prefix('{') {
            let inner = inner
                .strip_suffix('}')
                .ok_or_else(|| PatternError("a JSON filter pattern must end with '}'".into()))?;
            let mut p = JsonParser {
                tokens: lex(inner)?,
                at: 0,
            };
            let expr = p.or()?;
            if p.at != p.tokens.len() {
                return Err(PatternError(format!(
                    "unexpected '{}' in the JSON filter pattern",
                    p.tokens[p.at]
                )));
            }
            return Ok(Pattern::Json(expr));
        }
        if let Some(inner) = t.strip_prefix('[') {
            let inner = inner.strip_suffix(']').ok_or_else(|| {
                PatternError("a space-delimited filter pattern must end with ']'".into())
            })?;
            return parse_delimited(inner).map(Pattern::Delimited);
        }
        Ok(Pattern::Terms(parse_terms(t)?))
    }

    pub fn matches(&self, message: &str) -> bool {
        match self {
            Pattern::All => true,
            Pattern::Terms(t) => {
                t.required.iter().all(|w| message.contains(w.as_str()))
                    && (t.any.is_empty() || t.any.iter().any(|w| message.contains(w.as_str())))
                    && !t.excluded.iter().any(|w| message.contains(w.as_str()))
            }
            Pattern::Json(expr) => match serde_json::from_str::<Value>(message.trim()) {
                Ok(doc) => eval_json(expr, &doc),
                Err(_) => false,
            },
            Pattern::Delimited(fields) => match_delimited(fields, message),
        }
    }
}

fn parse_terms(text: &str) -> Result<Terms, PatternError> {
    let mut terms = Terms::default();
    let mut chars = text.chars().peekable();
    loop {
        while chars.peek().is_some_and(|c| c.is_whitespace()) {
            chars.next();
        }
        let Some(&first) = chars.peek() else { break };
        let bucket = match first {
            '?' => {
                chars.next();
                &mut terms.any
            }
            '-' => {
                chars.next();
                &mut terms.excluded
            }
            _ => &mut terms.required,
        };
        let mut word = String::new();
        if chars.peek() == Some(&'"') {
            chars.next();
            let mut closed = false;
            while let Some(c) = chars.next() {
                match c {
                    '\\' => {
                        if let Some(n) = chars.next() {
                            word.push(n);
                        }
                    }
                    '"' => {
                        closed = true;
                        break;
                    }
                    _ => word.push(c),
                }
            }
            if !closed {
                return Err(PatternError("unterminated quoted term".into()));
            }
        } else {
            while let Some(&c) = chars.peek() {
                if c.is_whitespace() {
                    break;
                }
                word.push(c);
                chars.next();
            }
        }
        if !word.is_empty() {
            bucket.push(word);
        }
    }
    Ok(terms)
}

// ---- JSON patterns ------------------------------------------------------------------------

fn lex(text: &str) -> Result<Vec<String>, PatternError> {
    let mut out = Vec::new();
    let chars: Vec<char> = text.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c.is_whitespace() {
            i += 1;
        } else if c == '"' {
            let mut s = String::from("\"");
            i += 1;
            while i < chars.len() && chars[i] != '"' {
                if chars[i] == '\\' && i + 1 < chars.len() {
                    i += 1;
                }
                s.push(chars[i]);
                i += 1;
            }
            if i >= chars.len() {
                return Err(PatternError("unterminated string in filter pattern".into()));
            }
            i += 1;
            out.push(s);
        } else if "()".contains(c) {
            out.push(c.to_string());
            i += 1;
        } else if "=!<>&|".contains(c) {
            let mut op = c.to_string();
            if i + 1 < chars.len() && "=&|".contains(chars[i + 1]) {
                op.push(chars[i + 1]);
                i += 1;
            }
            out.push(op);
            i += 1;
        } else {
            let mut s = String::new();
            while i < chars.len() && !chars[i].is_whitespace() && !"()=!<>&|\"".contains(chars[i]) {
                s.push(chars[i]);
                i += 1;
            }
            out.push(s);
        }
    }
    Ok(out)
}

struct JsonParser {
    tokens: Vec<String>,
    at: usize,
}

impl JsonParser {
    fn peek(&self) -> Option<&str> {
        self.tokens.get(self.at).map(String::as_str)
    }

    fn next(&mut self) -> Result<String, PatternError> {
        let t = self
            .tokens
            .get(self.at)
            .cloned()
            .ok_or_else(|| PatternError("the JSON filter pattern ends too early".into()))?;
        self.at += 1;
        Ok(t)
    }

    fn or(&mut self) -> Result<JsonExpr, PatternError> {
        let mut left = self.and()?;
        while self.peek() == Some("||") {
            self.at += 1;
            left = JsonExpr::Or(Box::new(left), Box::new(self.and()?));
        }
        Ok(left)
    }

    fn and(&mut self) -> Result<JsonExpr, PatternError> {
        let mut left = self.primary()?;
        while self.peek() == Some("&&") {
            self.at += 1;
            left = JsonExpr::And(Box::new(left), Box::new(self.primary()?));
        }
        Ok(left)
    }

    fn primary(&mut self) -> Result<JsonExpr, PatternError> {
        if self.peek() == Some("(") {
            self.at += 1;
            let e = self.or()?;
            if self.next()? != ")" {
                return Err(PatternError(
                    "missing ')' in the JSON filter pattern".into(),
                ));
            }
            return Ok(e);
        }
        let selector = self.next()?;
        let path = parse_selector(&selector)?;
        let word = self.next()?;
        match word.to_ascii_uppercase().as_str() {
            "IS" => {
                let what = self.next()?.to_ascii_uppercase();
                match what.as_str() {
                    "NULL" => Ok(JsonExpr::IsNull(path)),
                    "TRUE" => Ok(JsonExpr::Compare(path, Op::Eq, Literal::Bool(true))),
                    "FALSE" => Ok(JsonExpr::Compare(path, Op::Eq, Literal::Bool(false))),
                    _ => Err(PatternError(format!("unexpected 'IS {what}'"))),
                }
            }
            "NOT" => {
                let what = self.next()?.to_ascii_uppercase();
                if what == "EXISTS" {
                    Ok(JsonExpr::NotExists(path))
                } else {
                    Err(PatternError(format!("unexpected 'NOT {what}'")))
                }
            }
            _ => {
                let op = parse_op(&word)?;
                let value = parse_literal(&self.next()?)?;
                Ok(JsonExpr::Compare(path, op, value))
            }
        }
    }
}

fn parse_op(word: &str) -> Result<Op, PatternError> {
    Ok(match word {
        "=" | "==" => Op::Eq,
        "!=" => Op::Ne,
        "<" => Op::Lt,
        "<=" => Op::Le,
        ">" => Op::Gt,
        ">=" => Op::Ge,
        other => return Err(PatternError(format!("unknown operator '{other}'"))),
    })
}

fn parse_literal(word: &str) -> Result<Literal, PatternError> {
    if let Some(s) = word.strip_prefix('"') {
        return Ok(Literal::Str(s.to_string()));
    }
    match word {
        "true" => Ok(Literal::Bool(true)),
        "false" => Ok(Literal::Bool(false)),
        "null" => Ok(Literal::Null),
        _ => match word.parse::<f64>() {
            Ok(n) => Ok(Literal::Num(n)),
            Err(_) => Ok(Literal::Str(word.to_string())),
        },
    }
}

fn parse_selector(text: &str) -> Result<Vec<Step>, PatternError> {
    let rest = text
        .strip_prefix('$')
        .ok_or_else(|| PatternError(format!("a JSON selector starts with '$': {text}")))?;
    let mut steps = Vec::new();
    let mut i = 0;
    let b = rest.as_bytes();
    while i < b.len() {
        match b[i] {
            b'.' => {
                let start = i + 1;
                i = start;
                while i < b.len() && b[i] != b'.' && b[i] != b'[' {
                    i += 1;
                }
                steps.push(Step::Key(rest[start..i].to_string()));
            }
            b'[' => {
                let end = rest[i..]
                    .find(']')
                    .map(|e| i + e)
                    .ok_or_else(|| PatternError(format!("missing ']' in {text}")))?;
                let n = rest[i + 1..end]
                    .parse()
                    .map_err(|_| PatternError(format!("bad array index in {text}")))?;
                steps.push(Step::Index(n));
                i = end + 1;
            }
            _ => return Err(PatternError(format!("bad JSON selector {text}"))),
        }
    }
    Ok(steps)
}

fn select<'v>(doc: &'v Value, path: &[Step]) -> Option<&'v Value> {
    path.iter().try_fold(doc, |v, step| match step {
        Step::Key(k) => v.get(k),
        Step::Index(i) => v.get(*i),
    })
}

fn eval_json(expr: &JsonExpr, doc: &Value) -> bool {
    match expr {
        JsonExpr::And(a, b) => eval_json(a, doc) && eval_json(b, doc),
        JsonExpr::Or(a, b) => eval_json(a, doc) || eval_json(b, doc),
        JsonExpr::IsNull(p) => matches!(select(doc, p), Some(Value::Null)),
        JsonExpr::NotExists(p) => select(doc, p).is_none(),
        JsonExpr::Compare(p, op, lit) => match select(doc, p) {
            Some(v) => compare(v, *op, lit),
            None => false,
        },
    }
}

fn compare(v: &Value, op: Op, lit: &Literal) -> bool {
    match lit {
        Literal::Str(pattern) => {
            let text = match v {
                Value::String(s) => s.clone(),
                Value::Number(n) => n.to_string(),
                _ => return false,
            };
            let eq = wildcard_match(pattern, &text);
            match op {
                Op::Eq => eq,
                Op::Ne => !eq,
                _ => false,
            }
        }
        Literal::Num(n) => {
            let Some(x) = v.as_f64() else { return false };
            ordered(x.partial_cmp(n), op)
        }
        Literal::Bool(b) => match op {
            Op::Eq => v.as_bool() == Some(*b),
            Op::Ne => v.as_bool() != Some(*b),
            _ => false,
        },
        Literal::Null => match op {
            Op::Eq => v.is_null(),
            Op::Ne => !v.is_null(),
            _ => false,
        },
    }
}

fn ordered(ord: Option<std::cmp::Ordering>, op: Op) -> bool {
    use std::cmp::Ordering::*;
    match (ord, op) {
        (None, _) => false,
        (Some(o), Op::Eq) => o == Equal,
        (Some(o), Op::Ne) => o != Equal,
        (Some(o), Op::Lt) => o == Less,
        (Some(o), Op::Le) => o != Greater,
        (Some(o), Op::Gt) => o == Greater,
        (Some(o), Op::Ge) => o != Less,
    }
}

/// `*` matches any run of characters; everything else literally.
fn wildcard_match(pattern: &str, text: &str) -> bool {
    let parts: Vec<&str> = pattern.split('*').collect();
    if parts.len() == 1 {
        return pattern == text;
    }
    let mut rest = text;
    for (i, part) in parts.iter().enumerate() {
        if i == 0 {
            match rest.strip_prefix(part) {
                Some(r) => rest = r,
                None => return false,
            }
        } else if i == parts.len() - 1 {
            return rest.ends_with(part);
        } else {
            match rest.find(part) {
                Some(at) => rest = &rest[at + part.len()..],
                None => return false,
            }
        }
    }
    true
}

// ---- space-delimited patterns ---------------------------------------------------------------

fn parse_delimited(inner: &str) -> Result<Vec<Field>, PatternError> {
    inner
        .split(',')
        .map(|f| {
            let f = f.trim();
            if f == "..." {
                return Ok(Field {
                    ellipsis: true,
                    test: None,
                });
            }
            let tokens = lex(f)?;
            match tokens.as_slice() {
                [_name] => Ok(Field {
                    ellipsis: false,
                    test: None,
                }),
                [_name, op, value] => Ok(Field {
                    ellipsis: false,
                    test: Some((parse_op(op)?, parse_literal(value)?)),
                }),
                _ => Err(PatternError(format!("cannot read the field '{f}'"))),
            }
        })
        .collect()
}

/// Splits a message into fields on spaces, keeping `"..."` and `[...]` groups whole.
fn split_fields(message: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut close: Option<char> = None;
    for c in message.chars() {
        match close {
            Some(end) if c == end => {
                close = None;
            }
            Some(_) => cur.push(c),
            None if c == '"' => close = Some('"'),
            None if c == '[' => close = Some(']'),
            None if c.is_whitespace() => {
                if !cur.is_empty() {
                    out.push(std::mem::take(&mut cur));
                }
            }
            None => cur.push(c),
        }
    }
    if !cur.is_empty() {
        out.push(cur);
    }
    out
}

fn match_delimited(fields: &[Field], message: &str) -> bool {
    let values = split_fields(message);
    fn go(fields: &[Field], values: &[String]) -> bool {
        let Some((first, rest)) = fields.split_first() else {
            return values.is_empty();
        };
        if first.ellipsis {
            return (0..=values.len()).any(|skip| go(rest, &values[skip..]));
        }
        let Some((value, more)) = values.split_first() else {
            return false;
        };
        let ok = match &first.test {
            None => true,
            Some((op, lit)) => {
                let v = match value.parse::<f64>() {
                    Ok(n) if matches!(lit, Literal::Num(_)) => serde_json::json!(n),
                    _ => Value::String(value.clone()),
                };
                compare(&v, *op, lit)
            }
        };
        ok && go(rest, more)
    }
    go(fields, &values)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn m(p: &str, msg: &str) -> bool {
        Pattern::parse(p).expect("parses").matches(msg)
    }

    #[test]
    fn terms() {
        assert!(m("", "anything"));
        assert!(m("ERROR", "an ERROR here"));
        assert!(!m("ERROR", "an error here"));
        assert!(m("ERROR timeout", "ERROR: timeout after 3s"));
        assert!(!m("ERROR timeout", "ERROR: refused"));
        assert!(m("\"disk full\"", "the disk full now"));
        assert!(m("?ERROR ?WARN", "WARN low"));
        assert!(!m("?ERROR ?WARN", "INFO ok"));
        assert!(!m("ERROR -retry", "ERROR will retry"));
    }

    #[test]
    fn json() {
        let doc =
            r#"{"level":"error","latency":120,"user":{"id":"u-17"},"tags":["a","b"],"x":null}"#;
        assert!(m(r#"{ $.level = "error" }"#, doc));
        assert!(m(r#"{ $.level = "err*" && $.latency > 100 }"#, doc));
        assert!(!m(r#"{ $.latency < 100 }"#, doc));
        assert!(m(r#"{ ($.latency < 100) || $.user.id = "u-17" }"#, doc));
        assert!(m(r#"{ $.tags[1] = "b" }"#, doc));
        assert!(m(r#"{ $.x IS NULL }"#, doc));
        assert!(m(r#"{ $.missing NOT EXISTS }"#, doc));
        assert!(!m(r#"{ $.level = "error" }"#, "not json"));
        assert!(Pattern::parse("{ $.level = ").is_err());
    }

    #[test]
    fn delimited() {
        let line = r#"127.0.0.1 - frank [10/Oct/2000:13:25:15 -0700] "GET /a HTTP/1.0" 404 1534"#;
        assert!(m(
            "[ip, id, user, timestamp, request, status_code = 404, bytes]",
            line
        ));
        assert!(m("[..., status_code = 404, bytes > 1000]", line));
        assert!(!m("[..., status_code = 200, bytes]", line));
    }
}
