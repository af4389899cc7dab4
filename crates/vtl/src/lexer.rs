//! Splits template source into a flat run of text, references, directives and comments.
//!
//! The run stays flat until whitespace gobbling (see `whitespace.rs`) has looked at whole
//! lines; only then are `#if`/`#foreach` bodies nested by the parser.

use crate::ast::{Expr, Pos, Reference};
use crate::error::ParseError;
use crate::limits::MAX_PARSE_DEPTH;
use crate::parser::{self, Mode};

/// A position in a char slice, with enough bookkeeping to report 1-based line/column in the
/// original source even for the inside of an interpolated string literal.
pub(crate) struct Cursor<'a> {
    chars: &'a [char],
    pub pos: usize,
    line_starts: Vec<usize>,
    base: Pos,
    pub depth: usize,
}

impl<'a> Cursor<'a> {
    pub(crate) fn new(chars: &'a [char], base: Pos, depth: usize) -> Cursor<'a> {
        let mut line_starts = vec![0];
        for (i, c) in chars.iter().enumerate() {
            if *c == '\n' {
                line_starts.push(i + 1);
            }
        }
        Cursor {
            chars,
            pos: 0,
            line_starts,
            base,
            depth,
        }
    }

    pub(crate) fn peek(&self) -> Option<char> {
        self.chars.get(self.pos).copied()
    }

    pub(crate) fn peek_at(&self, offset: usize) -> Option<char> {
        self.chars.get(self.pos + offset).copied()
    }

    pub(crate) fn char_at(&self, index: usize) -> Option<char> {
        self.chars.get(index).copied()
    }

    pub(crate) fn bump(&mut self) -> Option<char> {
        let c = self.peek()?;
        self.pos += 1;
        Some(c)
    }

    pub(crate) fn eat(&mut self, c: char) -> bool {
        if self.peek() == Some(c) {
            self.pos += 1;
            true
        } else {
            false
        }
    }

    pub(crate) fn starts_with(&self, s: &str) -> bool {
        s.chars()
            .enumerate()
            .all(|(k, c)| self.chars.get(self.pos + k) == Some(&c))
    }

    pub(crate) fn find(&self, from: usize, s: &str) -> Option<usize> {
        let needle: Vec<char> = s.chars().collect();
        if needle.is_empty() || from > self.chars.len() {
            return None;
        }
        self.chars[from..]
            .windows(needle.len())
            .position(|w| w == needle.as_slice())
            .map(|i| i + from)
    }

    pub(crate) fn slice(&self, from: usize, to: usize) -> String {
        self.chars
            .get(from..to.min(self.chars.len()))
            .map(|s| s.iter().collect())
            .unwrap_or_default()
    }

    pub(crate) fn pos_of(&self, index: usize) -> Pos {
        let line_idx = match self.line_starts.binary_search(&index) {
            Ok(i) => i,
            Err(i) => i.saturating_sub(1),
        };
        let start = self.line_starts.get(line_idx).copied().unwrap_or(0);
        let column = index.saturating_sub(start) + 1;
        if line_idx == 0 {
            Pos {
                line: self.base.line,
                column: self.base.column + column - 1,
            }
        } else {
            Pos {
                line: self.base.line + line_idx,
                column,
            }
        }
    }

    pub(crate) fn here(&self) -> Pos {
        self.pos_of(self.pos)
    }

    pub(crate) fn error(&self, message: impl Into<String>) -> ParseError {
        ParseError::at(self.here(), message)
    }

    /// Enters one level of nesting; deep nesting is refused so evaluation recursion stays small.
    pub(crate) fn enter(&mut self) -> Result<(), ParseError> {
        self.depth += 1;
        if self.depth > MAX_PARSE_DEPTH {
            return Err(self.error(format!("nesting deeper than {MAX_PARSE_DEPTH} levels")));
        }
        Ok(())
    }

    pub(crate) fn leave(&mut self) {
        self.depth = self.depth.saturating_sub(1);
    }
}

#[derive(Debug, Clone)]
pub(crate) enum Item {
    /// Ordinary text; never contains a line break.
    Text(String),
    /// Text from `#[[ ]]#`: output as is and never gobbled, even if it is all whitespace.
    Verbatim(String),
    Newline(String),
    Ref(Reference),
    Directive(Directive, Pos),
    BlockComment,
    /// `## ...` including the line break that ends it, as in Velocity.
    LineComment,
}

#[derive(Debug, Clone)]
pub(crate) enum Directive {
    Set(Reference, Expr),
    If(Expr),
    ElseIf(Expr),
    Else,
    End,
    Foreach(String, Expr),
    Break,
    Stop,
}

const DIRECTIVES: &[&str] = &[
    "set", "if", "elseif", "else", "end", "foreach", "break", "stop",
];
const UNSUPPORTED: &[&str] = &["macro", "define", "include", "parse", "evaluate"];

fn is_word_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_'
}

/// Reads `#name` or `#{name}` at `at`; returns the name and the index just past it.
fn directive_name(cur: &Cursor, at: usize) -> Option<(String, usize)> {
    if cur.char_at(at) != Some('#') {
        return None;
    }
    let braced = cur.char_at(at + 1) == Some('{');
    let mut i = at + 1 + usize::from(braced);
    let start = i;
    while cur.char_at(i).is_some_and(|c| c.is_ascii_alphabetic()) {
        i += 1;
    }
    if i == start {
        return None;
    }
    let name = cur.slice(start, i);
    if braced {
        if cur.char_at(i) != Some('}') {
            return None;
        }
        i += 1;
    } else if cur.char_at(i).is_some_and(is_word_char) {
        return None;
    }
    Some((name, i))
}

fn directive_starts_at(cur: &Cursor, at: usize) -> bool {
    directive_name(cur, at).is_some_and(|(name, _)| DIRECTIVES.contains(&name.as_str()))
}

/// Scans a whole template (or the inside of an interpolated string) into items.
pub(crate) fn scan(cur: &mut Cursor) -> Result<Vec<Item>, ParseError> {
    let mut items = Vec::new();
    let mut text = String::new();
    fn flush(items: &mut Vec<Item>, text: &mut String) {
        if !text.is_empty() {
            items.push(Item::Text(std::mem::take(text)));
        }
    }
    while let Some(c) = cur.peek() {
        match c {
            '\n' => {
                flush(&mut items, &mut text);
                cur.bump();
                items.push(Item::Newline("\n".into()));
            }
            '\r' => {
                flush(&mut items, &mut text);
                cur.bump();
                let nl = if cur.eat('\n') { "\r\n" } else { "\r" };
                items.push(Item::Newline(nl.into()));
            }
            '\\' => {
                let start = cur.pos;
                let mut n = 0;
                while cur.char_at(start + n) == Some('\\') {
                    n += 1;
                }
                let after = start + n;
                let escapable = match cur.char_at(after) {
                    Some('$') => parser::ref_starts_at(cur, after),
                    Some('#') => directive_starts_at(cur, after),
                    _ => false,
                };
                if !escapable {
                    text.extend(std::iter::repeat_n('\\', n));
                    cur.pos = after;
                    continue;
                }
                // Pairs of backslashes print one each; an odd one out makes what follows literal.
                text.extend(std::iter::repeat_n('\\', n / 2));
                cur.pos = after;
                if n % 2 == 1 {
                    if cur.peek() == Some('$') {
                        let save = (cur.pos, cur.depth);
                        match parser::parse_reference(cur, Mode::Text) {
                            Ok(Some(r)) => text.push_str(&r.literal),
                            _ => {
                                (cur.pos, cur.depth) = save;
                                cur.bump();
                                text.push('$');
                            }
                        }
                    } else {
                        cur.bump();
                        text.push('#');
                    }
                }
            }
            '$' => {
                let start = cur.pos;
                match parser::parse_reference(cur, Mode::Text)? {
                    Some(r) => {
                        flush(&mut items, &mut text);
                        items.push(Item::Ref(r));
                    }
                    None => {
                        cur.pos = start + 1;
                        text.push('$');
                    }
                }
            }
            '#' => {
                if let Some(item) = scan_hash(cur)? {
                    flush(&mut items, &mut text);
                    items.push(item);
                } else {
                    cur.bump();
                    text.push('#');
                }
            }
            _ => {
                cur.bump();
                text.push(c);
            }
        }
    }
    flush(&mut items, &mut text);
    Ok(items)
}

/// Handles a `#` at the cursor: comment, unparsed block or directive. `None` means the `#` is
/// plain text (Velocity prints unknown `#words` as they are).
fn scan_hash(cur: &mut Cursor) -> Result<Option<Item>, ParseError> {
    let start = cur.pos;
    let start_pos = cur.here();
    match cur.peek_at(1) {
        Some('#') => {
            while let Some(c) = cur.peek() {
                if c == '\n' || c == '\r' {
                    break;
                }
                cur.bump();
            }
            cur.eat('\r');
            cur.eat('\n');
            return Ok(Some(Item::LineComment));
        }
        Some('*') => {
            let Some(end) = cur.find(start + 2, "*#") else {
                return Err(ParseError::at(start_pos, "unterminated #* comment (no *#)"));
            };
            cur.pos = end + 2;
            return Ok(Some(Item::BlockComment));
        }
        Some('[') if cur.peek_at(2) == Some('[') => {
            let Some(end) = cur.find(start + 3, "]]#") else {
                return Err(ParseError::at(start_pos, "unterminated #[[ block (no ]]#)"));
            };
            let content = cur.slice(start + 3, end);
            cur.pos = end + 3;
            return Ok(Some(Item::Verbatim(content)));
        }
        _ => {}
    }
    let Some((name, after)) = directive_name(cur, start) else {
        return Ok(None);
    };
    if UNSUPPORTED.contains(&name.as_str()) {
        return Err(ParseError::at(
            start_pos,
            format!("#{name} is not supported in API Gateway mapping templates"),
        ));
    }
    let directive = match name.as_str() {
        "else" => {
            cur.pos = after;
            Directive::Else
        }
        "end" => {
            cur.pos = after;
            Directive::End
        }
        "break" | "stop" => {
            cur.pos = after;
            // `#break($foreach)` names the scope to leave; only the innermost loop exists here.
            if cur.peek() == Some('(') {
                cur.bump();
                parser::skip_ws(cur);
                if cur.peek() != Some(')') {
                    parser::parse_expr(cur)?;
                    parser::skip_ws(cur);
                }
                if !cur.eat(')') {
                    return Err(cur.error(format!("expected ')' to close #{name}(")));
                }
            }
            if name == "break" {
                Directive::Break
            } else {
                Directive::Stop
            }
        }
        "set" | "if" | "elseif" | "foreach" => {
            cur.pos = after;
            while matches!(cur.peek(), Some(' ' | '\t')) {
                cur.bump();
            }
            if !cur.eat('(') {
                return Err(cur.error(format!("expected '(' after #{name}")));
            }
            let d = match name.as_str() {
                "set" => parse_set_args(cur)?,
                "foreach" => parse_foreach_args(cur)?,
                _ => {
                    let cond = parser::parse_expr(cur)?;
                    if name == "if" {
                        Directive::If(cond)
                    } else {
                        Directive::ElseIf(cond)
                    }
                }
            };
            parser::skip_ws(cur);
            if !cur.eat(')') {
                return Err(cur.error(format!(
                    "expected ')' to close #{name}( opened at line {}, column {}",
                    start_pos.line, start_pos.column
                )));
            }
            d
        }
        _ => return Ok(None),
    };
    Ok(Some(Item::Directive(directive, start_pos)))
}

fn parse_set_args(cur: &mut Cursor) -> Result<Directive, ParseError> {
    parser::skip_ws(cur);
    if cur.peek() != Some('$') {
        return Err(cur.error("#set must start with a reference, as in #set($x = ...)"));
    }
    let at = cur.here();
    let Some(lhs) = parser::parse_reference(cur, Mode::Expr)? else {
        return Err(cur.error("#set must start with a reference, as in #set($x = ...)"));
    };
    if lhs
        .segments
        .iter()
        .any(|s| matches!(s, crate::ast::Segment::Call(..)))
    {
        return Err(ParseError::at(
            at,
            "cannot #set the result of a method call",
        ));
    }
    parser::skip_ws(cur);
    if !cur.eat('=') || cur.peek() == Some('=') {
        return Err(cur.error("expected '=' in #set"));
    }
    let rhs = parser::parse_expr(cur)?;
    Ok(Directive::Set(lhs, rhs))
}

fn parse_foreach_args(cur: &mut Cursor) -> Result<Directive, ParseError> {
    parser::skip_ws(cur);
    let at = cur.here();
    let var = match cur.peek() {
        Some('$') => parser::parse_reference(cur, Mode::Expr)?,
        _ => None,
    };
    let Some(var) = var.filter(|r| r.segments.is_empty()) else {
        return Err(ParseError::at(
            at,
            "#foreach needs a plain loop variable, as in #foreach($item in $list)",
        ));
    };
    parser::skip_ws(cur);
    if !cur.starts_with("in") || cur.peek_at(2).is_some_and(is_word_char) {
        return Err(cur.error("expected 'in' in #foreach"));
    }
    cur.pos += 2;
    let iterable = parser::parse_expr(cur)?;
    Ok(Directive::Foreach(var.root, iterable))
}
