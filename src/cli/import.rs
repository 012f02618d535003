//! `qcode import qdpx FILE`: a project from another QDA tool becomes corpus documents (new files,
//! never overwriting) and a human codings file tied to our segments, ready for `qcode agree`.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{bail, Context as _, Result};

use qcode::codebook::load_codebook;
use qcode::refi::guid;
use qcode::refi::import::{lf_text, read_qdpx, to_lf_offsets, Positions};
use qcode::roles::slug;
use qcode::transcript::parse_file;

use super::output::write_atomically;
use super::Context;

/// Import a REFI-QDA project (.qdpx) from NVivo, ATLAS.ti, MAXQDA, QualCoder or qcode.
#[derive(Debug, clap::Args)]
#[command(after_help = "Example:\n  qcode import qdpx coded-in-nvivo.qdpx")]
pub struct Args {
    #[command(subcommand)]
    kind: Kind,
}

#[derive(Debug, clap::Subcommand)]
enum Kind {
    /// Write the project's text sources into the corpus (as new files) and its codings into
    /// codings/NAME.csv, each selection tied to every segment it overlaps (the overlap recorded).
    #[command(after_help = "Examples:
  qcode import qdpx coded-in-nvivo.qdpx            # positions read as NVivo counts them (detected)
  qcode import qdpx team.qdpx --positions crlf     # say how the tool counted, when detection cannot
  qcode agree codings/team.csv                     # then compare with the machine")]
    Qdpx {
        file: PathBuf,
        /// How the tool counted positions: auto (from the project's origin: NVivo → utf16,
        /// MAXQDA → crlf, else codepoints), codepoints (the standard; ATLAS.ti, QualCoder, qcode),
        /// crlf (code points, CRLF counting two), utf16 (UTF-16 units, CRLF kept).
        #[arg(long, value_enum, default_value_t = PositionsArg::Auto)]
        positions: PositionsArg,
        /// Name every coding's coder this (default: the project's user names).
        #[arg(long)]
        coder: Option<String>,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum PositionsArg {
    Auto,
    Codepoints,
    Crlf,
    Utf16,
}

/// A file name from a source name: letters, digits, `-` and `_` only.
fn file_stem(name: &str) -> String {
    let stem = Path::new(name)
        .file_stem()
        .map(|s| s.to_string_lossy().to_string())
        .unwrap_or_default();
    let s: String = stem
        .chars()
        .map(|c| {
            if c.is_alphanumeric() || c == '-' || c == '_' {
                c
            } else {
                '-'
            }
        })
        .collect();
    let s = s.trim_matches('-').to_string();
    if s.is_empty() {
        "source".into()
    } else {
        s
    }
}

/// A path in `dir` for `stem.ext` that does not exist yet, or the existing file if it already
/// holds exactly `content`.
fn free_path(dir: &Path, stem: &str, ext: &str, content: Option<&str>) -> (PathBuf, bool) {
    for n in 1.. {
        let name = if n == 1 {
            format!("{stem}.{ext}")
        } else {
            format!("{stem}-{n}.{ext}")
        };
        let p = dir.join(name);
        match std::fs::read_to_string(&p) {
            Err(_) => return (p, false),
            Ok(existing) if Some(existing.as_str()) == content => return (p, true),
            Ok(_) => continue,
        }
    }
    unreachable!("some name is free")
}

pub fn run(ctx: &Context, args: Args) -> Result<ExitCode> {
    let Kind::Qdpx {
        file,
        positions,
        coder,
    } = args.kind;
    let bytes = std::fs::read(&file).with_context(|| format!("cannot read {}", file.display()))?;
    let project = read_qdpx(&bytes).with_context(|| format!("{}", file.display()))?;
    let mode = match positions {
        PositionsArg::Codepoints => Positions::CodePoints,
        PositionsArg::Crlf => Positions::Crlf,
        PositionsArg::Utf16 => Positions::Utf16,
        PositionsArg::Auto => {
            let origin = project.origin.clone().unwrap_or_default().to_lowercase();
            if origin.contains("nvivo") {
                Positions::Utf16
            } else if origin.contains("maxqda") {
                Positions::Crlf
            } else {
                Positions::CodePoints
            }
        }
    };
    ctx.note(format!(
        "{}: {} sources, {} codes, origin {:?}; positions read as {mode:?}",
        file.display(),
        project.sources.len(),
        project.codes.len(),
        project.origin.as_deref().unwrap_or("not given")
    ));
    let codebook = load_codebook(&ctx.project.codebook_dir)?;
    // Their codes → ours: by qcode's GUID (a qcode export), by label or id, else a new id.
    let code_ids: BTreeMap<&str, String> = project
        .codes
        .iter()
        .map(|c| {
            let ours = codebook
                .codes
                .iter()
                .find(|k| guid("code", &k.id).eq_ignore_ascii_case(&c.guid))
                .or_else(|| {
                    codebook.codes.iter().find(|k| {
                        k.label.eq_ignore_ascii_case(&c.name) || k.id.eq_ignore_ascii_case(&c.name)
                    })
                })
                .map(|k| k.id.clone());
            if ours.is_none() {
                ctx.note(format!(
                    "warning: code `{}` is not in the codebook; recorded as `{}`",
                    c.name,
                    slug(&c.name)
                ));
            }
            (c.guid.as_str(), ours.unwrap_or_else(|| slug(&c.name)))
        })
        .collect();

    // Check every selection before writing anything.
    let mut plans = Vec::new();
    for s in &project.sources {
        let map = to_lf_offsets(&s.text, mode);
        for sel in &s.selections {
            if sel.start > sel.end || sel.end >= map.len() {
                bail!(
                    "{}: selection {} of source `{}` runs from {} to {}, past the end of its text ({} positions as {mode:?}); try another --positions",
                    file.display(), sel.guid, s.name, sel.start, sel.end, map.len() - 1
                );
            }
        }
        plans.push((s, map));
    }

    std::fs::create_dir_all(&ctx.project.corpus_dir)?;
    let mut rows: Vec<[String; 6]> = Vec::new();
    let (mut written, mut present, mut unsegmented) = (0, 0, 0);
    for (s, map) in plans {
        let (path, exists) = free_path(
            &ctx.project.corpus_dir,
            &file_stem(&s.name),
            "txt",
            Some(&s.text),
        );
        if exists {
            present += 1;
        } else {
            write_atomically(&path, s.text.as_bytes())?;
            written += 1;
        }
        let rel = ctx.project.relative(&path);
        let parsed = match parse_file(
            &ctx.project.transcript,
            &codebook.roles,
            &rel,
            &path,
            s.text.as_bytes(),
        ) {
            Ok(p) => p,
            Err(e) => {
                unsegmented += 1;
                ctx.note(format!(
                    "warning: {e}\n  (its codings cannot be tied to segments)"
                ));
                continue;
            }
        };
        debug_assert_eq!(lf_text(&s.text).chars().count(), *map.last().unwrap_or(&0));
        for sel in &s.selections {
            let (a, b) = (map[sel.start], map[sel.end]);
            for seg in parsed.interviews.iter().flat_map(|iv| &iv.segments) {
                let overlap = b.min(seg.end).saturating_sub(a.max(seg.start));
                if overlap == 0 {
                    continue;
                }
                for (code_guid, user) in &sel.codings {
                    let Some(code) = code_ids.get(code_guid.as_str()) else {
                        continue;
                    };
                    let who = coder.clone().unwrap_or_else(|| {
                        user.as_ref()
                            .or(sel.user.as_ref())
                            .and_then(|u| project.users.get(u).cloned())
                            .unwrap_or_else(|| "imported".into())
                    });
                    let len = (seg.end - seg.start).max(1);
                    rows.push([
                        seg.id.clone(),
                        code.clone(),
                        who,
                        format!("{:.3}", overlap as f64 / len as f64),
                        rel.clone(),
                        sel.guid.clone(),
                    ]);
                }
            }
        }
    }
    rows.sort();
    rows.dedup();
    let dir = ctx.project.root.join("codings");
    std::fs::create_dir_all(&dir)?;
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record([
        "segment_id",
        "code",
        "coder",
        "overlap",
        "source",
        "selection",
    ])?;
    for r in &rows {
        w.write_record(r)?;
    }
    let csv_text = String::from_utf8(w.into_inner()?)?;
    let (out, _) = free_path(&dir, &file_stem(&file.to_string_lossy()), "csv", None);
    write_atomically(&out, csv_text.as_bytes())?;
    ctx.note(format!(
        "{written} source(s) written to the corpus, {present} already there{}; {} coding row(s) in {}; compare with `qcode agree {}`",
        if unsegmented > 0 { format!(", {unsegmented} without speaker turns") } else { String::new() },
        rows.len(),
        ctx.project.relative(&out),
        ctx.project.relative(&out)
    ));
    Ok(ExitCode::SUCCESS)
}
