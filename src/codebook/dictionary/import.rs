//! What `codebook import` writes: the dictionary's format (given or by extension), the output
//! file (never an existing one), ids unique across the dictionary and the codebook it joins, and
//! a TOML that loads together with that codebook exactly as `codebook check` loads it; or why
//! not, located in the dictionary where the problem is written there.

use std::path::{Path, PathBuf};

use super::{read, to_toml, Category, DictFormat, Taken};
use crate::codebook::{
    codebook_files, load_codebook, load_texts, Codebook, CodebookErrors, Matching,
};
use crate::diag::SourceError;
use crate::roles::slug;

/// An id for each category: its own (a JSON id, a quanteda key) as written, else a slug of its
/// name; made unique, against each other and against the codes `taken`, with `_2`, `_3`, …
pub fn code_ids(cats: &[Category], taken: &Taken) -> Vec<String> {
    // Sets and a next number per base, not a scan of the ids so far: a dictionary of 400,000
    // categories (or of many sharing a name) stays linear.
    let mut used: std::collections::HashSet<String> = std::collections::HashSet::new();
    let mut next: std::collections::HashMap<String, usize> = std::collections::HashMap::new();
    let mut ids: Vec<String> = Vec::with_capacity(cats.len());
    for c in cats {
        let base = c.id.clone().unwrap_or_else(|| slug(&c.name));
        let mut id = base.clone();
        let n = next.entry(base.clone()).or_insert(2);
        while used.contains(&id) || taken.contains_key(&id) {
            id = format!("{base}_{n}");
            *n += 1;
        }
        used.insert(id.clone());
        ids.push(id);
    }
    ids
}

/// A dictionary converted to our codebook TOML.
#[derive(Debug, Clone)]
pub struct Converted {
    pub toml: String,
    pub categories: usize,
    pub entries: usize,
}

/// Read a dictionary and write it as codebook TOML whose codes join `alongside` (the codebook
/// the file goes into; [`Codebook::empty`] for a file on its own): ids unique across both, and
/// the same way of matching.
pub fn convert(
    path: &Path,
    format: DictFormat,
    dimension: &str,
    alongside: &Codebook,
) -> Result<Converted, SourceError> {
    if !alongside.codes.is_empty() && alongside.matching != format.matching() {
        let how = |m: Matching| match m {
            Matching::Rules => "by rules",
            Matching::Dictionary => "as a dictionary (matching = \"dictionary\")",
        };
        return Err(SourceError::whole_file(
            path,
            format!(
                "a {} dictionary is matched {}, but the codebook it would join is matched {}",
                format.name(),
                how(format.matching()),
                how(alongside.matching)
            ),
        )
        .with_help("one codebook matches one way: import it into another folder with -o"));
    }
    let taken: Taken = alongside
        .codes
        .iter()
        .map(|c| (c.id.clone(), format!("{}:{}", c.file.display(), c.line)))
        .collect();
    let cats = read(path, format, &taken)?;
    let ids = code_ids(&cats, &taken);
    let source = path.display().to_string();
    let toml = to_toml(&cats, &ids, &source, format, dimension)
        .map_err(|e| SourceError::whole_file(path, format!("cannot write it as TOML: {e}")))?;
    Ok(Converted {
        toml,
        categories: cats.len(),
        entries: cats.iter().map(|c| c.patterns.len()).sum(),
    })
}

/// What `codebook import` is asked to do.
#[derive(Debug, Clone, Copy)]
pub struct ImportRequest<'a> {
    pub dictionary: &'a Path,
    /// The dictionary's kind; `None`: from the file's extension.
    pub format: Option<DictFormat>,
    /// The dimension the imported codes get.
    pub dimension: &'a str,
    /// The project's codebook folder: where the file goes by default, and the codebook it joins
    /// when it goes there.
    pub codebook_dir: &'a Path,
    /// Where to write instead.
    pub output: Option<&'a Path>,
}

/// A dictionary converted and checked, ready to be written to `path`.
#[derive(Debug, Clone)]
pub struct Imported {
    pub path: PathBuf,
    pub converted: Converted,
}

#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    #[error("{}: unknown kind of dictionary (known by extension: .cat .dic .lc3 .yml .yaml .json); say which with --from", .0.display())]
    UnknownFormat(PathBuf),
    #[error("{} exists; choose another name with -o (it is never overwritten)", .0.display())]
    Exists(PathBuf),
    #[error("{0}")]
    Dictionary(Box<SourceError>),
    #[error("the codebook the import would join has errors; fix them first\n{0}")]
    Codebook(CodebookErrors),
    /// The converted file would not load: a case the conversion does not foresee, caught before
    /// anything is written.
    #[error("the converted dictionary would not load as {}, so it was not written\n{errors}", .path.display())]
    WouldNotLoad {
        path: PathBuf,
        errors: CodebookErrors,
    },
}

/// Convert a dictionary for `codebook import`: the file it goes to (never an existing one), and
/// a TOML that loads, with the project's codebook when it goes into that folder, exactly as
/// `codebook check` will load it.
pub fn import_dictionary(req: &ImportRequest) -> Result<Imported, ImportError> {
    let format = req
        .format
        .or_else(|| DictFormat::from_path(req.dictionary))
        .ok_or_else(|| ImportError::UnknownFormat(req.dictionary.to_path_buf()))?;
    let path = import_target(req.codebook_dir, req.dictionary, req.output);
    if path.exists() {
        return Err(ImportError::Exists(path));
    }
    let joins = joins(req.codebook_dir, &path);
    let alongside = if joins {
        load_codebook(req.codebook_dir).map_err(ImportError::Codebook)?
    } else {
        Codebook::empty()
    };
    let converted = convert(req.dictionary, format, req.dimension, &alongside)
        .map_err(|e| ImportError::Dictionary(Box::new(e)))?;
    let mut files = if joins {
        read_codebook_files(req.codebook_dir).map_err(ImportError::Codebook)?
    } else {
        Vec::new()
    };
    files.push((path.clone(), converted.toml.clone()));
    files.sort_by(|a, b| a.0.cmp(&b.0));
    let dir = path.parent().unwrap_or(Path::new("."));
    if let Err(errors) = load_texts(dir, files) {
        return Err(ImportError::WouldNotLoad {
            path,
            errors: CodebookErrors(errors),
        });
    }
    Ok(Imported { path, converted })
}

/// Where an import writes: `output`, or `codebook/NAME.toml` after the dictionary's file name.
pub fn import_target(codebook_dir: &Path, dictionary: &Path, output: Option<&Path>) -> PathBuf {
    match output {
        Some(o) => o.to_path_buf(),
        None => {
            let stem = dictionary
                .file_stem()
                .map(|s| s.to_string_lossy().to_string())
                .unwrap_or_else(|| "imported".into());
            codebook_dir.join(format!("{}.toml", slug(&stem)))
        }
    }
}

/// Does a file at `path` become part of the codebook in `dir` (a `.toml` directly in it)?
fn joins(dir: &Path, path: &Path) -> bool {
    let parent = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    let same = match (dir.canonicalize(), parent.canonicalize()) {
        (Ok(a), Ok(b)) => a == b,
        _ => false,
    };
    same && path.extension().is_some_and(|x| x == "toml")
}

/// The codebook files of `dir` with their text, as the loader reads them.
fn read_codebook_files(dir: &Path) -> Result<Vec<(PathBuf, String)>, CodebookErrors> {
    let files = codebook_files(dir).map_err(|e| CodebookErrors(vec![e]))?;
    files
        .into_iter()
        .map(|p| match std::fs::read_to_string(&p) {
            Ok(text) => Ok((p, text)),
            Err(e) => Err(CodebookErrors(vec![SourceError::whole_file(
                &p,
                format!("cannot read: {e}"),
            )])),
        })
        .collect()
}
