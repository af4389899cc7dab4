//! DynamoDB numbers: decimal, up to 38 significant digits, magnitudes from 1E-130 to
//! 9.99..E+125, compared numerically and added exactly.

use std::cmp::Ordering;
use std::fmt;

/// Most significant digits a number may have.
pub const MAX_DIGITS: usize = 38;
/// A positive number's decimal exponent (value = 0.d1d2.. × 10^exponent) lies in this range.
const MIN_EXPONENT: i32 = -129; // 1E-130 = 0.1 × 10^-129
const MAX_EXPONENT: i32 = 126; // 9.99..E+125 = 0.999.. × 10^126

/// An exact decimal number.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Number {
    negative: bool,
    /// Digits 0-9, no leading or trailing zeros; empty for zero.
    digits: Vec<u8>,
    /// value = 0.d1d2...dn × 10^exponent.
    exponent: i32,
}

/// Why a number was refused, with DynamoDB's messages.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NumberError {
    NotANumber,
    Overflow,
    Underflow,
    TooPrecise,
}

impl NumberError {
    pub fn message(self) -> &'static str {
        match self {
            NumberError::NotANumber => "The parameter cannot be converted to a numeric value",
            NumberError::Overflow => {
                "Number overflow. Attempting to store a number with magnitude larger than supported range"
            }
            NumberError::Underflow => {
                "Number underflow. Attempting to store a number with magnitude smaller than supported range"
            }
            NumberError::TooPrecise => "Attempting to store more than 38 significant digits in a Number",
        }
    }
}

impl Number {
    pub fn zero() -> Number {
        Number {
            negative: false,
            digits: Vec::new(),
            exponent: 0,
        }
    }

    pub fn is_zero(&self) -> bool {
        self.digits.is_empty()
    }

    /// Parses the text of an `N` value (`-12.5`, `1e10`, `.5`, `+3`) and checks DynamoDB's limits.
    pub fn parse(text: &str) -> Result<Number, NumberError> {
        let bytes = text.as_bytes();
        let mut i = 0;
        let mut negative = false;
        if let Some(&c) = bytes.first() {
            if c == b'-' || c == b'+' {
                negative = c == b'-';
                i = 1;
            }
        }
        let mut digits = Vec::with_capacity(bytes.len());
        let mut point: Option<usize> = None;
        let mut saw_digit = false;
        while i < bytes.len() {
            match bytes[i] {
                c @ b'0'..=b'9' => {
                    digits.push(c - b'0');
                    saw_digit = true;
                }
                b'.' if point.is_none() => point = Some(digits.len()),
                b'e' | b'E' => break,
                _ => return Err(NumberError::NotANumber),
            }
            i += 1;
        }
        if !saw_digit {
            return Err(NumberError::NotANumber);
        }
        let mut exp10: i64 = 0;
        if i < bytes.len() {
            // exponent part
            let rest = &text[i + 1..];
            if rest.is_empty() {
                return Err(NumberError::NotANumber);
            }
            let (sign, body) = match rest.as_bytes()[0] {
                b'-' => (-1i64, &rest[1..]),
                b'+' => (1, &rest[1..]),
                _ => (1, rest),
            };
            if body.is_empty() || !body.bytes().all(|b| b.is_ascii_digit()) {
                return Err(NumberError::NotANumber);
            }
            let trimmed = body.trim_start_matches('0');
            if trimmed.len() > 6 {
                // Absurd exponents: classify by sign without overflowing.
                let all_zero = digits.iter().all(|&d| d == 0);
                if all_zero {
                    return Ok(Number::zero());
                }
                return Err(if sign > 0 {
                    NumberError::Overflow
                } else {
                    NumberError::Underflow
                });
            }
            exp10 = sign * trimmed.parse::<i64>().unwrap_or(0);
        }
        let int_len = point.unwrap_or(digits.len()) as i64;
        Number::from_parts(negative, digits, int_len + exp10)
    }

    /// Builds a number from raw digits (value = 0.digits × 10^exponent), normalizing and
    /// checking limits.
    fn from_parts(
        negative: bool,
        mut digits: Vec<u8>,
        exponent: i64,
    ) -> Result<Number, NumberError> {
        let lead = digits.iter().take_while(|&&d| d == 0).count();
        digits.drain(..lead);
        let exponent = exponent - lead as i64;
        while digits.last() == Some(&0) {
            digits.pop();
        }
        if digits.is_empty() {
            return Ok(Number::zero());
        }
        if exponent > MAX_EXPONENT as i64 {
            return Err(NumberError::Overflow);
        }
        if exponent < MIN_EXPONENT as i64 {
            return Err(NumberError::Underflow);
        }
        if digits.len() > MAX_DIGITS {
            return Err(NumberError::TooPrecise);
        }
        Ok(Number {
            negative,
            digits,
            exponent: exponent as i32,
        })
    }

    pub fn negate(&self) -> Number {
        let mut n = self.clone();
        if !n.is_zero() {
            n.negative = !n.negative;
        }
        n
    }

    /// Exact sum, failing as DynamoDB does when the result is out of range or too precise.
    pub fn add(&self, other: &Number) -> Result<Number, NumberError> {
        if self.is_zero() {
            return Ok(other.clone());
        }
        if other.is_zero() {
            return Ok(self.clone());
        }
        // Align both to integers scaled by 10^low, where low is the lowest digit position.
        let low = (self.exponent - self.digits.len() as i32)
            .min(other.exponent - other.digits.len() as i32);
        let high = self.exponent.max(other.exponent);
        let width = (high - low) as usize;
        let a = self.aligned(low, width);
        let b = other.aligned(low, width);
        let (negative, digits) = if self.negative == other.negative {
            (self.negative, add_digits(&a, &b))
        } else {
            match cmp_digits(&a, &b) {
                Ordering::Equal => return Ok(Number::zero()),
                Ordering::Greater => (self.negative, sub_digits(&a, &b)),
                Ordering::Less => (other.negative, sub_digits(&b, &a)),
            }
        };
        let exponent = low as i64 + digits.len() as i64;
        Number::from_parts(negative, digits, exponent)
    }

    pub fn sub(&self, other: &Number) -> Result<Number, NumberError> {
        self.add(&other.negate())
    }

    /// Digits as an integer of `width` digits scaled by 10^low (most significant first).
    fn aligned(&self, low: i32, width: usize) -> Vec<u8> {
        let mut out = vec![0u8; width];
        let top = (self.exponent - low) as usize; // digits above `low`
        let start = width - top;
        out[start..start + self.digits.len()].copy_from_slice(&self.digits);
        out
    }

    /// A byte string whose bytewise order is the numeric order (used in keys).
    pub fn ordered_bytes(&self, out: &mut Vec<u8>) {
        if self.is_zero() {
            out.push(0x02);
            return;
        }
        let start = out.len();
        out.push(if self.negative { 0x01 } else { 0x03 });
        let biased = (self.exponent + 0x8000) as u16;
        out.extend_from_slice(&biased.to_be_bytes());
        out.extend(self.digits.iter().map(|d| d + 1));
        out.push(0x00);
        if self.negative {
            for b in &mut out[start + 1..] {
                *b = !*b;
            }
        }
    }

    /// Bytes DynamoDB counts for this number in item-size limits.
    pub fn size(&self) -> usize {
        self.digits.len().div_ceil(2) + 1
    }
}

fn add_digits(a: &[u8], b: &[u8]) -> Vec<u8> {
    let mut out = vec![0u8; a.len() + 1];
    let mut carry = 0;
    for i in (0..a.len()).rev() {
        let s = a[i] + b[i] + carry;
        out[i + 1] = s % 10;
        carry = s / 10;
    }
    out[0] = carry;
    out
}

/// a - b where a >= b.
fn sub_digits(a: &[u8], b: &[u8]) -> Vec<u8> {
    let mut out = vec![0u8; a.len()];
    let mut borrow = 0i8;
    for i in (0..a.len()).rev() {
        let mut d = a[i] as i8 - b[i] as i8 - borrow;
        borrow = 0;
        if d < 0 {
            d += 10;
            borrow = 1;
        }
        out[i] = d as u8;
    }
    out
}

fn cmp_digits(a: &[u8], b: &[u8]) -> Ordering {
    a.cmp(b)
}

impl Ord for Number {
    fn cmp(&self, other: &Number) -> Ordering {
        let sign = |n: &Number| {
            if n.is_zero() {
                0
            } else if n.negative {
                -1
            } else {
                1
            }
        };
        let (sa, sb) = (sign(self), sign(other));
        if sa != sb || sa == 0 {
            return sa.cmp(&sb);
        }
        let magnitude = self
            .exponent
            .cmp(&other.exponent)
            .then_with(|| self.digits.cmp(&other.digits));
        if sa < 0 {
            magnitude.reverse()
        } else {
            magnitude
        }
    }
}

impl PartialOrd for Number {
    fn partial_cmp(&self, other: &Number) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

/// Plain decimal notation with no exponent, as DynamoDB returns numbers.
impl fmt::Display for Number {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.is_zero() {
            return f.write_str("0");
        }
        let mut s = String::with_capacity(self.digits.len() + 4);
        if self.negative {
            s.push('-');
        }
        let digit = |d: &u8| (b'0' + d) as char;
        let n = self.digits.len() as i32;
        if self.exponent <= 0 {
            s.push_str("0.");
            s.extend(std::iter::repeat_n('0', (-self.exponent) as usize));
            s.extend(self.digits.iter().map(digit));
        } else if self.exponent >= n {
            s.extend(self.digits.iter().map(digit));
            s.extend(std::iter::repeat_n('0', (self.exponent - n) as usize));
        } else {
            let (int, frac) = self.digits.split_at(self.exponent as usize);
            s.extend(int.iter().map(digit));
            s.push('.');
            s.extend(frac.iter().map(digit));
        }
        f.write_str(&s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn n(s: &str) -> Number {
        Number::parse(s).expect(s)
    }

    #[test]
    fn normalizes() {
        for (input, out) in [
            ("1.50", "1.5"),
            ("0001", "1"),
            ("-0", "0"),
            ("1e3", "1000"),
            ("1.5E-3", "0.0015"),
            (".5", "0.5"),
            ("+7", "7"),
            ("123.456", "123.456"),
            ("-0.000", "0"),
        ] {
            assert_eq!(n(input).to_string(), out, "{input}");
        }
    }

    #[test]
    fn rejects() {
        for bad in [
            "", "-", "abc", "1e", "1..2", "1e+", " 1", "0x10", "NaN", "Infinity",
        ] {
            assert_eq!(Number::parse(bad), Err(NumberError::NotANumber), "{bad:?}");
        }
        assert_eq!(Number::parse("1e126"), Err(NumberError::Overflow));
        assert!(Number::parse("9.9999999999999999999999999999999999999e125").is_ok());
        assert_eq!(Number::parse("1e-131"), Err(NumberError::Underflow));
        assert!(Number::parse("1e-130").is_ok());
        assert_eq!(
            Number::parse("123456789012345678901234567890123456789"),
            Err(NumberError::TooPrecise)
        );
        assert!(Number::parse("12345678901234567890123456789012345678").is_ok());
    }

    #[test]
    fn orders_numerically() {
        let mut v: Vec<Number> = [
            "10", "-2", "0", "2", "-10", "1.5", "1.55", "-1.5", "-1.55", "0.001",
        ]
        .iter()
        .map(|s| n(s))
        .collect();
        v.sort();
        let got: Vec<String> = v.iter().map(|x| x.to_string()).collect();
        assert_eq!(
            got,
            ["-10", "-2", "-1.55", "-1.5", "0", "0.001", "1.5", "1.55", "2", "10"]
        );
        // The key encoding orders the same way.
        let mut enc: Vec<(Vec<u8>, String)> = v
            .iter()
            .map(|x| {
                let mut b = Vec::new();
                x.ordered_bytes(&mut b);
                (b, x.to_string())
            })
            .collect();
        enc.reverse();
        enc.sort();
        let got: Vec<String> = enc.into_iter().map(|(_, s)| s).collect();
        assert_eq!(
            got,
            ["-10", "-2", "-1.55", "-1.5", "0", "0.001", "1.5", "1.55", "2", "10"]
        );
    }

    #[test]
    fn adds_exactly() {
        assert_eq!(n("0.1").add(&n("0.2")).expect("sum").to_string(), "0.3");
        assert_eq!(n("5").add(&n("-7")).expect("sum").to_string(), "-2");
        assert_eq!(n("99").add(&n("1")).expect("sum").to_string(), "100");
        assert_eq!(n("-1.5").sub(&n("-1.5")).expect("diff").to_string(), "0");
        assert_eq!(
            n("1e20").add(&n("1")).expect("sum").to_string(),
            "100000000000000000001"
        );
        assert_eq!(n("1e38").add(&n("1")), Err(NumberError::TooPrecise));
    }
}
