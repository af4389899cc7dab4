//! Unit tests of the expression module. Expected messages are DynamoDB's, as recorded by
//! suites run against the real service (dynalite's, ExtendDB's) and in user reports.

mod conditions;
mod evaluation;
mod keys;
mod legacy_params;
mod projections;
mod updates;

use std::collections::BTreeMap;

use super::*;
use crate::types::{AttributeValue, Item};

/// An item (or any map of values) from DynamoDB JSON.
pub(super) fn item(json: &str) -> Item {
    serde_json::from_str(json).expect("test item JSON")
}

/// A request's placeholder maps; empty inputs mean the parameter is absent.
pub(super) struct Req {
    names: Option<BTreeMap<String, String>>,
    values: Option<BTreeMap<String, AttributeValue>>,
}

pub(super) fn req(names: &[(&str, &str)], values: &str) -> Req {
    Req {
        names: (!names.is_empty()).then(|| {
            names
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect()
        }),
        values: (!values.is_empty()).then(|| item(values)),
    }
}

/// No placeholders at all.
pub(super) fn plain() -> Req {
    req(&[], "")
}

impl Req {
    pub fn ctx(&self) -> ExprContext<'_> {
        ExprContext::new(self.names.as_ref(), self.values.as_ref())
    }

    pub fn condition(&self, text: &str, kind: ExprKind) -> Result<Condition, String> {
        parse_condition(&mut self.ctx(), text, kind).map_err(|e| e.message)
    }

    pub fn cond(&self, text: &str) -> Result<Condition, String> {
        self.condition(text, ExprKind::Condition)
    }

    pub fn filter_err(&self, text: &str) -> String {
        self.condition(text, ExprKind::Filter).expect_err(text)
    }

    pub fn update(&self, text: &str) -> Result<UpdateExpr, String> {
        parse_update(&mut self.ctx(), text).map_err(|e| e.message)
    }

    pub fn update_err(&self, text: &str) -> String {
        self.update(text).expect_err(text)
    }

    pub fn projection(&self, text: &str) -> Result<Vec<Path>, String> {
        parse_projection(&mut self.ctx(), text).map_err(|e| e.message)
    }
}

/// Evaluates a condition written with placeholders against an item.
pub(super) fn holds(text: &str, values: &str, on: &str) -> bool {
    let r = req(&[], values);
    let c = r.cond(text).expect(text);
    c.eval(&item(on)).expect("evaluates")
}
