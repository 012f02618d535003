//! A throwaway project folder and helpers to run qcode in it.

use std::path::{Path, PathBuf};

use assert_cmd::Command;

pub const ROLES: &str = r#"
[roles.interviewer]
label = "Interviewer"
aliases = ["I", "Int"]

[roles.council_officer]
label = "Council officer"
aliases = ["Officer", "Council Officer"]

[roles.lto_rep]
label = "LTO representative"
aliases = ["LTO rep", "Locally Trusted Organisation representative"]

[roles.resident]
label = "Resident"
aliases = ["local resident"]

[roles.councillor]
label = "Councillor"
aliases = ["Cllr"]
"#;

pub const NORTHMOOR: &str = "---
id: northmoor-01
area: Northmoor
mode: telephone
speakers:
  I: interviewer
  P1: Council officer
  P2: {role: LTO rep, name: Dana Whitfield}
---
I: How has the partnership worked with the council?

P1: At the start we only heard from them when something went wrong.
It got better once we had a regular monthly meeting.

We listened more after that.

I: [00:12:31] What would you tell another council?

P2: Be honest about the money. Bureaucracy slowed everything down.
";

pub const EASTBROOK: &str = "---
id: eastbrook-01
area: Eastbrook
speakers:
  I: Interviewer
  P1: local resident
---
I: What does a good relationship look like?

P1: Trust, mostly. The council should trust residents with decisions.

I: Anything else?

P1: Regular meetings with officers, and paperwork that does not take months.
";

pub struct Project {
    pub dir: tempfile::TempDir,
}

impl Project {
    /// A project with the role table and the two interviews above.
    pub fn new() -> Project {
        let p = Project::empty();
        p.write("codebook/roles.toml", ROLES);
        p.write("corpus/northmoor-01.txt", NORTHMOOR);
        p.write("corpus/eastbrook-01.txt", EASTBROOK);
        p
    }

    pub fn empty() -> Project {
        let dir = tempfile::tempdir().expect("temp dir");
        std::fs::create_dir_all(dir.path().join("corpus")).unwrap();
        Project { dir }
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    pub fn file(&self, rel: &str) -> PathBuf {
        self.dir.path().join(rel)
    }

    pub fn write(&self, rel: &str, text: &str) {
        self.write_bytes(rel, text.as_bytes());
    }

    pub fn write_bytes(&self, rel: &str, bytes: &[u8]) {
        let path = self.file(rel);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, bytes).unwrap();
    }

    /// `qcode ARGS` run in the project folder.
    pub fn qcode(&self, args: &[&str]) -> Command {
        let mut cmd = Command::cargo_bin("qcode").expect("binary");
        cmd.current_dir(self.path())
            .args(args)
            .env_remove("NO_COLOR");
        cmd
    }

    /// stdout of a run that must exit with `code`.
    pub fn run(&self, args: &[&str], code: i32) -> (String, String) {
        let out = self.qcode(args).output().expect("runs");
        let (so, se) = (
            String::from_utf8_lossy(&out.stdout).to_string(),
            String::from_utf8_lossy(&out.stderr).to_string(),
        );
        assert_eq!(
            out.status.code(),
            Some(code),
            "qcode {args:?}\nstdout:\n{so}\nstderr:\n{se}"
        );
        (so, se)
    }

    /// Search as JSON, returning the hits.
    pub fn search_json(&self, args: &[&str]) -> Vec<serde_json::Value> {
        let mut all = vec!["search", "--format", "json"];
        all.extend_from_slice(args);
        let out = self.qcode(&all).output().expect("runs");
        assert!(
            out.status.code().unwrap() <= 1,
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
        v["hits"].as_array().unwrap().clone()
    }
}

pub fn ids(hits: &[serde_json::Value]) -> Vec<String> {
    let mut v: Vec<String> = hits
        .iter()
        .map(|h| h["segment_id"].as_str().unwrap().to_string())
        .collect();
    v.sort();
    v
}

/// A small codebook exercising every pattern kind, an exclusion and a hierarchy.
pub const CODEBOOK: &str = r#"
[codebook]
name = "test codebook"
version = "0.3"
stem = true

[codes.trust]
label = "Trust"
dimension = "component"
definition = "Trust between council and community."
patterns = ["trust", "honest* NEAR/3 money", '"regular meeting*"']
exclude = ['"Local Trust"']
examples = ["We trusted the officer.", "Be honest about where the money goes."]
counterexamples = ["Local Trust paid for it."]

[codes.dialogue]
label = "Dialogue"
dimension = "component"
patterns = ["listen", "/month(ly)? meeting/", "bureaucra?y"]
examples = ["They listened to us."]
counterexamples = ["The building was quiet."]

[codes.council]
label = "The council"
dimension = "stakeholder"
patterns = ["council"]
examples = ["The council agreed."]
counterexamples = ["We met at the hall."]

[codes.officers]
label = "Council officers"
dimension = "stakeholder"
parent = "council"
patterns = ["officer*"]
examples = ["An officer came."]
counterexamples = ["The chair came."]
"#;

impl Project {
    /// The standard project plus the test codebook.
    pub fn coded() -> Project {
        let p = Project::new();
        p.write("codebook/codes.toml", CODEBOOK);
        p
    }
}

/// Whether these tests run in CI (`CI=true`, as GitHub Actions and GitLab set it and `.ci/run`
/// sets it unless told otherwise), where every tool a test needs has been installed.
pub fn in_ci() -> bool {
    std::env::var("CI").is_ok_and(|v| v.eq_ignore_ascii_case("true") || v == "1")
}

/// Whether a tool the calling test needs is here. When it is not: under `CI=true` the test
/// fails, since `.ci/run` installs it; elsewhere the test says it skipped (see [`skipped`]) and
/// the caller returns. `found` is the caller's check; `missing` says what is missing and how to
/// get it.
#[track_caller]
pub fn tool(found: bool, missing: &str) -> bool {
    if !found {
        assert!(
            !in_ci(),
            "{missing}. This fails rather than skips because CI=true (CI=false lets it skip)."
        );
        skipped(missing);
    }
    found
}

/// Whether data the calling test needs (../shared, which is not part of the repository) is here;
/// when it is not, the test says it skipped and the caller returns, in CI too.
pub fn data(found: bool, missing: &str) -> bool {
    if !found {
        skipped(missing);
    }
    found
}

/// Say that the running test skipped its checks. libtest captures `print!` and `eprint!` of a
/// passing test and throws the text away, so this writes to the process's stderr directly,
/// past the capture: plain `cargo test` shows the line (as `SKIPPED test: why`) beside the test's
/// `ok`.
pub fn skipped(why: &str) {
    use std::io::Write;
    let thread = std::thread::current();
    let test = thread.name().unwrap_or("a test");
    let _ = writeln!(std::io::stderr().lock(), "SKIPPED {test}: {why}");
}
