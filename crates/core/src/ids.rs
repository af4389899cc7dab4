//! Identifiers in the shapes AWS uses for them.

const UPPER_ALNUM: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";

/// A request id as DynamoDB writes it: 52 upper-case letters and digits.
pub fn request_id() -> String {
    random_from(UPPER_ALNUM, 52)
}

/// A random version-4 UUID in its canonical lower-case form.
pub fn uuid_v4() -> String {
    let mut n = fastrand::u128(..);
    // Set the version (4) and variant (10xx) bits.
    n = (n & !(0xF << 76)) | (0x4 << 76);
    n = (n & !(0x3 << 62)) | (0x2 << 62);
    let h = format!("{n:032x}");
    format!(
        "{}-{}-{}-{}-{}",
        &h[0..8],
        &h[8..12],
        &h[12..16],
        &h[16..20],
        &h[20..32]
    )
}

/// `len` random lower-case hex digits.
pub fn hex(len: usize) -> String {
    random_from(b"0123456789abcdef", len)
}

/// `len` random decimal digits.
pub fn digits(len: usize) -> String {
    random_from(b"0123456789", len)
}

fn random_from(alphabet: &[u8], len: usize) -> String {
    (0..len)
        .map(|_| alphabet[fastrand::usize(..alphabet.len())] as char)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shapes() {
        let id = request_id();
        assert_eq!(id.len(), 52);
        assert!(id.bytes().all(|b| UPPER_ALNUM.contains(&b)));
        let u = uuid_v4();
        assert_eq!(u.len(), 36);
        assert_eq!(&u[14..15], "4");
        assert!(matches!(&u[19..20], "8" | "9" | "a" | "b"));
    }
}
