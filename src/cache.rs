//! Caches in the data folder (.qcode/): JSON files written whole or not at all (a temporary
//! file beside the cache, renamed over it), read back as a shortcut that is simply not taken
//! when the file is missing or not understood. A cache never holds what cannot be made again.

use std::io::Write;
use std::path::Path;

use serde::de::DeserializeOwned;
use serde::Serialize;

/// The value in the cache file `path`, or `None` when there is none or it is not understood.
pub fn read_json<T: DeserializeOwned>(path: &Path) -> Option<T> {
    let bytes = std::fs::read(path).ok()?;
    serde_json::from_slice(&bytes).ok()
}

/// Write `value` to `path` atomically, its folder made if need be. Buffered: serde_json writes a
/// field at a time, a system call each unbuffered.
pub fn write_json<T: Serialize>(path: &Path, value: &T) -> std::io::Result<()> {
    let dir = path.parent().unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir)?;
    let mut tmp = tempfile::NamedTempFile::new_in(dir)?;
    let mut w = std::io::BufWriter::new(tmp.as_file_mut());
    serde_json::to_writer(&mut w, value)?;
    w.flush()?;
    drop(w);
    tmp.persist(path).map_err(|e| e.error)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_value_written_reads_back_and_a_broken_file_reads_as_none() {
        let d = tempfile::tempdir().unwrap();
        let path = d.path().join("sub/cache.json");
        write_json(&path, &vec![1u32, 2, 3]).unwrap();
        assert_eq!(read_json::<Vec<u32>>(&path), Some(vec![1, 2, 3]));
        assert_eq!(read_json::<String>(&path), None);
        std::fs::write(&path, "{not json").unwrap();
        assert_eq!(read_json::<Vec<u32>>(&path), None);
        assert_eq!(read_json::<Vec<u32>>(&d.path().join("missing.json")), None);
        // Only the cache is left in its folder: no temporary file.
        assert_eq!(std::fs::read_dir(d.path().join("sub")).unwrap().count(), 1);
    }
}
