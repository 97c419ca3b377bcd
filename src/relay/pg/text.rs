//! Bytes as `NOTIFY` payload text. A payload cannot hold NUL and must be
//! valid in the server's encoding, so only printable ASCII (valid in every
//! server encoding) goes out. Base64 makes a 3 KiB JSON body 4 KiB and
//! more; here printable ASCII passes through as itself and any other byte
//! is `~` and two hex digits, so a JSON body stays about its own size. A
//! mostly binary one would grow more than base64's third: it goes as
//! base64, whichever is shorter, told apart by the first character.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as B64;

/// Starts bytes written as printable text with `~` escapes.
const TEXT: char = 't';
/// Starts bytes written as base64.
const BASE64: char = 'b';
const ESCAPE: u8 = b'~';
const HEX: &[u8; 16] = b"0123456789abcdef";

/// Whether `b` goes as an escape: outside printable ASCII, or `~` itself.
/// Branch-free, so that scans over a whole block vectorize: every byte of
/// every routed delivery and answer goes through here.
fn escaped(b: u8) -> bool {
    (b.wrapping_sub(0x20) > 0x7e - 0x20) | (b == ESCAPE)
}

/// Bytes looked at together when skipping a run without escapes.
const BLOCK: usize = 32;

/// `bytes` as printable ASCII, in the shorter of the two forms.
pub(super) fn encode(bytes: &[u8]) -> String {
    let escapes: usize = bytes.iter().map(|b| usize::from(escaped(*b))).sum();
    let text_len = bytes.len() + 2 * escapes;
    let base64_len = bytes.len().div_ceil(3) * 4;
    if text_len > base64_len {
        let mut out = String::with_capacity(1 + base64_len);
        out.push(BASE64);
        B64.encode_string(bytes, &mut out);
        return out;
    }
    let mut out = Vec::with_capacity(1 + text_len);
    out.push(TEXT as u8);
    // Bytes that pass are copied whole, up to each escape; a block without
    // an escape is passed over at once, one with escapes looked through once.
    let mut copied = 0;
    for (n, block) in bytes.chunks(BLOCK).enumerate() {
        if !block.iter().fold(false, |any, b| any | escaped(*b)) {
            continue;
        }
        for (i, b) in block.iter().enumerate() {
            if escaped(*b) {
                let at = n * BLOCK + i;
                out.extend_from_slice(&bytes[copied..at]);
                out.extend_from_slice(&[
                    ESCAPE,
                    HEX[usize::from(b >> 4)],
                    HEX[usize::from(b & 15)],
                ]);
                copied = at + 1;
            }
        }
    }
    out.extend_from_slice(&bytes[copied..]);
    String::from_utf8(out).expect("printable ASCII")
}

/// The bytes [`encode`] wrote as `text`; `None` when it is not its output.
pub(super) fn decode(text: &str) -> Option<Vec<u8>> {
    let mut chars = text.chars();
    match chars.next()? {
        BASE64 => B64.decode(chars.as_str()).ok(),
        TEXT => {
            let mut rest = chars.as_str().as_bytes();
            let mut out = Vec::with_capacity(rest.len());
            while let Some(at) = next_escape(rest) {
                out.extend_from_slice(&rest[..at]);
                let (hi, lo) = (digit(*rest.get(at + 1)?)?, digit(*rest.get(at + 2)?)?);
                out.push(hi << 4 | lo);
                rest = &rest[at + 3..];
            }
            out.extend_from_slice(rest);
            Some(out)
        }
        _ => None,
    }
}

/// Where the first `~` of `text` is, blocks without one passed over at once.
fn next_escape(text: &[u8]) -> Option<usize> {
    let mut at = 0;
    while let Some(block) = text.get(at..at + BLOCK) {
        if block.iter().fold(false, |any, b| any | (*b == ESCAPE)) {
            break;
        }
        at += BLOCK;
    }
    text[at..].iter().position(|b| *b == ESCAPE).map(|i| at + i)
}

/// A hex digit as [`encode`] writes it (lowercase).
fn digit(b: u8) -> Option<u8> {
    match b {
        b'0'..=b'9' => Some(b - b'0'),
        b'a'..=b'f' => Some(b - b'a' + 10),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_byte_round_trips_as_printable_ascii() {
        let all: Vec<u8> = (0..=255).collect();
        for bytes in [
            all.clone(),
            b"{\"a\": \"~x~\"}\r\n\t \x00\xff".to_vec(),
            Vec::new(),
            b"plain".to_vec(),
        ] {
            let text = encode(&bytes);
            assert!(text.bytes().all(|b| (0x20..=0x7e).contains(&b)), "{text}");
            assert_eq!(decode(&text).as_deref(), Some(bytes.as_slice()));
        }
    }

    #[test]
    fn json_stays_its_own_size_and_binary_goes_as_base64() {
        let json = format!("{{\"pad\": \"{}\"}}\n", "x".repeat(3000));
        let text = encode(json.as_bytes());
        assert_eq!(text.len(), json.len() + 3, "one tag, one escaped newline");
        assert!(text.starts_with(TEXT));
        let binary: Vec<u8> = (0..3000u32).map(|i| (i * 131 % 256) as u8).collect();
        let text = encode(&binary);
        assert!(text.starts_with(BASE64));
        assert_eq!(text.len(), 1 + 4000);
    }

    /// Pretty-printed JSON (an escape every line, closer than a block) is
    /// written as a byte-at-a-time encoder writes it.
    #[test]
    fn escapes_closer_than_a_block_are_each_written_once() {
        let json = "{\n  \"id\": \"evt_1NvXbE2eZvKYlo2C\",\n  \"object\": \"event\",\n  \"caf\u{e9}\": 1\n}\n".repeat(7);
        let mut want = String::from("t");
        for b in json.bytes() {
            if escaped(b) {
                want.push_str(&format!("~{b:02x}"));
            } else {
                want.push(char::from(b));
            }
        }
        assert_eq!(encode(json.as_bytes()), want);
        assert_eq!(decode(&want).as_deref(), Some(json.as_bytes()));
    }

    /// Escapes on either side of a block's edge, in texts ending inside,
    /// on and past one: each is written once, in place.
    #[test]
    fn escapes_at_block_edges_are_each_written_in_place() {
        for len in [1, BLOCK - 1, BLOCK, BLOCK + 1, 2 * BLOCK + 1, 3 * BLOCK] {
            for at in [0, BLOCK - 1, BLOCK, BLOCK + 1, 2 * BLOCK - 1, 2 * BLOCK] {
                if at >= len {
                    continue;
                }
                let mut bytes = vec![b'a'; len];
                bytes[at] = b'\n';
                bytes[len - 1] = b'~';
                let text = encode(&bytes);
                let mut want = String::from("t");
                for b in &bytes {
                    match b {
                        b'\n' => want.push_str("~0a"),
                        b'~' => want.push_str("~7e"),
                        b => want.push(char::from(*b)),
                    }
                }
                assert_eq!(text, want, "len {len}, escape at {at}");
                assert_eq!(decode(&text).as_deref(), Some(bytes.as_slice()));
            }
        }
    }

    #[test]
    fn what_encode_cannot_write_is_refused() {
        let long = "a".repeat(2 * BLOCK);
        for bad in [
            "".to_string(),
            "x".into(),
            "t~4".into(),
            "t~zz".into(),
            "t~+f".into(),
            "t~0A".into(),
            "b!!".into(),
            format!("t{long}~"),
            format!("t{long}~4"),
            format!("t{long}~0a{long}~g0"),
        ] {
            assert_eq!(decode(&bad), None, "{bad}");
        }
    }
}
