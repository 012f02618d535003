//! Any text as a codebook file: loading (TOML, patterns, hierarchy), then, when it loads,
//! compiling the matcher and coding the text itself and the codebook's own examples.
#![no_main]

use std::path::{Path, PathBuf};

use libfuzzer_sys::fuzz_target;
use qcode::codebook::load_texts;
use qcode::coding::{test_examples, Matcher};

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data).to_string();
    if let Ok((cb, _)) = load_texts(Path::new("codebook"), vec![(PathBuf::from("codebook/f.toml"), text.clone())]) {
        // A codebook too large to compile says so (an error, not a panic).
        if let Ok(m) = Matcher::new(&cb) {
            let _ = m.code(&text);
            let _ = test_examples(&cb);
        }
    }
});
