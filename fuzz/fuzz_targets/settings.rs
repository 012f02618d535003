//! Any text as qcode.toml (its `[limits]` table with the rest): a project or an error located
//! in the file, never a panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use qcode::project::Project;

fuzz_target!(|data: &[u8]| {
    let dir = std::env::temp_dir().join(format!("qcode-fuzz-settings-{}", std::process::id()));
    let _ = std::fs::create_dir_all(&dir);
    if std::fs::write(dir.join("qcode.toml"), data).is_ok() {
        let _ = Project::open(&dir);
    }
});
