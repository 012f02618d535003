//! The yardstick for `qcode index`: tantivy alone, with qcode's schema, its writer budget and
//! the same text, and nothing else (no transcript parsing, no coding, no evidence, no
//! manifest). It reads a TSV corpus (`segment_id, role, text`, header first) and writes one
//! document per row, the fields filled as qcode fills them for a table row.
//!
//!   cargo run --release --example bare_tantivy -- corpus.tsv /tmp/bare-index
//!
//! Prints one JSON line: rows, bytes, seconds, MB/s.

use std::io::BufRead;
use std::time::Instant;

use tantivy::schema::Schema;
use tantivy::{Index, IndexWriter, TantivyDocument};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    let (corpus, dir) = match args.as_slice() {
        [_, c, d] => (c.clone(), d.clone()),
        _ => return Err("usage: bare_tantivy CORPUS.tsv INDEX_DIR".into()),
    };
    let t0 = Instant::now();
    let schema: Schema = qcode::index::build_schema();
    let f = |n: &str| schema.get_field(n).expect("field");
    let (seg_id, file, interview, turn, paragraph) = (
        f("seg_id"),
        f("file"),
        f("interview"),
        f("turn"),
        f("paragraph"),
    );
    let (speaker, speaker_key, role, role_label, interviewer) = (
        f("speaker"),
        f("speaker_key"),
        f("role"),
        f("role_label"),
        f("interviewer"),
    );
    let (start, end, text, text_raw, meta_json, rank, n_codes, codings) = (
        f("start"),
        f("end"),
        f("text"),
        f("text_raw"),
        f("meta_json"),
        f("rank"),
        f("n_codes"),
        f("codings"),
    );
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir)?;
    let index = Index::create_in_dir(&dir, schema.clone())?;
    // The text fields name qcode's stemmed tokenizer: without it tantivy refuses every document.
    qcode::index::register_tokenizers(&index, qcode::text::Language::English);
    let mut writer: IndexWriter<TantivyDocument> = index.writer(qcode::index::WRITER_BUDGET)?;
    let input = std::io::BufReader::with_capacity(1 << 20, std::fs::File::open(&corpus)?);
    let (mut rows, mut bytes) = (0u64, 0u64);
    for (i, line) in input.lines().enumerate() {
        let line = line?;
        bytes += line.len() as u64 + 1;
        if i == 0 {
            continue;
        }
        let mut cols = line.splitn(3, '\t');
        let (id, r, t) = match (cols.next(), cols.next(), cols.next()) {
            (Some(a), Some(b), Some(c)) => (a, b, c),
            _ => return Err(format!("{corpus}:{}: expected 3 columns", i + 1).into()),
        };
        let mut d = TantivyDocument::default();
        d.add_text(seg_id, id);
        d.add_text(file, &corpus);
        d.add_text(interview, "corpus");
        d.add_u64(turn, i as u64);
        d.add_u64(paragraph, 1);
        d.add_text(speaker, r);
        d.add_text(speaker_key, r);
        d.add_text(role, r);
        d.add_text(role_label, r);
        d.add_u64(interviewer, 0);
        d.add_u64(start, 0);
        d.add_u64(end, t.chars().count() as u64);
        d.add_text(text, t);
        d.add_text(text_raw, t);
        d.add_text(meta_json, "{}");
        d.add_u64(rank, i as u64);
        d.add_u64(n_codes, 0);
        d.add_text(codings, "[]");
        writer.add_document(d)?;
        rows += 1;
    }
    writer.commit()?;
    writer.wait_merging_threads()?;
    let secs = t0.elapsed().as_secs_f64();
    println!(
        "{{\"tool\":\"bare_tantivy\",\"rows\":{rows},\"bytes\":{bytes},\"seconds\":{secs:.3},\"mb_per_s\":{:.2}}}",
        bytes as f64 / 1e6 / secs
    );
    Ok(())
}
