//! Text as every other module sees it: bytes decoded to UTF-8 with LF line endings
//! ([`decode`]), words with their normalised forms and stems ([`tokens`]), and how far apart two
//! words are, for "did you mean" hints ([`distance`]), and names found and masked in every
//! spelling ([`redact`]), and which cells a spreadsheet would run as formulas ([`spreadsheet`]). A leaf: it uses nothing of the crate,
//! so transcripts and codebooks read words the same way without depending on each other.

pub mod decode;
pub mod distance;
pub mod limits;
pub mod locate;
pub mod redact;
pub mod spreadsheet;
pub mod tokens;

pub use decode::{decode, DecodeError, Decoded};
pub use distance::{closest, edit_distance};
pub use limits::{Limits, OverLimit};
pub use tokens::{normalise_word, stem, tokenize, Language, Token, TokenOptions};
