//! Splits expression text into tokens, and words syntax errors the way DynamoDB does:
//! `Syntax error; token: "<token>", near: "<previous token … next token>"`.

/// What a token is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Tok {
    /// `[A-Za-z_][A-Za-z0-9_]*`: a name, a keyword or a function name.
    Ident,
    /// `#` followed by `[A-Za-z0-9_]+`: an ExpressionAttributeNames placeholder.
    Name,
    /// `:` followed by `[A-Za-z0-9_]+`: an ExpressionAttributeValues placeholder.
    Value,
    /// `[0-9]+`: only meaningful as a list index.
    Int,
    /// Punctuation and operators: `( ) [ ] , . = <> < <= > >= + -`.
    Sym,
    /// Anything else (a lone `#` or `:`, `$`, `"`, non-ASCII letters…): always a syntax error.
    Other,
    /// The end of the text.
    Eof,
}

/// A token and where it sits in the text (byte offsets).
#[derive(Debug, Clone)]
pub(crate) struct Token {
    pub kind: Tok,
    pub start: usize,
    pub end: usize,
}

fn word_char(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_'
}

/// Tokenizes `text`; the last token is always `Eof`. Lexing never fails: characters no rule
/// accepts become `Other` tokens, which the parser then reports.
pub(crate) fn lex(text: &str) -> Vec<Token> {
    let bytes = text.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        if matches!(b, b' ' | b'\t' | b'\r' | b'\n') {
            i += 1;
            continue;
        }
        let start = i;
        let word_end =
            |from: usize| from + bytes[from..].iter().take_while(|&&c| word_char(c)).count();
        let kind = if b.is_ascii_alphabetic() || b == b'_' {
            i = word_end(i);
            Tok::Ident
        } else if b.is_ascii_digit() {
            i += bytes[i..].iter().take_while(|c| c.is_ascii_digit()).count();
            Tok::Int
        } else if b == b'#' || b == b':' {
            let end = word_end(i + 1);
            if end == i + 1 {
                i += 1;
                Tok::Other
            } else {
                i = end;
                if b == b'#' {
                    Tok::Name
                } else {
                    Tok::Value
                }
            }
        } else if matches!(
            b,
            b'(' | b')' | b'[' | b']' | b',' | b'.' | b'=' | b'+' | b'-'
        ) {
            i += 1;
            Tok::Sym
        } else if b == b'<' || b == b'>' {
            let two = bytes.get(i + 1).copied();
            i += if two == Some(b'=') || (b == b'<' && two == Some(b'>')) {
                2
            } else {
                1
            };
            Tok::Sym
        } else {
            // One whole character, however many bytes it takes.
            i += text[i..].chars().next().map_or(1, char::len_utf8);
            Tok::Other
        };
        out.push(Token {
            kind,
            start,
            end: i,
        });
    }
    out.push(Token {
        kind: Tok::Eof,
        start: text.len(),
        end: text.len(),
    });
    out
}

/// The text of token `i` as DynamoDB quotes it (`<EOF>` at the end).
pub(crate) fn token_text<'t>(text: &'t str, toks: &[Token], i: usize) -> &'t str {
    match toks.get(i) {
        Some(t) if t.kind != Tok::Eof => &text[t.start..t.end],
        _ => "<EOF>",
    }
}

/// The syntax error DynamoDB reports at token `i`: `near` spans from the previous token to the
/// next one (or to the end of the text).
pub(crate) fn syntax_error(text: &str, toks: &[Token], i: usize) -> String {
    let i = i.min(toks.len().saturating_sub(1));
    let from = match i.checked_sub(1).and_then(|p| toks.get(p)) {
        Some(prev) => prev.start,
        None => toks.get(i).map_or(text.len(), |t| t.start),
    };
    let to = match toks.get(i + 1) {
        Some(next) if next.kind != Tok::Eof => next.end,
        _ => text.len(),
    };
    format!(
        "Syntax error; token: \"{}\", near: \"{}\"",
        token_text(text, toks, i),
        &text[from..to]
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kinds(text: &str) -> Vec<(Tok, &str)> {
        lex(text)
            .into_iter()
            .map(|t| (t.kind, &text[t.start..t.end]))
            .collect()
    }

    #[test]
    fn splits_tokens() {
        assert_eq!(
            kinds("a.#b[12] <= :v_1<>x>=(y)"),
            vec![
                (Tok::Ident, "a"),
                (Tok::Sym, "."),
                (Tok::Name, "#b"),
                (Tok::Sym, "["),
                (Tok::Int, "12"),
                (Tok::Sym, "]"),
                (Tok::Sym, "<="),
                (Tok::Value, ":v_1"),
                (Tok::Sym, "<>"),
                (Tok::Ident, "x"),
                (Tok::Sym, ">="),
                (Tok::Sym, "("),
                (Tok::Ident, "y"),
                (Tok::Sym, ")"),
                (Tok::Eof, ""),
            ]
        );
        assert_eq!(
            kinds("# : ü$")[..4].iter().map(|t| t.1).collect::<Vec<_>>(),
            ["#", ":", "ü", "$"]
        );
        assert!(kinds("# : ü$")[..4].iter().all(|t| t.0 == Tok::Other));
    }

    #[test]
    fn words_syntax_errors_like_dynamodb() {
        let err = |text: &str, i: usize| syntax_error(text, &lex(text), i);
        // Captured from DynamoDB: "ADD hits : incr".
        assert_eq!(
            err("ADD hits : incr", 2),
            r#"Syntax error; token: ":", near: "hits : incr""#
        );
        assert_eq!(
            err("INVALID SYNTAX HERE", 0),
            r#"Syntax error; token: "INVALID", near: "INVALID SYNTAX""#
        );
        assert_eq!(
            err("SET", 1),
            r#"Syntax error; token: "<EOF>", near: "SET""#
        );
        assert_eq!(
            err("SET a = ", 3),
            r#"Syntax error; token: "<EOF>", near: "= ""#
        );
        assert_eq!(
            err("SET path = VALUE 1", 4),
            r#"Syntax error; token: "1", near: "VALUE 1""#
        );
    }
}
