//! Text as every other module sees it: bytes decoded to UTF-8 with LF line endings
//! ([`decode`]), and words with their normalised forms and stems ([`tokens`]). A leaf: it uses
//! nothing of the crate, so transcripts and codebooks read words the same way without depending
//! on each other.

pub mod decode;
pub mod tokens;

pub use decode::{decode, DecodeError, Decoded};
pub use tokens::{normalise_word, stem, tokenize, Token, TokenOptions};
