//! `qcode serve`: keeps the project's index open and answers `qcode search` commands over a
//! Unix socket in `.qcode/`, so that a search costs its own process's start and the search
//! itself, not the opening of the index.
//!
//! Why: in a fresh process most of a search's time on a large index is opening it (every
//! segment's files mapped, their footers read) and the page faults of the first reads. A
//! process that stays pays that once per commit. Nothing else changes: the same code answers
//! (the index brought up to date first, codings files read, the same privacy masking), in the
//! asker's working folder, with its arguments, printed for its terminal; the asker prints
//! what it is sent and exits with the code it is sent.
//!
//! A search runs in its own process, as before, when no server answers (none started, or one
//! stopped by Ctrl-C: its socket file is left behind and refuses), when the server is another
//! build of qcode or serves another folder, or when the search writes (`--apply`).

use std::io::{BufRead, BufReader, Read, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Mutex;
use std::time::{Duration, Instant, UNIX_EPOCH};

use anyhow::{bail, Context as _, Result};
use serde::{Deserialize, Serialize};

use qcode::index::WarmIndex;
use qcode::project::{Project, CONFIG_FILE, DATA_DIR};

use super::output::{error_message, Screen};
use super::{search, Context, Global};

/// The socket, in the project's `.qcode/`.
pub const SOCKET: &str = "serve.sock";
/// The longest request read (a command line).
const MAX_REQUEST: u64 = 1 << 20;

/// Keep the index open and answer searches from other qcode processes, for speed.
///
/// While it runs, `qcode search` in this project sends its command here and prints the answer:
/// the same output, without opening the index anew each time (most of a search's time on a
/// large index). The index is still brought up to date before each search. It stops after
/// --idle seconds without a search, or on Ctrl-C; searches then run in their own process again.
#[derive(Debug, clap::Args)]
#[command(after_help = "Examples:
  qcode serve &
  qcode search trust          # answered by the server
  qcode serve --idle 600      # stops after 10 minutes without a search")]
pub struct Args {
    /// Stop after this many seconds without a search.
    #[arg(long, value_name = "SECONDS", default_value_t = 1800)]
    idle: u64,
}

/// `qcode`'s command line with `search` its only subcommand: what a request is parsed with.
/// The same flags as `qcode search`, in a small fraction of the time the whole command line
/// (every subcommand's flags) takes to build.
#[derive(Debug, clap::Parser)]
#[command(name = "qcode")]
pub struct SearchLine {
    #[command(flatten)]
    global: Global,
    #[command(subcommand)]
    command: OnlySearch,
}

#[derive(Debug, clap::Subcommand)]
enum OnlySearch {
    Search(search::Args),
}

impl SearchLine {
    /// The command line `args` as `qcode`'s own parser would take it, when it is a search
    /// this parser takes; `None` for anything else (another subcommand, `--help`, a mistake),
    /// which the whole parser is then to read and answer.
    pub fn parse_search<I, T>(args: I) -> Option<super::Cli>
    where
        I: IntoIterator<Item = T>,
        T: Into<std::ffi::OsString> + Clone,
    {
        let line = <SearchLine as clap::Parser>::try_parse_from(args).ok()?;
        let OnlySearch::Search(args) = line.command;
        Some(super::Cli {
            global: line.global,
            command: super::Command::Search(args),
        })
    }
}

/// What a command run by the server has that a command run alone has not: the index kept
/// open between commands, and its messages kept for the process that asked.
pub struct Served {
    pub warm: &'static WarmIndex,
    stderr: Mutex<String>,
}

impl Served {
    /// Keep a line for the asker's stderr.
    pub fn say(&self, line: &str) {
        let mut err = self.stderr.lock().unwrap_or_else(|e| e.into_inner());
        err.push_str(line);
        err.push('\n');
    }

    fn take(self) -> String {
        self.stderr.into_inner().unwrap_or_else(|e| e.into_inner())
    }
}

/// A search as the asking process parsed it.
#[derive(Debug, Serialize, Deserialize)]
struct Request {
    /// [`build_id`] of the asker: a server of another build declines.
    build: String,
    cwd: PathBuf,
    /// The whole command line, program name first.
    args: Vec<String>,
    screen: Screen,
}

/// The answer's header; `stdout` and then `stderr` bytes follow it.
#[derive(Debug, Serialize, Deserialize)]
struct Reply {
    /// False when the server does not run this search (`why`); the asker runs it itself.
    answered: bool,
    why: String,
    code: u8,
    stdout: u64,
    stderr: u64,
}

/// What a search answered by the server gave: its exit code and what it printed.
struct Output {
    code: u8,
    stdout: Vec<u8>,
    stderr: String,
}

/// This binary: its version and its file's size and time. Another build (a newer qcode
/// installed while a server runs) never answers for this one.
fn build_id() -> String {
    let stamp = std::env::current_exe()
        .and_then(std::fs::metadata)
        .map(|m| {
            let time = m
                .modified()
                .ok()
                .and_then(|t| t.duration_since(UNIX_EPOCH).ok());
            format!("{} {}", m.len(), time.map_or(0, |d| d.as_nanos()))
        })
        .unwrap_or_default();
    format!("{} {stamp}", env!("CARGO_PKG_VERSION"))
}

/// Whether this process's command line went to a server, and what came of it.
#[derive(Debug)]
pub enum Asking {
    /// The server ran the search: the process ends with this code.
    Answered(ExitCode),
    /// A server was asked and none answered (none runs, or it declined): the search runs here.
    Unanswered,
    /// The line was not read as a search: no server was asked.
    Skipped,
}

/// This process's command line sent to its project's server when it reads as a search, before
/// clap reads it here: the server parses it (with the same parser) and declines what it would
/// not run, so a line read wrongly here only runs in its own process, as without a server.
/// Why: clap building and matching the search's flags cost a tenth of a served search.
#[cfg(unix)]
pub fn ask_first() -> Result<Asking> {
    let args: Vec<std::ffi::OsString> = std::env::args_os().collect();
    let Some(project) = search_project(&args) else {
        return Ok(Asking::Skipped);
    };
    Ok(match ask_at(&project)? {
        Some(code) => Asking::Answered(code),
        None => Asking::Unanswered,
    })
}

#[cfg(not(unix))]
pub fn ask_first() -> Result<Asking> {
    Ok(Asking::Skipped)
}

#[cfg_attr(not(unix), allow(dead_code))]
/// The project folder of `args` (program name first) when they are `qcode [global flags]
/// search ...`: `--project DIR` or `--project=DIR` anywhere before `--`, else the current
/// folder. `None` for another subcommand or a second `--project`.
fn search_project(args: &[std::ffi::OsString]) -> Option<PathBuf> {
    let mut project: Option<PathBuf> = None;
    let mut subcommand = None;
    let mut it = args.iter().skip(1);
    while let Some(a) = it.next() {
        if a == "--" {
            break;
        }
        let value = match a.to_str().and_then(|s| s.strip_prefix("--project=")) {
            Some(v) => Some(PathBuf::from(v)),
            None if a == "--project" => Some(PathBuf::from(it.next()?)),
            None => None,
        };
        if let Some(v) = value {
            if project.replace(v).is_some() {
                return None;
            }
        } else if subcommand.is_none() && !a.to_str().is_some_and(|s| s.starts_with('-')) {
            subcommand = Some(a);
        }
    }
    (subcommand? == "search").then(|| project.unwrap_or_else(|| PathBuf::from(".")))
}

/// The search sent to the project's server and its answer printed, when one answers;
/// `None` when the search is to run here.
#[cfg(unix)]
pub fn ask(cli: &Global, args: &search::Args) -> Result<Option<ExitCode>> {
    if args.writes() {
        return Ok(None);
    }
    ask_at(&cli.project)
}

#[cfg(unix)]
fn ask_at(project: &Path) -> Result<Option<ExitCode>> {
    use std::os::unix::net::UnixStream;
    let socket = project.join(DATA_DIR).join(SOCKET);
    let Ok(stream) = UnixStream::connect(&socket) else {
        return Ok(None);
    };
    let Some(request) = request_of_this_process() else {
        return Ok(None);
    };
    let (reply, out, err) = match exchange(stream, &request) {
        Ok(Some(answer)) => answer,
        Ok(None) | Err(_) => return Ok(None),
    };
    std::io::stderr().write_all(&err)?;
    let mut stdout = std::io::stdout().lock();
    stdout.write_all(&out)?;
    stdout.flush()?;
    Ok(Some(ExitCode::from(reply.code)))
}

#[cfg(not(unix))]
pub fn ask(_cli: &Global, _args: &search::Args) -> Result<Option<ExitCode>> {
    Ok(None)
}

/// This process's command line as a request; `None` when an argument is not UTF-8.
fn request_of_this_process() -> Option<Request> {
    let args: Option<Vec<String>> = std::env::args_os().map(|a| a.into_string().ok()).collect();
    Some(Request {
        build: build_id(),
        cwd: std::env::current_dir().ok()?,
        args: args?,
        screen: Screen::of_stdout(),
    })
}

/// An answer: its header, the bytes for stdout and those for stderr.
type Answer = (Reply, Vec<u8>, Vec<u8>);

/// Send the request, read the answer: `None` when the server declined or went away before
/// its header was whole (the search then runs here, from the start).
#[cfg(unix)]
fn exchange(
    mut stream: std::os::unix::net::UnixStream,
    request: &Request,
) -> Result<Option<Answer>> {
    let mut line = serde_json::to_vec(request)?;
    line.push(b'\n');
    stream.write_all(&line)?;
    stream.shutdown(std::net::Shutdown::Write)?;
    let mut reader = BufReader::new(stream);
    let mut header = String::new();
    reader.read_line(&mut header)?;
    let Ok(reply) = serde_json::from_str::<Reply>(&header) else {
        return Ok(None);
    };
    if !reply.answered {
        return Ok(None);
    }
    let out = read_exactly(&mut reader, reply.stdout)?;
    let err = read_exactly(&mut reader, reply.stderr)?;
    Ok(Some((reply, out, err)))
}

fn read_exactly(r: &mut impl Read, len: u64) -> Result<Vec<u8>> {
    let mut buf = Vec::new();
    r.take(len).read_to_end(&mut buf)?;
    if buf.len() as u64 != len {
        bail!("qcode serve's answer was cut short");
    }
    Ok(buf)
}

/// `qcode serve`: bind the socket, answer searches one at a time until idle.
#[cfg(unix)]
pub fn run(ctx: &Context, args: Args) -> Result<ExitCode> {
    // The project's root is "" for the current folder.
    let root = Path::new(".")
        .join(&ctx.project.root)
        .canonicalize()
        .with_context(|| format!("cannot resolve {}", ctx.project.root.display()))?;
    let dir = ctx.project.data_dir();
    std::fs::create_dir_all(&dir).with_context(|| format!("cannot create {}", dir.display()))?;
    let socket = dir.join(SOCKET);
    let listener = bind(&socket)?;
    let home = std::env::current_dir()?;
    // Lives as long as the process: every command it runs shares it.
    let warm: &'static WarmIndex = Box::leak(Box::new(WarmIndex::new()));
    let build = build_id();
    let idle = Duration::from_secs(args.idle.max(1));
    let clock: &'static Mutex<Clock> = Box::leak(Box::new(Mutex::new(Clock {
        last: Instant::now(),
        busy: false,
    })));
    ctx.note(format!(
        "qcode serve: answering searches in {} at {}; stops after {} s without one (Ctrl-C stops it now)",
        ctx.project.root.display(),
        socket.display(),
        idle.as_secs()
    ));
    let watched = socket.clone();
    let quiet = ctx.quiet;
    std::thread::spawn(move || stop_when_idle(clock, idle, &watched, quiet));
    for stream in listener.incoming() {
        let Ok(stream) = stream else { continue };
        set_busy(clock, true);
        // One asker's failure (it went away, it sent nonsense) is its own: the server goes on.
        if let Err(e) = serve_one(stream, &root, &build, warm) {
            ctx.detail(format!("qcode serve: a request failed: {e:#}"));
        }
        std::env::set_current_dir(&home)?;
        set_busy(clock, false);
    }
    Ok(ExitCode::SUCCESS)
}

#[cfg(not(unix))]
pub fn run(_ctx: &Context, _args: Args) -> Result<ExitCode> {
    bail!("qcode serve needs a Unix system (it answers over a Unix socket); searches run in their own process here")
}

/// The socket bound, or an error when a server already answers there. A socket file nobody
/// answers on (a server stopped by Ctrl-C) is removed first.
#[cfg(unix)]
fn bind(socket: &Path) -> Result<std::os::unix::net::UnixListener> {
    use std::os::unix::fs::PermissionsExt;
    use std::os::unix::net::{UnixListener, UnixStream};
    if socket.exists() {
        if UnixStream::connect(socket).is_ok() {
            bail!(
                "a qcode serve already answers for this project ({}); one is enough",
                socket.display()
            );
        }
        std::fs::remove_file(socket)
            .with_context(|| format!("cannot remove the stale {}", socket.display()))?;
    }
    let listener = UnixListener::bind(socket)
        .with_context(|| format!("cannot listen at {}", socket.display()))?;
    // Only this user's processes may ask: answers quote the corpus.
    std::fs::set_permissions(socket, std::fs::Permissions::from_mode(0o600))?;
    Ok(listener)
}

/// When the last request ended, and whether one is being answered.
struct Clock {
    last: Instant,
    busy: bool,
}

fn set_busy(clock: &Mutex<Clock>, busy: bool) {
    let mut c = clock.lock().unwrap_or_else(|e| e.into_inner());
    c.busy = busy;
    c.last = Instant::now();
}

/// Ends the process, its socket removed, once no request came for `idle`.
fn stop_when_idle(clock: &Mutex<Clock>, idle: Duration, socket: &Path, quiet: bool) {
    loop {
        std::thread::sleep(idle.min(Duration::from_millis(250)));
        let c = clock.lock().unwrap_or_else(|e| e.into_inner());
        if !c.busy && c.last.elapsed() >= idle {
            let _ = std::fs::remove_file(socket);
            if !quiet {
                eprintln!(
                    "qcode serve: stopped after {} s without a search",
                    idle.as_secs()
                );
            }
            std::process::exit(0);
        }
    }
}

/// Read one request, answer it.
#[cfg(unix)]
fn serve_one(
    stream: std::os::unix::net::UnixStream,
    root: &Path,
    build: &str,
    warm: &'static WarmIndex,
) -> Result<()> {
    let mut line = String::new();
    BufReader::new((&stream).take(MAX_REQUEST)).read_line(&mut line)?;
    let answered = match serde_json::from_str::<Request>(&line) {
        Ok(request) => answer(request, root, build, warm),
        Err(_) => Err("not a request"),
    };
    let (reply, out) = match answered {
        Ok(out) => {
            let reply = Reply {
                answered: true,
                why: String::new(),
                code: out.code,
                stdout: out.stdout.len() as u64,
                stderr: out.stderr.len() as u64,
            };
            (reply, Some(out))
        }
        Err(why) => {
            let reply = Reply {
                answered: false,
                why: why.to_string(),
                code: 2,
                stdout: 0,
                stderr: 0,
            };
            (reply, None)
        }
    };
    let mut w = std::io::BufWriter::new(&stream);
    serde_json::to_writer(&mut w, &reply)?;
    w.write_all(b"\n")?;
    if let Some(out) = out {
        w.write_all(&out.stdout)?;
        w.write_all(out.stderr.as_bytes())?;
    }
    w.flush()?;
    Ok(())
}

/// Run the request's search as `qcode search` alone would, in its folder; why not, when the
/// asker is to run it itself.
fn answer(
    request: Request,
    root: &Path,
    build: &str,
    warm: &'static WarmIndex,
) -> Result<Output, &'static str> {
    if request.build != build {
        return Err("another build of qcode");
    }
    if std::env::set_current_dir(&request.cwd).is_err() {
        return Err("cannot enter the asker's folder");
    }
    let Ok(cli) = <SearchLine as clap::Parser>::try_parse_from(&request.args) else {
        return Err("not a search");
    };
    let (cli, OnlySearch::Search(args)) = (cli.global, cli.command);
    if args.writes() {
        return Err("a search that writes runs in its own process");
    }
    if cli.project.canonicalize().ok().as_deref() != Some(root) {
        return Err("another project");
    }
    let mut stdout = Vec::new();
    let (code, mut stderr) = run_served(&cli.project, cli.quiet, cli.verbose, warm, |ctx| {
        search::run_into(ctx, args, &mut stdout, request.screen)
    });
    if cli.verbose {
        let socket = cli.project.join(DATA_DIR).join(SOCKET);
        stderr.insert_str(
            0,
            &format!("(answered by qcode serve, {})\n", socket.display()),
        );
    }
    if let Err(e) = &code {
        stderr.push_str(&format!("error: {}\n", error_message(e)));
    }
    Ok(Output {
        code: *code.as_ref().unwrap_or(&2),
        stdout,
        stderr,
    })
}

/// The project in `dir`, as [`Project::open`] reads it, opened again only when its folder or
/// its qcode.toml changed: parsing qcode.toml (its patterns compiled) is a fifth of a served
/// search on a corpus of a few hundred transcripts.
fn open_project(dir: &Path) -> Result<Project, qcode::diag::SourceError> {
    static LAST: Mutex<Option<(PathBuf, PathBuf, Project)>> = Mutex::new(None);
    let cwd = std::env::current_dir().unwrap_or_default();
    let text = match std::fs::read_to_string(dir.join(CONFIG_FILE)) {
        Ok(text) => Some(text),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Some(String::new()),
        // Unreadable: Project::open says why.
        Err(_) => None,
    };
    let mut last = LAST.lock().unwrap_or_else(|e| e.into_inner());
    if let (Some(text), Some((c, d, project))) = (&text, last.as_ref()) {
        if *c == cwd && d == dir && project.config_text == *text && dir.is_dir() {
            return Ok(project.clone());
        }
    }
    let project = Project::open(dir)?;
    *last = Some((cwd, dir.to_path_buf(), project.clone()));
    Ok(project)
}

/// `f` run with a served context on the project in `dir`; a panic is its error, not the
/// server's end. Gives back what it said for the asker's stderr.
fn run_served(
    dir: &Path,
    quiet: bool,
    verbose: bool,
    warm: &'static WarmIndex,
    f: impl FnOnce(&Context) -> Result<u8>,
) -> (Result<u8>, String) {
    let served = Served {
        warm,
        stderr: Mutex::new(String::new()),
    };
    let project = match open_project(dir) {
        Ok(p) => p,
        Err(e) => return (Err(e.into()), served.take()),
    };
    let ctx = Context {
        project,
        quiet,
        verbose,
        served: Some(served),
    };
    let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| f(&ctx)))
        .unwrap_or_else(|_| Err(anyhow::anyhow!("qcode serve failed on this search (a bug: please report it); run it again with the server stopped")));
    let said = ctx.served.map(Served::take).unwrap_or_default();
    (result, said)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The search-only parser takes a search exactly as the whole one does, and leaves the
    /// whole one everything else (help, versions, mistakes, other subcommands).
    #[test]
    fn the_search_parser_agrees_with_the_whole_one() {
        let searches: [&[&str]; 6] = [
            &["qcode", "search", "trust"],
            &["qcode", "search"],
            &[
                "qcode",
                "-q",
                "--project",
                "search",
                "search",
                "early win*",
                "-n",
                "5",
            ],
            &[
                "qcode",
                "search",
                "money",
                "--role",
                "council_officer",
                "--format",
                "json",
            ],
            &[
                "qcode",
                "search",
                "",
                "--code",
                "trust",
                "--where",
                "area=Northmoor",
                "-v",
            ],
            &["qcode", "--project=x", "search", "a OR b", "--context", "1"],
        ];
        for argv in searches {
            let fast = SearchLine::parse_search(argv).expect("a search");
            let whole = <super::super::Cli as clap::Parser>::try_parse_from(argv).unwrap();
            assert_eq!(format!("{fast:?}"), format!("{whole:?}"), "{argv:?}");
        }
        let others: [&[&str]; 5] = [
            &["qcode", "search", "--help"],
            &["qcode", "search", "--version"],
            &["qcode", "search", "x", "--no-such-flag"],
            &["qcode", "count", "search"],
            &["qcode", "help", "search"],
        ];
        for argv in others {
            assert!(SearchLine::parse_search(argv).is_none(), "{argv:?}");
        }
    }

    /// A search's project folder as read before clap: clap's, wherever clap reads one; no
    /// folder where the line is not a search, or is one only a full parse can tell.
    #[test]
    fn a_search_is_sent_to_the_server_of_the_project_clap_reads() {
        let os =
            |argv: &[&str]| -> Vec<std::ffi::OsString> { argv.iter().map(Into::into).collect() };
        let searches: [&[&str]; 7] = [
            &["qcode", "search", "trust"],
            &["qcode", "-q", "--project", "search", "search", "x"],
            &["qcode", "search", "x", "--project=a b", "-v"],
            &[
                "qcode",
                "--project",
                "p",
                "-v",
                "search",
                "--role",
                "officer",
            ],
            &["qcode", "search", "--", "--project"],
            &["qcode", "search", "--project", "p", "--", "--project=q"],
            &["qcode", "-v", "search", "-n", "5", "x"],
        ];
        for argv in searches {
            let clap = <super::super::Cli as clap::Parser>::try_parse_from(argv).unwrap();
            let found = search_project(&os(argv));
            assert_eq!(found, Some(clap.global.project), "{argv:?}");
        }
        let not: [&[&str]; 6] = [
            &["qcode", "index"],
            &["qcode", "--project", "search", "index"],
            &["qcode", "count", "search"],
            &["qcode", "--project", "a", "search", "--project", "b"],
            &["qcode", "--project"],
            &["qcode"],
        ];
        for argv in not {
            assert_eq!(search_project(&os(argv)), None, "{argv:?}");
        }
    }
}
