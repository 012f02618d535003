//! `qcode serve`: searches answered by a server print what they print alone, see the corpus
//! as it is now, and run alone again when no server answers.
#![cfg(unix)]

use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::common::Project;

/// A `qcode serve` for the test's project, stopped when dropped.
struct Server {
    child: Child,
    socket: PathBuf,
}

impl Server {
    fn start(p: &Project, idle: &str) -> Server {
        let child = Command::new(assert_cmd::cargo::cargo_bin("qcode"))
            .current_dir(p.path())
            .args(["-q", "serve", "--idle", idle])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("qcode serve starts");
        let socket = p.file(".qcode/serve.sock");
        let started = Instant::now();
        // Until it answers (a socket file may be a stale one).
        while std::os::unix::net::UnixStream::connect(&socket).is_err() {
            assert!(
                started.elapsed() < Duration::from_secs(20),
                "no server after 20 s"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
        Server { child, socket }
    }

    /// Ended at once, as by a crash or `kill -9`: its socket file stays behind.
    fn kill(mut self) {
        self.child.kill().ok();
        self.child.wait().ok();
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.child.kill().ok();
        self.child.wait().ok();
    }
}

/// stdout, stderr and exit code of `qcode ARGS` in the project.
fn run(p: &Project, args: &[&str]) -> (String, String, i32) {
    let out = p.qcode(args).output().expect("runs");
    (
        String::from_utf8_lossy(&out.stdout).to_string(),
        String::from_utf8_lossy(&out.stderr).to_string(),
        out.status.code().unwrap_or(-1),
    )
}

fn answered_by_server(p: &Project, args: &[&str]) -> bool {
    let mut all = vec!["-v"];
    all.extend_from_slice(args);
    run(p, &all).1.contains("answered by qcode serve")
}

const SEARCHES: &[&[&str]] = &[
    &["search", "listen"],
    &["search", "meeting*", "--format", "csv"],
    &["search", "trust OR bureaucracy", "--format", "json"],
    &["search", "", "--role", "council_officer", "--context", "1"],
    &[
        "search",
        "tell",
        "--include-interviewer",
        "--format",
        "json",
    ],
    &["search", "nothingmatchesthis"],
    &["search", "trust", "--role", "no_such_role"],
    &["search", "trust", "--limit", "0"],
];

#[test]
fn a_server_answers_as_the_search_alone_does() {
    let p = Project::new();
    p.run(&["index"], 0);
    let alone: Vec<_> = SEARCHES.iter().map(|a| run(&p, a)).collect();
    let _server = Server::start(&p, "60");
    for (args, alone) in SEARCHES.iter().zip(&alone) {
        assert!(answered_by_server(&p, args), "{args:?} ran alone");
        assert_eq!(&run(&p, args), alone, "{args:?}");
    }
    // The exit codes are grep's: found, nothing found, error.
    let codes: Vec<i32> = alone.iter().map(|r| r.2).collect();
    assert_eq!(codes, [0, 0, 0, 0, 0, 1, 2, 2]);
}

#[test]
fn a_server_sees_the_corpus_as_it_is_now() {
    let p = Project::new();
    p.run(&["index"], 0);
    let _server = Server::start(&p, "60");
    // Twice: the server keeps the corpus's listing from the second search on (it watches the
    // corpus), and must still see every change.
    for _ in 0..2 {
        assert_eq!(run(&p, &["search", "zeppelin"]).2, 1);
    }
    p.write(
        "corpus/westford-01.txt",
        "id: westford-01\n\nP1: The zeppelin came over the council offices.\n",
    );
    let (out, err, code) = run(&p, &["search", "zeppelin"]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("westford-01"), "{out}");
    assert!(err.contains("index updated"), "{err}");
    std::fs::remove_file(p.file("corpus/westford-01.txt")).unwrap();
    for _ in 0..2 {
        assert_eq!(run(&p, &["search", "zeppelin"]).2, 1);
    }
    // A transcript written in place (appended to, by the name the corpus lists it under).
    let mut f = std::fs::OpenOptions::new()
        .append(true)
        .open(p.file("corpus/eastbrook-01.txt"))
        .unwrap();
    std::io::Write::write_all(&mut f, b"\nP1: A zeppelin, they said.\n").unwrap();
    drop(f);
    let (out, _, code) = run(&p, &["search", "zeppelin"]);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("eastbrook-01"), "{out}");
    assert!(answered_by_server(&p, &["search", "zeppelin"]));
}

#[test]
fn searches_that_write_run_in_their_own_process() {
    let p = Project::coded();
    p.run(&["index"], 0);
    let _server = Server::start(&p, "60");
    let args = ["search", "council", "--apply", "council", "--coder", "ana"];
    assert!(!answered_by_server(&p, &args));
    assert!(p.file("codings/ana.csv").exists());
}

/// A search line is sent to the server before this process parses it: what the server does
/// not run (help, a mistake) comes out as it does with no server, and the project given as
/// `--project=DIR` or after the subcommand finds its server.
#[test]
fn lines_the_server_does_not_run_read_as_with_no_server() {
    let p = Project::new();
    p.run(&["index"], 0);
    let lines: [&[&str]; 5] = [
        &["search", "--help"],
        &["search", "listen", "--no-such-flag"],
        &["search", "listen", "money"],
        &["-q", "-v", "search", "listen"],
        &["--project=.", "search", "listen"],
    ];
    let alone: Vec<_> = lines.iter().map(|a| run(&p, a)).collect();
    let _server = Server::start(&p, "60");
    for (args, alone) in lines.iter().zip(&alone) {
        assert_eq!(&run(&p, args), alone, "{args:?}");
    }
    assert!(answered_by_server(&p, &["--project=.", "search", "listen"]));
    assert!(answered_by_server(
        &p,
        &["search", "listen", "--project", "."]
    ));
}

#[test]
fn without_a_server_that_answers_searches_run_alone() {
    let p = Project::new();
    p.run(&["index"], 0);
    let alone = run(&p, &["search", "listen"]);
    let server = Server::start(&p, "60");
    // One server per project.
    let (_, err, code) = run(&p, &["serve"]);
    assert_eq!(code, 2);
    assert!(err.contains("already answers"), "{err}");
    let socket = server.socket.clone();
    server.kill();
    assert!(socket.exists(), "a killed server leaves its socket");
    assert!(!answered_by_server(&p, &["search", "listen"]));
    assert_eq!(run(&p, &["search", "listen"]), alone);
    // A new server takes the stale socket's place.
    let _again = Server::start(&p, "60");
    assert!(answered_by_server(&p, &["search", "listen"]));
}

#[test]
fn an_idle_server_stops_and_removes_its_socket() {
    let p = Project::new();
    p.run(&["index"], 0);
    let mut server = Server::start(&p, "1");
    let started = Instant::now();
    let status = loop {
        if let Some(status) = server.child.try_wait().unwrap() {
            break status;
        }
        assert!(started.elapsed() < Duration::from_secs(20), "still running");
        std::thread::sleep(Duration::from_millis(50));
    };
    assert!(status.success());
    assert!(!server.socket.exists());
}

#[test]
fn a_server_reads_qcode_toml_as_it_is_now() {
    let p = Project::new();
    p.run(&["index"], 0);
    let _server = Server::start(&p, "60");
    for _ in 0..2 {
        assert_eq!(run(&p, &["search", "council", "-n", "5"]).2, 0);
    }
    // A limit set while the server runs applies to its next search.
    p.write("qcode.toml", "[limits]\nsearch_limit = 3\n");
    let (out, err, code) = run(&p, &["search", "council", "-n", "5"]);
    assert_eq!(code, 2, "{out}{err}");
    assert!(err.contains("search_limit"), "{err}");
    assert!(answered_by_server(&p, &["search", "council", "-n", "3"]));
}
