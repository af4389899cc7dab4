//! The `application/vnd.amazon.eventstream` framing of event-stream outputs (Lambda's
//! InvokeWithResponseStream): each event is one binary message — a prelude with the total and
//! header lengths and its CRC32, string headers (`:message-type`, `:event-type`,
//! `:content-type`), the payload, and a CRC32 of the whole message.

use bytes::{BufMut, Bytes, BytesMut};
use nimbus_core::body::BodyStream;

/// The value type of a string header.
const STRING: u8 = 7;

/// An event-stream output member: its messages, written while the response is sent.
#[derive(Debug, Default)]
pub struct EventStream(pub Option<BodyStream>);

/// One `event` message of type `event_type` carrying `payload`.
pub fn event(event_type: &str, content_type: &str, payload: &[u8]) -> Bytes {
    let headers: [(&str, &str); 3] = [
        (":event-type", event_type),
        (":content-type", content_type),
        (":message-type", "event"),
    ];
    let headers_len: usize = headers
        .iter()
        .map(|(name, value)| 1 + name.len() + 1 + 2 + value.len())
        .sum();
    let total = 12 + headers_len + payload.len() + 4;
    let mut out = BytesMut::with_capacity(total);
    out.put_u32(total as u32);
    out.put_u32(headers_len as u32);
    out.put_u32(crc32fast::hash(&out[..8]));
    for (name, value) in headers {
        out.put_u8(name.len() as u8);
        out.put_slice(name.as_bytes());
        out.put_u8(STRING);
        out.put_u16(value.len() as u16);
        out.put_slice(value.as_bytes());
    }
    out.put_slice(payload);
    out.put_u32(crc32fast::hash(&out));
    out.freeze()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_frame_and_checksum_as_the_format_says() {
        let m = event("PayloadChunk", "application/octet-stream", b"hello");
        let total = u32::from_be_bytes([m[0], m[1], m[2], m[3]]) as usize;
        let headers = u32::from_be_bytes([m[4], m[5], m[6], m[7]]) as usize;
        assert_eq!(total, m.len());
        assert_eq!(
            u32::from_be_bytes([m[8], m[9], m[10], m[11]]),
            crc32fast::hash(&m[..8])
        );
        assert_eq!(&m[12 + headers..total - 4], b"hello");
        assert_eq!(&m[13..24], b":event-type");
        let crc = u32::from_be_bytes([m[total - 4], m[total - 3], m[total - 2], m[total - 1]]);
        assert_eq!(crc, crc32fast::hash(&m[..total - 4]));
    }
}
