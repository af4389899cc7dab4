//! Operators with Velocity 1.7 semantics.
//!
//! Velocity is looser than Java: `==` compares numbers numerically across types and falls back
//! to comparing `toString()` for mixed types; `+` concatenates when either side is a string;
//! dividing by zero or doing arithmetic on null yields null instead of failing.

use std::cmp::Ordering;

use crate::ast::BinOp;
use crate::value::Value;

/// Velocity 1.7: only null and `false` are false (an empty string is true).
pub(crate) fn truthy(v: &Value) -> bool {
    !matches!(v, Value::Null | Value::Bool(false))
}

/// Java's `equals`: same type and same contents (`Integer(1)` does not equal `Double(1.0)`; map
/// equality ignores order like `AbstractMap.equals`).
pub(crate) fn java_equals(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Null, Value::Null) => true,
        (Value::Bool(x), Value::Bool(y)) => x == y,
        (Value::Int(x), Value::Int(y)) => x == y,
        (Value::Float(x), Value::Float(y)) => x == y || (x.is_nan() && y.is_nan()),
        (Value::String(x), Value::String(y)) => x == y,
        (Value::List(x), Value::List(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(a, b)| java_equals(a, b))
        }
        (Value::Map(x), Value::Map(y)) => {
            x.len() == y.len()
                && x.iter()
                    .all(|(k, v)| y.get(k).is_some_and(|w| java_equals(v, w)))
        }
        _ => false,
    }
}

fn as_f64(v: &Value) -> Option<f64> {
    match v {
        Value::Int(i) => Some(*i as f64),
        Value::Float(f) => Some(*f),
        _ => None,
    }
}

fn compare_numbers(a: &Value, b: &Value) -> Option<Ordering> {
    match (a, b) {
        (Value::Int(x), Value::Int(y)) => Some(x.cmp(y)),
        _ => as_f64(a)?.partial_cmp(&as_f64(b)?),
    }
}

/// Velocity's `==`.
pub(crate) fn loose_equals(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Null, Value::Null) => true,
        (Value::Null, _) | (_, Value::Null) => false,
        _ if as_f64(a).is_some() && as_f64(b).is_some() => {
            compare_numbers(a, b) == Some(Ordering::Equal)
        }
        _ if std::mem::discriminant(a) == std::mem::discriminant(b) => java_equals(a, b),
        _ => a.to_java_string() == b.to_java_string(),
    }
}

fn checked_or_float(
    a: i64,
    b: i64,
    int: impl Fn(i64, i64) -> Option<i64>,
    float: impl Fn(f64, f64) -> f64,
) -> Value {
    match int(a, b) {
        Some(v) => Value::Int(v),
        // Velocity widens on overflow instead of wrapping.
        None => Value::Float(float(a as f64, b as f64)),
    }
}

pub(crate) fn binary(op: BinOp, a: &Value, b: &Value) -> Value {
    match op {
        BinOp::Eq => Value::Bool(loose_equals(a, b)),
        BinOp::Ne => Value::Bool(!loose_equals(a, b)),
        BinOp::Lt | BinOp::Le | BinOp::Gt | BinOp::Ge => {
            // Velocity 1.7 only orders numbers; anything else compares false.
            let Some(ord) = compare_numbers(a, b) else {
                return Value::Bool(false);
            };
            Value::Bool(match op {
                BinOp::Lt => ord == Ordering::Less,
                BinOp::Le => ord != Ordering::Greater,
                BinOp::Gt => ord == Ordering::Greater,
                _ => ord != Ordering::Less,
            })
        }
        BinOp::Add => match (a, b) {
            (Value::Null, _) | (_, Value::Null) => Value::Null,
            (Value::String(_), _) | (_, Value::String(_)) => {
                Value::String(a.to_java_string() + &b.to_java_string())
            }
            (Value::Int(x), Value::Int(y)) => {
                checked_or_float(*x, *y, i64::checked_add, |p, q| p + q)
            }
            _ => arith_float(a, b, |p, q| p + q),
        },
        BinOp::Sub => match (a, b) {
            (Value::Int(x), Value::Int(y)) => {
                checked_or_float(*x, *y, i64::checked_sub, |p, q| p - q)
            }
            _ => arith_float(a, b, |p, q| p - q),
        },
        BinOp::Mul => match (a, b) {
            (Value::Int(x), Value::Int(y)) => {
                checked_or_float(*x, *y, i64::checked_mul, |p, q| p * q)
            }
            _ => arith_float(a, b, |p, q| p * q),
        },
        BinOp::Div | BinOp::Mod => {
            let is_zero = matches!(b, Value::Int(0)) || matches!(b, Value::Float(f) if *f == 0.0);
            if is_zero {
                return Value::Null;
            }
            match (a, b, op) {
                (Value::Int(x), Value::Int(y), BinOp::Div) => {
                    checked_or_float(*x, *y, i64::checked_div, |p, q| p / q)
                }
                (Value::Int(x), Value::Int(y), _) => {
                    checked_or_float(*x, *y, i64::checked_rem, |p, q| p % q)
                }
                (_, _, BinOp::Div) => arith_float(a, b, |p, q| p / q),
                _ => arith_float(a, b, |p, q| p % q),
            }
        }
        // Short-circuiting forms are evaluated by the renderer; these cover the general case.
        BinOp::And => Value::Bool(truthy(a) && truthy(b)),
        BinOp::Or => Value::Bool(truthy(a) || truthy(b)),
    }
}

fn arith_float(a: &Value, b: &Value, f: impl Fn(f64, f64) -> f64) -> Value {
    match (as_f64(a), as_f64(b)) {
        (Some(x), Some(y)) => Value::Float(f(x, y)),
        _ => Value::Null,
    }
}

pub(crate) fn negate(v: &Value) -> Value {
    match v {
        Value::Int(i) => i
            .checked_neg()
            .map_or(Value::Float(-(*i as f64)), Value::Int),
        Value::Float(f) => Value::Float(-f),
        _ => Value::Null,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn equality_rules() {
        assert!(loose_equals(&Value::Int(1), &Value::Float(1.0)));
        assert!(loose_equals(&Value::Int(1), &Value::String("1".into())));
        assert!(!java_equals(&Value::Int(1), &Value::Float(1.0)));
        assert!(!loose_equals(&Value::Null, &Value::String("".into())));
        assert!(loose_equals(&Value::Null, &Value::Null));
    }

    #[test]
    fn arithmetic() {
        assert_eq!(
            binary(BinOp::Div, &Value::Int(7), &Value::Int(2)),
            Value::Int(3)
        );
        assert_eq!(
            binary(BinOp::Div, &Value::Int(7), &Value::Int(0)),
            Value::Null
        );
        assert_eq!(
            binary(BinOp::Mod, &Value::Int(7), &Value::Int(4)),
            Value::Int(3)
        );
        assert_eq!(
            binary(BinOp::Div, &Value::Float(7.0), &Value::Int(2)),
            Value::Float(3.5)
        );
        assert_eq!(
            binary(BinOp::Add, &Value::String("a".into()), &Value::Int(1)),
            Value::String("a1".into())
        );
        assert_eq!(
            binary(BinOp::Add, &Value::Int(i64::MAX), &Value::Int(1)),
            Value::Float(i64::MAX as f64 + 1.0)
        );
        assert_eq!(
            binary(
                BinOp::Lt,
                &Value::String("a".into()),
                &Value::String("b".into())
            ),
            Value::Bool(false)
        );
    }
}
