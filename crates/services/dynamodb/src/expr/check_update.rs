//! Semantic checks of a parsed UpdateExpression, producing the checked `UpdateExpr`.
//!
//! DynamoDB's order: reserved words, unknown function names, repeated clauses, undefined
//! `#names`, undefined `:values`, overlapping paths, conflicting paths, ADD/DELETE operand
//! types, function operand counts and types; each category reports its first occurrence.

use crate::types::AttributeValue;

use super::ast::{Path, SetValue, UpdateAction, UpdateExpr, UpdateOperand};
use super::check::*;
use super::context::ExprContext;
use super::syntax::{RawAction, RawOperand, RawSection, RawSet};

#[derive(Default)]
struct Slots {
    reserved: First,
    unknown: First,
    section: First,
    name: First,
    value: First,
    overlap: First,
    conflict: First,
    operand: First,
    function: First,
}

/// Checks a parsed update; the error is the message without the `Invalid UpdateExpression:`
/// prefix.
pub(crate) fn check_update(
    ctx: &mut ExprContext<'_>,
    sections: &[RawSection],
) -> Result<UpdateExpr, String> {
    let mut s = Slots::default();
    let mut seen_sections: Vec<&str> = Vec::new();
    let mut paths: Vec<Path> = Vec::new();
    let mut actions = Vec::new();
    for section in sections {
        for raw in &section.actions {
            if let Some(action) = action(ctx, raw, &mut s, &mut paths) {
                actions.push(action);
            }
        }
        if seen_sections.contains(&section.keyword) {
            s.section.set(|| {
                format!(
                    "The \"{}\" section can only be used once in an update expression;",
                    section.keyword
                )
            });
        }
        seen_sections.push(section.keyword);
    }
    let message = first_of(&mut [
        &mut s.reserved,
        &mut s.unknown,
        &mut s.section,
        &mut s.name,
        &mut s.value,
        &mut s.overlap,
        &mut s.conflict,
        &mut s.operand,
        &mut s.function,
    ]);
    match message {
        Some(m) => Err(m),
        None => Ok(UpdateExpr {
            actions,
            legacy: false,
        }),
    }
}

/// What an action does to its path, once checked.
enum Change {
    Set(SetValue),
    Remove,
    Add(AttributeValue),
    Delete(AttributeValue),
}

/// Checks one action; `None` when it could not be built (an error was recorded).
fn action(
    ctx: &mut ExprContext<'_>,
    raw: &RawAction,
    s: &mut Slots,
    paths: &mut Vec<Path>,
) -> Option<UpdateAction> {
    let raw_path = match raw {
        RawAction::Set(p, _)
        | RawAction::Remove(p)
        | RawAction::Add(p, _)
        | RawAction::Delete(p, _) => p,
    };
    let path = resolve_path(ctx, raw_path, &mut s.reserved, &mut s.name);
    let change = match raw {
        RawAction::Set(_, value) => set_value(ctx, value, s).map(Change::Set),
        RawAction::Remove(_) => Some(Change::Remove),
        RawAction::Add(_, v) => add_delete_value(ctx, "ADD", v, s).map(Change::Add),
        RawAction::Delete(_, v) => add_delete_value(ctx, "DELETE", v, s).map(Change::Delete),
    };
    let path = path?;
    check_overlap(paths, path.clone(), &mut s.overlap, &mut s.conflict);
    Some(match change? {
        Change::Set(v) => UpdateAction::Set(path, v),
        Change::Remove => UpdateAction::Remove(path),
        Change::Add(v) => UpdateAction::Add(path, v),
        Change::Delete(v) => UpdateAction::Delete(path, v),
    })
}

/// The value of an ADD or DELETE action: ADD takes a number or a set, DELETE only a set.
fn add_delete_value(
    ctx: &mut ExprContext<'_>,
    kind: &str,
    placeholder: &str,
    s: &mut Slots,
) -> Option<AttributeValue> {
    let value = resolve_value(ctx, placeholder, &mut s.value)?;
    check_add_delete(kind, &value, &mut s.operand);
    Some(value)
}

/// The message names a refused type in words.
fn check_add_delete(kind: &str, value: &AttributeValue, slot: &mut First) {
    let word = match value {
        AttributeValue::SS(_) | AttributeValue::NS(_) | AttributeValue::BS(_) => return,
        AttributeValue::N(_) if kind == "ADD" => return,
        AttributeValue::N(_) => "NUMBER",
        AttributeValue::S(_) => "STRING",
        AttributeValue::B(_) => "BINARY",
        AttributeValue::Null => "NULL",
        AttributeValue::Bool(_) => "BOOLEAN",
        AttributeValue::L(_) => "LIST",
        AttributeValue::M(_) => "MAP",
    };
    slot.set(|| format!("Incorrect operand type for operator or function; operator: {kind}, operand type: {word}"));
}

fn set_value(ctx: &mut ExprContext<'_>, raw: &RawSet, s: &mut Slots) -> Option<SetValue> {
    match raw {
        RawSet::One(o) => operand(ctx, o, s).map(|(o, _)| SetValue::Operand(o)),
        RawSet::Plus(a, b) | RawSet::Minus(a, b) => {
            let symbol = if matches!(raw, RawSet::Plus(..)) {
                "+"
            } else {
                "-"
            };
            let (a, b) = (operand(ctx, a, s), operand(ctx, b, s));
            for literal in [&a, &b].into_iter().flatten().filter_map(|(_, ty)| *ty) {
                if literal != "N" {
                    s.function.set(|| operand_type(symbol, literal));
                }
            }
            let (a, b) = (a?.0, b?.0);
            Some(if symbol == "+" {
                SetValue::Plus(a, b)
            } else {
                SetValue::Minus(a, b)
            })
        }
    }
}

/// A checked SET operand, with its type when it is a literal value.
fn operand(
    ctx: &mut ExprContext<'_>,
    raw: &RawOperand,
    s: &mut Slots,
) -> Option<(UpdateOperand, Option<&'static str>)> {
    match raw {
        RawOperand::Path(p) => resolve_path(ctx, p, &mut s.reserved, &mut s.name)
            .map(|p| (UpdateOperand::Path(p), None)),
        RawOperand::Value(v) => {
            let value = resolve_value(ctx, v, &mut s.value)?;
            let ty = value.type_name();
            Some((UpdateOperand::Value(value), Some(ty)))
        }
        RawOperand::Call(call) => {
            let args: Vec<_> = call.args.iter().map(|a| operand(ctx, a, s)).collect();
            let name = call.name.as_str();
            if !matches!(name, "if_not_exists" | "list_append") {
                s.unknown.set(|| unknown_function(name));
                return None;
            }
            if args.len() != 2 {
                s.function.set(|| operand_count(name, args.len()));
                return None;
            }
            let mut args = args.into_iter();
            let (a, b) = (args.next().flatten(), args.next().flatten());
            if name == "if_not_exists" {
                return match a {
                    Some((UpdateOperand::Path(p), _)) => {
                        Some((UpdateOperand::IfNotExists(p, Box::new(b?.0)), None))
                    }
                    Some(_) => {
                        s.function.set(|| needs_path(name));
                        None
                    }
                    None => None,
                };
            }
            for literal in [&a, &b].into_iter().flatten().filter_map(|(_, ty)| *ty) {
                if literal != "L" {
                    s.function.set(|| operand_type(name, literal));
                }
            }
            Some((
                UpdateOperand::ListAppend(Box::new(a?.0), Box::new(b?.0)),
                None,
            ))
        }
    }
}
