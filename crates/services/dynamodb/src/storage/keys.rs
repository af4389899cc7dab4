//! Byte encodings whose order is DynamoDB's key order, so the store's ordered trees serve
//! Query ranges directly.
//!
//! Strings and binaries are escaped (`00` -> `00 FF`) and terminated (`00 01`), which keeps
//! bytewise order and makes each component self-delimiting; numbers use
//! [`Number::ordered_bytes`], which is self-delimiting too.

use crate::types::AttributeValue;

/// Appends the ordered, self-delimiting encoding of a key value (S, N or B).
pub fn encode_scalar(value: &AttributeValue, out: &mut Vec<u8>) {
    match value {
        AttributeValue::S(s) => escape_terminated(s.as_bytes(), out),
        AttributeValue::B(b) => escape_terminated(b, out),
        AttributeValue::N(n) => n.ordered_bytes(out),
        // Key values are type-checked before encoding; anything else sorts last.
        _ => out.push(0xFF),
    }
}

/// Appends the escaped bytes of a string or binary *prefix*, without the terminator, so every
/// value beginning with it shares the result as a prefix (for `begins_with`).
pub fn encode_prefix(value: &AttributeValue, out: &mut Vec<u8>) {
    match value {
        AttributeValue::S(s) => escape(s.as_bytes(), out),
        AttributeValue::B(b) => escape(b, out),
        other => encode_scalar(other, out),
    }
}

fn escape(bytes: &[u8], out: &mut Vec<u8>) {
    for &b in bytes {
        out.push(b);
        if b == 0 {
            out.push(0xFF);
        }
    }
}

fn escape_terminated(bytes: &[u8], out: &mut Vec<u8>) {
    escape(bytes, out);
    out.extend_from_slice(&[0x00, 0x01]);
}

/// The 8-byte prefix every key of one table or index starts with.
pub fn uid_prefix(uid: u64) -> Vec<u8> {
    uid.to_be_bytes().to_vec()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn enc(v: AttributeValue) -> Vec<u8> {
        let mut out = Vec::new();
        encode_scalar(&v, &mut out);
        out
    }

    #[test]
    fn strings_order_bytewise_and_delimit() {
        let s = |x: &str| enc(AttributeValue::S(x.into()));
        assert!(s("a") < s("a\0"));
        assert!(s("a\0") < s("aa"));
        assert!(s("a") < s("b"));
        assert!(s("") < s("a"));
        assert!(s("Z") < s("a"));
        let mut p = Vec::new();
        encode_prefix(&AttributeValue::S("ab".into()), &mut p);
        assert!(s("abc").starts_with(&p));
        assert!(!s("a").starts_with(&p));
    }

    #[test]
    fn binaries_order_bytewise() {
        let b = |x: &[u8]| enc(AttributeValue::B(x.to_vec()));
        assert!(b(&[0x00]) < b(&[0x00, 0x00]));
        assert!(b(&[0x7F]) < b(&[0x80]));
        assert!(b(&[0xFF]) > b(&[0x01, 0xFF]));
    }
}
