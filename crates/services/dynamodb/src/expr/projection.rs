//! Projections: the parts of an item a ProjectionExpression (or AttributesToGet, or the paths an
//! update touched) selects, keeping their place in the document.

use std::collections::BTreeMap;

use crate::types::{AttributeValue, Item};

use super::ast::{Path, PathElement};

/// A projection being built: whole values, or maps/lists holding some selected parts.
enum Node {
    Whole(AttributeValue),
    Map(BTreeMap<String, Node>),
    /// Selected list elements by original index; the result keeps them in index order without
    /// gaps, as DynamoDB does.
    List(BTreeMap<usize, Node>),
}

impl Node {
    fn into_value(self) -> AttributeValue {
        match self {
            Node::Whole(v) => v,
            Node::Map(m) => {
                AttributeValue::M(m.into_iter().map(|(k, n)| (k, n.into_value())).collect())
            }
            Node::List(l) => AttributeValue::L(l.into_values().map(Node::into_value).collect()),
        }
    }
}

/// The parts of `item` that `paths` select: `a.b` yields `{a: {M: {b: …}}}`, `l[1]` yields
/// `{l: {L: [element 1]}}`. Paths that lead nowhere select nothing.
pub fn project(item: &Item, paths: &[Path]) -> Item {
    let mut top: BTreeMap<String, Node> = BTreeMap::new();
    'paths: for path in paths {
        let Some(value) = path.resolve(item) else {
            continue;
        };
        let steps = path.elements();
        let mut node = top
            .entry(path.top().to_string())
            .or_insert_with(|| empty_for(steps.get(1)));
        for (i, step) in steps.iter().enumerate().skip(1) {
            let next = steps.get(i + 1);
            node = match (step, node) {
                (PathElement::Attr(k), Node::Map(m)) => {
                    m.entry(k.clone()).or_insert_with(|| empty_for(next))
                }
                (PathElement::Index(n), Node::List(l)) => {
                    l.entry(*n).or_insert_with(|| empty_for(next))
                }
                // An enclosing value is already selected whole: it includes this one.
                _ => continue 'paths,
            };
        }
        // A value selected whole replaces any parts of it selected before.
        *node = Node::Whole(value.clone());
    }
    top.into_iter().map(|(k, n)| (k, n.into_value())).collect()
}

/// The container the next step needs, or a placeholder for the value itself.
fn empty_for(next: Option<&PathElement>) -> Node {
    match next {
        Some(PathElement::Attr(_)) => Node::Map(BTreeMap::new()),
        Some(PathElement::Index(_)) => Node::List(BTreeMap::new()),
        None => Node::Map(BTreeMap::new()),
    }
}
