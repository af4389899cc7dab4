//! Directive whitespace ("gobbling").
//!
//! API Gateway templates indent their directives and must still produce valid, tidy JSON, so:
//!
//! * a line holding only whitespace, directives and comments prints nothing at all: its
//!   indentation and its line break go with the directives;
//! * otherwise, as in Velocity 1.7, a directive that ends a line takes the line break with it
//!   (`"a": 1 #if($more),#end⏎` prints `"a": 1 ,`), and `#set` takes the spaces before it.

use crate::lexer::{Directive, Item};

fn is_blank(item: &Item) -> bool {
    matches!(item, Item::Text(t) if t.chars().all(|c| c == ' ' || c == '\t'))
}

fn is_quiet(item: &Item) -> bool {
    matches!(
        item,
        Item::Directive(..) | Item::BlockComment | Item::LineComment
    )
}

pub(crate) fn gobble(items: Vec<Item>) -> Vec<Item> {
    let mut out = Vec::with_capacity(items.len());
    let mut line = Vec::new();
    for item in items {
        match item {
            Item::Newline(_) => {
                finish_line(&mut out, std::mem::take(&mut line), Some(item));
            }
            Item::LineComment => {
                // The comment swallowed its own line break, so the line ends here.
                line.push(item);
                finish_line(&mut out, std::mem::take(&mut line), None);
            }
            _ => line.push(item),
        }
    }
    finish_line(&mut out, line, None);
    out
}

fn finish_line(out: &mut Vec<Item>, line: Vec<Item>, newline: Option<Item>) {
    let only_directives =
        line.iter().any(is_quiet) && line.iter().all(|i| is_quiet(i) || is_blank(i));
    if only_directives {
        out.extend(
            line.into_iter()
                .filter(|i| matches!(i, Item::Directive(..))),
        );
        return;
    }
    let mut newline = newline;
    let last_content = line.iter().rposition(|i| !is_blank(i));
    let ends_with_directive = last_content
        .and_then(|at| line.get(at))
        .is_some_and(|i| matches!(i, Item::Directive(..)));
    let mut kept: Vec<Item> = Vec::with_capacity(line.len());
    for (at, item) in line.into_iter().enumerate() {
        if ends_with_directive && newline.is_some() && last_content.is_some_and(|l| at > l) {
            continue;
        }
        if matches!(item, Item::Directive(Directive::Set(..), _)) {
            if let Some(Item::Text(prev)) = kept.last_mut() {
                let trimmed = prev.trim_end_matches([' ', '\t']).len();
                prev.truncate(trimmed);
            }
        }
        kept.push(item);
    }
    if ends_with_directive {
        newline = None;
    }
    out.extend(kept);
    out.extend(newline);
}
