//! Applying updates to items.
//!
//! All SET operands are read from the item as it was before the update; then SETs, ADDs and
//! DELETEs are applied, and REMOVEs last, from the highest list index down, so every index in
//! the expression refers to the original list. Paths never overlap (the parser refuses that), so
//! no other ordering is observable. Failures leave the item untouched.

use std::collections::BTreeMap;

use nimbus_protocol::AwsError;

use crate::types::{AttributeValue, Item};

use super::ast::{Path, PathElement, SetValue, UpdateAction, UpdateExpr, UpdateOperand};

const MISSING: &str =
    "The provided expression refers to an attribute that does not exist in the item";
const BAD_TYPE: &str = "An operand in the update expression has an incorrect data type";
const LEGACY_BAD_TYPE: &str = "Type mismatch for attribute to update";
const BAD_PATH: &str = "The document path provided in the update expression is invalid for update";

fn fail<T>(message: &str) -> Result<T, AwsError> {
    Err(AwsError::validation(message))
}

impl UpdateExpr {
    /// Applies the update to `item` (the stored item, or just the key when there is none) and
    /// returns the paths it updated, for ReturnValues `UPDATED_OLD`/`UPDATED_NEW` (project the
    /// old or new item on them).
    pub fn apply(&self, item: &mut Item) -> Result<Vec<Path>, AwsError> {
        let bad_type = if self.legacy {
            LEGACY_BAD_TYPE
        } else {
            BAD_TYPE
        };
        let mut sets = Vec::new();
        for action in &self.actions {
            if let UpdateAction::Set(path, value) = action {
                sets.push((path, set_value(value, item)?));
            }
        }
        let mut work = item.clone();
        // Appends past the end of one list land in index order.
        sets.sort_by(|a, b| a.0.cmp(b.0));
        for (path, value) in sets {
            slot(&mut work, path)?.put(value);
        }
        for action in &self.actions {
            match action {
                UpdateAction::Add(path, value) => {
                    let mut s = slot(&mut work, path)?;
                    let sum = add(s.get(), value, self.legacy)
                        .ok_or_else(|| AwsError::validation(bad_type))??;
                    s.put(sum);
                }
                UpdateAction::Delete(path, value) => {
                    let mut s = slot(&mut work, path)?;
                    match s.get().map(|old| without(old, value)) {
                        None => {}
                        Some(None) => return fail(bad_type),
                        Some(Some(Some(rest))) => s.put(rest),
                        Some(Some(None)) => s.remove(),
                    }
                }
                UpdateAction::Set(..) | UpdateAction::Remove(_) => {}
            }
        }
        let mut removes: Vec<&Path> = self
            .actions
            .iter()
            .filter_map(|a| {
                if let UpdateAction::Remove(p) = a {
                    Some(p)
                } else {
                    None
                }
            })
            .collect();
        removes.sort_by(|a, b| b.cmp(a));
        for path in removes {
            // Removing something missing is fine, but below the top level its parent must exist.
            slot(&mut work, path)?.remove();
        }
        *item = work;
        Ok(self.actions.iter().map(|a| a.path().clone()).collect())
    }

    /// Refuses updates of key attributes, as DynamoDB does before applying anything:
    /// `is_key` says whether a top-level attribute is part of the table's key.
    pub fn check_key_attributes(&self, is_key: &dyn Fn(&str) -> bool) -> Result<(), AwsError> {
        if let Some(key) = self
            .actions
            .iter()
            .map(|a| a.path().top())
            .find(|top| is_key(top))
        {
            return Err(AwsError::validation(format!(
                "One or more parameter values were invalid: Cannot update attribute {key}. This attribute is part of the key"
            )));
        }
        let mut operand_paths = Vec::new();
        for action in &self.actions {
            if let UpdateAction::Set(_, value) = action {
                match value {
                    SetValue::Operand(o) => operand_paths_of(o, &mut operand_paths),
                    SetValue::Plus(a, b) | SetValue::Minus(a, b) => {
                        operand_paths_of(a, &mut operand_paths);
                        operand_paths_of(b, &mut operand_paths);
                    }
                }
            }
        }
        if let Some(p) = operand_paths
            .iter()
            .find(|p| p.is_nested() && is_key(p.top()))
        {
            return Err(AwsError::validation(format!(
                "Key attributes must be scalars; list random access '[]' and map lookup '.' are not allowed: Key: {}",
                p.top()
            )));
        }
        Ok(())
    }
}

fn operand_paths_of<'e>(o: &'e UpdateOperand, out: &mut Vec<&'e Path>) {
    match o {
        UpdateOperand::Path(p) => out.push(p),
        UpdateOperand::Value(_) => {}
        UpdateOperand::IfNotExists(p, alt) => {
            out.push(p);
            operand_paths_of(alt, out);
        }
        UpdateOperand::ListAppend(a, b) => {
            operand_paths_of(a, out);
            operand_paths_of(b, out);
        }
    }
}

fn set_value(v: &SetValue, item: &Item) -> Result<AttributeValue, AwsError> {
    let (a, b, minus) = match v {
        SetValue::Operand(o) => return operand(o, item),
        SetValue::Plus(a, b) => (a, b, false),
        SetValue::Minus(a, b) => (a, b, true),
    };
    let AttributeValue::N(x) = operand(a, item)? else {
        return fail(BAD_TYPE);
    };
    let AttributeValue::N(y) = operand(b, item)? else {
        return fail(BAD_TYPE);
    };
    let result = if minus { x.sub(&y) } else { x.add(&y) };
    result
        .map(AttributeValue::N)
        .map_err(|e| AwsError::validation(e.message()))
}

fn operand(o: &UpdateOperand, item: &Item) -> Result<AttributeValue, AwsError> {
    match o {
        UpdateOperand::Path(p) => p
            .resolve(item)
            .cloned()
            .ok_or_else(|| AwsError::validation(MISSING)),
        UpdateOperand::Value(v) => Ok(v.clone()),
        UpdateOperand::IfNotExists(p, alt) => match p.resolve(item) {
            Some(v) => Ok(v.clone()),
            None => operand(alt, item),
        },
        UpdateOperand::ListAppend(a, b) => {
            let AttributeValue::L(mut x) = operand(a, item)? else {
                return fail(BAD_TYPE);
            };
            let AttributeValue::L(y) = operand(b, item)? else {
                return fail(BAD_TYPE);
            };
            x.extend(y);
            Ok(AttributeValue::L(x))
        }
    }
}

/// ADD: numbers add (a missing attribute counts as 0), sets unite, and (for legacy
/// AttributeUpdates only) lists append. `None` when the types do not go together.
fn add(
    old: Option<&AttributeValue>,
    v: &AttributeValue,
    legacy: bool,
) -> Option<Result<AttributeValue, AwsError>> {
    use AttributeValue as V;
    Some(Ok(match (old, v) {
        (None, V::N(_) | V::SS(_) | V::NS(_) | V::BS(_)) => v.clone(),
        (None, V::L(_)) if legacy => v.clone(),
        (Some(V::N(x)), V::N(y)) => {
            return Some(
                x.add(y)
                    .map(V::N)
                    .map_err(|e| AwsError::validation(e.message())),
            )
        }
        (Some(V::SS(x)), V::SS(y)) => V::SS(union(x, y)),
        (Some(V::NS(x)), V::NS(y)) => V::NS(union(x, y)),
        (Some(V::BS(x)), V::BS(y)) => V::BS(union(x, y)),
        (Some(V::L(x)), V::L(y)) if legacy => V::L(x.iter().chain(y).cloned().collect()),
        _ => return None,
    }))
}

fn union<T: Clone + PartialEq>(x: &[T], y: &[T]) -> Vec<T> {
    let mut out = x.to_vec();
    out.extend(y.iter().filter(|e| !x.contains(e)).cloned());
    out
}

/// DELETE: a set minus the given elements; `Some(None)` when nothing is left, `None` when the
/// types do not go together.
fn without(old: &AttributeValue, v: &AttributeValue) -> Option<Option<AttributeValue>> {
    use AttributeValue as V;
    fn rest<T: Clone + PartialEq>(
        x: &[T],
        y: &[T],
        wrap: fn(Vec<T>) -> AttributeValue,
    ) -> Option<AttributeValue> {
        let left: Vec<T> = x.iter().filter(|e| !y.contains(e)).cloned().collect();
        (!left.is_empty()).then(|| wrap(left))
    }
    Some(match (old, v) {
        (V::SS(x), V::SS(y)) => rest(x, y, V::SS),
        (V::NS(x), V::NS(y)) => rest(x, y, V::NS),
        (V::BS(x), V::BS(y)) => rest(x, y, V::BS),
        _ => return None,
    })
}

/// Where a path's last step lives: a map entry or a list position.
enum Slot<'a> {
    Map(&'a mut BTreeMap<String, AttributeValue>, String),
    List(&'a mut Vec<AttributeValue>, usize),
}

impl Slot<'_> {
    fn get(&self) -> Option<&AttributeValue> {
        match self {
            Slot::Map(m, k) => m.get(k),
            Slot::List(l, i) => l.get(*i),
        }
    }

    fn put(&mut self, v: AttributeValue) {
        match self {
            Slot::Map(m, k) => {
                m.insert(k.clone(), v);
            }
            Slot::List(l, i) if *i < l.len() => l[*i] = v,
            Slot::List(l, _) => l.push(v),
        }
    }

    fn remove(&mut self) {
        match self {
            Slot::Map(m, k) => {
                m.remove(k.as_str());
            }
            Slot::List(l, i) if *i < l.len() => {
                l.remove(*i);
            }
            Slot::List(..) => {}
        }
    }
}

/// Finds the slot of `path`; every step before the last must exist with the right type.
fn slot<'a>(item: &'a mut Item, path: &Path) -> Result<Slot<'a>, AwsError> {
    let steps = path.elements();
    let Some((last, parents)) = steps.split_last() else {
        return fail(BAD_PATH);
    };
    if parents.is_empty() {
        return Ok(Slot::Map(item, path.top().to_string()));
    }
    let mut current = match item.get_mut(path.top()) {
        Some(v) => v,
        None => return fail(BAD_PATH),
    };
    for step in &parents[1..] {
        current = match (step, current) {
            (PathElement::Attr(k), AttributeValue::M(m)) => match m.get_mut(k) {
                Some(v) => v,
                None => return fail(BAD_PATH),
            },
            (PathElement::Index(i), AttributeValue::L(l)) => match l.get_mut(*i) {
                Some(v) => v,
                None => return fail(BAD_PATH),
            },
            _ => return fail(BAD_PATH),
        };
    }
    match (last, current) {
        (PathElement::Attr(k), AttributeValue::M(m)) => Ok(Slot::Map(m, k.clone())),
        (PathElement::Index(i), AttributeValue::L(l)) => Ok(Slot::List(l, *i)),
        _ => fail(BAD_PATH),
    }
}
