//! The backup file: a tar archive holding `manifest.json`, `manifest.sha256` and one
//! gzip-compressed JSON Lines part per table (`data/<table>.jsonl.gz`). The manifest names
//! the format version, the schema (applied migrations), the source engine, and each part's
//! row count and SHA-256; the archive is portable between SQLite, PostgreSQL and MySQL.
//!
//! Reading verifies everything (every checksum, every row parsed) before a restore may
//! touch the database.

mod tables;

pub use tables::{BACKED_UP, NOT_BACKED_UP, PresentColumns, Table, present_columns, table_names};

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::io::{BufRead, BufReader, Read, Write};
use std::path::{Path, PathBuf};

/// What a backup file identifies itself as.
pub const FORMAT: &str = "invoicepilot-backup";
/// This format's version; readers refuse newer ones.
pub const FORMAT_VERSION: u32 = 1;

/// One table's part.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct PartInfo {
    /// Table name.
    pub table: String,
    /// Path inside the archive.
    pub path: String,
    /// Rows in the part.
    pub rows: u64,
    /// SHA-256 (hex) of the part's bytes as stored (compressed).
    pub sha256: String,
}

/// The manifest of a backup.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct Manifest {
    /// Always [`FORMAT`].
    pub format: String,
    /// [`FORMAT_VERSION`] when written.
    pub version: u32,
    /// The InvoicePilot version that wrote it.
    pub app_version: String,
    /// When the snapshot was taken (RFC 3339 UTC).
    pub created_at: String,
    /// `sqlite`, `postgres` or `mysql`.
    pub source_backend: String,
    /// The migrations applied in the source database, in order.
    pub schema: Vec<String>,
    /// The parts, in restore order.
    pub parts: Vec<PartInfo>,
}

/// Why a backup file cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum BackupError {
    /// The file is damaged, truncated or not a backup.
    #[error("the backup file is damaged or incomplete: {0}")]
    Corrupt(String),
    /// The file is sound but cannot be restored here.
    #[error("the backup cannot be restored here: {0}")]
    Incompatible(String),
    /// Reading or writing files failed.
    #[error("{0}")]
    Io(#[from] std::io::Error),
    /// The database failed.
    #[error("database: {0}")]
    Db(#[from] sea_orm::DbErr),
}

fn corrupt(e: impl std::fmt::Display) -> BackupError {
    BackupError::Corrupt(e.to_string())
}

/// Serialises `Vec<u8>` as standard base64 (blobs in JSON).
pub mod base64_bytes {
    use base64::Engine;
    use base64::engine::general_purpose::STANDARD;
    use serde::{Deserialize, Deserializer, Serializer};

    /// Writes the bytes as base64.
    pub fn serialize<S: Serializer>(v: &[u8], s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&STANDARD.encode(v))
    }

    /// Reads base64 into bytes.
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<u8>, D::Error> {
        let s = String::deserialize(d)?;
        STANDARD.decode(s).map_err(serde::de::Error::custom)
    }
}

/// Writes the parts of a backup into a folder, one gzip JSON Lines file per table, and
/// assembles the archive from them.
pub struct Writer {
    dir: PathBuf,
    parts: Vec<PartInfo>,
}

/// One part being written.
pub struct PartWriter {
    gz: flate2::write::GzEncoder<std::fs::File>,
    path: PathBuf,
    table: String,
    rows: u64,
}

impl PartWriter {
    /// Appends one row (a JSON document).
    pub fn row(&mut self, v: &serde_json::Value) -> std::io::Result<()> {
        serde_json::to_writer(&mut self.gz, v)?;
        self.gz.write_all(b"\n")?;
        self.rows += 1;
        Ok(())
    }
}

impl Writer {
    /// A writer using `scratch` for the parts (created, removed by [`Writer::finish`]).
    pub fn new(scratch: &Path) -> std::io::Result<Writer> {
        std::fs::create_dir_all(scratch)?;
        Ok(Writer { dir: scratch.to_path_buf(), parts: Vec::new() })
    }

    /// Starts the part of `table`.
    pub fn part(&self, table: &str) -> std::io::Result<PartWriter> {
        let path = self.dir.join(format!("{table}.jsonl.gz"));
        let file = std::fs::File::create(&path)?;
        Ok(PartWriter {
            gz: flate2::write::GzEncoder::new(file, flate2::Compression::fast()),
            path,
            table: table.to_owned(),
            rows: 0,
        })
    }

    /// Closes a part and records its size and hash.
    pub fn close(&mut self, part: PartWriter) -> std::io::Result<()> {
        part.gz.finish()?.sync_all()?;
        let mut f = std::fs::File::open(&part.path)?;
        let mut h = Sha256::new();
        std::io::copy(&mut f, &mut h)?;
        self.parts.push(PartInfo {
            path: format!("data/{}.jsonl.gz", part.table),
            table: part.table,
            rows: part.rows,
            sha256: hex::encode(h.finalize()),
        });
        Ok(())
    }

    /// Writes the archive to `target` (through a temporary name, renamed when complete, so
    /// no partial file is ever left under the final name) and removes the scratch folder.
    pub fn finish(
        self,
        target: &Path,
        source_backend: &str,
        schema: Vec<String>,
        created_at: String,
    ) -> Result<Manifest, BackupError> {
        let manifest = Manifest {
            format: FORMAT.into(),
            version: FORMAT_VERSION,
            app_version: env!("CARGO_PKG_VERSION").into(),
            created_at,
            source_backend: source_backend.into(),
            schema,
            parts: self.parts.clone(),
        };
        let manifest_json = serde_json::to_vec_pretty(&manifest).map_err(corrupt)?;
        let manifest_sha = hex::encode(Sha256::digest(&manifest_json));
        let tmp = target.with_extension("partial");
        {
            let file = std::fs::File::create(&tmp)?;
            let mut tar = tar::Builder::new(std::io::BufWriter::new(file));
            append_bytes(&mut tar, "manifest.json", &manifest_json)?;
            append_bytes(&mut tar, "manifest.sha256", manifest_sha.as_bytes())?;
            for p in &self.parts {
                let local = self.dir.join(format!("{}.jsonl.gz", p.table));
                let mut f = std::fs::File::open(&local)?;
                let mut header = tar::Header::new_gnu();
                header.set_size(f.metadata()?.len());
                header.set_mode(0o600);
                header.set_mtime(0);
                header.set_cksum();
                tar.append_data(&mut header, &p.path, &mut f)?;
            }
            let w = tar.into_inner()?;
            w.into_inner().map_err(|e| e.into_error())?.sync_all()?;
        }
        std::fs::rename(&tmp, target)?;
        let _ = std::fs::remove_dir_all(&self.dir);
        Ok(manifest)
    }
}

fn append_bytes<W: Write>(tar: &mut tar::Builder<W>, name: &str, bytes: &[u8]) -> std::io::Result<()> {
    let mut header = tar::Header::new_gnu();
    header.set_size(bytes.len() as u64);
    header.set_mode(0o600);
    header.set_mtime(0);
    header.set_cksum();
    tar.append_data(&mut header, name, bytes)
}

/// Reads a backup archive: the manifest first, then each part's rows.
pub struct Reader {
    path: PathBuf,
    /// The verified manifest.
    pub manifest: Manifest,
}

fn read_manifest(path: &Path) -> Result<Manifest, BackupError> {
    let file = std::fs::File::open(path)?;
    let mut archive = tar::Archive::new(file);
    let mut entries = archive.entries().map_err(corrupt)?;
    let mut take = |name: &str| -> Result<Vec<u8>, BackupError> {
        let mut e = entries.next().ok_or_else(|| corrupt(format!("{name} is missing")))?.map_err(corrupt)?;
        let p = e.path().map_err(corrupt)?.to_string_lossy().into_owned();
        if p != name {
            return Err(corrupt(format!("expected {name}, found {p}")));
        }
        let mut buf = Vec::new();
        e.read_to_end(&mut buf).map_err(corrupt)?;
        Ok(buf)
    };
    let json = take("manifest.json")?;
    let sha = take("manifest.sha256")?;
    if hex::encode(Sha256::digest(&json)).as_bytes() != sha.as_slice() {
        return Err(corrupt("the manifest does not match its checksum"));
    }
    let m: Manifest = serde_json::from_slice(&json).map_err(corrupt)?;
    if m.format != FORMAT {
        return Err(corrupt("not an InvoicePilot backup"));
    }
    if m.version > FORMAT_VERSION {
        return Err(BackupError::Incompatible(format!(
            "format version {} is newer than this InvoicePilot reads ({FORMAT_VERSION})",
            m.version
        )));
    }
    Ok(m)
}

/// The archive's bytes outside the parts: entries back to back, their padding zero, and the
/// end-of-archive blocks present and zero. With the header checksums tar keeps and the
/// SHA-256 of every part this leaves no byte of the file unchecked, so any flipped byte or
/// cut-off end is refused.
fn verify_layout(path: &Path) -> Result<(), BackupError> {
    use std::io::{Seek, SeekFrom};
    const BLOCK: u64 = 512;
    let len = std::fs::metadata(path)?.len();
    let mut file = std::fs::File::open(path)?;
    let mut spans = Vec::new();
    {
        let mut archive = tar::Archive::new(std::fs::File::open(path)?);
        for entry in archive.entries().map_err(corrupt)? {
            let e = entry.map_err(corrupt)?;
            spans.push((e.raw_header_position(), e.raw_file_position(), e.size()));
        }
    }
    let mut expected_header = 0;
    let mut zeros = |from: u64, to: u64, what: &str| -> Result<(), BackupError> {
        if to > len {
            return Err(corrupt(format!("the file ends early ({what})")));
        }
        file.seek(SeekFrom::Start(from))?;
        let mut buf = vec![0u8; (to - from) as usize];
        file.read_exact(&mut buf)?;
        if buf.iter().any(|b| *b != 0) {
            return Err(corrupt(format!("unexpected bytes in the {what} at offset {from}")));
        }
        Ok(())
    };
    for (header, data, size) in spans {
        if header != expected_header {
            return Err(corrupt(format!("unexpected bytes before offset {header}")));
        }
        let end = data + size;
        let padded = end.div_ceil(BLOCK) * BLOCK;
        zeros(end, padded, "padding")?;
        expected_header = padded;
    }
    if len < expected_header + 2 * BLOCK {
        return Err(corrupt("the end of the archive is missing (truncated file)"));
    }
    if len - expected_header > 64 * BLOCK {
        return Err(corrupt("unexpected data after the end of the archive"));
    }
    zeros(expected_header, len, "end of the archive")
}

impl Reader {
    /// Opens and fully verifies a backup: the manifest's checksum, then every part's
    /// checksum, row count and JSON. Nothing is trusted before this returns.
    pub fn open_verified(path: &Path) -> Result<Reader, BackupError> {
        verify_layout(path)?;
        let manifest = read_manifest(path)?;
        let mut seen = 0;
        Reader::walk(path, &manifest, |_, _| Ok(()), &mut seen)?;
        if seen != manifest.parts.len() {
            return Err(corrupt(format!("{} of {} parts present", seen, manifest.parts.len())));
        }
        Ok(Reader { path: path.to_path_buf(), manifest })
    }

    /// Calls `row(table, document)` for every row of every part, in archive order,
    /// checking every part's hash and row count as it goes.
    fn walk(
        path: &Path,
        manifest: &Manifest,
        mut row: impl FnMut(&str, serde_json::Value) -> Result<(), BackupError>,
        seen: &mut usize,
    ) -> Result<(), BackupError> {
        let file = std::fs::File::open(path)?;
        let mut archive = tar::Archive::new(file);
        for entry in archive.entries().map_err(corrupt)?.skip(2) {
            let entry = entry.map_err(corrupt)?;
            let name = entry.path().map_err(corrupt)?.to_string_lossy().into_owned();
            let info = manifest
                .parts
                .iter()
                .find(|p| p.path == name)
                .ok_or_else(|| corrupt(format!("unexpected entry {name}")))?;
            let hashing = HashingReader { inner: entry, hash: Sha256::new() };
            let mut lines = BufReader::new(flate2::read::GzDecoder::new(hashing));
            let mut n = 0u64;
            let mut buf = String::new();
            loop {
                buf.clear();
                if lines.read_line(&mut buf).map_err(|e| corrupt(format!("{name}: {e}")))? == 0 {
                    break;
                }
                let v: serde_json::Value =
                    serde_json::from_str(buf.trim_end()).map_err(|e| corrupt(format!("{name} row {}: {e}", n + 1)))?;
                row(&info.table, v)?;
                n += 1;
            }
            // Drain what the decoder did not need, so the hash covers the whole entry.
            let mut rest = lines.into_inner().into_inner();
            std::io::copy(&mut rest, &mut std::io::sink())?;
            if hex::encode(rest.hash.finalize()) != info.sha256 {
                return Err(corrupt(format!("{name} does not match its checksum")));
            }
            if n != info.rows {
                return Err(corrupt(format!("{name} holds {n} rows, the manifest says {}", info.rows)));
            }
            *seen += 1;
        }
        Ok(())
    }

    /// Every row, in restore order (after [`Reader::open_verified`], read again and checked
    /// again while restoring).
    pub fn rows(&self, row: impl FnMut(&str, serde_json::Value) -> Result<(), BackupError>) -> Result<(), BackupError> {
        let mut seen = 0;
        Reader::walk(&self.path, &self.manifest, row, &mut seen)
    }

    /// Reads the rows on a blocking thread and hands them over in batches of at most
    /// `batch` rows of one table; a damaged part ends the stream with an error.
    pub fn batches(
        self,
        batch: usize,
    ) -> tokio::sync::mpsc::Receiver<Result<(String, Vec<serde_json::Value>), String>> {
        let (tx, rx) = tokio::sync::mpsc::channel(4);
        tokio::task::spawn_blocking(move || {
            let mut current: Option<(String, Vec<serde_json::Value>)> = None;
            let result = self.rows(|table, v| {
                let full = current.as_ref().is_some_and(|(t, rows)| t != table || rows.len() >= batch);
                if full && let Some(done) = current.take() {
                    tx.blocking_send(Ok(done)).map_err(|_| BackupError::Corrupt("restore stopped".into()))?;
                }
                current.get_or_insert_with(|| (table.to_owned(), Vec::new())).1.push(v);
                Ok(())
            });
            let _ = match result {
                Ok(()) => match current.take() {
                    Some(done) => tx.blocking_send(Ok(done)),
                    None => Ok(()),
                },
                Err(e) => tx.blocking_send(Err(e.to_string())),
            };
        });
        rx
    }
}

struct HashingReader<R> {
    inner: R,
    hash: Sha256,
}

impl<R: Read> Read for HashingReader<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.hash.update(&buf[..n]);
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn scratch(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("ipbk-{name}-{}-{}", std::process::id(), rand_suffix()));
        std::fs::create_dir_all(&dir).unwrap();
        dir
    }

    fn rand_suffix() -> u64 {
        use std::time::{SystemTime, UNIX_EPOCH};
        SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_nanos() as u64
    }

    /// A backup with two parts (one of 300 rows, so it spans several blocks) and an empty one.
    fn sample(dir: &Path) -> PathBuf {
        let mut w = Writer::new(&dir.join("work")).unwrap();
        let mut p = w.part("companies").unwrap();
        p.row(&json!({"id": 1, "name": "株式会社テスト"})).unwrap();
        w.close(p).unwrap();
        let mut p = w.part("invoices").unwrap();
        for i in 0..300 {
            p.row(&json!({"id": i, "number": format!("I-2026-{i:04}"), "total": i * 1100})).unwrap();
        }
        w.close(p).unwrap();
        let p = w.part("payments").unwrap();
        w.close(p).unwrap();
        let target = dir.join("backup.ipbk");
        w.finish(&target, "sqlite", vec!["m1".into(), "m2".into()], "2026-12-04T03:00:00Z".into()).unwrap();
        target
    }

    #[test]
    fn round_trip_keeps_every_row_in_order() {
        let dir = scratch("roundtrip");
        let path = sample(&dir);
        let r = Reader::open_verified(&path).unwrap();
        assert_eq!(r.manifest.schema, vec!["m1", "m2"]);
        assert_eq!(r.manifest.parts.iter().map(|p| p.rows).collect::<Vec<_>>(), vec![1, 300, 0]);
        let mut seen = Vec::new();
        r.rows(|t, v| {
            seen.push((t.to_owned(), v));
            Ok(())
        })
        .unwrap();
        assert_eq!(seen.len(), 301);
        assert_eq!(seen[0].1["name"], "株式会社テスト");
        assert_eq!(seen[300].1["number"], "I-2026-0299");
        assert!(!dir.join("work").exists(), "the scratch folder is removed");
        assert!(!path.with_extension("partial").exists());
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn any_flipped_byte_is_refused() {
        let dir = scratch("flip");
        let path = sample(&dir);
        let bytes = std::fs::read(&path).unwrap();
        let bad = dir.join("bad.ipbk");
        // Every 97th byte covers headers, manifest, parts, padding and the end blocks.
        for at in (0..bytes.len()).step_by(97).chain([bytes.len() - 1]) {
            let mut b = bytes.clone();
            b[at] ^= 0x10;
            std::fs::write(&bad, &b).unwrap();
            match Reader::open_verified(&bad) {
                Err(BackupError::Corrupt(_)) => {}
                Err(other) => panic!("byte {at}: {other}"),
                Ok(_) => panic!("byte {at} of {} flipped and accepted", bytes.len()),
            }
        }
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn truncated_files_are_refused() {
        let dir = scratch("trunc");
        let path = sample(&dir);
        let bytes = std::fs::read(&path).unwrap();
        let bad = dir.join("bad.ipbk");
        for keep in [0, 100, 512, bytes.len() / 2, bytes.len() - 1024, bytes.len() - 1] {
            std::fs::write(&bad, &bytes[..keep]).unwrap();
            assert!(Reader::open_verified(&bad).is_err(), "kept {keep} of {} bytes and accepted", bytes.len());
        }
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn a_newer_format_is_incompatible_not_corrupt() {
        let dir = scratch("newer");
        let mut w = Writer::new(&dir.join("work")).unwrap();
        let p = w.part("companies").unwrap();
        w.close(p).unwrap();
        // Rewrite the manifest with a higher version and a matching checksum.
        let target = dir.join("b.ipbk");
        w.finish(&target, "postgres", vec![], "2026-12-04T03:00:00Z".into()).unwrap();
        let mut m = read_manifest(&target).unwrap();
        m.version = FORMAT_VERSION + 1;
        let json = serde_json::to_vec_pretty(&m).unwrap();
        let sha = hex::encode(Sha256::digest(&json));
        let out = dir.join("newer.ipbk");
        let mut tar = tar::Builder::new(std::fs::File::create(&out).unwrap());
        append_bytes(&mut tar, "manifest.json", &json).unwrap();
        append_bytes(&mut tar, "manifest.sha256", sha.as_bytes()).unwrap();
        tar.finish().unwrap();
        match Reader::open_verified(&out) {
            Err(BackupError::Incompatible(msg)) => assert!(msg.contains("newer"), "{msg}"),
            other => panic!("{:?}", other.map(|r| r.manifest)),
        }
        let _ = std::fs::remove_dir_all(&dir);
    }
}
