//! End-to-end tests of the qcode binary, in one test binary so tantivy is linked once.
//! Each test builds a small project in a temporary folder. Only calibration and bench read
//! ../shared (not part of the repository) and say they skipped without it; a test that needs a
//! tool (xmllint, Chromium, LibreOffice, the readers' and the bench Pythons) fails without it under CI=true (common::tool).

mod agree;
mod architecture;
mod bench;
mod calibration;
mod coding;
mod coding_by_hand;
mod common;
mod count;
mod count_stdin;
mod crash;
mod demo;
mod dictionary;
mod export;
mod filters;
mod formats;
mod ids;
mod import_codings;
mod incremental;
mod languages;
mod learn;
mod limits;
mod media;
mod nothing_lost;
mod privacy;
mod privacy_leaks;
mod readers;
mod refi;
mod refi_import;
mod refi_readers;
mod report;
mod review;
mod robust;
mod roles;
mod search;
mod serve;
mod suggest;
mod too_large;
