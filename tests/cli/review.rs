//! Reviewing proposed codes, end to end. The screen is driven two ways: with keys fed to the
//! app on a ratatui `TestBackend` (`QCODE_REVIEW_KEYS`: every frame printed, so each test reads
//! the screen after each key), and for real in an 80×24 pseudo-terminal (portable-pty), its
//! output read back as a terminal shows it (vt100). Both check what the files hold afterwards.
//! The spreadsheet path is checked in CSV and XLSX, with sheets saved by LibreOffice
//! (tests/cli/fixtures/review/README.md says how each was made).

use std::collections::HashMap;
use std::io::{Read, Write};
use std::path::Path;
use std::time::{Duration, Instant};

use crate::common::{ids, Project};

fn csv_rows(text: &str) -> Vec<HashMap<String, String>> {
    let mut r = csv::Reader::from_reader(text.trim_start_matches('\u{feff}').as_bytes());
    let header: Vec<String> = r.headers().unwrap().iter().map(String::from).collect();
    r.records()
        .map(|rec| {
            header
                .iter()
                .cloned()
                .zip(rec.unwrap().iter().map(String::from))
                .collect()
        })
        .collect()
}

/// `(segment_id, code, status)` of each of ann's rows.
fn decisions(p: &Project) -> Vec<(String, String, String)> {
    let text = std::fs::read_to_string(p.file("codings/ann.csv")).unwrap_or_default();
    if text.is_empty() {
        return Vec::new();
    }
    let mut v: Vec<(String, String, String)> = csv_rows(&text)
        .into_iter()
        .map(|r| {
            (
                r["segment_id"].clone(),
                r["code"].clone(),
                r["status"].clone(),
            )
        })
        .collect();
    v.sort();
    v
}

fn row(seg: &str, code: &str, status: &str) -> (String, String, String) {
    (seg.into(), code.into(), status.into())
}

/// Run `qcode review ARGS` with `keys` on the test backend; the frames by the key after which
/// each was drawn ("start" first), and stderr.
fn review(
    p: &Project,
    args: &[&str],
    keys: &str,
    env: &[(&str, &str)],
) -> (Vec<(String, String)>, String) {
    let mut all = vec!["review"];
    all.extend_from_slice(args);
    let mut cmd = p.qcode(&all);
    cmd.env("QCODE_REVIEW_KEYS", keys);
    for (k, v) in env {
        cmd.env(k, v);
    }
    let out = cmd.output().unwrap();
    let (so, se) = (
        String::from_utf8_lossy(&out.stdout).to_string(),
        String::from_utf8_lossy(&out.stderr).to_string(),
    );
    assert_eq!(out.status.code(), Some(0), "stdout:\n{so}\nstderr:\n{se}");
    (frames(&so), se)
}

fn frames(out: &str) -> Vec<(String, String)> {
    let mut v: Vec<(String, String)> = Vec::new();
    for line in out.lines() {
        match line
            .strip_prefix("=== ")
            .and_then(|l| l.strip_suffix(" ==="))
        {
            Some(label) => v.push((label.to_string(), String::new())),
            None => {
                let last = v.last_mut().expect("a frame starts with its label");
                last.1.push_str(line);
                last.1.push('\n');
            }
        }
    }
    v
}

fn indexed() -> Project {
    let p = Project::coded();
    p.run(&["index"], 0);
    p
}

#[test]
fn each_decision_is_written_at_once_and_a_new_session_resumes_at_the_next() {
    let p = indexed();
    let (f, _) = review(&p, &["--coder", "ann"], "ar", &[]);
    let start = &f[0].1;
    assert!(
        start.contains("qcode review · ann · machine's codes · 8 pending · 1 of 8"),
        "{start}"
    );
    assert!(
        start.contains("eastbrook-01:2.1 · Resident, Eastbrook"),
        "{start}"
    );
    assert!(
        start.contains("  I: What does a good relationship look like?"),
        "context before:\n{start}"
    );
    assert!(start.contains("> P1: Trust, mostly."), "{start}");
    assert!(
        start.contains("  I: Anything else?"),
        "context after:\n{start}"
    );
    assert!(
        start.contains("Proposed: trust · Trust (component)"),
        "{start}"
    );
    assert!(
        start.contains("Evidence: «Trust» (trust), «trust» (trust)"),
        "{start}"
    );
    assert!(start.contains("Yours here: none yet"), "{start}");
    assert!(
        start.contains("a accept  r reject  c add code  m memo  b back  s skip  q quit"),
        "{start}"
    );
    let after_a = &f[1].1;
    assert!(
        after_a.contains("accepted `trust` on eastbrook-01:2.1"),
        "{after_a}"
    );
    assert!(after_a.contains("Proposed: council"), "{after_a}");
    assert!(after_a.contains("Yours here: trust"), "{after_a}");
    // Written at once: the process ended without quitting, and both decisions are there.
    assert_eq!(
        decisions(&p),
        [
            row("eastbrook-01:2.1", "council", "rejected"),
            row("eastbrook-01:2.1", "trust", "accepted"),
        ]
    );
    let rows = csv_rows(&std::fs::read_to_string(p.file("codings/ann.csv")).unwrap());
    assert_eq!(
        rows[0]["text"],
        "Trust, mostly. The council should trust residents with decisions."
    );
    assert!(rows[0]["time"].ends_with('Z'));

    // Coming back: the next pending proposal, 6 left.
    let (f, err) = review(&p, &["--coder", "ann"], "q", &[]);
    assert!(f[0].1.contains("6 pending · 3 of 8"), "{}", f[0].1);
    assert!(f[0].1.contains("eastbrook-01:4.1"), "{}", f[0].1);
    assert!(
        err.contains("ann: 0 decision(s) written to codings/ann.csv; 6 proposal(s) still pending"),
        "{err}"
    );
}

#[test]
fn back_changes_a_decision_skip_leaves_it_pending_and_the_end_says_so() {
    let p = indexed();
    // Accept, go back, reject instead; skip the rest.
    let (f, err) = review(
        &p,
        &["--coder", "ann", "--interview", "northmoor-01"],
        "ab<Left>rsss",
        &[],
    );
    let back = &f[2].1;
    assert!(back.contains("[you: accepted]"), "{back}");
    assert_eq!(
        decisions(&p),
        [row("northmoor-01:2.1", "dialogue", "rejected")]
    );
    let end = &f.last().unwrap().1;
    assert!(end.contains("Nothing left to review here."), "{end}");
    assert!(end.contains("3 skipped: they stay pending"), "{end}");
    assert!(
        f[3].1.contains("nothing before this one in this session"),
        "{}",
        f[3].1
    );
    assert!(
        err.contains("2 decision(s) written")
            && err.contains("3 proposal(s) still pending, 3 skipped"),
        "{err}"
    );
    // --code chooses the codes reviewed (with their descendants), other filters the segments.
    let (f, _) = review(&p, &["--coder", "ann", "--code", "council"], "q", &[]);
    assert!(f[0].1.contains("2 pending · 1 of 2"), "{}", f[0].1);
    assert!(f[0].1.contains("Proposed: council"), "{}", f[0].1);
}

#[test]
fn another_code_and_a_memo_are_recorded_from_the_screen() {
    let p = indexed();
    let (f, _) = review(
        &p,
        &["--coder", "ann"],
        "cdia<Tab><Enter>cnope<Enter>mAsk about the <Esc>mCompare with northmoor.<Enter>",
        &[],
    );
    let tab = &f[5].1;
    assert!(tab.contains("Add code: dialogue_"), "Tab completes:\n{tab}");
    let added = &f[6].1;
    assert!(
        added.contains("coded `dialogue` on eastbrook-01:2.1 by hand"),
        "{added}"
    );
    assert!(added.contains("Yours here: dialogue"), "{added}");
    let unknown = &f[12].1;
    assert!(unknown.contains("! unknown code `nope`"), "{unknown}");
    assert_eq!(decisions(&p), [row("eastbrook-01:2.1", "dialogue", "")]);
    let memos = std::fs::read_to_string(p.file("memos/ann.md")).unwrap();
    assert!(memos.contains("## segment eastbrook-01:2.1 · "), "{memos}");
    assert!(
        memos.contains("Compare with northmoor.") && !memos.contains("Ask about"),
        "{memos}"
    );
    let (out, _) = p.run(&["memos", "--coder", "ann", "--format", "csv"], 0);
    assert!(out.contains("Compare with northmoor."), "{out}");
}

#[test]
fn the_screen_fits_80_by_24_and_marks_evidence_without_colour_under_no_color() {
    let p = indexed();
    let (f, _) = review(&p, &["--coder", "ann"], "?q", &[("NO_COLOR", "1")]);
    for (label, screen) in &f {
        assert_eq!(screen.lines().count(), 24, "after {label}:\n{screen}");
        assert!(
            screen.lines().all(|l| l.chars().count() <= 80),
            "after {label}:\n{screen}"
        );
    }
    assert!(
        f[0].1
            .contains("> P1: «Trust», mostly. The council should «trust» residents"),
        "{}",
        f[0].1
    );
    assert!(
        f[1].1.contains("s  skip: leave it pending for later"),
        "help:\n{}",
        f[1].1
    );
    // With colour, the highlight is the colour's, not markers'.
    let (f, _) = review(&p, &["--coder", "ann"], "q", &[]);
    assert!(f[0].1.contains("> P1: Trust, mostly."), "{}", f[0].1);
    // A smaller terminal still gets every line that matters.
    let (f, _) = review(
        &p,
        &["--coder", "ann"],
        "q",
        &[("QCODE_REVIEW_SIZE", "60x12")],
    );
    let small = &f[0].1;
    assert!(
        small.contains("Proposed: trust") && small.contains("a accept  r reject"),
        "{small}"
    );
}

#[test]
fn participants_names_are_masked_on_screen_unless_asked() {
    let p = Project::coded();
    p.write(
        "corpus/westfield-01.txt",
        "---\nid: westfield-01\nspeakers:\n  P1: {role: resident, name: Maya Okafor}\n---\nP1: Maya Okafor here: I trust the council.\n",
    );
    p.run(&["index"], 0);
    let (f, _) = review(
        &p,
        &["--coder", "ann", "--interview", "westfield-01"],
        "",
        &[("NO_COLOR", "1")],
    );
    let screen = &f[0].1;
    assert!(
        !screen.contains("Maya") && !screen.contains("Okafor"),
        "{screen}"
    );
    assert!(
        screen.contains("> P1: [REDACTED] here: I «trust» the council."),
        "{screen}"
    );
    let (f, _) = review(
        &p,
        &[
            "--coder",
            "ann",
            "--interview",
            "westfield-01",
            "--with-names",
        ],
        "",
        &[],
    );
    assert!(f[0].1.contains("Maya Okafor here"), "{}", f[0].1);
}

#[test]
fn suggestions_are_reviewed_like_the_machines_codes_and_count_once_accepted() {
    let p = indexed();
    p.write(
        "codings/suggested.csv",
        "segment_id,code,coder,text,memo,status\n\
         northmoor-01:2.2,trust,suggested,listened more,listening builds trust,proposed\n\
         eastbrook-01:4.1,dialogue,suggested,,,proposed\n",
    );
    let (f, _) = review(
        &p,
        &["--coder", "ann", "--of", "suggested"],
        "sa",
        &[("NO_COLOR", "1")],
    );
    let start = &f[0].1;
    assert!(
        start.contains("ann · suggestions · 2 pending · 1 of 2"),
        "{start}"
    );
    assert!(start.contains("Proposed: dialogue"), "{start}");
    let second = &f[1].1;
    assert!(
        second.contains("> P1: We «listened more» after that."),
        "{second}"
    );
    assert!(
        second.contains("Evidence: «listened more» · why: listening builds trust"),
        "{second}"
    );
    assert_eq!(
        decisions(&p),
        [row("northmoor-01:2.2", "trust", "accepted")]
    );
    // A suggestion counts only once accepted, under reviewed:ann; the machine's codes stand
    // elsewhere.
    let machine = ids(&p.search_json(&["", "--code", "trust"]));
    assert!(!machine.contains(&"northmoor-01:2.2".to_string()));
    let reviewed = ids(&p.search_json(&["", "--code", "trust", "--coder", "reviewed:ann"]));
    assert_eq!(reviewed.len(), machine.len() + 1, "{reviewed:?}");
    // No suggestions at all: said, and nothing opens.
    std::fs::remove_file(p.file("codings/suggested.csv")).unwrap();
    let (_, err) = p.run(&["review", "--coder", "ann", "--of", "suggested"], 1);
    assert!(
        err.contains("no suggestions are saved in codings/"),
        "{err}"
    );
}

#[test]
fn reviewed_decisions_count_in_every_read_command_and_codes_shows_progress() {
    let p = indexed();
    review(&p, &["--coder", "ann", "--code", "council"], "r", &[]);
    p.write("qcode.toml", "[coding]\nuse = \"reviewed:ann\"\n");
    // The rejected council code is gone from eastbrook-01:2.1; the machine's other one stands.
    let council = ids(&p.search_json(&["", "--code", "council"]));
    assert_eq!(council, ["eastbrook-01:4.1"]);
    let (out, _) = p.run(&["codes", "--coder", "ann"], 0);
    let line = |code: &str| {
        out.lines()
            .find(|l| l.trim_start().starts_with(code))
            .unwrap_or_else(|| panic!("{code} in\n{out}"))
            .split_whitespace()
            .map(String::from)
            .collect::<Vec<_>>()
    };
    assert!(out.contains("accepted rejected  pending"), "{out}");
    assert_eq!(line("council")[4..], ["0", "1", "0"], "{out}");
    assert_eq!(line("officers")[4..], ["0", "0", "1"], "{out}");
    assert_eq!(line("trust")[4..], ["0", "0", "3"], "{out}");
    let (csv_out, _) = p.run(&["codes", "--coder", "ann", "--format", "csv"], 0);
    assert!(
        csv_out
            .lines()
            .next()
            .unwrap()
            .ends_with(",accepted,rejected,pending"),
        "{csv_out}"
    );
    // With the [coding] use default, review needs no --coder, and the machine alone shows no
    // review columns.
    let (f, _) = review(&p, &[], "q", &[]);
    assert!(f[0].1.contains("qcode review · ann"), "{}", f[0].1);
    let (out, _) = p.run(&["codes", "--coder", "machine"], 0);
    assert!(!out.contains("accepted"), "{out}");
}

#[test]
fn without_a_terminal_it_points_to_the_spreadsheet_and_with_nothing_pending_it_says_so() {
    let p = indexed();
    let (_, err) = p.run(&["review", "--coder", "ann"], 2);
    assert!(
        err.contains("needs a terminal") && err.contains("qcode export review --coder ann"),
        "{err}"
    );
    let (_, err) = p.run(&["review"], 2);
    assert!(err.contains("needs --coder NAME"), "{err}");
    let (_, err) = p.run(&["review", "--coder", "machine"], 2);
    assert!(err.contains("reserved coder name"), "{err}");
    review(&p, &["--coder", "ann", "--code", "officers"], "a", &[]);
    let out = p
        .qcode(&["review", "--coder", "ann", "--code", "officers"])
        .env("QCODE_REVIEW_KEYS", "q")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("nothing to review: ann has decided all 1 proposal(s) here"),
        "{err}"
    );
    assert!(out.stdout.is_empty(), "no screen");
}

// ---------------------------------------------------------------------------------------------
// In a real pseudo-terminal.

/// qcode review running in an 80×24 pty, its screen as a terminal shows it.
struct Pty {
    child: Box<dyn portable_pty::Child + Send + Sync>,
    writer: Box<dyn Write + Send>,
    screen: std::sync::Arc<std::sync::Mutex<vt100::Parser>>,
}

impl Pty {
    fn spawn(p: &Project, args: &[&str], no_color: bool) -> Pty {
        use portable_pty::{native_pty_system, CommandBuilder, PtySize};
        let pair = native_pty_system()
            .openpty(PtySize {
                rows: 24,
                cols: 80,
                pixel_width: 0,
                pixel_height: 0,
            })
            .unwrap();
        let mut cmd = CommandBuilder::new(assert_cmd::cargo::cargo_bin("qcode"));
        cmd.args(args);
        cmd.cwd(p.path());
        cmd.env("TERM", "xterm-256color");
        cmd.env_remove("QCODE_REVIEW_KEYS");
        if no_color {
            cmd.env("NO_COLOR", "1");
        } else {
            cmd.env_remove("NO_COLOR");
        }
        let child = pair.slave.spawn_command(cmd).unwrap();
        drop(pair.slave);
        let mut reader = pair.master.try_clone_reader().unwrap();
        let writer = pair.master.take_writer().unwrap();
        let rows = std::num::NonZeroU16::new(24).unwrap();
        let cols = std::num::NonZeroU16::new(80).unwrap();
        let screen = std::sync::Arc::new(std::sync::Mutex::new(vt100::Parser::new(rows, cols, 0)));
        let feed = screen.clone();
        std::thread::spawn(move || {
            // Keep the master open while the child runs.
            let _master = pair.master;
            let mut buf = [0u8; 4096];
            while let Ok(n) = reader.read(&mut buf) {
                if n == 0 {
                    break;
                }
                feed.lock().unwrap().process(&buf[..n]);
            }
        });
        Pty {
            child,
            writer,
            screen,
        }
    }

    fn contents(&self) -> String {
        self.screen.lock().unwrap().screen().contents()
    }

    /// Wait until the screen shows `text` (90 s at most: a busy machine is slow, a hang is not).
    fn wait_for(&self, text: &str) -> String {
        let start = Instant::now();
        loop {
            let now = self.contents();
            if now.contains(text) {
                return now;
            }
            assert!(
                start.elapsed() < Duration::from_secs(90),
                "the screen never showed {text:?}; it shows:\n{now}"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    fn keys(&mut self, keys: &str) {
        self.writer.write_all(keys.as_bytes()).unwrap();
        self.writer.flush().unwrap();
    }

    /// Whether any cell on screen has a colour of its own.
    fn coloured(&self) -> bool {
        let parser = self.screen.lock().unwrap();
        let s = parser.screen();
        (0..24).any(|r| {
            (0..80).any(|c| {
                s.cell(r, c).is_some_and(|cell| {
                    cell.fgcolor() != vt100::Color::Default
                        || cell.bgcolor() != vt100::Color::Default
                })
            })
        })
    }

    /// Wait for the process to end; its exit code.
    fn finish(mut self) -> u32 {
        let start = Instant::now();
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                return status.exit_code();
            }
            if start.elapsed() > Duration::from_secs(20) {
                self.child.kill().ok();
                panic!(
                    "qcode review did not quit; the screen:\n{}",
                    self.contents()
                );
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

#[test]
fn in_a_real_terminal_keys_decide_and_no_color_means_no_colour() {
    let p = indexed();
    let mut t = Pty::spawn(&p, &["review", "--coder", "ann"], true);
    let screen = t.wait_for("Proposed: trust");
    assert!(screen.contains("«Trust», mostly."), "{screen}");
    assert!(!t.coloured(), "NO_COLOR: no colour anywhere\n{screen}");
    t.keys("a");
    t.wait_for("accepted `trust` on eastbrook-01:2.1");
    t.keys("q");
    assert_eq!(t.finish(), 0);
    assert_eq!(
        decisions(&p),
        [row("eastbrook-01:2.1", "trust", "accepted")]
    );

    // With colour, and the terminal's arrow keys (escape sequences) too.
    let mut t = Pty::spawn(&p, &["review", "--coder", "ann"], false);
    t.wait_for("Proposed: council");
    assert!(t.coloured(), "colour is used when NO_COLOR is not set");
    t.keys("\x1b[C");
    t.wait_for("3 of 8");
    t.keys("r");
    t.wait_for("rejected `trust` on eastbrook-01:4.1");
    t.keys("\x03");
    assert_eq!(t.finish(), 0);
    assert_eq!(
        decisions(&p),
        [
            row("eastbrook-01:2.1", "trust", "accepted"),
            row("eastbrook-01:4.1", "trust", "rejected"),
        ]
    );
}

// ---------------------------------------------------------------------------------------------
// The spreadsheet path.

const HEADER: &str = "segment_id,code,code_label,evidence,text,decision";

#[test]
fn export_review_writes_the_pending_proposals_as_csv_and_xlsx() {
    let p = indexed();
    review(&p, &["--coder", "ann"], "a", &[]);
    let (_, err) = p.run(
        &["export", "review", "--coder", "ann", "-o", "review.csv"],
        0,
    );
    assert!(
        err.contains("review.csv: 7 proposal(s) for ann to decide"),
        "{err}"
    );
    let bytes = std::fs::read(p.file("review.csv")).unwrap();
    let text = String::from_utf8(bytes).unwrap();
    assert!(text.starts_with(&format!("\u{feff}{HEADER}\r\n")), "{text}");
    let rows = csv_rows(&text);
    assert_eq!(rows.len(), 7);
    assert_eq!(
        (
            rows[0]["segment_id"].as_str(),
            rows[0]["code"].as_str(),
            rows[0]["code_label"].as_str()
        ),
        ("eastbrook-01:2.1", "council", "The council")
    );
    assert_eq!(rows[0]["evidence"], "council");
    assert!(rows.iter().all(|r| r["decision"].is_empty()));
    // Never over a sheet being filled in, unless asked.
    let (_, err) = p.run(
        &["export", "review", "--coder", "ann", "-o", "review.csv"],
        2,
    );
    assert!(err.contains("already exists"), "{err}");
    p.run(
        &[
            "export",
            "review",
            "--coder",
            "ann",
            "-o",
            "review.csv",
            "--force",
            "--all",
        ],
        0,
    );
    let rows = csv_rows(&std::fs::read_to_string(p.file("review.csv")).unwrap());
    assert_eq!((rows.len(), rows[0]["decision"].as_str()), (8, "accept"));

    p.run(
        &[
            "export",
            "review",
            "--coder",
            "ann",
            "-o",
            "review.xlsx",
            "--code",
            "trust",
        ],
        0,
    );
    use calamine::{Reader, Xlsx};
    let mut book: Xlsx<_> = calamine::open_workbook(p.file("review.xlsx")).unwrap();
    let range = book.worksheet_range_at(0).unwrap().unwrap();
    let cells: Vec<Vec<String>> = range
        .rows()
        .map(|r| r.iter().map(|c| c.to_string()).collect())
        .collect();
    assert_eq!(cells[0].join(","), HEADER);
    assert_eq!(cells.len(), 3, "{cells:?}");
    assert_eq!(cells[1][..2], ["eastbrook-01:4.1", "trust"]);
    let (_, err) = p.run(
        &["export", "review", "--coder", "ann", "-o", "review.txt"],
        2,
    );
    assert!(err.contains("FILE.xlsx or FILE.csv"), "{err}");
}

/// What importing a filled-in fixture records and reports, whichever program saved it.
fn import_fixture(name: &str) {
    let p = indexed();
    let fixture = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/cli/fixtures/review")
        .join(name);
    let dest = p.file(name);
    std::fs::copy(&fixture, &dest).unwrap();
    let (_, err) = p.run(&["import", "review", name, "--coder", "ann"], 1);
    assert_eq!(
        decisions(&p),
        [
            row("eastbrook-01:2.1", "council", "rejected"),
            row("eastbrook-01:2.1", "trust", "accepted"),
            row("eastbrook-01:4.1", "trust", "rejected"),
            row("northmoor-01:2.1", "dialogue", "accepted"),
        ],
        "{name}: {err}"
    );
    assert!(
        err.contains(&format!("warning: {name} row 8: trust on northmoor-01:9.9: not recorded: no segment `northmoor-01:9.9`")),
        "{name}: {err}"
    );
    assert!(
        err.contains(&format!(
            "warning: {name} row 9: dialog on northmoor-01:4.1: not recorded: no code `dialog`"
        )),
        "{name}: {err}"
    );
    assert!(
        err.contains("6 decision(s) read, 2 row(s) left empty for later; 2 accepted and 2 rejected recorded in codings/ann.csv; 2 not recorded"),
        "{name}: {err}"
    );
    // Imported again: nothing new, said so.
    let (_, err) = p.run(&["import", "review", name, "--coder", "ann"], 1);
    assert!(
        err.contains("0 accepted and 0 rejected recorded in codings/ann.csv, 4 already so"),
        "{err}"
    );
    // And the screen picks up after them.
    let (f, _) = review(&p, &["--coder", "ann"], "q", &[]);
    assert!(f[0].1.contains("4 pending"), "{}", f[0].1);
}

#[test]
fn a_sheet_saved_as_csv_with_a_bom_and_crlf_is_imported() {
    import_fixture("filled-bom-crlf.csv");
}

#[test]
fn a_sheet_saved_by_libreoffice_as_xlsx_is_imported() {
    import_fixture("filled-libreoffice.xlsx");
}

#[test]
fn a_sheet_saved_by_libreoffice_as_semicolon_csv_is_imported() {
    import_fixture("filled-libreoffice-semicolon.csv");
}

#[test]
fn our_own_xlsx_filled_in_reads_back_and_a_bad_decision_stops_everything() {
    let p = indexed();
    p.run(
        &[
            "export", "review", "--coder", "ann", "-o", "r.csv", "--code", "officers",
        ],
        0,
    );
    let text = std::fs::read_to_string(p.file("r.csv")).unwrap();
    p.write("r.csv", &text.replace(",\r\n", ",maybe\r\n"));
    let (_, err) = p.run(&["import", "review", "r.csv", "--coder", "ann"], 2);
    assert!(
        err.contains("r.csv:2:6: row 2: `maybe` is not a decision"),
        "{err}"
    );
    assert!(
        err.contains("accept or reject (a or r will do, any case)"),
        "{err}"
    );
    assert!(decisions(&p).is_empty(), "nothing recorded");
    p.write("r.csv", &text.replace(",\r\n", ",Y\r\n"));
    p.run(&["import", "review", "r.csv", "--coder", "ann"], 0);
    assert_eq!(
        decisions(&p),
        [row("eastbrook-01:4.1", "officers", "accepted")]
    );
    let (_, err) = p.run(&["import", "review", "missing.csv", "--coder", "ann"], 2);
    assert!(err.contains("cannot read missing.csv"), "{err}");
    // Decided twice: the later row is recorded, the earlier reported; a grouping code is not
    // a decision.
    p.write(
        "codebook/groups.toml",
        "[codes.themes]\nlabel = \"Themes\"\ncodable = false\n",
    );
    p.write(
        "twice.csv",
        "segment_id,code,decision\neastbrook-01:2.1,trust,a\neastbrook-01:2.1,trust,r\neastbrook-01:2.1,themes,a\n",
    );
    let (_, err) = p.run(&["import", "review", "twice.csv", "--coder", "ann"], 1);
    assert!(err.contains("twice.csv row 2: trust on eastbrook-01:2.1: not recorded: decided again in row 3 (that one is recorded)"), "{err}");
    assert!(err.contains("twice.csv row 4: themes on eastbrook-01:2.1: not recorded: `themes` is a grouping code"), "{err}");
    assert!(decisions(&p).contains(&row("eastbrook-01:2.1", "trust", "rejected")));
    let (_, err) = p.run(&["import", "review", "r.txt", "--coder", "ann"], 2);
    assert!(err.contains("cannot read r.txt"), "{err}");
    p.write("empty.csv", "segment_id,code\n");
    let (_, err) = p.run(&["import", "review", "empty.csv", "--coder", "ann"], 2);
    assert!(
        err.contains("needs the columns segment_id, code and decision"),
        "{err}"
    );
}

#[test]
fn a_decision_that_cannot_be_written_is_said_on_screen_and_the_screen_stays() {
    let p = indexed();
    // A codings file the store cannot read is never edited.
    p.write("codings/ann.csv", "id,code\n1,x\n");
    p.write(
        "codings/bob.csv",
        "segment_id,code\neastbrook-01:2.1,trust\n",
    );
    let (f, err) = review(&p, &["--coder", "ann"], "a", &[]);
    assert!(err.contains("warning: codings file left out"), "{err}");
    let after = &f[1].1;
    assert!(
        after.contains("! not written: codings/ann.csv:1:1: a codings file needs"),
        "{after}"
    );
    assert!(
        after.contains("1 of 8") && after.contains("Proposed: trust"),
        "it stays:\n{after}"
    );
    assert_eq!(
        std::fs::read_to_string(p.file("codings/ann.csv")).unwrap(),
        "id,code\n1,x\n"
    );
    // A filter's typo is an error with a hint, as in search.
    let (_, err) = p.run(&["review", "--coder", "ann", "--role", "residnt"], 2);
    assert!(err.contains("did you mean `resident`"), "{err}");
}
