//! The qcode binary: parse the command line, run one subcommand, turn errors into exit codes.
//! Exit codes: 0 success, 1 "nothing found" or "done, but some files were skipped", 2 error.

use std::process::ExitCode;

mod cli;

// Exports and indexing allocate millions of small strings (fields of stored documents, cells);
// mimalloc is markedly faster at that than the system allocator.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    match cli::main() {
        Ok(code) => code,
        Err(err) => {
            // A closed pipe (`qcode search x | head`) is not an error.
            if err.chain().any(|c| {
                c.downcast_ref::<std::io::Error>()
                    .is_some_and(|e| e.kind() == std::io::ErrorKind::BrokenPipe)
            }) {
                return ExitCode::SUCCESS;
            }
            eprintln!("error: {}", cli::output::error_message(&err));
            ExitCode::from(2)
        }
    }
}
