//! Recursive-descent parsers for the three grammars (conditions, updates, projections).
//!
//! The grammar follows DynamoDB's: a condition alternative is tried before a parenthesized
//! group (so `(a) = b` is a comparison and `(a = b)` a group), and on failure the error names
//! the furthest token any alternative reached, as DynamoDB's parser generator does.

use super::ast::CompareOp;
use super::lexer::{lex, syntax_error, Tok, Token};
use super::syntax::*;

/// Deepest nesting of parentheses and function calls accepted. Real expressions stay far below
/// it; the bound keeps hostile input from exhausting the stack.
const MAX_DEPTH: usize = 128;

const CONDITION_KEYWORDS: &[&str] = &["BETWEEN", "IN", "AND", "OR", "NOT"];
const UPDATE_KEYWORDS: &[&str] = &["SET", "REMOVE", "ADD", "DELETE"];

/// A failed alternative; where it failed is tracked in `Parser::furthest`.
struct Fail;
type PResult<T> = Result<T, Fail>;

struct Parser<'t> {
    text: &'t str,
    toks: Vec<Token>,
    pos: usize,
    furthest: usize,
    keywords: &'static [&'static str],
    redundant_parens: bool,
}

/// Parses a condition (ConditionExpression, FilterExpression, KeyConditionExpression). The
/// error is the syntax error message without the `Invalid …:` prefix.
pub(crate) fn parse_condition(text: &str) -> Result<RawCondition, String> {
    let mut p = Parser::new(text, CONDITION_KEYWORDS);
    let parsed = p.cond_or(0).and_then(|(cond, _)| p.end().map(|_| cond));
    match parsed {
        Ok(cond) => Ok(RawCondition {
            cond,
            redundant_parens: p.redundant_parens,
        }),
        Err(Fail) => Err(p.error()),
    }
}

/// Parses an UpdateExpression into its clauses, in the order written.
pub(crate) fn parse_update(text: &str) -> Result<Vec<RawSection>, String> {
    let mut p = Parser::new(text, UPDATE_KEYWORDS);
    p.update().map_err(|Fail| p.error())
}

/// Parses a ProjectionExpression: comma-separated paths.
pub(crate) fn parse_projection(text: &str) -> Result<Vec<RawPath>, String> {
    let mut p = Parser::new(text, &[]);
    let parsed = p
        .list(|p| p.path())
        .and_then(|paths| p.end().map(|_| paths));
    parsed.map_err(|Fail| p.error())
}

impl<'t> Parser<'t> {
    fn new(text: &'t str, keywords: &'static [&'static str]) -> Parser<'t> {
        Parser {
            text,
            toks: lex(text),
            pos: 0,
            furthest: 0,
            keywords,
            redundant_parens: false,
        }
    }

    fn error(&self) -> String {
        syntax_error(self.text, &self.toks, self.furthest)
    }

    /// Records a failure at the current token.
    fn fail<T>(&mut self) -> PResult<T> {
        self.furthest = self.furthest.max(self.pos);
        Err(Fail)
    }

    fn kind_at(&self, i: usize) -> &Tok {
        self.toks.get(i).map_or(&Tok::Eof, |t| &t.kind)
    }

    fn text_at(&self, i: usize) -> &'t str {
        self.toks.get(i).map_or("", |t| &self.text[t.start..t.end])
    }

    fn is_sym(&self, i: usize, s: &str) -> bool {
        *self.kind_at(i) == Tok::Sym && self.text_at(i) == s
    }

    fn sym(&mut self, s: &str) -> bool {
        let found = self.is_sym(self.pos, s);
        if found {
            self.pos += 1;
        }
        found
    }

    fn expect_sym(&mut self, s: &str) -> PResult<()> {
        if self.sym(s) {
            Ok(())
        } else {
            self.fail()
        }
    }

    fn is_keyword_at(&self, i: usize) -> bool {
        *self.kind_at(i) == Tok::Ident
            && self
                .keywords
                .iter()
                .any(|k| k.eq_ignore_ascii_case(self.text_at(i)))
    }

    fn keyword(&mut self, kw: &str) -> bool {
        let found = *self.kind_at(self.pos) == Tok::Ident
            && self.text_at(self.pos).eq_ignore_ascii_case(kw);
        if found {
            self.pos += 1;
        }
        found
    }

    fn end(&mut self) -> PResult<()> {
        if *self.kind_at(self.pos) == Tok::Eof {
            Ok(())
        } else {
            self.fail()
        }
    }

    /// `item (',' item)*`
    fn list<T>(&mut self, mut item: impl FnMut(&mut Self) -> PResult<T>) -> PResult<Vec<T>> {
        let mut out = vec![item(self)?];
        while self.sym(",") {
            out.push(item(self)?);
        }
        Ok(out)
    }

    // ----- paths -----

    /// A path element name: a bare identifier that is not a keyword, or a `#name`.
    fn name_step(&mut self) -> PResult<RawStep> {
        let text = self.text_at(self.pos).to_string();
        match self.kind_at(self.pos) {
            Tok::Ident if !self.is_keyword_at(self.pos) => {
                self.pos += 1;
                Ok(RawStep::Name(text))
            }
            Tok::Name => {
                self.pos += 1;
                Ok(RawStep::Placeholder(text))
            }
            _ => self.fail(),
        }
    }

    fn path(&mut self) -> PResult<RawPath> {
        let mut path = RawPath(vec![self.name_step()?]);
        self.path_suffix(&mut path)?;
        Ok(path)
    }

    /// `('.' name | '[' digits ']')*`
    fn path_suffix(&mut self, path: &mut RawPath) -> PResult<()> {
        loop {
            if self.sym(".") {
                path.0.push(self.name_step()?);
            } else if self.sym("[") {
                let index = match self.kind_at(self.pos) {
                    Tok::Int => self.text_at(self.pos).parse::<usize>().ok(),
                    _ => None,
                };
                let Some(index) = index else {
                    return self.fail();
                };
                self.pos += 1;
                self.expect_sym("]")?;
                path.0.push(RawStep::Index(index));
            } else {
                return Ok(());
            }
        }
    }

    /// Whether a function call starts here: a non-keyword identifier followed by `(`.
    fn at_call(&self) -> bool {
        *self.kind_at(self.pos) == Tok::Ident
            && !self.is_keyword_at(self.pos)
            && self.is_sym(self.pos + 1, "(")
    }

    // ----- conditions -----

    /// Returns the condition and whether it is exactly a parenthesized group (so that a group
    /// directly inside another is recognised as redundant).
    fn cond_or(&mut self, depth: usize) -> PResult<(RawCond, bool)> {
        let (mut left, mut wrapped) = self.cond_and(depth)?;
        while self.keyword("OR") {
            let (right, _) = self.cond_and(depth)?;
            left = RawCond::Or(Box::new(left), Box::new(right));
            wrapped = false;
        }
        Ok((left, wrapped))
    }

    fn cond_and(&mut self, depth: usize) -> PResult<(RawCond, bool)> {
        let (mut left, mut wrapped) = self.cond_not(depth)?;
        while self.keyword("AND") {
            let (right, _) = self.cond_not(depth)?;
            left = RawCond::And(Box::new(left), Box::new(right));
            wrapped = false;
        }
        Ok((left, wrapped))
    }

    fn cond_not(&mut self, depth: usize) -> PResult<(RawCond, bool)> {
        if depth > MAX_DEPTH {
            return self.fail();
        }
        if self.keyword("NOT") {
            let (inner, _) = self.cond_not(depth + 1)?;
            return Ok((RawCond::Not(Box::new(inner)), false));
        }
        self.cond_primary(depth)
    }

    fn cond_primary(&mut self, depth: usize) -> PResult<(RawCond, bool)> {
        let (start, redundant) = (self.pos, self.redundant_parens);
        if let Ok(leaf) = self.leaf(depth) {
            return Ok((leaf, false));
        }
        self.pos = start;
        self.redundant_parens = redundant;
        if self.sym("(") {
            let (inner, inner_wrapped) = self.cond_or(depth + 1)?;
            self.expect_sym(")")?;
            self.redundant_parens |= inner_wrapped;
            return Ok((inner, true));
        }
        self.fail()
    }

    /// A comparison, BETWEEN, IN, or a function used as a condition.
    fn leaf(&mut self, depth: usize) -> PResult<RawCond> {
        let (left, left_wrapped) = self.operand(depth)?;
        let op = match self.text_at(self.pos) {
            _ if *self.kind_at(self.pos) != Tok::Sym => None,
            "=" => Some(CompareOp::Eq),
            "<>" => Some(CompareOp::Ne),
            "<" => Some(CompareOp::Lt),
            "<=" => Some(CompareOp::Le),
            ">" => Some(CompareOp::Gt),
            ">=" => Some(CompareOp::Ge),
            _ => None,
        };
        if let Some(op) = op {
            self.pos += 1;
            let (right, _) = self.operand(depth)?;
            return Ok(RawCond::Compare(op, left, right));
        }
        if self.keyword("BETWEEN") {
            let (low, _) = self.operand(depth)?;
            if !self.keyword("AND") {
                return self.fail();
            }
            let (high, _) = self.operand(depth)?;
            return Ok(RawCond::Between(left, low, high));
        }
        if self.keyword("IN") {
            self.expect_sym("(")?;
            let list = self.list(|p| p.operand(depth).map(|(o, _)| o))?;
            self.expect_sym(")")?;
            return Ok(RawCond::In(left, list));
        }
        match left {
            RawOperand::Call(call) if !left_wrapped => Ok(RawCond::Call(call)),
            _ => self.fail(),
        }
    }

    /// An operand, and whether it is exactly a parenthesized operand.
    fn operand(&mut self, depth: usize) -> PResult<(RawOperand, bool)> {
        if depth > MAX_DEPTH {
            return self.fail();
        }
        if self.sym("(") {
            let (inner, inner_wrapped) = self.operand(depth + 1)?;
            self.expect_sym(")")?;
            self.redundant_parens |= inner_wrapped;
            // `(a.b).c`: a parenthesized path may go on.
            return match inner {
                RawOperand::Path(mut path)
                    if self.is_sym(self.pos, ".") || self.is_sym(self.pos, "[") =>
                {
                    self.path_suffix(&mut path)?;
                    Ok((RawOperand::Path(path), false))
                }
                other => Ok((other, true)),
            };
        }
        if *self.kind_at(self.pos) == Tok::Value {
            self.pos += 1;
            return Ok((
                RawOperand::Value(self.text_at(self.pos - 1).to_string()),
                false,
            ));
        }
        if self.at_call() {
            let name = self.text_at(self.pos).to_string();
            self.pos += 2;
            let args = self.list(|p| p.operand(depth + 1).map(|(o, _)| o))?;
            self.expect_sym(")")?;
            return Ok((RawOperand::Call(RawCall { name, args }), false));
        }
        Ok((RawOperand::Path(self.path()?), false))
    }

    // ----- updates -----

    fn update(&mut self) -> PResult<Vec<RawSection>> {
        let mut sections = Vec::new();
        loop {
            let keyword = match UPDATE_KEYWORDS.iter().find(|k| self.keyword(k)) {
                Some(k) => *k,
                None => return self.fail(),
            };
            let actions = match keyword {
                "SET" => self.list(|p| {
                    let path = p.path()?;
                    p.expect_sym("=")?;
                    Ok(RawAction::Set(path, p.set_value()?))
                })?,
                "REMOVE" => self.list(|p| p.path().map(RawAction::Remove))?,
                _ => self.list(|p| {
                    let path = p.path()?;
                    if *p.kind_at(p.pos) != Tok::Value {
                        return p.fail();
                    }
                    p.pos += 1;
                    let value = p.text_at(p.pos - 1).to_string();
                    Ok(if keyword == "ADD" {
                        RawAction::Add(path, value)
                    } else {
                        RawAction::Delete(path, value)
                    })
                })?,
            };
            sections.push(RawSection { keyword, actions });
            if *self.kind_at(self.pos) == Tok::Eof {
                return Ok(sections);
            }
        }
    }

    /// `'(' set_expr ')' | set_expr`. A parenthesized operand followed by `+` or `-`
    /// (`(a) + :b`) is the second form.
    fn set_value(&mut self) -> PResult<RawSet> {
        let start = self.pos;
        if self.sym("(") {
            if let Ok(value) = self.set_expr() {
                if self.sym(")") && !self.is_sym(self.pos, "+") && !self.is_sym(self.pos, "-") {
                    return Ok(value);
                }
                self.furthest = self.furthest.max(self.pos);
            }
            self.pos = start;
        }
        self.set_expr()
    }

    /// `operand ('+' | '-') operand | operand`
    fn set_expr(&mut self) -> PResult<RawSet> {
        let left = self.update_operand_parens(0)?;
        if self.sym("+") {
            return Ok(RawSet::Plus(left, self.update_operand_parens(0)?));
        }
        if self.sym("-") {
            return Ok(RawSet::Minus(left, self.update_operand_parens(0)?));
        }
        Ok(RawSet::One(left))
    }

    /// `'(' operand ')' | operand`
    fn update_operand_parens(&mut self, depth: usize) -> PResult<RawOperand> {
        if self.sym("(") {
            let operand = self.update_operand(depth)?;
            self.expect_sym(")")?;
            return Ok(operand);
        }
        self.update_operand(depth)
    }

    fn update_operand(&mut self, depth: usize) -> PResult<RawOperand> {
        if depth > MAX_DEPTH {
            return self.fail();
        }
        if *self.kind_at(self.pos) == Tok::Value {
            self.pos += 1;
            return Ok(RawOperand::Value(self.text_at(self.pos - 1).to_string()));
        }
        if self.at_call() {
            let name = self.text_at(self.pos).to_string();
            self.pos += 2;
            let args = self.list(|p| p.update_operand_parens(depth + 1))?;
            self.expect_sym(")")?;
            return Ok(RawOperand::Call(RawCall { name, args }));
        }
        Ok(RawOperand::Path(self.path()?))
    }
}
