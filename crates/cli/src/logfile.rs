//! Log files: every line goes to `invoicepilot-YYYY-MM-DD.log` (the local date of the
//! line), and `invoicepilot.log` is a symbolic link to today's file, so `tail -F` and
//! `grep` on one name work across midnight. Several processes (server, workers) may append
//! to the same files: each line is one `O_APPEND` write. At each change of day the files
//! older than the retention are deleted.

use chrono::{Duration, NaiveDate};
use invoicepilot_app::clock::Clock;
use std::fs::{File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

/// The stable name.
pub const CURRENT: &str = "invoicepilot.log";

/// A day's file name.
pub fn daily_name(day: NaiveDate) -> String {
    format!("invoicepilot-{}.log", day.format("%Y-%m-%d"))
}

struct Open {
    day: NaiveDate,
    file: File,
}

/// The rotating writer (cheap to clone; clones share the open file).
#[derive(Clone)]
pub struct DailyLog {
    dir: PathBuf,
    clock: Arc<dyn Clock>,
    tz: chrono_tz::Tz,
    retention_days: u32,
    open: Arc<Mutex<Option<Open>>>,
}

impl DailyLog {
    /// Logs into `dir` (created), dated in `tz`, keeping `retention_days` days.
    pub fn new(dir: &Path, clock: Arc<dyn Clock>, tz: chrono_tz::Tz, retention_days: u32) -> std::io::Result<DailyLog> {
        std::fs::create_dir_all(dir)?;
        let log = DailyLog { dir: dir.to_path_buf(), clock, tz, retention_days, open: Arc::default() };
        // Fail now, not at the first line, when the folder is not writable.
        log.with_file(|_| Ok(()))?;
        Ok(log)
    }

    fn today(&self) -> NaiveDate {
        self.clock.now().with_timezone(&self.tz).date_naive()
    }

    fn with_file<T>(&self, f: impl FnOnce(&mut File) -> std::io::Result<T>) -> std::io::Result<T> {
        let today = self.today();
        let mut open = self.open.lock().unwrap_or_else(|e| e.into_inner());
        if open.as_ref().is_none_or(|o| o.day != today) {
            let name = daily_name(today);
            let file = OpenOptions::new().create(true).append(true).open(self.dir.join(&name))?;
            self.point_current_to(&name);
            self.prune(today);
            *open = Some(Open { day: today, file });
        }
        let o = open.as_mut().expect("opened above");
        f(&mut o.file)
    }

    /// Replaces the link atomically (a temporary link renamed over the old one).
    fn point_current_to(&self, name: &str) {
        #[cfg(unix)]
        {
            let tmp = self.dir.join(format!(".{CURRENT}.{}", std::process::id()));
            let _ = std::fs::remove_file(&tmp);
            if std::os::unix::fs::symlink(name, &tmp).is_ok() && std::fs::rename(&tmp, self.dir.join(CURRENT)).is_err()
            {
                let _ = std::fs::remove_file(&tmp);
            }
        }
        #[cfg(not(unix))]
        let _ = name;
    }

    /// Deletes daily files dated more than the retention before `today`.
    fn prune(&self, today: NaiveDate) {
        let oldest_kept = today - Duration::days(i64::from(self.retention_days.max(1)) - 1);
        let Ok(entries) = std::fs::read_dir(&self.dir) else { return };
        for e in entries.flatten() {
            let name = e.file_name().to_string_lossy().into_owned();
            let day = name
                .strip_prefix("invoicepilot-")
                .and_then(|s| s.strip_suffix(".log"))
                .and_then(|d| NaiveDate::parse_from_str(d, "%Y-%m-%d").ok());
            if let Some(day) = day
                && day < oldest_kept
            {
                let _ = std::fs::remove_file(e.path());
            }
        }
    }
}

impl Write for DailyLog {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.with_file(|f| f.write_all(buf).map(|_| buf.len()))
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.with_file(|f| f.flush())
    }
}

impl<'a> tracing_subscriber::fmt::MakeWriter<'a> for DailyLog {
    type Writer = LineWriter;

    fn make_writer(&'a self) -> LineWriter {
        LineWriter { log: self.clone(), buf: Vec::new() }
    }
}

/// Buffers one event and writes it with a single call, so lines of several processes
/// never interleave.
pub struct LineWriter {
    log: DailyLog,
    buf: Vec<u8>,
}

impl Write for LineWriter {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.buf.extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        if !self.buf.is_empty() {
            let buf = std::mem::take(&mut self.buf);
            self.log.with_file(|f| f.write_all(&buf))?;
        }
        Ok(())
    }
}

impl Drop for LineWriter {
    fn drop(&mut self) {
        let _ = self.flush();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use invoicepilot_app::clock::FixedClock;

    fn temp(name: &str) -> PathBuf {
        let d = std::env::temp_dir().join(format!("invoicepilot-logs-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&d);
        d
    }

    #[test]
    fn rotates_at_local_midnight_and_links_the_current_file() {
        let dir = temp("rotate");
        // 14:59:59 UTC is 23:59:59 in Tokyo.
        let clock = Arc::new(FixedClock::new("2026-12-03T14:59:59Z".parse().unwrap()));
        let log = DailyLog::new(&dir, clock.clone(), chrono_tz::Asia::Tokyo, 90).unwrap();
        let mut w = tracing_subscriber::fmt::MakeWriter::make_writer(&log);
        w.write_all(b"before midnight\n").unwrap();
        drop(w);
        clock.advance(std::time::Duration::from_secs(1));
        let mut w = tracing_subscriber::fmt::MakeWriter::make_writer(&log);
        w.write_all(b"after midnight\n").unwrap();
        drop(w);
        let day3 = std::fs::read_to_string(dir.join("invoicepilot-2026-12-03.log")).unwrap();
        let day4 = std::fs::read_to_string(dir.join("invoicepilot-2026-12-04.log")).unwrap();
        assert_eq!(day3, "before midnight\n");
        assert_eq!(day4, "after midnight\n");
        assert_eq!(std::fs::read_to_string(dir.join(CURRENT)).unwrap(), day4, "the link follows the day");
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn files_older_than_the_retention_are_deleted() {
        let dir = temp("retention");
        std::fs::create_dir_all(&dir).unwrap();
        for d in ["2026-09-01", "2026-09-05", "2026-09-06", "2026-12-01"] {
            std::fs::write(dir.join(format!("invoicepilot-{d}.log")), "old\n").unwrap();
        }
        std::fs::write(dir.join("unrelated.log"), "keep\n").unwrap();
        // 2026-12-04 minus 90 days kept (12-04 counted): the oldest kept day is 2026-09-06.
        let clock = Arc::new(FixedClock::new("2026-12-04T01:00:00Z".parse().unwrap()));
        let _log = DailyLog::new(&dir, clock, chrono_tz::Asia::Tokyo, 90).unwrap();
        let mut names: Vec<String> =
            std::fs::read_dir(&dir).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect();
        names.sort();
        assert_eq!(
            names,
            vec![
                "invoicepilot-2026-09-06.log",
                "invoicepilot-2026-12-01.log",
                "invoicepilot-2026-12-04.log",
                "invoicepilot.log",
                "unrelated.log"
            ]
        );
        let _ = std::fs::remove_dir_all(&dir);
    }
}
