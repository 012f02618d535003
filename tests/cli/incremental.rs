//! Incremental indexing, rebuilds and the writer lock.

use crate::common::{ids, Project, EASTBROOK};

#[test]
fn nothing_changed_is_a_no_op() {
    let p = Project::new();
    let (_, err) = p.run(&["index"], 0);
    assert!(err.contains("2 files: 2 indexed, 0 unchanged"), "{err}");
    let (_, err) = p.run(&["index"], 0);
    assert!(
        err.contains("index is up to date: 2 files, 2 interviews"),
        "{err}"
    );
}

#[test]
fn one_changed_file_is_the_only_one_reindexed() {
    let p = Project::new();
    p.write("corpus/third.txt", "P1: A third interview about parking.\n");
    p.run(&["index"], 0);
    p.write(
        "corpus/eastbrook-01.txt",
        &EASTBROOK.replace("paperwork", "forms"),
    );
    let (_, err) = p.run(&["index"], 0);
    assert!(err.contains("3 files: 1 indexed, 2 unchanged"), "{err}");
    assert!(p.search_json(&["paperwork"]).is_empty());
    assert_eq!(ids(&p.search_json(&["forms"])), ["eastbrook-01:4.1"]);
}

#[test]
fn touched_but_identical_file_is_not_reindexed() {
    let p = Project::new();
    p.run(&["index"], 0);
    // Same bytes, new modification time: the content hash says nothing changed.
    std::thread::sleep(std::time::Duration::from_millis(20));
    p.write("corpus/eastbrook-01.txt", EASTBROOK);
    let (_, err) = p.run(&["index"], 0);
    assert!(!err.contains("1 indexed"), "{err}");
}

#[test]
fn removed_and_added_files_are_followed() {
    let p = Project::new();
    p.run(&["index"], 0);
    std::fs::remove_file(p.file("corpus/eastbrook-01.txt")).unwrap();
    p.write("corpus/new.txt", "P1: Fresh words about allotments.\n");
    let (_, err) = p.run(&["index"], 0);
    assert!(err.contains("1 indexed, 1 removed, 1 unchanged"), "{err}");
    assert!(p.search_json(&["trust"]).is_empty());
    assert_eq!(ids(&p.search_json(&["allotments"])), ["new:1.1"]);
}

#[test]
fn search_brings_the_index_up_to_date_first() {
    let p = Project::new();
    p.run(&["index"], 0);
    p.write("corpus/late.txt", "P1: The skatepark finally opened.\n");
    assert_eq!(ids(&p.search_json(&["skatepark"])), ["late:1.1"]);
}

#[test]
fn codebook_or_settings_change_rebuilds() {
    let p = Project::new();
    p.run(&["index"], 0);
    p.write(
        "codebook/roles.toml",
        &crate::common::ROLES.replace("\"local resident\"", "\"local resident\", \"neighbour\""),
    );
    let (_, err) = p.run(&["index"], 0);
    assert!(
        err.contains("rebuilt the index: qcode.toml or the codebook changed"),
        "{err}"
    );
    let (_, err) = p.run(&["index", "--rebuild"], 0);
    assert!(err.contains("2 indexed"), "{err}");
}

#[test]
fn unreadable_index_is_rebuilt() {
    let p = Project::new();
    p.run(&["index"], 0);
    std::fs::write(p.file(".qcode/index/meta.json"), "{ not json").unwrap();
    let (_, err) = p.run(&["index"], 0);
    assert!(
        err.contains("rebuilt the index: the index in .qcode/ could not be opened (damaged or cut short); it is rebuilt"),
        "{err}"
    );
    assert_eq!(ids(&p.search_json(&["bureaucracy"])), ["northmoor-01:4.1"]);
}

#[test]
fn a_second_writer_gets_a_clear_locked_error() {
    let p = Project::new();
    p.run(&["index"], 0);
    p.write("corpus/late.txt", "P1: Another file to index.\n");
    // Hold the lock as a running `qcode index` would.
    let lock = std::fs::File::options()
        .write(true)
        .open(p.file(".qcode/lock"))
        .unwrap();
    lock.try_lock().unwrap();
    let (_, err) = p.run(&["index"], 2);
    assert!(
        err.contains("the index is locked by another qcode process"),
        "{err}"
    );
    // A search still answers, from the last committed state.
    let (out, err) = p.run(&["search", "bureaucracy"], 0);
    assert!(err.contains("reading its last committed state"), "{err}");
    assert!(out.contains("northmoor-01:4.1"), "{out}");
    drop(lock);
    let (_, err) = p.run(&["index"], 0);
    assert!(err.contains("1 indexed"), "{err}");
}

/// The manifest files in the project's index folder.
fn manifest_files(p: &Project) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(p.file(".qcode/index"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().to_string())
        .filter(|n| n.starts_with("manifest-") || n.starts_with(".manifest-tmp-"))
        .collect();
    names.sort();
    names
}

/// The manifest file meta.json's commit names, and its contents.
fn committed_manifest(p: &Project) -> (std::path::PathBuf, String) {
    let meta: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(p.file(".qcode/index/meta.json")).unwrap())
            .unwrap();
    let pointer: serde_json::Value =
        serde_json::from_str(meta["payload"].as_str().unwrap()).unwrap();
    let file = p.file(&format!(
        ".qcode/index/{}",
        pointer["manifest_file"].as_str().unwrap()
    ));
    let text = std::fs::read_to_string(&file).unwrap();
    (file, text)
}

#[test]
fn an_index_from_another_qcode_version_is_rebuilt_not_misread() {
    let p = Project::new();
    p.run(&["index"], 0);
    // Pretend an older qcode wrote it: its manifest, which it kept in the commit's payload
    // itself, says index format 1.
    let (_, manifest) = committed_manifest(&p);
    let old = regex::Regex::new(r#""schema_version":\d+"#)
        .unwrap()
        .replace(&manifest, r#""schema_version":1"#)
        .to_string();
    assert_ne!(old, manifest);
    let meta_path = p.file(".qcode/index/meta.json");
    let mut meta: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&meta_path).unwrap()).unwrap();
    meta["payload"] = serde_json::Value::String(old);
    std::fs::write(&meta_path, serde_json::to_string(&meta).unwrap()).unwrap();
    let (_, err) = p.run(&["index"], 0);
    assert!(
        err.contains("rebuilt the index: the index was written by qcode"),
        "{err}"
    );
    assert!(err.contains("(index format 1)"), "{err}");
    assert_eq!(ids(&p.search_json(&["bureaucracy"])), ["northmoor-01:4.1"]);
    // Rebuilt the new way: the manifest in a file of its own.
    assert_eq!(manifest_files(&p).len(), 1, "{:?}", manifest_files(&p));
}

#[test]
fn a_manifest_of_the_current_format_in_the_payload_is_read_without_reindexing() {
    // An index written before manifests had files of their own, by this format: up to date.
    let p = Project::new();
    p.run(&["index"], 0);
    let (file, manifest) = committed_manifest(&p);
    let meta_path = p.file(".qcode/index/meta.json");
    let mut meta: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&meta_path).unwrap()).unwrap();
    meta["payload"] = serde_json::Value::String(manifest);
    std::fs::write(&meta_path, serde_json::to_string(&meta).unwrap()).unwrap();
    std::fs::remove_file(file).unwrap();
    let (_, err) = p.run(&["index"], 0);
    assert!(err.contains("index is up to date"), "{err}");
    assert_eq!(ids(&p.search_json(&["bureaucracy"])), ["northmoor-01:4.1"]);
}

#[test]
fn commits_keep_only_their_manifest_and_the_one_before() {
    let p = Project::new();
    p.run(&["index"], 0);
    let first = manifest_files(&p);
    assert_eq!(first.len(), 1, "{first:?}");
    // A temporary manifest a killed commit left behind goes with the next commit.
    p.write(".qcode/index/.manifest-tmp-killed", "{");
    let mut seen = Vec::new();
    for word in ["parking", "allotments", "skateparks"] {
        p.write("corpus/late.txt", &format!("P1: Talk of {word}.\n"));
        p.run(&["index"], 0);
        let now = manifest_files(&p);
        assert_eq!(now.len(), 2, "{now:?}");
        let (file, _) = committed_manifest(&p);
        let name = file.file_name().unwrap().to_string_lossy().to_string();
        assert!(now.contains(&name), "{now:?} {name}");
        seen.push(name);
    }
    // The one before the last commit's is kept; the first is gone.
    assert!(manifest_files(&p).contains(&seen[1]));
    assert!(!manifest_files(&p).contains(&first[0]));
    assert_eq!(ids(&p.search_json(&["skateparks"])), ["late:1.1"]);
}

#[test]
fn a_missing_or_damaged_manifest_file_rebuilds_the_index() {
    for damage in ["remove", "cut"] {
        let p = Project::new();
        p.run(&["index"], 0);
        let (file, text) = committed_manifest(&p);
        match damage {
            "remove" => std::fs::remove_file(&file).unwrap(),
            _ => std::fs::write(&file, &text[..text.len() / 2]).unwrap(),
        }
        // Read as no manifest: every file indexed again, never an index taken as up to date
        // without knowing what it holds (or whose names to mask).
        let (_, err) = p.run(&["index"], 0);
        assert!(err.contains("2 indexed"), "{damage}: {err}");
        assert_eq!(ids(&p.search_json(&["bureaucracy"])), ["northmoor-01:4.1"]);
    }
}

/// Large CSV files stream in batches; forced here on small files, the result must be what the
/// whole-file path gives.
#[test]
fn streamed_csv_gives_the_same_index_as_whole_files() {
    let make = || {
        let p = Project::coded();
        let mut csv = String::from("id,interview,role,area,text\n");
        for i in 0..300 {
            let text = [
                "We trust the council.",
                "Officers listened to us.",
                "Nothing to say.",
                "A monthly meeting, then.",
            ][i % 4];
            csv.push_str(&format!(
                "r-{i},table-{},Resident,Area {},\"{text} ({i})\"\n",
                i % 7,
                i % 3
            ));
        }
        p.write("corpus/big.csv", &csv);
        p
    };
    let whole = make();
    let streamed = make();
    whole.run(&["index"], 0);
    let out = streamed
        .qcode(&["index"])
        .env("QCODE_STREAM_BYTES", "1")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    for p in [&whole, &streamed] {
        p.run(&["index"], 0); // no-op either way
    }
    for args in [
        vec!["export", "quotes"],
        vec![
            "export",
            "crosstab",
            "--rows",
            "code",
            "--cols",
            "meta:area",
        ],
        vec!["codes", "--format", "json"],
    ] {
        assert_eq!(whole.run(&args, 0).0, streamed.run(&args, 0).0, "{args:?}");
    }
}

#[test]
fn a_bad_row_deep_in_a_streamed_csv_leaves_nothing_of_that_file() {
    let p = Project::coded();
    let mut csv = String::from("id,text\n");
    for i in 0..50_000 {
        csv.push_str(&format!("s-{i},We trust it.\n"));
    }
    csv.push_str("s-bad,one,too many\n");
    p.write("corpus/big.csv", &csv);
    let out = p
        .qcode(&["index"])
        .env("QCODE_STREAM_BYTES", "1")
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(
        err.contains("corpus/big.csv:50002:1: this row has 3 fields but the header has 2"),
        "{err}"
    );
    let hits = p.search_json(&["trust", "-n", "100"]);
    assert!(
        hits.iter()
            .all(|h| !h["segment_id"].as_str().unwrap().starts_with("s-")),
        "no row of the bad file"
    );
    assert!(!hits.is_empty(), "the other files are indexed");
}

#[test]
fn a_sidecar_added_or_removed_is_noticed_by_the_next_search() {
    let p = Project::new();
    p.write("corpus/late.txt", "P1: The skatepark finally opened.\n");
    let area = |p: &Project| {
        let hits = p.search_json(&["skatepark"]);
        assert_eq!(ids(&hits), ["late:1.1"]);
        hits[0]["meta"]["area"].as_str().map(str::to_string)
    };
    assert_eq!(area(&p), None);
    // The freshness check finds sidecars in the folder's listing: one new there is seen...
    p.write("corpus/late.yml", "area: Northside\n");
    assert_eq!(area(&p).as_deref(), Some("Northside"));
    // ... and so is one gone (`.yaml`, the other name a sidecar takes, as well).
    std::fs::remove_file(p.file("corpus/late.yml")).unwrap();
    assert_eq!(area(&p), None);
    p.write("corpus/late.yaml", "area: Southside\n");
    assert_eq!(area(&p).as_deref(), Some("Southside"));
}

#[test]
fn a_codebook_edit_is_seen_by_the_next_search() {
    let p = Project::coded();
    let codes = |p: &Project| {
        let hits = p.search_json(&["paperwork"]);
        assert!(!hits.is_empty());
        let mut c: Vec<String> = hits[0]["codings"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["code"].as_str().unwrap().to_string())
            .collect();
        c.sort();
        c
    };
    assert!(!codes(&p).contains(&"forms".to_string()));
    p.write(
        "codebook/forms.toml",
        "[codes.forms]\nlabel = \"Forms\"\npatterns = [\"paperwork\"]\n",
    );
    assert!(codes(&p).contains(&"forms".to_string()), "{:?}", codes(&p));
}
