//! `invoicepilot backup`: a consistent snapshot of every backed-up table, taken inside one
//! read transaction while the application keeps serving (repeatable read on PostgreSQL and
//! MySQL, a WAL read transaction on SQLite), written in the portable format of
//! `store::backup`. Retention keeps the newest backup per day and per week.

use crate::App;
use crate::clock::rfc3339;
use crate::error::AppError;
use chrono::{Datelike, NaiveDate, NaiveDateTime};
use invoicepilot_store::backup::{BACKED_UP, BackupError, Manifest, Writer, present_columns};
use sea_orm::{AccessMode, ConnectionTrait, IsolationLevel, TransactionTrait};
use std::path::{Path, PathBuf};

/// The extension of backup files.
pub const EXTENSION: &str = "ipbk";

impl From<BackupError> for AppError {
    fn from(e: BackupError) -> Self {
        match e {
            BackupError::Db(d) => AppError::Db(d),
            other => AppError::Internal(other.to_string()),
        }
    }
}

/// A finished backup.
#[derive(Debug, Clone)]
pub struct BackupDone {
    /// The file.
    pub path: PathBuf,
    /// What it holds.
    pub manifest: Manifest,
    /// Its size in bytes.
    pub bytes: u64,
}

/// Progress of a running backup or restore, for a progress bar.
pub trait Progress: Send + Sync {
    /// `table` is being processed; `done` of `total` tables finished.
    fn table(&self, table: &str, done: usize, total: usize);
}

/// No progress output (cron, tests).
pub struct Quiet;

impl Progress for Quiet {
    fn table(&self, _: &str, _: usize, _: usize) {}
}

/// The migrations applied to the database, in order.
pub async fn applied_schema<C: ConnectionTrait>(conn: &C) -> Result<Vec<String>, AppError> {
    let b = conn.get_database_backend();
    let rows = conn
        .query_all_raw(crate::sql::stmt(b, "SELECT version FROM seaql_migrations ORDER BY version", vec![]))
        .await?;
    rows.iter().map(|r| r.try_get::<String>("", "version").map_err(AppError::from)).collect()
}

/// `prefix_YYYY-MM-DD_HH-MM-SS.ipbk` in `dir` for the local time `at`, not yet taken.
fn file_name(dir: &Path, prefix: &str, at: NaiveDateTime) -> PathBuf {
    let base = format!("{prefix}_{}", at.format("%Y-%m-%d_%H-%M-%S"));
    let mut path = dir.join(format!("{base}.{EXTENSION}"));
    let mut n = 2;
    while path.exists() {
        path = dir.join(format!("{base}-{n}.{EXTENSION}"));
        n += 1;
    }
    path
}

/// The local time backups are named by: the first company's zone (Asia/Tokyo by default).
async fn local_now(app: &App) -> NaiveDateTime {
    let tz = crate::company::list_all(app)
        .await
        .ok()
        .and_then(|c| c.first().map(|c| c.time_zone.clone()))
        .unwrap_or_else(|| "Asia/Tokyo".into());
    let tz: chrono_tz::Tz = tz.parse().unwrap_or(chrono_tz::Asia::Tokyo);
    app.clock.now().with_timezone(&tz).naive_local()
}

/// Takes a backup into `dir` named `prefix_…` (`backup`, `pre-restore`, `pre-migrate`).
pub async fn take(app: &App, dir: &Path, prefix: &str, progress: &dyn Progress) -> Result<BackupDone, AppError> {
    std::fs::create_dir_all(dir).map_err(|e| AppError::Internal(format!("backup folder {}: {e}", dir.display())))?;
    let path = file_name(dir, prefix, local_now(app).await);
    let scratch = dir.join(format!(".{}.parts", path.file_stem().unwrap_or_default().to_string_lossy()));
    let result = write(app, &path, &scratch, progress).await;
    if result.is_err() {
        let _ = std::fs::remove_dir_all(&scratch);
        let _ = std::fs::remove_file(path.with_extension("partial"));
    }
    let manifest = result?;
    let bytes = std::fs::metadata(&path).map(|m| m.len()).unwrap_or(0);
    Ok(BackupDone { path, manifest, bytes })
}

async fn write(app: &App, path: &Path, scratch: &Path, progress: &dyn Progress) -> Result<Manifest, AppError> {
    let io = |e: std::io::Error| AppError::Internal(format!("writing the backup: {e}"));
    let mut writer = Writer::new(scratch).map_err(io)?;
    let snapshot_at = rfc3339(crate::clock::db_now(app.clock.as_ref()));
    // One read transaction: every table as of the same moment.
    let tx = match app.db.backend() {
        // A WAL read transaction is a snapshot already; SQLite takes no isolation options.
        invoicepilot_store::Backend::Sqlite => app.db.conn().begin().await?,
        _ => app.db.conn().begin_with_config(Some(IsolationLevel::RepeatableRead), Some(AccessMode::ReadOnly)).await?,
    };
    let schema = applied_schema(&tx).await?;
    let present = present_columns(&tx).await?;
    for (i, t) in BACKED_UP.iter().enumerate() {
        progress.table(t.name(), i, BACKED_UP.len());
        let mut part = writer.part(t.name()).map_err(io)?;
        t.dump(&tx, &mut part, present.get(t.name())).await?;
        writer.close(part).map_err(io)?;
    }
    tx.commit().await?;
    progress.table("", BACKED_UP.len(), BACKED_UP.len());
    let backend = match app.db.backend() {
        invoicepilot_store::Backend::Sqlite => "sqlite",
        invoicepilot_store::Backend::Postgres => "postgres",
        invoicepilot_store::Backend::MySql => "mysql",
    };
    Ok(writer.finish(path, backend, schema, snapshot_at)?)
}

/// Which backups retention keeps: the newest of each of the last `daily` days that have
/// one, and the newest of each of the last `weekly` ISO weeks. `pre-*` safety backups are
/// never touched. Returns the files to delete.
pub fn to_prune(files: &[(PathBuf, NaiveDate, NaiveDateTime)], daily: usize, weekly: usize) -> Vec<PathBuf> {
    let mut sorted: Vec<&(PathBuf, NaiveDate, NaiveDateTime)> = files.iter().collect();
    sorted.sort_by_key(|f| std::cmp::Reverse(f.2));
    let mut keep = std::collections::HashSet::new();
    let mut days = Vec::new();
    let mut weeks = Vec::new();
    for (path, day, _) in &sorted {
        if !days.contains(day) && days.len() < daily {
            days.push(*day);
            keep.insert(path.clone());
        }
        let week = (day.iso_week().year(), day.iso_week().week());
        if !weeks.contains(&week) && weeks.len() < weekly {
            weeks.push(week);
            keep.insert(path.clone());
        }
    }
    sorted.into_iter().filter(|(p, _, _)| !keep.contains(p)).map(|(p, _, _)| p.clone()).collect()
}

/// Applies retention to `backup_*` files in `dir`; returns what was deleted.
pub fn prune(dir: &Path, daily: usize, weekly: usize) -> std::io::Result<Vec<PathBuf>> {
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir)? {
        let path = entry?.path();
        let Some(name) = path.file_name().and_then(|n| n.to_str()) else { continue };
        let Some(stamp) = name.strip_prefix("backup_").and_then(|s| s.get(..19)) else { continue };
        if !name.ends_with(&format!(".{EXTENSION}")) {
            continue;
        }
        if let Ok(at) = NaiveDateTime::parse_from_str(stamp, "%Y-%m-%d_%H-%M-%S") {
            files.push((path, at.date(), at));
        }
    }
    let doomed = to_prune(&files, daily, weekly);
    for p in &doomed {
        std::fs::remove_file(p)?;
    }
    Ok(doomed)
}

/// The scheduled backup.
pub const BACKUP_RUN: &str = "backup.run";

/// `backup.run`: a backup into `STORAGE_PATH/backups`, then retention.
pub struct BackupJob;

#[async_trait::async_trait]
impl crate::jobs::Job for BackupJob {
    fn job_type(&self) -> &'static str {
        BACKUP_RUN
    }

    fn policy(&self, _app: &App) -> Option<crate::jobs::RetryPolicy> {
        Some(crate::jobs::RetryPolicy {
            tries: 3,
            base: std::time::Duration::from_secs(300),
            cap: std::time::Duration::from_secs(1800),
        })
    }

    async fn run(&self, app: &App, _job: &crate::jobs::ClaimedJob) -> Result<(), crate::jobs::JobError> {
        let dir = app.config.backups_dir();
        let done = take(app, &dir, "backup", &Quiet).await?;
        tracing::info!(path = %done.path.display(), bytes = done.bytes, "backup written");
        let pruned = prune(&dir, app.config.backup_keep_daily, app.config.backup_keep_weekly)
            .map_err(|e| crate::jobs::JobError::Transient(format!("retention: {e}")))?;
        if !pruned.is_empty() {
            tracing::info!(count = pruned.len(), "old backups removed");
        }
        Ok(())
    }

    async fn on_failed(&self, app: &App, _job: &crate::jobs::ClaimedJob, error: &str) {
        crate::alerts::notify(app, &format!("The scheduled backup failed: {error}")).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn f(s: &str) -> (PathBuf, NaiveDate, NaiveDateTime) {
        let at = NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M").unwrap();
        (PathBuf::from(format!("backup_{s}")), at.date(), at)
    }

    #[test]
    fn retention_keeps_the_newest_per_day_and_per_week() {
        let files = vec![
            f("2026-12-04 03:00"),
            f("2026-12-04 12:00"),
            f("2026-12-03 03:00"),
            f("2026-12-02 03:00"),
            f("2026-11-25 03:00"),
            f("2026-11-24 03:00"),
            f("2026-11-10 03:00"),
            f("2026-10-01 03:00"),
        ];
        let doomed = to_prune(&files, 2, 3);
        let names: Vec<String> = doomed.iter().map(|p| p.display().to_string()).collect();
        // Kept: 12-04 12:00 and 12-03 (daily), weeks 49 (12-04), 48 (11-25), 46 (11-10).
        assert_eq!(
            names,
            vec![
                "backup_2026-12-04 03:00",
                "backup_2026-12-02 03:00",
                "backup_2026-11-24 03:00",
                "backup_2026-10-01 03:00"
            ]
        );
    }
}
