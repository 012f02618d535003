//! Nothing is lost: `-o` never replaces the project's own files, a device, a pipe or a folder,
//! nor a symbolic link unless `--force`; temporary files carry a recognisable prefix and a
//! killed run's leftovers are removed by the next.

use crate::common::Project;

#[test]
fn exports_refuse_the_projects_own_files_and_special_targets() {
    let p = Project::coded();
    let before = std::fs::read_to_string(p.file("corpus/northmoor-01.txt")).unwrap();
    for target in [
        "corpus/northmoor-01.txt",
        "corpus/new.txt",
        "codebook/codes.toml",
        "qcode.toml",
    ] {
        let (_, err) = p.run(&["export", "quotes", "-o", target], 2);
        assert!(
            err.contains("one of the project's own files"),
            "{target}: {err}"
        );
    }
    let (_, err) = p.run(&["report", "-o", "codebook/r.html"], 2);
    assert!(err.contains("one of the project's own files"), "{err}");
    assert_eq!(
        std::fs::read_to_string(p.file("corpus/northmoor-01.txt")).unwrap(),
        before
    );
    assert!(!p.file("corpus/new.txt").exists() && !p.file("qcode.toml").exists());
    let (_, err) = p.run(&["export", "quotes", "-o", "corpus"], 2);
    assert!(err.contains("not a regular file"), "{err}");
    #[cfg(unix)]
    {
        std::fs::write(p.file("real.csv"), "keep me").unwrap();
        std::os::unix::fs::symlink(p.file("real.csv"), p.file("link.csv")).unwrap();
        let (_, err) = p.run(&["export", "quotes", "-o", "link.csv"], 2);
        assert!(err.contains("symbolic link"), "{err}");
        assert!(std::fs::symlink_metadata(p.file("link.csv"))
            .unwrap()
            .file_type()
            .is_symlink());
        let (_, err) = p.run(&["export", "quotes", "-o", "/dev/null"], 2);
        assert!(err.contains("not a regular file"), "{err}");
        // Asked for: the link is replaced by the export.
        p.run(&["export", "quotes", "-o", "link.csv", "--force"], 0);
        assert_eq!(
            std::fs::read_to_string(p.file("real.csv")).unwrap(),
            "keep me"
        );
    }
}

#[test]
fn a_killed_runs_temporaries_are_removed_by_the_next() {
    let p = Project::coded();
    let stale = p.file("out/.qcode-tmp-killed");
    std::fs::create_dir_all(p.file("out")).unwrap();
    std::fs::write(&stale, "half an export").unwrap();
    let two_hours_ago = std::time::SystemTime::now() - std::time::Duration::from_secs(7200);
    std::fs::File::options()
        .write(true)
        .open(&stale)
        .unwrap()
        .set_modified(two_hours_ago)
        .unwrap();
    let fresh = p.file("out/.qcode-tmp-running");
    std::fs::write(&fresh, "another run's").unwrap();
    p.run(&["export", "quotes", "-o", "out/quotes.csv"], 0);
    assert!(!stale.exists(), "a stale temporary is removed");
    assert!(fresh.exists(), "a young one may be another run's: kept");
    assert!(p.file("out/quotes.csv").exists());
}

#[test]
fn huge_limits_and_contexts_are_errors_not_aborts() {
    let p = Project::coded();
    let (_, err) = p.run(&["search", "trust", "--context", "18446744073709551615"], 2);
    assert!(err.contains("more than 1000 paragraphs"), "{err}");
    let (_, err) = p.run(&["search", "trust", "--limit", "100000000"], 2);
    assert!(err.contains("more than 100000"), "{err}");
    assert!(!err.contains("panicked"));
}

/// A file name holding a terminal escape sequence is named in messages without the escape.
#[cfg(unix)]
#[test]
fn messages_never_carry_control_characters() {
    let p = Project::coded();
    p.write("corpus/bad\u{1b}[2J.txt", "");
    let out = p.qcode(&["index"]).output().unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("bad\u{fffd}[2J.txt"), "{err}");
    assert!(!err.contains('\u{1b}'), "{err:?}");
}

/// Every command that writes a file with `-o` refuses a pipe (and so a device) rather than
/// renaming a file over it, and the project's own files unless asked. A pipe in the test's own
/// folder stands in for /dev/null, so a regression cannot take the machine's.
#[cfg(unix)]
#[test]
fn every_output_flag_refuses_pipes_and_the_projects_own_files() {
    use std::os::unix::fs::FileTypeExt;
    let p = Project::coded();
    let made = std::process::Command::new("mkfifo")
        .arg(p.file("pipe"))
        .status()
        .is_ok_and(|s| s.success());
    if !made {
        eprintln!("mkfifo is not here: only the project's files are checked");
    }
    let pipe = p.file("pipe");
    let pipe = pipe.to_str().unwrap();
    let writers: [&[&str]; 7] = [
        &["export", "quotes", "-o"],
        &["export", "wide", "--format", "csv", "-o"],
        &["export", "qdc", "-o"],
        &["export", "qdpx", "-o"],
        &["suggest", "--format", "csv", "-o"],
        &["codebook", "export", "--format", "yaml", "-o"],
        &["report", "-o"],
    ];
    for w in writers {
        if made {
            let args: Vec<&str> = w.iter().copied().chain([pipe]).collect();
            let (_, err) = p.run(&args, 2);
            assert!(err.contains("not a regular file"), "{args:?}: {err}");
            assert!(std::fs::symlink_metadata(p.file("pipe"))
                .unwrap()
                .file_type()
                .is_fifo());
        }
        let args: Vec<&str> = w.iter().copied().chain(["codebook/x.out"]).collect();
        let (_, err) = p.run(&args, 2);
        assert!(
            err.contains("one of the project's own files"),
            "{args:?}: {err}"
        );
        assert!(!p.file("codebook/x.out").exists(), "{args:?}");
    }
}
