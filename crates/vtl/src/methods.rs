//! Methods and properties on values, with the semantics of the Java classes API Gateway uses
//! (`String`, `ArrayList`, `LinkedHashMap`, `Integer`, `Double`, `Boolean`).
//!
//! Strings are indexed in UTF-16 code units like Java, so `length()` and `substring` agree with
//! AWS on non-ASCII text. An unknown method or wrong argument types yield null (Velocity cannot
//! find the method); what Java would throw (an index out of range, an unparsable number) is an
//! error, as it fails the whole template in API Gateway.
//!
//! Regex methods take Java patterns and hand them to regex-lite (which guarantees linear-time
//! searches) after [`translate_pattern`]; matches are found one at a time with Java's
//! `Matcher.find` rules, so empty matches, `split` and `$n` replacements behave as in Java.

use regex_lite::{Captures, Match, Regex, RegexBuilder};

use crate::limits::{check_len, Budget, Fault, FaultResult, MAX_REGEX_LEN};
use crate::ops::java_equals;
use crate::value::{Map, Value};

/// Elements a list or map may grow to through `add`/`put`.
pub(crate) const MAX_COLLECTION: usize = 1_000_000;

/// Methods that change their receiver; the renderer applies them to the variable in place.
pub(crate) fn is_mutator(name: &str) -> bool {
    matches!(
        name,
        "add" | "addAll" | "put" | "putAll" | "putIfAbsent" | "remove" | "clear" | "set"
    )
}

fn thrown(msg: impl Into<String>) -> Fault {
    Fault::Invocation(msg.into())
}

fn out_of_bounds(index: i64, len: usize) -> Fault {
    thrown(format!(
        "IndexOutOfBoundsException: Index {index} out of bounds for length {len}"
    ))
}

/// `$x.name` without parentheses: a map key, or a Java bean getter (`isEmpty` → `empty`).
pub(crate) fn property(recv: &Value, name: &str) -> Value {
    match recv {
        Value::Map(m) => m.get(name).cloned().unwrap_or(Value::Null),
        other => bean_property(other, name),
    }
}

pub(crate) fn property_owned(recv: Value, name: &str) -> Value {
    match recv {
        Value::Map(m) => m.take(name).unwrap_or(Value::Null),
        other => bean_property(&other, name),
    }
}

fn bean_property(recv: &Value, name: &str) -> Value {
    match (recv, name) {
        (Value::List(l), "empty") => Value::Bool(l.is_empty()),
        (Value::String(s), "empty") => Value::Bool(s.is_empty()),
        (Value::String(s), "blank") => Value::Bool(s.chars().all(char::is_whitespace)),
        _ => Value::Null,
    }
}

/// `$x[i]`: list position or map key; Velocity 1.7 raises on an out-of-range list index.
pub(crate) fn index(recv: &Value, idx: &Value) -> FaultResult<Value> {
    match (recv, idx) {
        (Value::List(l), Value::Int(i)) => usize::try_from(*i)
            .ok()
            .and_then(|u| l.get(u))
            .cloned()
            .ok_or_else(|| out_of_bounds(*i, l.len())),
        (Value::Map(m), key) => Ok(map_key(key)
            .and_then(|k| m.get(&k).cloned())
            .unwrap_or(Value::Null)),
        _ => Ok(Value::Null),
    }
}

/// Java maps here are keyed by strings; other keys are looked up by their `toString()`.
pub(crate) fn map_key(v: &Value) -> Option<String> {
    match v {
        Value::Null => None,
        Value::String(s) => Some(s.clone()),
        other => Some(other.to_java_string()),
    }
}

fn int_arg(args: &[Value], i: usize) -> Option<i64> {
    match args.get(i) {
        Some(Value::Int(n)) => Some(*n),
        _ => None,
    }
}

fn str_arg(args: &[Value], i: usize) -> Option<&str> {
    match args.get(i) {
        Some(Value::String(s)) => Some(s),
        _ => None,
    }
}

pub(crate) fn call(
    recv: &Value,
    name: &str,
    args: &[Value],
    budget: &mut Budget,
) -> FaultResult<Value> {
    budget.step(1)?;
    match (name, args.len()) {
        ("toString", 0) => {
            let s = recv.to_java_string();
            check_len(s.len())?;
            return Ok(Value::String(s));
        }
        ("equals", 1) => {
            return Ok(Value::Bool(
                args.first().is_some_and(|a| java_equals(recv, a)),
            ))
        }
        _ => {}
    }
    match recv {
        Value::Null => Ok(Value::Null),
        Value::String(s) => string_method(s, name, args),
        Value::List(l) => list_method(l, name, args),
        Value::Map(m) => map_method(m, name, args, budget),
        Value::Int(i) => Ok(int_method(*i, name, args)?),
        Value::Float(f) => Ok(float_method(*f, name, args)?),
        Value::Bool(b) => Ok(bool_method(*b, name, args)),
    }
}

fn utf16(s: &str) -> Vec<u16> {
    s.encode_utf16().collect()
}

fn from_utf16(units: &[u16]) -> String {
    String::from_utf16_lossy(units)
}

fn find_units(hay: &[u16], needle: &[u16], from: usize) -> Option<usize> {
    if needle.is_empty() {
        return (from <= hay.len()).then_some(from);
    }
    if from >= hay.len() {
        return None;
    }
    hay[from..]
        .windows(needle.len())
        .position(|w| w == needle)
        .map(|p| p + from)
}

fn rfind_units(hay: &[u16], needle: &[u16], from: usize) -> Option<usize> {
    let last_start = hay.len().checked_sub(needle.len())?;
    let start = from.min(last_start);
    (0..=start)
        .rev()
        .find(|&i| hay.get(i..i + needle.len()) == Some(needle))
}

/// Java's `String.trim`: strips everything up to and including U+0020 from both ends.
fn java_trim(s: &str) -> &str {
    s.trim_matches(|c: char| c <= ' ')
}

fn java_hash(s: &str) -> i64 {
    let mut h: i32 = 0;
    for unit in s.encode_utf16() {
        h = h.wrapping_mul(31).wrapping_add(i32::from(unit));
    }
    i64::from(h)
}

fn compare_units(a: &str, b: &str) -> i64 {
    let (a, b) = (utf16(a), utf16(b));
    for (x, y) in a.iter().zip(&b) {
        if x != y {
            return i64::from(*x) - i64::from(*y);
        }
    }
    a.len() as i64 - b.len() as i64
}

fn string_method(s: &str, name: &str, args: &[Value]) -> FaultResult<Value> {
    let string = |v: String| -> FaultResult<Value> {
        check_len(v.len())?;
        Ok(Value::String(v))
    };
    Ok(match (name, args.len()) {
        ("length", 0) => Value::Int(s.encode_utf16().count() as i64),
        ("isEmpty", 0) => Value::Bool(s.is_empty()),
        ("isBlank", 0) => Value::Bool(s.chars().all(char::is_whitespace)),
        ("intern", 0) => Value::String(s.to_string()),
        ("toLowerCase", 0) => Value::String(s.to_lowercase()),
        ("toUpperCase", 0) => Value::String(s.to_uppercase()),
        ("trim", 0) => Value::String(java_trim(s).to_string()),
        ("strip", 0) => Value::String(s.trim().to_string()),
        ("hashCode", 0) => Value::Int(java_hash(s)),
        ("substring", 1 | 2) => {
            let units = utf16(s);
            let len = units.len() as i64;
            let Some(begin) = int_arg(args, 0) else {
                return Ok(Value::Null);
            };
            let end = if args.len() == 2 {
                match int_arg(args, 1) {
                    Some(e) => e,
                    None => return Ok(Value::Null),
                }
            } else {
                len
            };
            if begin < 0 || end > len || begin > end {
                return Err(thrown(format!(
                    "StringIndexOutOfBoundsException: begin {begin}, end {end}, length {len}"
                )));
            }
            Value::String(from_utf16(&units[begin as usize..end as usize]))
        }
        ("charAt", 1) => {
            let units = utf16(s);
            let Some(i) = int_arg(args, 0) else {
                return Ok(Value::Null);
            };
            match usize::try_from(i).ok().and_then(|u| units.get(u)) {
                Some(unit) => Value::String(from_utf16(&[*unit])),
                None => {
                    return Err(thrown(format!(
                        "StringIndexOutOfBoundsException: index {i}, length {}",
                        units.len()
                    )))
                }
            }
        }
        ("indexOf" | "lastIndexOf", 1 | 2) => {
            let Some(needle) = str_arg(args, 0) else {
                return Ok(Value::Null);
            };
            let (hay, needle) = (utf16(s), utf16(needle));
            let from = if args.len() == 2 {
                match int_arg(args, 1) {
                    Some(f) => Some(f),
                    None => return Ok(Value::Null),
                }
            } else {
                None
            };
            let found = if name == "indexOf" {
                let from = from.unwrap_or(0).max(0) as usize;
                find_units(&hay, &needle, from)
            } else {
                match from {
                    Some(f) if f < 0 => None,
                    Some(f) => rfind_units(&hay, &needle, f as usize),
                    None => rfind_units(&hay, &needle, hay.len()),
                }
            };
            Value::Int(found.map_or(-1, |i| i as i64))
        }
        ("contains", 1) => match str_arg(args, 0) {
            Some(n) => Value::Bool(s.contains(n)),
            None => Value::Null,
        },
        ("startsWith", 1) => match str_arg(args, 0) {
            Some(p) => Value::Bool(s.starts_with(p)),
            None => Value::Null,
        },
        ("startsWith", 2) => match (str_arg(args, 0), int_arg(args, 1)) {
            (Some(p), Some(off)) => {
                let (hay, p) = (utf16(s), utf16(p));
                let ok = usize::try_from(off)
                    .ok()
                    .and_then(|o| hay.get(o..o + p.len()))
                    .is_some_and(|w| w == p.as_slice());
                Value::Bool(ok)
            }
            _ => Value::Null,
        },
        ("endsWith", 1) => match str_arg(args, 0) {
            Some(p) => Value::Bool(s.ends_with(p)),
            None => Value::Null,
        },
        ("equalsIgnoreCase", 1) => match str_arg(args, 0) {
            Some(o) => Value::Bool(s.to_lowercase() == o.to_lowercase()),
            None => Value::Bool(false),
        },
        ("compareTo", 1) => match str_arg(args, 0) {
            Some(o) => Value::Int(compare_units(s, o)),
            None => Value::Null,
        },
        ("compareToIgnoreCase", 1) => match str_arg(args, 0) {
            Some(o) => Value::Int(compare_units(&s.to_lowercase(), &o.to_lowercase())),
            None => Value::Null,
        },
        ("concat", 1) => match str_arg(args, 0) {
            Some(o) => string(format!("{s}{o}"))?,
            None => Value::Null,
        },
        ("repeat", 1) => match int_arg(args, 0) {
            Some(n) if n >= 0 => {
                let total = (s.len() as u128) * (n as u128);
                check_len(usize::try_from(total).unwrap_or(usize::MAX))?;
                Value::String(s.repeat(n as usize))
            }
            Some(n) => {
                return Err(thrown(format!(
                    "IllegalArgumentException: count is negative: {n}"
                )))
            }
            None => Value::Null,
        },
        ("replace", 2) => match (str_arg(args, 0), str_arg(args, 1)) {
            (Some(from), Some(to)) => {
                let count = if from.is_empty() {
                    s.chars().count() + 1
                } else {
                    s.matches(from).count()
                };
                let grown = s.len() + count.saturating_mul(to.len());
                check_len(grown)?;
                Value::String(s.replace(from, to))
            }
            _ => Value::Null,
        },
        ("replaceAll" | "replaceFirst", 2) => match (str_arg(args, 0), str_arg(args, 1)) {
            (Some(pattern), Some(replacement)) => {
                let all = name == "replaceAll";
                string(regex_replace(s, pattern, replacement, all)?)?
            }
            _ => Value::Null,
        },
        ("matches", 1) => match str_arg(args, 0) {
            Some(pattern) => Value::Bool(compile_regex(pattern, true)?.is_match(s)),
            None => Value::Null,
        },
        ("split", 1 | 2) => {
            let Some(pattern) = str_arg(args, 0) else {
                return Ok(Value::Null);
            };
            let limit = if args.len() == 2 {
                match int_arg(args, 1) {
                    Some(l) => l,
                    None => return Ok(Value::Null),
                }
            } else {
                0
            };
            Value::List(
                split(s, pattern, limit)?
                    .into_iter()
                    .map(Value::String)
                    .collect(),
            )
        }
        ("toCharArray", 0) => Value::List(
            s.encode_utf16()
                .map(|u| Value::String(from_utf16(&[u])))
                .collect(),
        ),
        _ => Value::Null,
    })
}

/// Compiled-size cap handed to regex-lite. Together with [`MAX_REGEX_LEN`] it keeps `m` small
/// in regex-lite's `O(m * n)` search bound (`a{1000}{1000}` is short but enormous).
const REGEX_SIZE_LIMIT: usize = 1 << 20;

fn pattern_error(msg: impl std::fmt::Display) -> Fault {
    thrown(format!("PatternSyntaxException: {msg}"))
}

/// Rewrites the `java.util.regex` syntax that regex-lite spells differently: `\Q...\E` quoting
/// (not supported there), and `\<` `\>`, literal in Java but word boundaries in regex-lite.
/// Everything else passes through, so lookaround, back-references and `\p{...}` are rejected by
/// regex-lite as Java would reject an invalid pattern.
fn translate_pattern(pattern: &str) -> String {
    let mut out = String::with_capacity(pattern.len());
    let mut chars = pattern.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('Q') => {
                let rest = chars.as_str();
                let (quoted, tail) = rest.split_once("\\E").unwrap_or((rest, ""));
                out.push_str(&regex_lite::escape(quoted));
                chars = tail.chars();
            }
            Some(c @ ('<' | '>')) => out.push(c),
            Some(c) => {
                out.push('\\');
                out.push(c);
            }
            None => out.push('\\'),
        }
    }
    out
}

fn build_regex(pattern: &str) -> FaultResult<Regex> {
    RegexBuilder::new(pattern)
        .size_limit(REGEX_SIZE_LIMIT)
        .build()
        .map_err(pattern_error)
}

/// Compiles a template's Java regex; `anchored` requires it to match the whole text, as
/// `String.matches` does.
fn compile_regex(pattern: &str, anchored: bool) -> FaultResult<Regex> {
    if pattern.chars().count() > MAX_REGEX_LEN {
        return Err(Fault::Limit(format!(
            "regular expression longer than {MAX_REGEX_LEN} characters"
        )));
    }
    let translated = translate_pattern(pattern);
    let re = build_regex(&translated)?;
    if !anchored {
        return Ok(re);
    }
    // Compiled as written first, so an unbalanced `a)|(b` is an error rather than something
    // the wrapping happens to balance.
    build_regex(&format!("^(?:{translated})$"))
}

/// Where Java's `Matcher.find` resumes after a match: at its end, or one character further
/// for an empty match. Past `text.len()` when there is nothing left to search.
fn next_search(text: &str, m: &Match) -> usize {
    if m.is_empty() {
        m.end()
            + text
                .get(m.end()..)
                .and_then(|r| r.chars().next())
                .map_or(1, char::len_utf8)
    } else {
        m.end()
    }
}

/// Java's `Matcher.appendReplacement` syntax: `$n` and `${name}` insert a group, `\x` inserts x
/// literally.
fn expand_replacement(
    replacement: &[char],
    re: &Regex,
    caps: &Captures,
    out: &mut String,
) -> FaultResult<()> {
    let groups = re.captures_len().saturating_sub(1);
    let mut i = 0;
    while let Some(&c) = replacement.get(i) {
        i += 1;
        match c {
            '\\' => match replacement.get(i) {
                Some(&next) => {
                    out.push(next);
                    i += 1;
                }
                None => {
                    return Err(thrown(
                        "IllegalArgumentException: character to be escaped is missing",
                    ))
                }
            },
            '$' if replacement.get(i) == Some(&'{') => {
                let rest = replacement.get(i + 1..).unwrap_or_default();
                let Some(close) = rest.iter().position(|&c| c == '}') else {
                    return Err(thrown(
                        "IllegalArgumentException: named capturing group is missing trailing '}'",
                    ));
                };
                let name: String = rest.get(..close).unwrap_or_default().iter().collect();
                if !re.capture_names().any(|n| n == Some(name.as_str())) {
                    return Err(thrown(format!(
                        "IllegalArgumentException: No group with name {{{name}}}"
                    )));
                }
                i += close + 2;
                out.push_str(caps.name(&name).map_or("", |m| m.as_str()));
            }
            '$' => {
                let Some(first) = replacement.get(i).and_then(|c| c.to_digit(10)) else {
                    return Err(thrown("IllegalArgumentException: Illegal group reference"));
                };
                i += 1;
                let mut group = first as usize;
                // Java takes more digits only while they still name an existing group.
                while let Some(d) = replacement.get(i).and_then(|c| c.to_digit(10)) {
                    let next = group * 10 + d as usize;
                    if next > groups {
                        break;
                    }
                    group = next;
                    i += 1;
                }
                if group > groups {
                    return Err(thrown(format!(
                        "IndexOutOfBoundsException: No group {group}"
                    )));
                }
                out.push_str(caps.get(group).map_or("", |m| m.as_str()));
            }
            c => out.push(c),
        }
        check_len(out.len())?;
    }
    Ok(())
}

fn regex_replace(s: &str, pattern: &str, replacement: &str, all: bool) -> FaultResult<String> {
    let re = compile_regex(pattern, false)?;
    let repl: Vec<char> = replacement.chars().collect();
    let mut out = String::new();
    let mut last = 0;
    let mut from = 0;
    // Not `captures_iter`: it skips an empty match right after a non-empty one, Java does not
    // (`"aaa".replaceAll("a*", "X")` is `XX`).
    while from <= s.len() {
        let Some(caps) = re.captures_at(s, from) else {
            break;
        };
        let Some(m) = caps.get(0) else {
            break;
        };
        out.push_str(s.get(last..m.start()).unwrap_or_default());
        expand_replacement(&repl, &re, &caps, &mut out)?;
        last = m.end();
        from = next_search(s, &m);
        if !all {
            break;
        }
    }
    out.push_str(s.get(last..).unwrap_or_default());
    Ok(out)
}

/// Java's `String.split(regex, limit)`: at most `limit` parts when positive, trailing empty
/// strings dropped when `limit == 0`, and no leading empty string from a zero-width match.
fn split(s: &str, pattern: &str, limit: i64) -> FaultResult<Vec<String>> {
    let re = compile_regex(pattern, false)?;
    let mut parts: Vec<String> = Vec::new();
    let mut index = 0;
    let mut from = 0;
    while from <= s.len() {
        if limit > 0 && parts.len() as i64 >= limit - 1 {
            break;
        }
        let Some(m) = re.find_at(s, from) else {
            break;
        };
        from = next_search(s, &m);
        if m.end() == 0 {
            continue;
        }
        parts.push(s.get(index..m.start()).unwrap_or_default().to_string());
        index = m.end();
        if parts.len() > MAX_COLLECTION {
            return Err(Fault::Limit("split produced too many parts".into()));
        }
    }
    if index == 0 {
        return Ok(vec![s.to_string()]);
    }
    parts.push(s.get(index..).unwrap_or_default().to_string());
    if limit == 0 {
        while parts.last().is_some_and(|p| p.is_empty()) {
            parts.pop();
        }
    }
    Ok(parts)
}

fn list_method(l: &[Value], name: &str, args: &[Value]) -> FaultResult<Value> {
    Ok(match (name, args.len()) {
        ("size", 0) => Value::Int(l.len() as i64),
        ("isEmpty", 0) => Value::Bool(l.is_empty()),
        ("get", 1) => match args.first() {
            Some(idx) => get_index(l, idx)?,
            None => Value::Null,
        },
        ("contains", 1) => Value::Bool(
            args.first()
                .is_some_and(|a| l.iter().any(|v| java_equals(v, a))),
        ),
        ("containsAll", 1) => match args.first() {
            Some(Value::List(other)) => {
                Value::Bool(other.iter().all(|a| l.iter().any(|v| java_equals(v, a))))
            }
            _ => Value::Null,
        },
        ("indexOf", 1) => {
            let found = args
                .first()
                .and_then(|a| l.iter().position(|v| java_equals(v, a)));
            Value::Int(found.map_or(-1, |i| i as i64))
        }
        ("lastIndexOf", 1) => {
            let found = args
                .first()
                .and_then(|a| l.iter().rposition(|v| java_equals(v, a)));
            Value::Int(found.map_or(-1, |i| i as i64))
        }
        ("subList", 2) => match (int_arg(args, 0), int_arg(args, 1)) {
            (Some(a), Some(b)) => {
                if a < 0 || b > l.len() as i64 || a > b {
                    return Err(thrown(format!(
                        "IndexOutOfBoundsException: fromIndex {a}, toIndex {b}, size {}",
                        l.len()
                    )));
                }
                Value::List(l[a as usize..b as usize].to_vec())
            }
            _ => Value::Null,
        },
        _ => Value::Null,
    })
}

fn get_index(l: &[Value], idx: &Value) -> FaultResult<Value> {
    let Value::Int(i) = idx else {
        return Ok(Value::Null);
    };
    usize::try_from(*i)
        .ok()
        .and_then(|u| l.get(u))
        .cloned()
        .ok_or_else(|| out_of_bounds(*i, l.len()))
}

fn entry(key: &str, value: &Value) -> Value {
    let mut e = Map::new();
    e.insert("key", Value::String(key.to_string()));
    e.insert("value", value.clone());
    Value::Map(e)
}

fn map_method(m: &Map, name: &str, args: &[Value], budget: &mut Budget) -> FaultResult<Value> {
    let lookup = |k: &Value| map_key(k).and_then(|k| m.get(&k).cloned());
    Ok(match (name, args.len()) {
        ("get", 1) => args.first().and_then(lookup).unwrap_or(Value::Null),
        ("getOrDefault", 2) => args
            .first()
            .and_then(lookup)
            .or_else(|| args.get(1).cloned())
            .unwrap_or(Value::Null),
        ("containsKey", 1) => Value::Bool(
            args.first()
                .and_then(map_key)
                .is_some_and(|k| m.contains_key(&k)),
        ),
        ("containsValue", 1) => Value::Bool(
            args.first()
                .is_some_and(|a| m.values().any(|v| java_equals(v, a))),
        ),
        ("keySet", 0) => Value::List(m.keys().map(|k| Value::String(k.to_string())).collect()),
        ("values", 0) => Value::List(m.values().cloned().collect()),
        ("entrySet", 0) => {
            let entries = Value::List(m.iter().map(|(k, v)| entry(k, v)).collect());
            budget.check_depth(&entries, 0)?;
            entries
        }
        ("size", 0) => Value::Int(m.len() as i64),
        ("isEmpty", 0) => Value::Bool(m.is_empty()),
        (_, 0) => {
            // Java objects seen as maps here, like `$foreach` or an entry, answer their getters.
            if let Some(v) = m.get(name) {
                return Ok(v.clone());
            }
            let bean = name
                .strip_prefix("get")
                .or_else(|| name.strip_prefix("is"))
                .filter(|rest| !rest.is_empty());
            let Some(rest) = bean else {
                return Ok(Value::Null);
            };
            let mut chars = rest.chars();
            let lowered: String = chars
                .next()
                .map(|c| c.to_lowercase().chain(chars).collect())
                .unwrap_or_default();
            m.get(&lowered)
                .or_else(|| m.get(rest))
                .cloned()
                .unwrap_or(Value::Null)
        }
        _ => Value::Null,
    })
}

fn number_format(what: &str, s: &str) -> Fault {
    thrown(format!(
        "NumberFormatException: For input string: \"{s}\" ({what})"
    ))
}

fn int_method(i: i64, name: &str, args: &[Value]) -> FaultResult<Value> {
    Ok(match (name, args.len()) {
        ("intValue" | "longValue" | "shortValue" | "byteValue", 0) => Value::Int(i),
        ("doubleValue" | "floatValue", 0) => Value::Float(i as f64),
        ("hashCode", 0) => Value::Int(i),
        ("compareTo", 1) => match args.first() {
            Some(Value::Int(o)) => Value::Int(i.cmp(o) as i64),
            _ => Value::Null,
        },
        // Static methods called through an instance, a common way to parse numbers in VTL.
        ("parseInt" | "valueOf", 1) => match str_arg(args, 0) {
            Some(s) => Value::Int(
                s.parse::<i32>()
                    .map(i64::from)
                    .map_err(|_| number_format("int", s))?,
            ),
            None => match args.first() {
                Some(Value::Int(n)) if name == "valueOf" => Value::Int(*n),
                _ => Value::Null,
            },
        },
        ("parseLong", 1) => match str_arg(args, 0) {
            Some(s) => Value::Int(s.parse::<i64>().map_err(|_| number_format("long", s))?),
            None => Value::Null,
        },
        _ => Value::Null,
    })
}

fn parse_java_double(s: &str) -> Option<f64> {
    let t = java_trim(s);
    let t = t.strip_suffix(['d', 'D', 'f', 'F']).unwrap_or(t);
    match t {
        "NaN" => Some(f64::NAN),
        "Infinity" | "+Infinity" => Some(f64::INFINITY),
        "-Infinity" => Some(f64::NEG_INFINITY),
        _ if t
            .chars()
            .any(|c| c.is_ascii_alphabetic() && c != 'e' && c != 'E') =>
        {
            None
        }
        _ => t.parse().ok(),
    }
}

fn float_method(f: f64, name: &str, args: &[Value]) -> FaultResult<Value> {
    Ok(match (name, args.len()) {
        ("doubleValue" | "floatValue", 0) => Value::Float(f),
        ("intValue" | "longValue", 0) => Value::Int(f as i64),
        ("isNaN", 0) => Value::Bool(f.is_nan()),
        ("isInfinite", 0) => Value::Bool(f.is_infinite()),
        ("compareTo", 1) => match args.first() {
            Some(Value::Float(o)) => Value::Int(f.partial_cmp(o).map_or(0, |o| o as i64)),
            _ => Value::Null,
        },
        ("parseDouble" | "valueOf", 1) => match str_arg(args, 0) {
            Some(s) => {
                Value::Float(parse_java_double(s).ok_or_else(|| number_format("double", s))?)
            }
            None => Value::Null,
        },
        _ => Value::Null,
    })
}

fn bool_method(b: bool, name: &str, args: &[Value]) -> Value {
    match (name, args.len()) {
        ("booleanValue", 0) => Value::Bool(b),
        ("parseBoolean" | "valueOf", 1) => match str_arg(args, 0) {
            Some(s) => Value::Bool(s.eq_ignore_ascii_case("true")),
            None => Value::Null,
        },
        _ => Value::Null,
    }
}

fn check_size(len: usize) -> FaultResult<()> {
    if len > MAX_COLLECTION {
        return Err(Fault::Limit(format!(
            "collection grew past {MAX_COLLECTION} elements"
        )));
    }
    Ok(())
}

/// Applies a mutating method to `recv` in place; anything else falls back to [`call`].
pub(crate) fn call_mut(
    recv: &mut Value,
    name: &str,
    mut args: Vec<Value>,
    budget: &mut Budget,
) -> FaultResult<Value> {
    budget.step(1)?;
    match recv {
        Value::List(list) => match (name, args.len()) {
            ("add", 1) => {
                check_size(list.len() + 1)?;
                list.extend(args.pop());
                return Ok(Value::Bool(true));
            }
            ("add", 2) => {
                let value = args.pop().unwrap_or(Value::Null);
                let Some(i) = int_arg(&args, 0) else {
                    return Ok(Value::Null);
                };
                match usize::try_from(i).ok().filter(|&u| u <= list.len()) {
                    Some(u) => {
                        check_size(list.len() + 1)?;
                        list.insert(u, value);
                        return Ok(Value::Null);
                    }
                    None => return Err(out_of_bounds(i, list.len())),
                }
            }
            ("addAll", 1) => {
                if let Some(Value::List(items)) = args.pop() {
                    check_size(list.len() + items.len())?;
                    let changed = !items.is_empty();
                    list.extend(items);
                    return Ok(Value::Bool(changed));
                }
                return Ok(Value::Null);
            }
            ("remove", 1) => {
                return match args.first() {
                    Some(Value::Int(i)) => {
                        match usize::try_from(*i).ok().filter(|&u| u < list.len()) {
                            Some(u) => Ok(list.remove(u)),
                            None => Err(out_of_bounds(*i, list.len())),
                        }
                    }
                    Some(other) => match list.iter().position(|v| java_equals(v, other)) {
                        Some(at) => {
                            list.remove(at);
                            Ok(Value::Bool(true))
                        }
                        None => Ok(Value::Bool(false)),
                    },
                    None => Ok(Value::Null),
                };
            }
            ("set", 2) => {
                let value = args.pop().unwrap_or(Value::Null);
                let Some(i) = int_arg(&args, 0) else {
                    return Ok(Value::Null);
                };
                let len = list.len();
                return match usize::try_from(i).ok().and_then(|u| list.get_mut(u)) {
                    Some(slot) => Ok(std::mem::replace(slot, value)),
                    None => Err(out_of_bounds(i, len)),
                };
            }
            ("clear", 0) => {
                list.clear();
                return Ok(Value::Null);
            }
            _ => {}
        },
        Value::Map(map) => match (name, args.len()) {
            ("put", 2) => {
                let value = args.pop().unwrap_or(Value::Null);
                let Some(key) = args.first().and_then(map_key) else {
                    return Ok(Value::Null);
                };
                check_size(map.len() + 1)?;
                return Ok(map.insert(key, value).unwrap_or(Value::Null));
            }
            ("putIfAbsent", 2) => {
                let value = args.pop().unwrap_or(Value::Null);
                let Some(key) = args.first().and_then(map_key) else {
                    return Ok(Value::Null);
                };
                if let Some(existing) = map.get(&key).filter(|v| !v.is_null()) {
                    return Ok(existing.clone());
                }
                check_size(map.len() + 1)?;
                map.insert(key, value);
                return Ok(Value::Null);
            }
            ("putAll", 1) => {
                if let Some(Value::Map(other)) = args.pop() {
                    check_size(map.len() + other.len())?;
                    for (k, v) in other {
                        map.insert(k, v);
                    }
                }
                return Ok(Value::Null);
            }
            ("remove", 1) => {
                let key = args.first().and_then(map_key);
                return Ok(key.and_then(|k| map.remove(&k)).unwrap_or(Value::Null));
            }
            ("clear", 0) => {
                map.clear();
                return Ok(Value::Null);
            }
            _ => {}
        },
        _ => {}
    }
    call(recv, name, &args, budget)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn s(v: &str) -> Value {
        Value::String(v.into())
    }

    fn call_str(recv: &str, name: &str, args: &[Value]) -> FaultResult<Value> {
        call(&s(recv), name, args, &mut Budget::new())
    }

    #[test]
    fn split_like_java() {
        let parts = |text: &str, re: &str, limit: i64| split(text, re, limit).unwrap();
        assert_eq!(parts("a,b,,c,,", ",", 0), vec!["a", "b", "", "c"]);
        assert_eq!(parts("a,b,c", ",", 2), vec!["a", "b,c"]);
        assert_eq!(parts("", ",", 0), vec![""]);
        assert_eq!(parts("abc", "", 0), vec!["a", "b", "c"]);
        assert_eq!(parts("a1b22c", "\\d+", 0), vec!["a", "b", "c"]);
        assert_eq!(parts("a,b,,", ",", -1), vec!["a", "b", "", ""]);
        assert_eq!(parts("x|y", "\\|", 0), vec!["x", "y"]);
        assert_eq!(parts(",a,b", ",", 0), vec!["", "a", "b"]);
        assert_eq!(parts(",,", ",", 0), Vec::<String>::new());
        assert_eq!(parts("abc", "", -1), vec!["a", "b", "c", ""]);
        assert_eq!(parts("abc", "", 2), vec!["a", "bc"]);
        assert_eq!(parts("abc", "x", 1), vec!["abc"]);
        assert_eq!(parts("a,b", ",", 1), vec!["a,b"]);
        assert_eq!(parts("é, ü,ö", ",\\s*", 0), vec!["é", "ü", "ö"]);
        assert_eq!(parts("😀é", "", 0), vec!["😀", "é"]);
    }

    #[test]
    fn replace_all_groups_and_escapes() {
        assert_eq!(
            call_str("it\\'s", "replaceAll", &[s("\\\\'"), s("'")]).unwrap(),
            s("it's")
        );
        assert_eq!(
            call_str(
                "john smith",
                "replaceAll",
                &[s("(\\w+) (\\w+)"), s("$2, $1")]
            )
            .unwrap(),
            s("smith, john")
        );
        assert_eq!(
            call_str("aaa", "replaceFirst", &[s("a"), s("b")]).unwrap(),
            s("baa")
        );
        assert_eq!(
            call_str("abc", "replaceAll", &[s(""), s("-")]).unwrap(),
            s("-a-b-c-")
        );
        assert!(call_str("abc", "replaceAll", &[s("a"), s("$x")]).is_err());
        assert!(call_str("abc", "replaceAll", &[s("a"), s("$1")]).is_err());
        // No match: the replacement is never parsed, as in Java.
        assert_eq!(
            call_str("abc", "replaceAll", &[s("x"), s("$")]).unwrap(),
            s("abc")
        );
        assert_eq!(
            call_str("a.b", "replaceAll", &[s("\\."), s("\\$\\\\")]).unwrap(),
            s("a$\\b")
        );
        assert_eq!(
            call_str("ab", "replaceAll", &[s("(?<x>a)"), s("[${x}]")]).unwrap(),
            s("[a]b")
        );
        assert!(call_str("ab", "replaceAll", &[s("(?<x>a)"), s("${y}")]).is_err());
        // `$12` is group 1 then `2` when there is no group 12.
        assert_eq!(
            call_str("ab", "replaceAll", &[s("(a)(b)"), s("$12")]).unwrap(),
            s("a2")
        );
        // Empty matches, including the one right after a non-empty match.
        assert_eq!(
            call_str("aaa", "replaceAll", &[s("a*"), s("X")]).unwrap(),
            s("XX")
        );
        assert_eq!(
            call_str("baaab", "replaceAll", &[s("a*"), s("-")]).unwrap(),
            s("-b--b-")
        );
        // Byte offsets in the engine, characters in the text.
        assert_eq!(
            call_str(
                "héllo wörld",
                "replaceAll",
                &[s("(\\S+) (\\S+)"), s("$2 $1")]
            )
            .unwrap(),
            s("wörld héllo")
        );
        assert_eq!(
            call_str("é😀ü", "replaceAll", &[s(""), s("-")]).unwrap(),
            s("-é-😀-ü-")
        );
        assert_eq!(
            call_str("aé", "replaceFirst", &[s("é"), s("e")]).unwrap(),
            s("ae")
        );
    }

    fn first_match(pattern: &str, text: &str) -> Option<(usize, usize)> {
        let m = compile_regex(pattern, false).unwrap().find(text)?;
        Some((m.start(), m.end()))
    }

    fn full(pattern: &str, text: &str) -> bool {
        call_str(text, "matches", &[s(pattern)]).unwrap() == Value::Bool(true)
    }

    #[test]
    fn java_pattern_syntax() {
        assert_eq!(first_match("b+", "abbbc"), Some((1, 4)));
        assert_eq!(first_match("b+?", "abbbc"), Some((1, 2)));
        assert_eq!(first_match("[0-9]{2,3}", "a12345"), Some((1, 4)));
        assert_eq!(first_match("\\d+", "ab"), None);
        assert_eq!(first_match("x|bc", "abc"), Some((1, 3)));
        assert_eq!(first_match("^a", "ba"), None);
        assert_eq!(first_match("a$", "ba"), Some((1, 2)));
        assert_eq!(first_match("\\bfoo\\b", "a foo b"), Some((2, 5)));
        assert_eq!(first_match("(?i)HELLO", "say hello"), Some((4, 9)));
        assert_eq!(first_match("[^a-c]", "abcd"), Some((3, 4)));
        assert_eq!(first_match("\\\\'", "it\\'s"), Some((2, 4)));
        assert_eq!(first_match("(?<user>\\w+)@", "mail bob@x"), Some((5, 9)));
        // Translated: `\Q...\E` quotes, `\<` and `\>` are literal angle brackets.
        assert_eq!(first_match("\\Q.*\\E", "a.*b"), Some((1, 3)));
        assert_eq!(first_match("\\Q(a+\\E|z", "x(a+"), Some((1, 4)));
        assert_eq!(first_match("\\Q[unclosed", "a[unclosed"), Some((1, 10)));
        assert_eq!(first_match("\\\\Q", "a\\Q"), Some((1, 3)));
        assert_eq!(first_match("\\<b\\>", "a<b>"), Some((1, 4)));
    }

    #[test]
    fn matches_is_anchored() {
        assert!(full("[0-9]+", "12345"));
        assert!(!full("[0-9]+", "123a"));
        assert!(full("a|ab", "ab"));
        assert!(full("(a*)*", "aaa"));
        assert!(!full("(a*)*b", "aaaa"));
        assert!(!full("b", "abc"));
        assert!(full("(?i)abc", "ABC"));
        // Unbalanced patterns stay errors instead of being balanced by the anchoring group.
        assert!(call_str("ab", "matches", &[s("a)|(b")]).is_err());
    }

    #[test]
    fn bad_and_oversized_patterns() {
        for bad in [
            "(a", "a)", "*a", "(?=a)", "(?<!a)b", "(a)\\1", "[a", "\\p{L}",
        ] {
            let e = compile_regex(bad, false).unwrap_err();
            assert!(
                matches!(&e, Fault::Invocation(m) if m.starts_with("PatternSyntaxException")),
                "{bad}: {e:?}"
            );
        }
        assert!(matches!(
            compile_regex("(?:a{1000}){1000}", false),
            Err(Fault::Invocation(_))
        ));
        let long = "a".repeat(MAX_REGEX_LEN + 1);
        assert!(matches!(compile_regex(&long, false), Err(Fault::Limit(_))));
        assert!(compile_regex(&long[1..], false).is_ok());
    }

    #[test]
    fn utf16_indices() {
        assert_eq!(call_str("h😀i", "length", &[]).unwrap(), Value::Int(4));
        assert_eq!(
            call_str("h😀i", "indexOf", &[s("i")]).unwrap(),
            Value::Int(3)
        );
        assert_eq!(
            call_str("héllo", "substring", &[Value::Int(1), Value::Int(3)]).unwrap(),
            s("él")
        );
        assert!(call_str("abc", "substring", &[Value::Int(4)]).is_err());
        assert_eq!(
            call_str("abcabc", "lastIndexOf", &[s("bc")]).unwrap(),
            Value::Int(4)
        );
        assert_eq!(
            call_str("abcabc", "lastIndexOf", &[s("bc"), Value::Int(3)]).unwrap(),
            Value::Int(1)
        );
    }

    #[test]
    fn mutation() {
        let mut list = Value::List(vec![]);
        let mut b = Budget::new();
        assert_eq!(
            call_mut(&mut list, "add", vec![Value::Int(1)], &mut b).unwrap(),
            Value::Bool(true)
        );
        call_mut(&mut list, "add", vec![Value::Int(0), Value::Int(0)], &mut b).unwrap();
        assert_eq!(list, Value::List(vec![Value::Int(0), Value::Int(1)]));
        let mut map = Value::Map(Map::new());
        assert_eq!(
            call_mut(&mut map, "put", vec![s("k"), Value::Int(1)], &mut b).unwrap(),
            Value::Null
        );
        assert_eq!(
            call_mut(&mut map, "put", vec![s("k"), Value::Int(2)], &mut b).unwrap(),
            Value::Int(1)
        );
        assert_eq!(
            call_mut(&mut map, "size", vec![], &mut b).unwrap(),
            Value::Int(1)
        );
    }
}
