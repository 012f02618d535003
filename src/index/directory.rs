//! The directory tantivy reads the index through: its own memory-mapped directory, except that
//! the document store (`.store` files, the stored text and codes of every segment) is read
//! with `pread` in the blocks tantivy asks for.
//!
//! Why: an export reads every stored document once, front to back. Through a memory map each
//! page it touched stays mapped into the process until the command ends, so its resident size
//! grew with the corpus (about 0.9 GB at 1 GB, 8.7 GB at 10 GB) although nothing was kept.
//! Read into a buffer, the block is the process's only while tantivy decompresses it; the
//! kernel's page cache still holds the file, and can drop it when memory is wanted. A search
//! reads the few blocks of its shown hits, so it loses nothing. Postings, terms and fast fields
//! stay memory-mapped: they are read at random and are small beside the store.
//!
//! Large ranges (tantivy's merge copies a segment's whole store at once) still go through the
//! map, so a merge never copies a store of gigabytes onto the heap.

use std::fmt;
use std::fs::File;
use std::io;
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use tantivy::directory::error::{DeleteError, OpenReadError, OpenWriteError};
use tantivy::directory::{
    Directory, DirectoryLock, FileHandle, Lock, MmapDirectory, OwnedBytes, WatchCallback,
    WatchHandle, WritePtr,
};
use tantivy::{HasLen, Index};

/// Reads at most this many bytes into a buffer; a larger range is read through the map.
/// A store block is 16 KiB by default (a document larger than a block makes its block larger).
const MAX_READ: usize = 16 << 20;

/// Open the index in `dir` with the document store read by `pread`.
pub(crate) fn open_in_dir(dir: &Path) -> tantivy::Result<Index> {
    Index::open(StoreByRead::open(dir)?)
}

/// Create an index in `dir` (which must be empty) with the document store read by `pread`.
pub(crate) fn create_in_dir(dir: &Path, schema: tantivy::schema::Schema) -> tantivy::Result<Index> {
    Index::create(
        StoreByRead::open(dir)?,
        schema,
        tantivy::IndexSettings::default(),
    )
}

/// tantivy's [`MmapDirectory`], with `.store` files read by `pread`.
#[derive(Clone, Debug)]
struct StoreByRead {
    root: PathBuf,
    mmap: MmapDirectory,
}

impl StoreByRead {
    fn open(dir: &Path) -> Result<StoreByRead, tantivy::directory::error::OpenDirectoryError> {
        Ok(StoreByRead {
            root: dir.to_path_buf(),
            mmap: MmapDirectory::open(dir)?,
        })
    }
}

/// One `.store` file: small ranges read into a buffer, large ones from the map.
struct ReadHandle {
    file: File,
    len: usize,
    mapped: Arc<dyn FileHandle>,
}

impl fmt::Debug for ReadHandle {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "ReadHandle({} bytes)", self.len)
    }
}

impl HasLen for ReadHandle {
    fn len(&self) -> usize {
        self.len
    }
}

impl FileHandle for ReadHandle {
    fn read_bytes(&self, range: Range<usize>) -> io::Result<OwnedBytes> {
        if range.len() > MAX_READ {
            return self.mapped.read_bytes(range);
        }
        if range.end > self.len || range.start > range.end {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                format!("range {range:?} outside a file of {} bytes", self.len),
            ));
        }
        let mut buffer = vec![0; range.len()];
        read_exact_at(&self.file, &mut buffer, range.start as u64)?;
        Ok(OwnedBytes::new(buffer))
    }
}

#[cfg(unix)]
fn read_exact_at(file: &File, buf: &mut [u8], at: u64) -> io::Result<()> {
    std::os::unix::fs::FileExt::read_exact_at(file, buf, at)
}

#[cfg(windows)]
fn read_exact_at(file: &File, mut buf: &mut [u8], mut at: u64) -> io::Result<()> {
    use std::os::windows::fs::FileExt;
    while !buf.is_empty() {
        match file.seek_read(buf, at)? {
            0 => return Err(io::ErrorKind::UnexpectedEof.into()),
            n => {
                buf = &mut buf[n..];
                at += n as u64;
            }
        }
    }
    Ok(())
}

fn is_store(path: &Path) -> bool {
    path.extension().is_some_and(|e| e == "store")
}

impl Directory for StoreByRead {
    fn get_file_handle(&self, path: &Path) -> Result<Arc<dyn FileHandle>, OpenReadError> {
        let mapped = self.mmap.get_file_handle(path)?;
        if !is_store(path) {
            return Ok(mapped);
        }
        let full = self.root.join(path);
        let io_error = |e: io::Error| OpenReadError::wrap_io_error(e, full.clone());
        let file = File::open(&full).map_err(io_error)?;
        let len = file.metadata().map_err(io_error)?.len() as usize;
        Ok(Arc::new(ReadHandle { file, len, mapped }))
    }

    fn delete(&self, path: &Path) -> Result<(), DeleteError> {
        self.mmap.delete(path)
    }

    fn exists(&self, path: &Path) -> Result<bool, OpenReadError> {
        self.mmap.exists(path)
    }

    fn open_write(&self, path: &Path) -> Result<WritePtr, OpenWriteError> {
        self.mmap.open_write(path)
    }

    fn atomic_read(&self, path: &Path) -> Result<Vec<u8>, OpenReadError> {
        self.mmap.atomic_read(path)
    }

    fn atomic_write(&self, path: &Path, data: &[u8]) -> io::Result<()> {
        self.mmap.atomic_write(path, data)
    }

    fn sync_directory(&self) -> io::Result<()> {
        self.mmap.sync_directory()
    }

    fn acquire_lock(
        &self,
        lock: &Lock,
    ) -> Result<DirectoryLock, tantivy::directory::error::LockError> {
        self.mmap.acquire_lock(lock)
    }

    fn watch(&self, watch_callback: WatchCallback) -> tantivy::Result<WatchHandle> {
        self.mmap.watch(watch_callback)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tantivy::schema::{Schema, STORED, TEXT};
    use tantivy::{doc, TantivyDocument};

    /// Documents written through the directory read back the same, whatever their size
    /// (a large one makes a store block larger than the default).
    #[test]
    fn stored_documents_read_back_through_pread() {
        let dir = tempfile::tempdir().unwrap();
        let mut builder = Schema::builder();
        let text = builder.add_text_field("text", TEXT | STORED);
        let index = create_in_dir(dir.path(), builder.build()).unwrap();
        let mut writer = index.writer_with_num_threads(1, 15_000_000).unwrap();
        let bodies: Vec<String> = (0..2_000)
            .map(|i| {
                let n = if i % 500 == 0 { 40_000 } else { i % 97 };
                format!("doc {i} {}", "w".repeat(n))
            })
            .collect();
        for b in &bodies {
            writer.add_document(doc!(text => b.as_str())).unwrap();
        }
        writer.commit().unwrap();
        drop(writer);

        let index = open_in_dir(dir.path()).unwrap();
        let searcher = index.reader().unwrap().searcher();
        let mut read = Vec::new();
        for (ord, segment) in searcher.segment_readers().iter().enumerate() {
            for id in 0..segment.max_doc() {
                let d: TantivyDocument = searcher
                    .doc(tantivy::DocAddress::new(ord as u32, id))
                    .unwrap();
                read.push(
                    d.get_first(text)
                        .and_then(|v| tantivy::schema::Value::as_str(&v))
                        .unwrap()
                        .to_string(),
                );
            }
        }
        read.sort();
        let mut want = bodies.clone();
        want.sort();
        assert_eq!(read, want);
    }

    #[test]
    fn a_range_past_the_end_is_an_error_not_a_panic() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("x.store"), b"0123456789").unwrap();
        let d = StoreByRead::open(dir.path()).unwrap();
        let h = d.get_file_handle(Path::new("x.store")).unwrap();
        assert_eq!(h.read_bytes(2..5).unwrap().as_slice(), b"234");
        assert!(h.read_bytes(5..11).is_err());
    }
}
