//! References, expressions and block structure.
//!
//! String literals follow Velocity 1.7, not Java: backslashes are kept as written (so the
//! common `.replaceAll("\\'", "'")` idiom hands the regex engine a real backslash), a doubled
//! quote stands for one quote, and only `\uXXXX` is decoded.

use std::collections::HashSet;

use crate::ast::{BinOp, Expr, Node, Pos, Reference, Segment};
use crate::error::ParseError;
use crate::lexer::{self, Cursor, Directive, Item};

/// In text a malformed `[` after a reference is just text; inside a directive it is an error.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Mode {
    Text,
    Expr,
}

fn is_ident_start(c: char) -> bool {
    c.is_ascii_alphabetic() || c == '_'
}

/// Velocity identifiers may contain hyphens, which is why `$context.responseOverride.header.X-Foo`
/// names a single header.
fn is_ident_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_' || c == '-'
}

fn read_ident(cur: &mut Cursor) -> Option<String> {
    let start = cur.pos;
    if !cur.peek().is_some_and(is_ident_start) {
        return None;
    }
    while cur.peek().is_some_and(is_ident_char) {
        cur.bump();
    }
    Some(cur.slice(start, cur.pos))
}

/// Whether a reference (`$x`, `$!x`, `${x}`, `$!{x}`) starts at `at`.
pub(crate) fn ref_starts_at(cur: &Cursor, at: usize) -> bool {
    if cur.char_at(at) != Some('$') {
        return false;
    }
    let mut i = at + 1;
    if cur.char_at(i) == Some('!') {
        i += 1;
    }
    if cur.char_at(i) == Some('{') {
        i += 1;
    }
    cur.char_at(i).is_some_and(is_ident_start)
}

pub(crate) fn skip_ws(cur: &mut Cursor) {
    while matches!(cur.peek(), Some(' ' | '\t' | '\n' | '\r')) {
        cur.bump();
    }
}

/// Parses a reference at a `$`. `Ok(None)` (cursor unchanged) when the `$` does not start one,
/// so the caller can print it as text.
pub(crate) fn parse_reference(
    cur: &mut Cursor,
    mode: Mode,
) -> Result<Option<Reference>, ParseError> {
    let start = cur.pos;
    let start_depth = cur.depth;
    let pos = cur.here();
    if !cur.eat('$') {
        return Ok(None);
    }
    let quiet = cur.eat('!');
    let formal = cur.eat('{');
    let Some(root) = read_ident(cur) else {
        cur.pos = start;
        return Ok(None);
    };
    let mut segments = Vec::new();
    loop {
        match cur.peek() {
            Some('.') if cur.peek_at(1).is_some_and(is_ident_start) => {
                cur.bump();
                let name = read_ident(cur).unwrap_or_default();
                if cur.peek() == Some('(') {
                    cur.bump();
                    let args = parse_args(cur)?;
                    segments.push(Segment::Call(name, args));
                } else {
                    segments.push(Segment::Property(name));
                }
            }
            Some('[') => {
                let save = cur.pos;
                cur.bump();
                let parsed = parse_index(cur);
                match (parsed, mode) {
                    (Ok(e), _) => segments.push(Segment::Index(e)),
                    (Err(_), Mode::Text) => {
                        cur.pos = save;
                        cur.depth = start_depth;
                        break;
                    }
                    (Err(e), Mode::Expr) => return Err(e),
                }
            }
            _ => break,
        }
    }
    if formal && !cur.eat('}') {
        if mode == Mode::Text {
            cur.pos = start;
            cur.depth = start_depth;
            return Ok(None);
        }
        return Err(cur.error("expected '}' to close '${'"));
    }
    let literal = cur.slice(start, cur.pos);
    Ok(Some(Reference {
        root,
        quiet,
        segments,
        literal,
        pos,
    }))
}

/// After the `[` of an index.
fn parse_index(cur: &mut Cursor) -> Result<Expr, ParseError> {
    cur.enter()?;
    let e = parse_expr(cur)?;
    skip_ws(cur);
    if !cur.eat(']') {
        return Err(cur.error("expected ']' to close an index"));
    }
    cur.leave();
    Ok(e)
}

/// After the `(` of a method call.
fn parse_args(cur: &mut Cursor) -> Result<Vec<Expr>, ParseError> {
    let open = cur.here();
    cur.enter()?;
    let mut args = Vec::new();
    skip_ws(cur);
    if !cur.eat(')') {
        loop {
            args.push(parse_expr(cur)?);
            skip_ws(cur);
            if cur.eat(',') {
                continue;
            }
            if cur.eat(')') {
                break;
            }
            return Err(cur.error(format!(
                "expected ',' or ')' in the argument list opened at line {}, column {}",
                open.line, open.column
            )));
        }
    }
    cur.leave();
    Ok(args)
}

pub(crate) fn parse_expr(cur: &mut Cursor) -> Result<Expr, ParseError> {
    parse_binary(cur, 0)
}

/// Binary operators by precedence level, loosest first.
const LEVELS: &[&[(&str, BinOp)]] = &[
    &[("||", BinOp::Or), ("or", BinOp::Or)],
    &[("&&", BinOp::And), ("and", BinOp::And)],
    &[
        ("==", BinOp::Eq),
        ("!=", BinOp::Ne),
        ("eq", BinOp::Eq),
        ("ne", BinOp::Ne),
    ],
    &[
        ("<=", BinOp::Le),
        (">=", BinOp::Ge),
        ("<", BinOp::Lt),
        (">", BinOp::Gt),
        ("lt", BinOp::Lt),
        ("le", BinOp::Le),
        ("gt", BinOp::Gt),
        ("ge", BinOp::Ge),
    ],
    &[("+", BinOp::Add), ("-", BinOp::Sub)],
    &[("*", BinOp::Mul), ("/", BinOp::Div), ("%", BinOp::Mod)],
];

fn peek_op(cur: &Cursor, level: usize) -> Option<(BinOp, usize)> {
    for (text, op) in LEVELS.get(level)?.iter() {
        if !cur.starts_with(text) {
            continue;
        }
        let len = text.chars().count();
        let is_word = text.chars().all(|c| c.is_ascii_alphabetic());
        if is_word
            && cur
                .peek_at(len)
                .is_some_and(|c| c.is_ascii_alphanumeric() || c == '_')
        {
            continue;
        }
        return Some((*op, len));
    }
    None
}

fn parse_binary(cur: &mut Cursor, level: usize) -> Result<Expr, ParseError> {
    if level >= LEVELS.len() {
        return parse_unary(cur);
    }
    let mut left = parse_binary(cur, level + 1)?;
    loop {
        skip_ws(cur);
        let Some((op, len)) = peek_op(cur, level) else {
            return Ok(left);
        };
        cur.pos += len;
        let right = parse_binary(cur, level + 1)?;
        left = Expr::Binary(op, Box::new(left), Box::new(right));
    }
}

fn parse_unary(cur: &mut Cursor) -> Result<Expr, ParseError> {
    skip_ws(cur);
    let word_not = cur.starts_with("not") && !cur.peek_at(3).is_some_and(is_ident_char);
    if (cur.peek() == Some('!') && cur.peek_at(1) != Some('=')) || word_not {
        cur.pos += if word_not { 3 } else { 1 };
        cur.enter()?;
        let inner = parse_unary(cur)?;
        cur.leave();
        return Ok(Expr::Not(Box::new(inner)));
    }
    if cur.peek() == Some('-') && !cur.peek_at(1).is_some_and(|c| c.is_ascii_digit()) {
        cur.bump();
        cur.enter()?;
        let inner = parse_unary(cur)?;
        cur.leave();
        return Ok(Expr::Neg(Box::new(inner)));
    }
    parse_primary(cur)
}

fn parse_primary(cur: &mut Cursor) -> Result<Expr, ParseError> {
    skip_ws(cur);
    let Some(c) = cur.peek() else {
        return Err(cur.error("expected an expression but the template ended"));
    };
    match c {
        '$' => match parse_reference(cur, Mode::Expr)? {
            Some(r) => Ok(Expr::Ref(r)),
            None => Err(cur.error("expected a reference name after '$'")),
        },
        '\'' | '"' => parse_string(cur, c),
        '0'..='9' | '-' => parse_number(cur),
        '[' => {
            cur.bump();
            cur.enter()?;
            let e = parse_list(cur)?;
            cur.leave();
            Ok(e)
        }
        '{' => {
            cur.bump();
            cur.enter()?;
            let e = parse_map(cur)?;
            cur.leave();
            Ok(e)
        }
        '(' => {
            let open = cur.here();
            cur.bump();
            cur.enter()?;
            let e = parse_expr(cur)?;
            skip_ws(cur);
            if !cur.eat(')') {
                return Err(cur.error(format!(
                    "expected ')' to match '(' at line {}, column {}",
                    open.line, open.column
                )));
            }
            cur.leave();
            Ok(e)
        }
        c if is_ident_start(c) => {
            let at = cur.pos;
            let word = read_ident(cur).unwrap_or_default();
            match word.as_str() {
                "true" => Ok(Expr::Bool(true)),
                "false" => Ok(Expr::Bool(false)),
                "null" => Ok(Expr::Null),
                _ => {
                    cur.pos = at;
                    Err(cur.error(format!("unexpected '{word}' in expression")))
                }
            }
        }
        _ => Err(cur.error(format!("unexpected '{c}' in expression"))),
    }
}

fn parse_number(cur: &mut Cursor) -> Result<Expr, ParseError> {
    let start = cur.pos;
    cur.eat('-');
    if !cur.peek().is_some_and(|c| c.is_ascii_digit()) {
        return Err(cur.error("expected a number"));
    }
    while cur.peek().is_some_and(|c| c.is_ascii_digit()) {
        cur.bump();
    }
    let mut float = false;
    // `1..5` is a range, so a '.' only starts a fraction when a digit follows it.
    if cur.peek() == Some('.') && cur.peek_at(1).is_some_and(|c| c.is_ascii_digit()) {
        float = true;
        cur.bump();
        while cur.peek().is_some_and(|c| c.is_ascii_digit()) {
            cur.bump();
        }
    }
    if matches!(cur.peek(), Some('e' | 'E')) {
        let digit_at = if matches!(cur.peek_at(1), Some('+' | '-')) {
            2
        } else {
            1
        };
        if cur.peek_at(digit_at).is_some_and(|c| c.is_ascii_digit()) {
            float = true;
            cur.pos += digit_at;
            while cur.peek().is_some_and(|c| c.is_ascii_digit()) {
                cur.bump();
            }
        }
    }
    let text = cur.slice(start, cur.pos);
    if !float {
        if let Ok(i) = text.parse::<i64>() {
            return Ok(Expr::Int(i));
        }
    }
    text.parse::<f64>()
        .map(Expr::Float)
        .map_err(|_| cur.error(format!("invalid number '{text}'")))
}

fn parse_list(cur: &mut Cursor) -> Result<Expr, ParseError> {
    skip_ws(cur);
    if cur.eat(']') {
        return Ok(Expr::List(Vec::new()));
    }
    let first = parse_expr(cur)?;
    skip_ws(cur);
    if cur.starts_with("..") {
        cur.pos += 2;
        let last = parse_expr(cur)?;
        skip_ws(cur);
        if !cur.eat(']') {
            return Err(cur.error("expected ']' to close a range"));
        }
        return Ok(Expr::Range(Box::new(first), Box::new(last)));
    }
    let mut items = vec![first];
    loop {
        skip_ws(cur);
        if cur.eat(']') {
            return Ok(Expr::List(items));
        }
        if !cur.eat(',') {
            return Err(cur.error("expected ',' or ']' in a list"));
        }
        items.push(parse_expr(cur)?);
    }
}

fn parse_map(cur: &mut Cursor) -> Result<Expr, ParseError> {
    let mut entries = Vec::new();
    skip_ws(cur);
    if cur.eat('}') {
        return Ok(Expr::Map(entries));
    }
    loop {
        let key = parse_expr(cur)?;
        skip_ws(cur);
        if !cur.eat(':') {
            return Err(cur.error("expected ':' after a map key"));
        }
        let value = parse_expr(cur)?;
        entries.push((key, value));
        skip_ws(cur);
        if cur.eat('}') {
            return Ok(Expr::Map(entries));
        }
        if !cur.eat(',') {
            return Err(cur.error("expected ',' or '}' in a map"));
        }
    }
}

fn parse_string(cur: &mut Cursor, quote: char) -> Result<Expr, ParseError> {
    let open = cur.here();
    cur.bump();
    let content_pos = cur.here();
    let mut raw = String::new();
    loop {
        match cur.bump() {
            None => return Err(ParseError::at(open, "unterminated string literal")),
            Some(c) if c == quote => {
                if cur.peek() == Some(quote) {
                    cur.bump();
                    raw.push(quote);
                } else {
                    break;
                }
            }
            Some('\\') => {
                raw.push('\\');
                if let Some(next) = cur.bump() {
                    raw.push(next);
                }
            }
            Some(c) => raw.push(c),
        }
    }
    let raw = unescape_unicode(&raw);
    if quote == '"' && (raw.contains('$') || raw.contains('#')) {
        cur.enter()?;
        let chars: Vec<char> = raw.chars().collect();
        let nodes = parse_nodes(&chars, content_pos, cur.depth)?;
        cur.leave();
        return Ok(Expr::Interpolated(nodes));
    }
    Ok(Expr::Str(raw))
}

fn unescape_unicode(raw: &str) -> String {
    if !raw.contains("\\u") {
        return raw.to_string();
    }
    let chars: Vec<char> = raw.chars().collect();
    let mut units: Vec<u16> = Vec::new();
    let mut out = String::new();
    let mut i = 0;
    let flush = |units: &mut Vec<u16>, out: &mut String| {
        if !units.is_empty() {
            out.push_str(&String::from_utf16_lossy(units));
            units.clear();
        }
    };
    while i < chars.len() {
        if chars[i] == '\\' && chars.get(i + 1) == Some(&'u') {
            let hex: String = chars.iter().skip(i + 2).take(4).collect();
            if hex.len() == 4 {
                if let Ok(unit) = u16::from_str_radix(&hex, 16) {
                    units.push(unit);
                    i += 6;
                    continue;
                }
            }
        }
        flush(&mut units, &mut out);
        out.push(chars[i]);
        i += 1;
    }
    flush(&mut units, &mut out);
    out
}

/// Parses template source (or an interpolated string's content) into nodes.
pub(crate) fn parse_nodes(
    chars: &[char],
    base: Pos,
    depth: usize,
) -> Result<Vec<Node>, ParseError> {
    let mut cur = Cursor::new(chars, base, depth);
    let items = lexer::scan(&mut cur)?;
    let items = crate::whitespace::gobble(items);
    build(items, depth)
}

enum Terminator {
    ElseIf(Expr, Pos),
    Else(Pos),
    End(Pos),
}

fn build(items: Vec<Item>, depth: usize) -> Result<Vec<Node>, ParseError> {
    let mut iter = items.into_iter();
    let (nodes, term) = block(&mut iter, depth)?;
    match term {
        None => Ok(nodes),
        Some(Terminator::End(p)) => {
            Err(ParseError::at(p, "#end without a matching #if or #foreach"))
        }
        Some(Terminator::Else(p)) => Err(ParseError::at(p, "#else without a matching #if")),
        Some(Terminator::ElseIf(_, p)) => Err(ParseError::at(p, "#elseif without a matching #if")),
    }
}

fn push_text(nodes: &mut Vec<Node>, s: &str) {
    if let Some(Node::Text(t)) = nodes.last_mut() {
        t.push_str(s);
    } else {
        nodes.push(Node::Text(s.to_string()));
    }
}

fn block(
    iter: &mut std::vec::IntoIter<Item>,
    depth: usize,
) -> Result<(Vec<Node>, Option<Terminator>), ParseError> {
    let mut nodes = Vec::new();
    while let Some(item) = iter.next() {
        match item {
            Item::Text(s) | Item::Verbatim(s) | Item::Newline(s) => push_text(&mut nodes, &s),
            Item::BlockComment | Item::LineComment => {}
            Item::Ref(r) => nodes.push(Node::Ref(r)),
            Item::Directive(d, pos) => match d {
                Directive::Set(lhs, rhs) => nodes.push(Node::Set(lhs, rhs)),
                Directive::Break => nodes.push(Node::Break),
                Directive::Stop => nodes.push(Node::Stop),
                Directive::ElseIf(c) => return Ok((nodes, Some(Terminator::ElseIf(c, pos)))),
                Directive::Else => return Ok((nodes, Some(Terminator::Else(pos)))),
                Directive::End => return Ok((nodes, Some(Terminator::End(pos)))),
                Directive::If(cond) => {
                    let inner = nested(depth, pos)?;
                    let unterminated =
                        || ParseError::at(pos, "#if has no matching #end before the template ends");
                    let mut branches = Vec::new();
                    let mut cond = cond;
                    let otherwise = loop {
                        let (body, term) = block(iter, inner)?;
                        branches.push((cond, body));
                        match term {
                            Some(Terminator::ElseIf(c, _)) => cond = c,
                            Some(Terminator::Else(_)) => {
                                let (body, term) = block(iter, inner)?;
                                match term {
                                    Some(Terminator::End(_)) => break Some(body),
                                    Some(Terminator::Else(p)) | Some(Terminator::ElseIf(_, p)) => {
                                        return Err(ParseError::at(p, "#else/#elseif after #else"))
                                    }
                                    None => return Err(unterminated()),
                                }
                            }
                            Some(Terminator::End(_)) => break None,
                            None => return Err(unterminated()),
                        }
                    };
                    nodes.push(Node::If {
                        branches,
                        otherwise,
                    });
                }
                Directive::Foreach(var, iterable) => {
                    let inner = nested(depth, pos)?;
                    let (body, term) = block(iter, inner)?;
                    match term {
                        Some(Terminator::End(_)) => {}
                        Some(Terminator::Else(p)) | Some(Terminator::ElseIf(_, p)) => {
                            return Err(ParseError::at(p, "#else inside #foreach without an #if"))
                        }
                        None => {
                            return Err(ParseError::at(
                                pos,
                                "#foreach has no matching #end before the template ends",
                            ))
                        }
                    }
                    nodes.push(Node::Foreach {
                        var,
                        iterable,
                        body,
                    });
                }
            },
        }
    }
    Ok((nodes, None))
}

fn nested(depth: usize, pos: Pos) -> Result<usize, ParseError> {
    let inner = depth + 1;
    if inner > crate::limits::MAX_PARSE_DEPTH {
        return Err(ParseError::at(
            pos,
            format!(
                "directives nested deeper than {} levels",
                crate::limits::MAX_PARSE_DEPTH
            ),
        ));
    }
    Ok(inner)
}

/// Names a template assigns (`#set` targets and loop variables): references rooted at them
/// print nothing when null, like API Gateway's own variables.
pub(crate) fn assigned_names(nodes: &[Node], out: &mut HashSet<String>) {
    for node in nodes {
        match node {
            Node::Text(_) | Node::Break | Node::Stop => {}
            Node::Ref(r) => reference_names(r, out),
            Node::Set(lhs, rhs) => {
                out.insert(lhs.root.clone());
                reference_names(lhs, out);
                expr_names(rhs, out);
            }
            Node::If {
                branches,
                otherwise,
            } => {
                for (cond, body) in branches {
                    expr_names(cond, out);
                    assigned_names(body, out);
                }
                if let Some(body) = otherwise {
                    assigned_names(body, out);
                }
            }
            Node::Foreach {
                var,
                iterable,
                body,
            } => {
                out.insert(var.clone());
                expr_names(iterable, out);
                assigned_names(body, out);
            }
        }
    }
}

fn reference_names(r: &Reference, out: &mut HashSet<String>) {
    for seg in &r.segments {
        match seg {
            Segment::Property(_) => {}
            Segment::Call(_, args) => args.iter().for_each(|a| expr_names(a, out)),
            Segment::Index(e) => expr_names(e, out),
        }
    }
}

fn expr_names(e: &Expr, out: &mut HashSet<String>) {
    match e {
        Expr::Interpolated(nodes) => assigned_names(nodes, out),
        Expr::List(items) => items.iter().for_each(|i| expr_names(i, out)),
        Expr::Range(a, b) | Expr::Binary(_, a, b) => {
            expr_names(a, out);
            expr_names(b, out);
        }
        Expr::Map(entries) => entries.iter().for_each(|(k, v)| {
            expr_names(k, out);
            expr_names(v, out);
        }),
        Expr::Ref(r) => reference_names(r, out),
        Expr::Not(a) | Expr::Neg(a) => expr_names(a, out),
        Expr::Null | Expr::Bool(_) | Expr::Int(_) | Expr::Float(_) | Expr::Str(_) => {}
    }
}
