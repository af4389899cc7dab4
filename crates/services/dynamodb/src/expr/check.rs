//! What the semantic checks of all expression kinds share: substituting placeholders, the
//! reserved-word check, overlapping paths, and DynamoDB's wording.
//!
//! DynamoDB reports at most one semantic error per expression, chosen by category in a fixed
//! order (for example a reserved word before an undefined placeholder), and within a category
//! the first one in the text. Checks therefore record into `First` slots while walking the tree
//! in text order, and the caller picks the slot that ranks highest.

use crate::types::AttributeValue;

use super::ast::{Path, PathElement};
use super::context::ExprContext;
use super::reserved::is_reserved;
use super::syntax::{RawPath, RawStep};

/// The first error of one category.
#[derive(Debug, Default)]
pub(crate) struct First(pub Option<String>);

impl First {
    pub fn set(&mut self, message: impl FnOnce() -> String) {
        if self.0.is_none() {
            self.0 = Some(message());
        }
    }

    pub fn is_set(&self) -> bool {
        self.0.is_some()
    }

    pub fn take(&mut self) -> Option<String> {
        self.0.take()
    }
}

/// The first message among `slots`, in rank order.
pub(crate) fn first_of(slots: &mut [&mut First]) -> Option<String> {
    slots.iter_mut().find_map(|s| s.take())
}

pub(crate) fn reserved_message(name: &str) -> String {
    format!("Attribute name is a reserved keyword; reserved keyword: {name}")
}

pub(crate) fn undefined_name(placeholder: &str) -> String {
    format!("An expression attribute name used in the document path is not defined; attribute name: {placeholder}")
}

pub(crate) fn undefined_value(placeholder: &str) -> String {
    format!("An expression attribute value used in expression is not defined; attribute value: {placeholder}")
}

pub(crate) fn unknown_function(name: &str) -> String {
    format!("Invalid function name; function: {name}")
}

pub(crate) fn operand_count(function: &str, count: usize) -> String {
    format!("Incorrect number of operands for operator or function; operator or function: {function}, number of operands: {count}")
}

pub(crate) fn operand_type(function: &str, ty: &str) -> String {
    format!("Incorrect operand type for operator or function; operator or function: {function}, operand type: {ty}")
}

pub(crate) fn needs_path(function: &str) -> String {
    format!("Operator or function requires a document path; operator or function: {function}")
}

/// Substitutes a path's placeholders. Reserved bare names go to `reserved`, undefined
/// placeholders to `undefined`; the path is `None` when a placeholder is undefined.
pub(crate) fn resolve_path(
    ctx: &mut ExprContext<'_>,
    raw: &RawPath,
    reserved: &mut First,
    undefined: &mut First,
) -> Option<Path> {
    let mut steps = Vec::with_capacity(raw.0.len());
    let mut complete = true;
    for step in &raw.0 {
        match step {
            RawStep::Name(name) => {
                if is_reserved(name) {
                    reserved.set(|| reserved_message(name));
                }
                steps.push(PathElement::Attr(name.clone()));
            }
            RawStep::Placeholder(p) => match ctx.name(p) {
                Some(name) => steps.push(PathElement::Attr(name)),
                None => {
                    undefined.set(|| undefined_name(p));
                    complete = false;
                }
            },
            RawStep::Index(i) => steps.push(PathElement::Index(*i)),
        }
    }
    let mut steps = steps.into_iter();
    match (complete, steps.next()) {
        (true, Some(PathElement::Attr(top))) => {
            let mut path = Path::attr(top);
            steps.for_each(|s| path.push(s));
            Some(path)
        }
        _ => None,
    }
}

/// Substitutes a `:value` placeholder.
pub(crate) fn resolve_value(
    ctx: &mut ExprContext<'_>,
    placeholder: &str,
    undefined: &mut First,
) -> Option<AttributeValue> {
    let value = ctx.value(placeholder);
    if value.is_none() {
        undefined.set(|| undefined_value(placeholder));
    }
    value
}

/// Records whether `new` overlaps (one is a prefix of the other) or conflicts (a name where
/// the other has an index) with a path seen before it, then remembers it.
pub(crate) fn check_overlap(
    seen: &mut Vec<Path>,
    new: Path,
    overlap: &mut First,
    conflict: &mut First,
) {
    if overlap.is_set() {
        return;
    }
    for prev in seen.iter() {
        let mut shared_prefix = true;
        for (a, b) in prev.elements().iter().zip(new.elements()) {
            let same_kind = matches!(
                (a, b),
                (PathElement::Attr(_), PathElement::Attr(_))
                    | (PathElement::Index(_), PathElement::Index(_))
            );
            if !same_kind {
                conflict.set(|| {
                    format!("Two document paths conflict with each other; must remove or rewrite one of these paths; path one: {prev}, path two: {new}")
                });
                shared_prefix = false;
                break;
            }
            if a != b {
                shared_prefix = false;
                break;
            }
        }
        if shared_prefix {
            overlap.set(|| {
                format!("Two document paths overlap with each other; must remove or rewrite one of these paths; path one: {prev}, path two: {new}")
            });
            return;
        }
    }
    seen.push(new);
}

/// Checks a parsed projection: reserved words, then placeholders, then overlapping paths.
pub(crate) fn check_projection(
    ctx: &mut ExprContext<'_>,
    raw: &[RawPath],
) -> Result<Vec<Path>, String> {
    let (mut reserved, mut undefined, mut overlap, mut conflict) = Default::default();
    let mut seen = Vec::with_capacity(raw.len());
    for path in raw {
        // A path that does not resolve has left its error in `undefined`.
        if let Some(p) = resolve_path(ctx, path, &mut reserved, &mut undefined) {
            check_overlap(&mut seen, p, &mut overlap, &mut conflict);
        }
    }
    match first_of(&mut [&mut reserved, &mut undefined, &mut overlap, &mut conflict]) {
        Some(message) => Err(message),
        None => Ok(seen),
    }
}
