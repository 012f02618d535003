//! qcode: fast, transparent, reproducible coding of qualitative interview transcripts.
//!
//! Data flows one way: a [`project::Project`]'s corpus is parsed into [`transcript`] segments,
//! which the [`index`] stores in tantivy for search. The library never prints; the binary
//! (`src/cli/`) decides what the user sees.

pub mod agree;
pub mod cache;
pub mod codebook;
pub mod coding;
pub mod codings;
pub mod diag;
pub mod export;
pub mod index;
pub mod privacy;
pub mod project;
pub mod refi;
pub mod report;
pub mod review;
pub mod roles;
pub mod suggest;
pub mod text;
pub mod transcript;
