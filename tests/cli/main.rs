//! End-to-end tests of the qcode binary, in one test binary so tantivy is linked once.
//! Each test builds a small project in a temporary folder; nothing here needs ../shared.

mod agree;
mod architecture;
mod bench;
mod calibration;
mod coding;
mod common;
mod count;
mod crash;
mod demo;
mod dictionary;
mod export;
mod formats;
mod incremental;
mod media;
mod privacy;
mod refi;
mod report;
mod robust;
mod search;
mod too_large;
