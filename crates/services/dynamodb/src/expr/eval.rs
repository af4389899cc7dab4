//! Evaluating conditions against items, with DynamoDB's semantics: values of different types
//! are never equal, ordering exists only among numbers, strings (by UTF-8 bytes) and binaries,
//! and a comparison with a missing value is false (except `<>`, which is true).

use std::borrow::Cow;
use std::cmp::Ordering;

use nimbus_protocol::AwsError;

use crate::types::{AttributeValue, Item, Number};

use super::ast::{CompareOp, Condition, Operand};

impl Condition {
    /// Whether `item` satisfies the condition. A missing item is evaluated as an empty one.
    /// Every type problem DynamoDB reports is found when the condition is parsed, so evaluation
    /// itself does not fail today; the `Result` leaves room for checks that need the item.
    pub fn eval(&self, item: &Item) -> Result<bool, AwsError> {
        Ok(self.test(item))
    }

    fn test(&self, item: &Item) -> bool {
        match self {
            Condition::Compare { op, left, right } => {
                let (l, r) = (operand(left, item), operand(right, item));
                match (op, l.as_deref(), r.as_deref()) {
                    (CompareOp::Eq, Some(a), Some(b)) => values_equal(a, b),
                    (CompareOp::Ne, Some(a), Some(b)) => !values_equal(a, b),
                    (CompareOp::Ne, _, _) => true,
                    (op, Some(a), Some(b)) => compare_values(a, b).is_some_and(|o| match op {
                        CompareOp::Lt => o.is_lt(),
                        CompareOp::Le => o.is_le(),
                        CompareOp::Gt => o.is_gt(),
                        _ => o.is_ge(),
                    }),
                    _ => false,
                }
            }
            Condition::Between { value, low, high } => {
                match (
                    operand(value, item),
                    operand(low, item),
                    operand(high, item),
                ) {
                    (Some(v), Some(lo), Some(hi)) => {
                        compare_values(&v, &lo).is_some_and(Ordering::is_ge)
                            && compare_values(&v, &hi).is_some_and(Ordering::is_le)
                    }
                    _ => false,
                }
            }
            Condition::In { value, list } => match operand(value, item) {
                Some(v) => list
                    .iter()
                    .any(|o| operand(o, item).is_some_and(|x| values_equal(&v, &x))),
                None => false,
            },
            Condition::AttributeExists(path) => path.resolve(item).is_some(),
            Condition::AttributeNotExists(path) => path.resolve(item).is_none(),
            Condition::AttributeType(a, t) => match (operand(a, item), operand(t, item).as_deref())
            {
                (Some(v), Some(AttributeValue::S(name))) => v.type_name() == name,
                _ => false,
            },
            Condition::BeginsWith(a, b) => {
                match (operand(a, item).as_deref(), operand(b, item).as_deref()) {
                    (Some(AttributeValue::S(s)), Some(AttributeValue::S(p))) => {
                        s.starts_with(p.as_str())
                    }
                    (Some(AttributeValue::B(s)), Some(AttributeValue::B(p))) => s.starts_with(p),
                    _ => false,
                }
            }
            Condition::Contains(a, b) => match (operand(a, item), operand(b, item)) {
                (Some(a), Some(b)) => contains(&a, &b),
                _ => false,
            },
            Condition::And(a, b) => a.test(item) && b.test(item),
            Condition::Or(a, b) => a.test(item) || b.test(item),
            Condition::Not(c) => !c.test(item),
            Condition::Legacy { condition, .. } => condition.test(item),
        }
    }
}

/// The value of an operand for `item`, if it has one.
fn operand<'i>(o: &'i Operand, item: &'i Item) -> Option<Cow<'i, AttributeValue>> {
    match o {
        Operand::Path(p) => p.resolve(item).map(Cow::Borrowed),
        Operand::Value(v) => Some(Cow::Borrowed(v)),
        Operand::Size(inner) => {
            let n = size(&*operand(inner, item)?)?;
            Number::parse(&n.to_string())
                .ok()
                .map(|n| Cow::Owned(AttributeValue::N(n)))
        }
    }
}

/// `size()`: a string's length in UTF-16 code units (as DynamoDB counts it), a binary's byte
/// length, a collection's element count; numbers, booleans and nulls have no size.
fn size(v: &AttributeValue) -> Option<usize> {
    Some(match v {
        AttributeValue::S(s) => s.encode_utf16().count(),
        AttributeValue::B(b) => b.len(),
        AttributeValue::SS(s) => s.len(),
        AttributeValue::NS(s) => s.len(),
        AttributeValue::BS(s) => s.len(),
        AttributeValue::L(l) => l.len(),
        AttributeValue::M(m) => m.len(),
        AttributeValue::N(_) | AttributeValue::Null | AttributeValue::Bool(_) => return None,
    })
}

/// DynamoDB equality: same type and same value; sets compare as sets, numbers numerically.
pub(crate) fn values_equal(a: &AttributeValue, b: &AttributeValue) -> bool {
    use AttributeValue as V;
    match (a, b) {
        (V::SS(x), V::SS(y)) => x.len() == y.len() && x.iter().all(|e| y.contains(e)),
        (V::NS(x), V::NS(y)) => x.len() == y.len() && x.iter().all(|e| y.contains(e)),
        (V::BS(x), V::BS(y)) => x.len() == y.len() && x.iter().all(|e| y.contains(e)),
        (V::L(x), V::L(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(p, q)| values_equal(p, q))
        }
        (V::M(x), V::M(y)) => {
            x.len() == y.len()
                && x.iter()
                    .all(|(k, v)| y.get(k).is_some_and(|w| values_equal(v, w)))
        }
        // Numbers are kept normalized, so structural equality is numeric equality.
        _ => a == b,
    }
}

/// Ordering between two values of the same orderable type (N, S, B); `None` otherwise.
pub(crate) fn compare_values(a: &AttributeValue, b: &AttributeValue) -> Option<Ordering> {
    match (a, b) {
        (AttributeValue::N(x), AttributeValue::N(y)) => Some(x.cmp(y)),
        // `str` ordering is byte-wise, which is DynamoDB's UTF-8 binary ordering.
        (AttributeValue::S(x), AttributeValue::S(y)) => Some(x.as_bytes().cmp(y.as_bytes())),
        (AttributeValue::B(x), AttributeValue::B(y)) => Some(x.cmp(y)),
        _ => None,
    }
}

/// `contains(a, b)`: a substring of a string or binary, a member of a set, an element of a list.
pub(crate) fn contains(a: &AttributeValue, b: &AttributeValue) -> bool {
    use AttributeValue as V;
    match (a, b) {
        (V::S(s), V::S(sub)) => s.contains(sub.as_str()),
        (V::B(s), V::B(sub)) => sub.is_empty() || s.windows(sub.len()).any(|w| w == sub.as_slice()),
        (V::SS(set), V::S(x)) => set.contains(x),
        (V::NS(set), V::N(x)) => set.contains(x),
        (V::BS(set), V::B(x)) => set.contains(x),
        (V::L(list), x) => list.iter().any(|e| values_equal(e, x)),
        _ => false,
    }
}
