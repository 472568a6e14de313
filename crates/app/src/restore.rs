//! `invoicepilot restore FILE`: verify everything first; maintenance mode on; a safety
//! backup of the current data; replace every backed-up table inside one write transaction
//! of the open database (so a failure midway changes nothing, and running instances see the
//! restored data the moment it commits); keep every number counter at the higher of the two
//! values with the skipped range audited; check; maintenance mode off. If the check fails,
//! the safety backup is put back.

use crate::App;
use crate::audit::{self, AuditEntry};
use crate::backup::{self, Progress};
use crate::check::{self, CheckReport};
use crate::context::Ctx;
use crate::error::AppError;
use crate::maintenance;
use crate::sql::stmt;
use invoicepilot_store::backup::{BACKED_UP, Manifest, Reader};
use invoicepilot_store::entity::{company, invoice, number_counter};
use invoicepilot_store::migration::{Migrator, MigratorTrait};
use invoicepilot_store::{Backend, WriteTx};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QuerySelect};
use serde::Serialize;
use serde_json::json;
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// Rows per INSERT (within every engine's limit on bound values for the widest table).
const INSERT_BATCH: usize = 400;

/// A counter kept above the backup's value, so no number is issued twice.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct KeptCounter {
    /// Company.
    pub company_id: i64,
    /// Series.
    pub series: String,
    /// Period.
    pub period: String,
    /// The backup's next number.
    pub backup_next: i64,
    /// The next number kept (the replaced database's).
    pub kept_next: i64,
}

/// What a restore did.
#[derive(Debug, Serialize)]
pub struct RestoreReport {
    /// The safety backup of the replaced data.
    pub safety_backup: PathBuf,
    /// Rows restored.
    pub rows: u64,
    /// Counters kept above the backup.
    pub kept_counters: Vec<KeptCounter>,
    /// `company:number` of invoices that existed before and are not in the backup (they
    /// remain in the safety backup).
    pub missing_invoices: Vec<String>,
    /// The integrity check after the restore.
    pub check: CheckReport,
}

/// The backup's schema must be this binary's or an earlier stage of it.
fn check_schema(m: &Manifest) -> Result<(), AppError> {
    let ours: Vec<String> = Migrator::migrations().iter().map(|m| m.name().to_owned()).collect();
    if m.schema.len() > ours.len() || ours[..m.schema.len()] != m.schema[..] {
        return Err(AppError::Conflict(format!(
            "the backup was written by a newer InvoicePilot (schema {}); upgrade this binary first; nothing was changed",
            m.schema.last().map(String::as_str).unwrap_or("?")
        )));
    }
    Ok(())
}

/// The counters and issued numbers before the restore.
struct Before {
    counters: Vec<(i64, String, String, i64)>,
    numbers: BTreeSet<(i64, String)>,
}

async fn before(app: &App) -> Result<Before, AppError> {
    let conn = app.db.conn();
    let counters = number_counter::Entity::find()
        .all(conn)
        .await?
        .into_iter()
        .map(|c| (c.company_id, c.series, c.period, c.next_value))
        .collect();
    let numbers = numbers(conn).await?;
    Ok(Before { counters, numbers })
}

async fn numbers<C: ConnectionTrait>(conn: &C) -> Result<BTreeSet<(i64, String)>, AppError> {
    let rows: Vec<(i64, Option<String>)> = invoice::Entity::find()
        .select_only()
        .columns([invoice::Column::CompanyId, invoice::Column::Number])
        .filter(invoice::Column::Number.is_not_null())
        .into_tuple()
        .all(conn)
        .await?;
    Ok(rows.into_iter().filter_map(|(c, n)| n.map(|n| (c, n))).collect())
}

/// Replaces every backed-up table with the file's rows in one transaction.
async fn load(
    app: &App,
    reader: Reader,
    before: Option<&Before>,
    source: &str,
) -> Result<(u64, Vec<KeptCounter>), AppError> {
    let tx = app.db.begin_write().await?;
    for t in BACKED_UP.iter().rev() {
        t.wipe(&tx).await?;
    }
    let mut rows = 0u64;
    let mut batches = reader.batches(INSERT_BATCH);
    while let Some(batch) = batches.recv().await {
        let (table, chunk) = batch.map_err(AppError::Internal)?;
        let t = BACKED_UP
            .iter()
            .find(|t| t.name() == table)
            .ok_or_else(|| AppError::Internal(format!("unknown table {table} in the backup")))?;
        rows += chunk.len() as u64;
        t.load(&tx, chunk).await?;
    }
    if app.db.backend() == Backend::Postgres {
        reset_sequences(&tx).await?;
    }
    let kept = match before {
        Some(b) => keep_counters(app, &tx, b).await?,
        None => vec![],
    };
    for c in company::Entity::find().all(&*tx).await? {
        audit::append(
            app,
            &tx,
            &Ctx::system(c.id),
            AuditEntry {
                action: "backup.restored",
                target_type: "company",
                target_id: Some(c.id),
                changes: json!({"after": {"from": source, "rows": rows}}),
            },
        )
        .await?;
    }
    tx.commit().await?;
    Ok((rows, kept))
}

/// PostgreSQL sequences continue after the highest restored id (never below where they were).
async fn reset_sequences(tx: &WriteTx) -> Result<(), AppError> {
    let b = tx.get_database_backend();
    for t in BACKED_UP {
        let seq = tx
            .query_one_raw(stmt(
                b,
                "SELECT pg_get_serial_sequence(table_name, column_name) AS seq FROM information_schema.columns \
                 WHERE table_schema = current_schema() AND table_name = ? AND column_name = 'id'",
                vec![t.name().into()],
            ))
            .await?
            .and_then(|r| r.try_get::<Option<String>>("", "seq").ok().flatten());
        if let Some(seq) = seq {
            let sql = format!(
                "SELECT setval('{seq}', GREATEST(COALESCE((SELECT MAX(id) FROM {}), 0), (SELECT last_value FROM {seq}), 1))",
                t.name()
            );
            tx.execute_unprepared(&sql).await?;
        }
    }
    Ok(())
}

/// Raises each restored counter to the replaced database's value when that was higher, and
/// records the skipped range the way `numbering set-next` does, so `check` explains the gap.
async fn keep_counters(app: &App, tx: &WriteTx, before: &Before) -> Result<Vec<KeptCounter>, AppError> {
    let b = tx.get_database_backend();
    let mut kept = Vec::new();
    let companies: BTreeSet<i64> = company::Entity::find().all(&**tx).await?.into_iter().map(|c| c.id).collect();
    for (company_id, series, period, next) in &before.counters {
        if !companies.contains(company_id) {
            continue;
        }
        let restored = number_counter::Entity::find()
            .filter(number_counter::Column::CompanyId.eq(*company_id))
            .filter(number_counter::Column::Series.eq(series))
            .filter(number_counter::Column::Period.eq(period))
            .one(&**tx)
            .await?;
        let backup_next = restored.as_ref().map(|c| c.next_value).unwrap_or(1);
        if backup_next >= *next {
            continue;
        }
        let now = crate::clock::db_now(app.clock.as_ref());
        let sql = if restored.is_some() {
            "UPDATE number_counters SET next_value = ?, updated_at = ? WHERE company_id = ? AND series = ? AND period = ?"
        } else {
            "INSERT INTO number_counters (next_value, updated_at, company_id, series, period) VALUES (?, ?, ?, ?, ?)"
        };
        tx.execute_raw(stmt(
            b,
            sql,
            vec![(*next).into(), now.into(), (*company_id).into(), series.clone().into(), period.clone().into()],
        ))
        .await?;
        audit::append(
            app,
            tx,
            &Ctx::system(*company_id),
            AuditEntry {
                action: "numbering.restore_kept",
                target_type: "number_counter",
                target_id: None,
                changes: json!({"series": series, "period": period, "before": {"next": backup_next}, "after": {"next": next},
                                "reason": "numbers issued after the backup stay used"}),
            },
        )
        .await?;
        kept.push(KeptCounter {
            company_id: *company_id,
            series: series.clone(),
            period: period.clone(),
            backup_next,
            kept_next: *next,
        });
    }
    Ok(kept)
}

/// Restores `file` into the running database (see the module documentation).
pub async fn restore(
    app: &App,
    file: &Path,
    backups_dir: &Path,
    progress: &dyn Progress,
) -> Result<RestoreReport, AppError> {
    let reader = Reader::open_verified(file).map_err(|e| AppError::Conflict(format!("{e}; nothing was changed")))?;
    check_schema(&reader.manifest)?;
    let was_down = maintenance::current(app).await?;
    if was_down.is_none() {
        maintenance::down(app, 60, Some("データを復元しています。しばらくお待ちください。".into()), None).await?;
    }
    let result = restore_under_maintenance(app, reader, file, backups_dir, progress).await;
    if was_down.is_none()
        && let Err(e) = maintenance::up(app).await
    {
        tracing::error!(error = %e, "maintenance mode could not be turned off after the restore");
    }
    result
}

async fn restore_under_maintenance(
    app: &App,
    reader: Reader,
    file: &Path,
    backups_dir: &Path,
    progress: &dyn Progress,
) -> Result<RestoreReport, AppError> {
    let safety = backup::take(app, backups_dir, "pre-restore", progress).await?;
    let before = before(app).await?;
    let source = file.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let (rows, kept_counters) = load(app, reader, Some(&before), &source).await.map_err(|e| {
        AppError::Internal(format!("the restore failed and was rolled back; the database is unchanged ({e})"))
    })?;
    let report = check::run(app).await?;
    if !report.violations.is_empty() {
        let n = report.violations.len();
        let back = Reader::open_verified(&safety.path)?;
        let name = safety.path.display().to_string();
        load(app, back, None, &name).await?;
        return Err(AppError::Conflict(format!(
            "the restored data failed the integrity check ({n} violations); the previous data was put back from {name}"
        )));
    }
    let after = numbers(app.db.conn()).await?;
    let missing_invoices: Vec<String> = before.numbers.difference(&after).map(|(c, n)| format!("{c}:{n}")).collect();
    let mut by_company: BTreeMap<i64, usize> = BTreeMap::new();
    for (c, _) in before.numbers.difference(&after) {
        *by_company.entry(*c).or_default() += 1;
    }
    for (c, n) in by_company {
        tracing::warn!(
            company = c,
            count = n,
            "invoices issued after the backup are not in it (kept in the safety backup)"
        );
    }
    Ok(RestoreReport { safety_backup: safety.path, rows, kept_counters, missing_invoices, check: report })
}
