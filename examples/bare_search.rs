//! The floor under `qcode search`: one process that opens a qcode index with tantivy alone and
//! runs one word's search as qcode's would (the best `N` by BM25, the count of every match, the
//! `N` stored documents read and their text printed), and nothing else (no project, no
//! freshness check, no codebook, no masking, no ranking tie-break).
//!
//!   cargo run --release --example bare_search -- PROJECT/.qcode/index WORD [N]
//!   cargo run --release --example bare_search -- --noop     # the process start alone
//!
//! The word is looked up as written (lower case) in `text_raw`, the unstemmed field, so no
//! tokenizer of qcode's is needed. bench/search_floor.py runs it beside `qcode search`.

use std::io::Write;

use tantivy::collector::{Count, TopDocs};
use tantivy::query::TermQuery;
use tantivy::schema::{IndexRecordOption, Value};
use tantivy::{Index, ReloadPolicy, TantivyDocument, Term};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    let (dir, word, n) = match args.as_slice() {
        [_, noop] if noop == "--noop" => return Ok(()),
        [_, d, w] => (d, w, 20),
        [_, d, w, n] => (d, w, n.parse()?),
        _ => return Err("usage: bare_search INDEX_DIR WORD [N] | --noop".into()),
    };
    let index = Index::open_in_dir(dir)?;
    let reader = index
        .reader_builder()
        .reload_policy(ReloadPolicy::Manual)
        .try_into()?;
    let searcher = reader.searcher();
    let raw = index.schema().get_field("text_raw")?;
    let text = index.schema().get_field("text")?;
    let query = TermQuery::new(
        Term::from_field_text(raw, &word.to_lowercase()),
        IndexRecordOption::WithFreqs,
    );
    let (top, total) =
        searcher.search(&query, &(TopDocs::with_limit(n).order_by_score(), Count))?;
    let mut out = std::io::stdout().lock();
    writeln!(out, "{total} matching")?;
    for (score, addr) in top {
        let doc: TantivyDocument = searcher.doc(addr)?;
        let t = doc.get_first(text).and_then(|v| v.as_str()).unwrap_or("");
        writeln!(out, "{score:.3}\t{t}")?;
    }
    Ok(())
}
