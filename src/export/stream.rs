//! Reading the index for an export: the segments a [`Filter`] keeps, read in transcript order a
//! window at a time for the listings and the matrices (so memory stays bounded whatever the
//! corpus size), or loaded whole where an export needs them all at once.

use std::io::Write;

use rayon::prelude::*;

use super::{
    quotes, wide, write_csv_header, write_csv_rows, Cell, Cooccur, Crosstab, CrosstabOptions,
    CsvFlavour, Dataset, Export, ExportError, ExportMeta, Framework, FrameworkOptions,
    ListingOptions, Measure, Table,
};
use crate::index::{Filter, IndexError, Load, SearchIndex};

/// Segments read per window when streaming, unless the caller says otherwise: bounds memory
/// whatever the corpus size while keeping every core busy.
pub const DEFAULT_WINDOW: usize = 32_768;

/// What the matrices (crosstab, co-occurrence) read: respondent segments and their codes,
/// never text or evidence (on a million segments, that is most of the memory).
pub const MATRIX_LOAD: Load = Load {
    respondents_only: true,
    text: false,
    evidence: false,
};

/// Why a streamed export stopped.
#[derive(Debug, thiserror::Error)]
pub enum StreamError {
    #[error(transparent)]
    Index(#[from] IndexError),
    #[error(transparent)]
    Export(#[from] ExportError),
    /// Kept as a source (not transparent) so a closed pipe is still seen as one.
    #[error("cannot write the export")]
    Write(#[from] std::io::Error),
}

/// The listings, which list segments' text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Listing {
    /// One row per (segment, code).
    Quotes,
    /// One row per segment, a column per code.
    Wide,
}

impl Listing {
    /// What the listing reads: text, and for quotes the matched words too.
    pub fn load(self) -> Load {
        Load {
            respondents_only: true,
            text: true,
            evidence: self == Listing::Quotes,
        }
    }

    /// The listing of `ds`.
    pub fn table(self, ds: &Dataset, opts: &ListingOptions) -> Table {
        match self {
            Listing::Quotes => quotes(ds, opts),
            Listing::Wide => wide(ds, opts),
        }
    }
}

/// The addresses of the documents `filter` keeps, in transcript order (every live document
/// when it does not narrow). The filter is applied to addresses, not to ids read back, so the
/// set it briefly needs is 8 bytes a match and the segments it drops are never read.
pub fn kept_addresses(
    index: &SearchIndex,
    filter: &Filter,
) -> Result<Vec<tantivy::DocAddress>, IndexError> {
    let mut addrs = index.ordered_addresses()?;
    if filter.narrows() {
        let keep = index.matching_addresses(&filter.request(0, 0))?;
        addrs.retain(|a| keep.contains(a));
    }
    Ok(addrs)
}

/// The respondent segments `filter` keeps, reading only `what`, as one dataset in memory.
pub fn load(index: &SearchIndex, filter: &Filter, what: Load) -> Result<Dataset, IndexError> {
    let segments = index.segments_at(&kept_addresses(index, filter)?, what, None)?;
    Ok(Dataset::new(index.codebook().clone(), segments))
}

/// A listing as CSV into `out`, streamed: segments are read `window` at a time in transcript
/// order (the order comes from fast fields), each window's rows are built and rendered in
/// parallel and written before the next is read. The same bytes as building the whole table
/// first, whatever the window.
///
/// Reading, building and rendering run on their own thread one window ahead of the writing
/// (the calling thread): writing a window and dropping its table were serial work that left a
/// core idle between windows. Memory stays bounded: at most one window rendered and waiting,
/// one being written and one being built.
pub fn stream_listing(
    index: &SearchIndex,
    filter: &Filter,
    listing: Listing,
    opts: &ListingOptions,
    flavour: CsvFlavour,
    window: usize,
    out: &mut dyn Write,
) -> Result<(), StreamError> {
    let codebook = index.codebook();
    let mut out = std::io::BufWriter::with_capacity(1 << 20, out);
    let empty = Dataset::new(codebook.clone(), Vec::new());
    write_csv_header(&mut out, &listing.table(&empty, opts).header, flavour)?;
    let addrs = kept_addresses(index, filter)?;
    std::thread::scope(|scope| {
        let (tx, rx) = std::sync::mpsc::sync_channel::<Result<Vec<Vec<u8>>, StreamError>>(1);
        scope.spawn(move || {
            for chunk in addrs.chunks(window.max(1)) {
                let rendered = render_window(index, chunk, listing, opts, flavour);
                let failed = rendered.is_err();
                // The writer has stopped (an error, a closed pipe): nothing more to read.
                if tx.send(rendered).is_err() || failed {
                    return;
                }
            }
        });
        for parts in rx {
            for p in parts? {
                out.write_all(&p)?;
            }
        }
        out.flush()?;
        Ok(())
    })
}

/// One window of a listing: its segments read, its rows built and rendered as CSV in parallel
/// (in row order), its table dropped here rather than by the writer.
fn render_window(
    index: &SearchIndex,
    addrs: &[tantivy::DocAddress],
    listing: Listing,
    opts: &ListingOptions,
    flavour: CsvFlavour,
) -> Result<Vec<Vec<u8>>, StreamError> {
    let segments = index.segments_at(addrs, listing.load(), None)?;
    let table = listing.table(&Dataset::new(index.codebook().clone(), segments), opts);
    let parts = table
        .rows
        .par_chunks(1024)
        .map(|rows| {
            let mut b = Vec::new();
            write_csv_rows(&mut b, rows.iter().map(|r| (None, r.as_slice())), flavour)?;
            Ok(b)
        })
        .collect::<std::io::Result<_>>()?;
    Ok(parts)
}

/// What the framework matrix reads: text for its quotes, not the matched words.
const FRAMEWORK_LOAD: Load = Load {
    respondents_only: true,
    text: true,
    evidence: false,
};

/// The framework matrix of the segments `filter` keeps, built `window` segments at a time:
/// only its cells are held, never the corpus.
pub fn stream_framework(
    index: &SearchIndex,
    filter: &Filter,
    opts: &FrameworkOptions,
    window: usize,
) -> Result<Export, StreamError> {
    let mut fw = Framework::new(index.codebook(), opts, index.shown_meta_keys())?;
    let meta = each_window(index, filter, FRAMEWORK_LOAD, window, "framework", |ds| {
        fw.add(ds);
        Ok(())
    })?;
    Ok(Export {
        meta,
        tables: vec![fw.table()],
    })
}

/// The framework matrix as CSV into `out`, each case's row written as soon as the stream has
/// passed it: the same bytes as [`stream_framework`] then [`super::write_csv`], holding only
/// the cases still open rather than the whole matrix (which is about the size of the corpus).
pub fn stream_framework_csv(
    index: &SearchIndex,
    filter: &Filter,
    opts: &FrameworkOptions,
    flavour: CsvFlavour,
    window: usize,
    out: &mut dyn Write,
) -> Result<(), StreamError> {
    let mut fw = Framework::new(index.codebook(), opts, index.shown_meta_keys())?;
    let mut out = std::io::BufWriter::with_capacity(1 << 20, out);
    write_csv_header(&mut out, &fw.header(), flavour)?;
    let write = |out: &mut std::io::BufWriter<_>, rows: Vec<Vec<Cell>>| {
        write_csv_rows(out, rows.iter().map(|r| (None, r.as_slice())), flavour)
    };
    each_window(index, filter, FRAMEWORK_LOAD, window, "framework", |ds| {
        fw.add(ds);
        Ok(write(&mut out, fw.take_finished())?)
    })?;
    write(&mut out, fw.table().rows)?;
    out.flush()?;
    Ok(())
}

/// The crosstab of the segments `filter` keeps, counted `window` segments at a time: only the
/// tallies are held, never the corpus. The same tables as [`super::crosstab`] on them all.
pub fn stream_crosstab(
    index: &SearchIndex,
    filter: &Filter,
    opts: &CrosstabOptions,
    window: usize,
) -> Result<Export, StreamError> {
    let mut counter = Crosstab::new(opts)?;
    let meta = each_window(index, filter, MATRIX_LOAD, window, "crosstab", |ds| {
        counter.add(ds);
        Ok(())
    })?;
    Ok(Export {
        meta,
        tables: counter.tables(index.codebook()),
    })
}

/// Code co-occurrence over the segments `filter` keeps, counted `window` segments at a time.
/// The same table as [`super::cooccur`] on them all.
pub fn stream_cooccur(
    index: &SearchIndex,
    filter: &Filter,
    dimension: Option<&str>,
    measure: Measure,
    window: usize,
) -> Result<Export, StreamError> {
    let mut counter = Cooccur::new(index.codebook(), dimension, measure)?;
    let meta = each_window(index, filter, MATRIX_LOAD, window, "cooccur", |ds| {
        counter.add(ds);
        Ok(())
    })?;
    Ok(Export {
        meta,
        tables: vec![counter.table(index.codebook())],
    })
}

/// Hands `add` the segments `filter` keeps, `window` at a time in transcript order, each
/// window dropped before the next is read; returns the export's description (segments and
/// interviews seen).
fn each_window(
    index: &SearchIndex,
    filter: &Filter,
    load: Load,
    window: usize,
    export: &str,
    mut add: impl FnMut(&Dataset) -> Result<(), StreamError>,
) -> Result<ExportMeta, StreamError> {
    let codebook = index.codebook();
    let mut interviews = Interviews::default();
    let mut segments = 0;
    for addrs in kept_addresses(index, filter)?.chunks(window.max(1)) {
        let ds = Dataset::new(codebook.clone(), index.segments_at(addrs, load, None)?);
        segments += ds.items.len();
        interviews.extend(ds.items.iter().map(|i| i.segment.interview.as_str()));
        add(&ds)?;
    }
    Ok(ExportMeta::new(
        codebook,
        export,
        segments,
        interviews.count,
    ))
}

/// Distinct interviews in a stream of segments in interview order: each interview's segments
/// are together, so counting where the id changes needs no set of every id seen.
#[derive(Default)]
struct Interviews {
    last: Option<String>,
    count: usize,
}

impl Interviews {
    fn extend<'a>(&mut self, ids: impl Iterator<Item = &'a str>) {
        for id in ids {
            if self.last.as_deref() != Some(id) {
                self.count += 1;
                self.last = Some(id.to_string());
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::export::write_csv;
    use crate::privacy::Privacy;

    const CODES: &str = r#"
[codebook]
name = "t"
version = "1"

[codes.trust]
label = "Trust"
dimension = "component"
patterns = ["trust"]

[codes.council]
label = "The council"
dimension = "stakeholder"
patterns = ["council"]
"#;

    /// A small indexed project: two interviews, several paragraphs each, one declared name.
    fn indexed() -> (tempfile::TempDir, SearchIndex) {
        crate::index::testing::indexed(&[
            ("codebook/codes.toml", CODES),
            ("corpus/a.txt", "---\nid: a\narea: Westfold\nspeakers:\n  I: interviewer\n  P1: {role: Resident, name: Maya Okafor}\n---\n\
             I: Tell me about the council.\n\nP1: Maya here: we trust the council.\n\nWe trust them less now.\n\n\
             P1: The council listened once.\n"),
            ("corpus/b.txt", "---\nid: b\narea: Eastbrook\n---\nP1: Nothing to say.\n\nP2: Trust is earned, council or not.\n"),
        ])
    }

    fn streamed(index: &SearchIndex, filter: &Filter, listing: Listing, window: usize) -> String {
        let opts = ListingOptions::for_index(index, filter, &Privacy::default(), false).unwrap();
        let mut out = Vec::new();
        stream_listing(
            index,
            filter,
            listing,
            &opts,
            CsvFlavour::Plain,
            window,
            &mut out,
        )
        .unwrap();
        String::from_utf8(out).unwrap()
    }

    /// A destination that takes `room` bytes, then fails as a closed pipe does.
    struct Closes {
        room: usize,
    }

    impl Write for Closes {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            if self.room == 0 {
                return Err(std::io::ErrorKind::BrokenPipe.into());
            }
            let n = buf.len().min(self.room);
            self.room -= n;
            Ok(n)
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    #[test]
    fn a_listing_whose_destination_closes_fails_as_a_closed_pipe() {
        // The writing happens on the calling thread while another reads ahead: the write's
        // error must come back as the pipe's (main treats a closed pipe as success), whether
        // it happens at the first byte or part way.
        let (_dir, index) = indexed();
        let filter = Filter::default();
        let opts = ListingOptions::for_index(&index, &filter, &Privacy::default(), false).unwrap();
        for room in [0, 10, 200] {
            let err = stream_listing(
                &index,
                &filter,
                Listing::Quotes,
                &opts,
                CsvFlavour::Plain,
                1,
                &mut std::io::BufWriter::with_capacity(1, Closes { room }),
            )
            .unwrap_err();
            assert!(
                matches!(&err, StreamError::Write(e) if e.kind() == std::io::ErrorKind::BrokenPipe),
                "{room}: {err:?}"
            );
        }
    }

    #[test]
    fn a_streamed_listing_is_the_whole_table_whatever_the_window() {
        let (_dir, index) = indexed();
        for filter in [
            Filter::default(),
            Filter {
                codes: vec!["trust".into()],
                ..Filter::default()
            },
        ] {
            for listing in [Listing::Quotes, Listing::Wide] {
                let opts =
                    ListingOptions::for_index(&index, &filter, &Privacy::default(), false).unwrap();
                let ds = load(&index, &filter, listing.load()).unwrap();
                let whole = Export {
                    meta: ds.meta("x"),
                    tables: vec![listing.table(&ds, &opts)],
                };
                let mut expected = Vec::new();
                write_csv(&mut expected, &whole, CsvFlavour::Plain).unwrap();
                let expected = String::from_utf8(expected).unwrap();
                assert!(expected.lines().count() > 2, "{expected}");
                // 0 is taken as 1: a window is never empty.
                for window in [0, 1, 2, 3, DEFAULT_WINDOW] {
                    assert_eq!(
                        streamed(&index, &filter, listing, window),
                        expected,
                        "{listing:?} {filter:?} window {window}"
                    );
                }
            }
        }
    }

    #[test]
    fn listings_mask_declared_names_and_read_only_what_the_filter_keeps() {
        let (_dir, index) = indexed();
        let all = streamed(&index, &Filter::default(), Listing::Wide, 2);
        assert!(
            all.contains("[REDACTED] here") && !all.contains("Maya"),
            "{all}"
        );
        // Interviewer turns are never listed.
        assert!(!all.contains("Tell me"), "{all}");
        let b_only = Filter {
            interviews: vec!["b".into()],
            ..Filter::default()
        };
        let every = index.ordered_addresses().unwrap();
        assert_eq!(kept_addresses(&index, &Filter::default()).unwrap(), every);
        assert_eq!(kept_addresses(&index, &b_only).unwrap().len(), 2);
        let b = streamed(&index, &b_only, Listing::Wide, 1);
        assert_eq!(b.lines().count(), 3, "{b}");
        assert!(b.lines().skip(1).all(|l| l.starts_with("b:")), "{b}");
    }

    /// Every crosstab layout the fixture can tell apart: split or not, each unit, percents.
    fn crosstab_options(cb: &crate::codebook::Codebook) -> Vec<CrosstabOptions> {
        let var = |s: &str| crate::export::Var::parse(s, cb).unwrap();
        let mut all = Vec::new();
        for (rows, cols, by) in [
            ("role", "code", None),
            ("code", "meta:area", None),
            ("component", "stakeholder", Some("role")),
            ("role", "code", Some("meta:area")),
        ] {
            for count in [
                crate::export::CountUnit::Segments,
                crate::export::CountUnit::Interviews,
                crate::export::CountUnit::Hits,
            ] {
                all.push(CrosstabOptions {
                    rows: var(rows),
                    cols: var(cols),
                    by: by.map(var),
                    count,
                    percent: Some(crate::export::Percent::Row),
                });
            }
        }
        all
    }

    #[test]
    fn streamed_matrices_are_the_whole_dataset_matrices_whatever_the_window() {
        let (_dir, index) = indexed();
        let trust = Filter {
            codes: vec!["trust".into()],
            ..Filter::default()
        };
        // NEAR is checked against each candidate's text: kept by address, not by id.
        let near = Filter {
            query: "trust NEAR/3 council".into(),
            ..Filter::default()
        };
        for filter in [Filter::default(), trust, near] {
            let ds = load(&index, &filter, MATRIX_LOAD).unwrap();
            for opts in crosstab_options(&ds.codebook) {
                let whole = Export {
                    meta: ds.meta("crosstab"),
                    tables: crate::export::crosstab(&ds, &opts).unwrap(),
                };
                for window in [1, 2, 3, DEFAULT_WINDOW] {
                    let streamed = stream_crosstab(&index, &filter, &opts, window).unwrap();
                    assert_eq!(streamed, whole, "{opts:?} {filter:?} window {window}");
                }
            }
            for (of, measure) in [
                (None, Measure::Count),
                (Some("component"), Measure::Jaccard),
            ] {
                let whole = Export {
                    meta: ds.meta("cooccur"),
                    tables: vec![crate::export::cooccur(&ds, of, measure).unwrap()],
                };
                for window in [1, 3, DEFAULT_WINDOW] {
                    let streamed = stream_cooccur(&index, &filter, of, measure, window).unwrap();
                    assert_eq!(streamed, whole, "{of:?} {filter:?} window {window}");
                }
            }
        }
    }

    #[test]
    fn streamed_matrices_refuse_what_they_cannot_count_before_reading() {
        let (_dir, index) = indexed();
        let cb = index.codebook();
        let hits_of_roles = CrosstabOptions {
            rows: crate::export::Var::parse("role", cb).unwrap(),
            cols: crate::export::Var::parse("meta:area", cb).unwrap(),
            by: None,
            count: crate::export::CountUnit::Hits,
            percent: None,
        };
        assert!(matches!(
            stream_crosstab(&index, &Filter::default(), &hits_of_roles, 3),
            Err(StreamError::Export(ExportError::HitsWithoutCodes))
        ));
        assert!(matches!(
            stream_cooccur(
                &index,
                &Filter::default(),
                Some("nothing"),
                Measure::Count,
                3
            ),
            Err(StreamError::Export(ExportError::NoCodesOfDimension { .. }))
        ));
    }

    #[test]
    fn interviews_are_counted_where_the_id_changes() {
        let mut n = Interviews::default();
        n.extend(["a", "a", "b"].into_iter());
        n.extend(["b", "c"].into_iter());
        assert_eq!(n.count, 3);
    }

    #[test]
    fn the_framework_matrix_does_not_depend_on_the_window() {
        let (_dir, index) = indexed();
        let opts = FrameworkOptions {
            dimension: "component".into(),
            max_chars: 300,
            max_cell_chars: 1_000_000,
            redactor: Privacy::default().redactor_for_index(&index).unwrap(),
        };
        let whole = stream_framework(&index, &Filter::default(), &opts, DEFAULT_WINDOW).unwrap();
        let tiny = stream_framework(&index, &Filter::default(), &opts, 1).unwrap();
        assert_eq!(whole, tiny);
        assert_eq!((whole.meta.segments, whole.meta.interviews), (5, 2));
        let mut expected = Vec::new();
        write_csv(&mut expected, &whole, CsvFlavour::Excel).unwrap();
        for window in [1, 2, 3, DEFAULT_WINDOW] {
            let mut out = Vec::new();
            let f = &Filter::default();
            stream_framework_csv(&index, f, &opts, CsvFlavour::Excel, window, &mut out).unwrap();
            assert_eq!(out, expected, "window {window}");
        }
        let bad = FrameworkOptions {
            dimension: "nothing".into(),
            ..opts
        };
        assert!(matches!(
            stream_framework(&index, &Filter::default(), &bad, 1),
            Err(StreamError::Export(_))
        ));
    }

    #[test]
    fn a_full_framework_cell_counts_the_quotes_it_leaves_out() {
        let (_dir, index) = indexed();
        let opts = |max_cell_chars| FrameworkOptions {
            dimension: "component".into(),
            max_chars: 300,
            max_cell_chars,
            redactor: Privacy::default().redactor_for_index(&index).unwrap(),
        };
        let f = &Filter::default();
        let whole = stream_framework(&index, f, &opts(1_000_000), 2).unwrap();
        // Room for no quote at all: every cell with quotes becomes the note counting them.
        let none = stream_framework(&index, f, &opts(1), 2).unwrap();
        let (w, n) = (&whole.tables[0], &none.tables[0]);
        assert_eq!(w.rows.len(), n.rows.len());
        let mut cut = 0;
        for (wr, nr) in w.rows.iter().zip(&n.rows) {
            for (wc, nc) in wr.iter().zip(nr).skip(2) {
                match wc {
                    Cell::Text(t) if t.starts_with('[') => {
                        let quotes = t.split("\n\n").count() as u64;
                        assert_eq!(nc, &Cell::Text(super::super::listings::cut_note(quotes)));
                        cut += 1;
                    }
                    other => assert_eq!(other, nc),
                }
            }
        }
        assert!(cut > 0, "the fixture has quotes in some cell");
        // Room for exactly the first quote of a cell: it is kept, the rest counted.
        let first = w
            .rows
            .iter()
            .flat_map(|r| r.iter().skip(2))
            .find_map(|c| match c {
                Cell::Text(t) if t.contains("\n\n") => Some(t.split("\n\n").collect::<Vec<_>>()),
                _ => None,
            });
        if let Some(parts) = first {
            let room = parts[0].chars().count() + 2;
            let one = stream_framework(&index, f, &opts(room), 2).unwrap();
            let expected = format!(
                "{}\n\n{}",
                parts[0],
                super::super::listings::cut_note(parts.len() as u64 - 1)
            );
            assert!(one.tables[0]
                .rows
                .iter()
                .flatten()
                .any(|c| c == &Cell::Text(expected.clone())));
        }
    }
}
