//! Agreement between coders: human codings files (CSV: `segment_id`, `code`, optional `coder`)
//! and the machine's codings, compared unit by unit (the unit is the segment), per code and
//! overall. The statistics live in [`stats`]; this module reads codings and lines them up.

pub mod stats;
