//! DynamoDB's expression language: condition, filter, key-condition, update and projection
//! expressions, and the legacy parameters they replaced, with DynamoDB's evaluation semantics
//! and its validation messages.
//!
//! # Public API
//!
//! - `check_expression_parameters(expression: &[(&str, bool)], non_expression: &[(&str, bool)],
//!   names_given: bool, values_given: bool) -> Result<(), AwsError>`: which parameters a
//!   request may combine (run it first).
//! - `ExprContext::new(names: Option<&BTreeMap<String, String>>,
//!   values: Option<&BTreeMap<String, AttributeValue>>) -> ExprContext`: one per request.
//! - `parse_condition(&mut ExprContext, &str, ExprKind) -> Result<Condition, AwsError>` for
//!   `ExprKind::Condition`, `Filter` and `KeyCondition`.
//! - `parse_update(&mut ExprContext, &str) -> Result<UpdateExpr, AwsError>`.
//! - `parse_projection(&mut ExprContext, &str) -> Result<Vec<Path>, AwsError>`.
//! - `ExprContext::finish(&self) -> Result<(), AwsError>`: maps no expression used.
//! - `Condition::eval(&self, &Item) -> Result<bool, AwsError>`.
//! - `UpdateExpr::check_key_attributes(&self, is_key: &dyn Fn(&str) -> bool)
//!   -> Result<(), AwsError>`, then `UpdateExpr::apply(&self, &mut Item)
//!   -> Result<Vec<Path>, AwsError>` (the updated paths, for `UPDATED_OLD`/`UPDATED_NEW`).
//! - `project(&Item, &[Path]) -> Item`.
//! - `analyze_key_condition(&Condition, partition_key: &str, sort_key: Option<&str>)
//!   -> Result<KeyCondition, AwsError>`.
//! - `legacy::expected_to_condition`, `legacy::conditions_to_condition` (KeyConditions,
//!   QueryFilter, ScanFilter), `legacy::attribute_updates`, `legacy::attributes_to_get`.
//!
//! ```text
//! check_expression_parameters(&[("UpdateExpression", u), ("ConditionExpression", c)],
//!                             &[("AttributeUpdates", au), ("Expected", e)], names, values)?;
//! let mut ctx = ExprContext::new(names, values);
//! let update = parse_update(&mut ctx, update_text)?;
//! let condition = parse_condition(&mut ctx, condition_text, ExprKind::Condition)?;
//! ctx.finish()?;
//! if condition.eval(&current)? {
//!     update.check_key_attributes(&|name| is_key(name))?;
//!     let updated = update.apply(&mut item)?;
//!     let returned = project(&item, &updated);
//! }
//! ```
//!
//! Parse a request's expressions in DynamoDB's order (UpdateExpression, ConditionExpression,
//! KeyConditionExpression, FilterExpression, ProjectionExpression) so that the first error
//! reported is the one DynamoDB reports.
//!
//! Parsing is two passes: `parser` builds a syntax tree (`syntax`) and reports syntax errors;
//! `check_condition`/`check_update`/`check` then substitute placeholders and report semantic
//! errors in DynamoDB's order of precedence, producing the trees of `ast`. `eval`, `update` and
//! `projection` run those trees against items.

mod ast;
mod check;
mod check_condition;
mod check_update;
mod context;
mod eval;
mod key_condition;
pub mod legacy;
mod lexer;
mod parser;
mod projection;
mod reserved;
mod syntax;
#[cfg(test)]
mod tests;
mod update;

pub use ast::{
    CompareOp, Condition, Operand, Path, PathElement, SetValue, UpdateAction, UpdateExpr,
    UpdateOperand,
};
pub use context::{check_expression_parameters, ExprContext};
pub use key_condition::{analyze_key_condition, KeyCondition, SortKeyCondition};
pub use projection::project;

use nimbus_protocol::AwsError;

/// The longest expression DynamoDB accepts, in bytes.
const MAX_EXPRESSION_BYTES: usize = 4096;

/// Which request parameter an expression came from; it prefixes its error messages
/// (`Invalid ConditionExpression: …`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExprKind {
    Condition,
    Filter,
    KeyCondition,
    Update,
    Projection,
}

impl ExprKind {
    /// The request parameter's name.
    pub fn parameter(self) -> &'static str {
        match self {
            ExprKind::Condition => "ConditionExpression",
            ExprKind::Filter => "FilterExpression",
            ExprKind::KeyCondition => "KeyConditionExpression",
            ExprKind::Update => "UpdateExpression",
            ExprKind::Projection => "ProjectionExpression",
        }
    }
}

fn invalid(kind: ExprKind, message: impl std::fmt::Display) -> AwsError {
    AwsError::validation(format!("Invalid {}: {}", kind.parameter(), message))
}

/// The checks every expression gets before it is parsed.
fn precheck(ctx: &mut ExprContext<'_>, text: &str, kind: ExprKind) -> Result<(), AwsError> {
    ctx.check_maps()?;
    ctx.note_parsed();
    if text.trim().is_empty() {
        return Err(invalid(kind, "The expression can not be empty;"));
    }
    if text.len() > MAX_EXPRESSION_BYTES {
        // DynamoDB adds the size for conditions and filters only.
        let size = match kind {
            ExprKind::Condition | ExprKind::Filter => format!(" expression size: {}", text.len()),
            _ => String::new(),
        };
        return Err(invalid(
            kind,
            format!("Expression size has exceeded the maximum allowed size;{size}"),
        ));
    }
    Ok(())
}

/// Parses and checks a ConditionExpression, FilterExpression or KeyConditionExpression (as
/// `kind` says). A key condition is only checked as a condition here; `analyze_key_condition`
/// checks its shape against the key schema.
pub fn parse_condition(
    ctx: &mut ExprContext<'_>,
    text: &str,
    kind: ExprKind,
) -> Result<Condition, AwsError> {
    precheck(ctx, text, kind)?;
    let raw = parser::parse_condition(text).map_err(|m| invalid(kind, m))?;
    check_condition::check_condition(ctx, &raw).map_err(|m| invalid(kind, m))
}

/// Parses and checks an UpdateExpression.
pub fn parse_update(ctx: &mut ExprContext<'_>, text: &str) -> Result<UpdateExpr, AwsError> {
    let kind = ExprKind::Update;
    precheck(ctx, text, kind)?;
    let raw = parser::parse_update(text).map_err(|m| invalid(kind, m))?;
    check_update::check_update(ctx, &raw).map_err(|m| invalid(kind, m))
}

/// Parses and checks a ProjectionExpression into its paths, in the order written.
pub fn parse_projection(ctx: &mut ExprContext<'_>, text: &str) -> Result<Vec<Path>, AwsError> {
    let kind = ExprKind::Projection;
    precheck(ctx, text, kind)?;
    let raw = parser::parse_projection(text).map_err(|m| invalid(kind, m))?;
    check::check_projection(ctx, &raw).map_err(|m| invalid(kind, m))
}
