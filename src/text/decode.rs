//! Bytes to text. Transcripts arrive as UTF-8 (with or without BOM), UTF-16 from some Windows
//! tools, or Windows-1252 from Word exports; line endings are CRLF, LF or CR. Everything downstream
//! sees UTF-8 with LF line endings and no BOM, so offsets mean the same whatever the file was.

use encoding_rs::{Encoding, UTF_8};

/// Decoded text plus a note when the file was not plain UTF-8.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decoded {
    pub text: String,
    /// Set when a non-UTF-8 encoding was guessed: the user should know.
    pub warning: Option<String>,
}

/// Why bytes are not text.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DecodeError {
    #[error("the file is empty")]
    Empty,
    #[error("this looks like a binary file, not text")]
    Binary,
}

/// Decode a file's bytes. Fails on an empty or binary file.
pub fn decode(bytes: &[u8]) -> Result<Decoded, DecodeError> {
    if bytes.is_empty() {
        return Err(DecodeError::Empty);
    }
    let (text, warning) = if let Some((enc, bom_len)) = Encoding::for_bom(bytes) {
        let (cow, had_errors) = enc.decode_without_bom_handling(&bytes[bom_len..]);
        let warning = if enc == UTF_8 {
            had_errors.then(|| "invalid UTF-8 bytes were replaced with �".to_string())
        } else {
            Some(format!("decoded as {} (byte-order mark)", enc.name()))
        };
        (cow.into_owned(), warning)
    } else if let Ok(s) = std::str::from_utf8(bytes) {
        if looks_binary(bytes) {
            return Err(DecodeError::Binary);
        }
        (s.to_string(), None)
    } else {
        if looks_binary(bytes) {
            return Err(DecodeError::Binary);
        }
        let mut det = chardetng::EncodingDetector::new(chardetng::Iso2022JpDetection::Deny);
        det.feed(bytes, true);
        let enc = det.guess(Some(b"uk"), chardetng::Utf8Detection::Deny);
        let (cow, _, _) = enc.decode(bytes);
        (
            cow.into_owned(),
            Some(format!(
                "not UTF-8; decoded as {} (guessed). Save the file as UTF-8 to silence this",
                enc.name()
            )),
        )
    };
    Ok(Decoded {
        text: normalise_newlines(text),
        warning,
    })
}

/// NUL bytes do not occur in text files in any 8-bit encoding we read.
fn looks_binary(bytes: &[u8]) -> bool {
    bytes.iter().take(8192).any(|&b| b == 0)
}

fn normalise_newlines(text: String) -> String {
    if !text.contains('\r') {
        return text;
    }
    text.replace("\r\n", "\n").replace('\r', "\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn utf8_with_bom_and_crlf() {
        let d = decode(b"\xEF\xBB\xBFP1: caf\xC3\xA9\r\nmore\r\n").unwrap();
        assert_eq!(d.text, "P1: café\nmore\n");
        assert_eq!(d.warning, None);
    }

    #[test]
    fn windows_1252_is_decoded_with_a_warning() {
        // "£5 café – ok" in Windows-1252
        let d = decode(b"P1: \xA35 caf\xE9 \x96 ok\n").unwrap();
        assert_eq!(d.text, "P1: £5 café – ok\n");
        assert!(d.warning.unwrap().contains("windows-1252"));
    }

    #[test]
    fn utf16_with_bom() {
        let mut b = vec![0xFF, 0xFE];
        for u in "P1: hi\n".encode_utf16() {
            b.extend_from_slice(&u.to_le_bytes());
        }
        let d = decode(&b).unwrap();
        assert_eq!(d.text, "P1: hi\n");
        assert!(d.warning.unwrap().contains("UTF-16"));
    }

    #[test]
    fn empty_and_binary_are_errors() {
        assert_eq!(decode(b"").unwrap_err(), DecodeError::Empty);
        assert_eq!(
            decode(b"\x89PNG\r\n\x1a\n\0\0\0").unwrap_err(),
            DecodeError::Binary
        );
    }
}
