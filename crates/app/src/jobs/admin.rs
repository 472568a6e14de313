//! What operators see and do with the queue: status (counts by state and type, oldest
//! pending age, throughput, workers), the failed list, retry, forget, and the restart signal
//! every worker on every host obeys.

use super::worker::RESTART_KEY;
use super::{PENDING, RUNNING};
use crate::App;
use crate::clock::{db_now, rfc3339};
use crate::error::AppError;
use crate::sql::stmt;
use chrono::Duration;
use invoicepilot_store::entity::{app_setting, failed_job, job, job_run, worker};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder, QuerySelect,
    sea_query::OnConflict,
};
use serde::Serialize;
use serde_json::Value;
use std::collections::BTreeMap;

/// Counts of one job type.
#[derive(Debug, Clone, Default, Serialize, PartialEq, Eq)]
pub struct TypeCounts {
    /// Waiting (due or later).
    pub pending: u64,
    /// Claimed by a worker.
    pub running: u64,
    /// In `failed_jobs`.
    pub failed: u64,
}

/// The queue at a glance.
#[derive(Debug, Clone, Serialize)]
pub struct QueueStatus {
    /// Waiting jobs.
    pub pending: u64,
    /// Jobs a worker holds.
    pub running: u64,
    /// Failed jobs.
    pub failed: u64,
    /// Per job type.
    pub by_type: BTreeMap<String, TypeCounts>,
    /// Seconds the oldest due job has waited (0 when none).
    pub oldest_pending_secs: i64,
    /// Attempts finished in the last minute and the last hour.
    pub done_last_minute: u64,
    /// Attempts finished in the last hour.
    pub done_last_hour: u64,
    /// Of those, the failed and retried ones in the last hour.
    pub errors_last_hour: u64,
    /// Workers seen in the last 30 seconds.
    pub workers: Vec<String>,
}

/// `queue status`, optionally for one company's jobs only.
pub async fn status(app: &App, company_id: Option<i64>) -> Result<QueueStatus, AppError> {
    let conn = app.db.conn();
    let now = db_now(app.clock.as_ref());
    let mut jobs = job::Entity::find();
    let mut failed = failed_job::Entity::find();
    if let Some(c) = company_id {
        jobs = jobs.filter(job::Column::CompanyId.eq(c));
        failed = failed.filter(failed_job::Column::CompanyId.eq(c));
    }
    let rows: Vec<(String, String, i64)> = jobs
        .clone()
        .select_only()
        .column(job::Column::JobType)
        .column(job::Column::State)
        .column_as(job::Column::Id.count(), "n")
        .group_by(job::Column::JobType)
        .group_by(job::Column::State)
        .into_tuple()
        .all(conn)
        .await?;
    let failed_rows: Vec<(String, i64)> = failed
        .select_only()
        .column(failed_job::Column::JobType)
        .column_as(failed_job::Column::Id.count(), "n")
        .group_by(failed_job::Column::JobType)
        .into_tuple()
        .all(conn)
        .await?;
    let mut by_type: BTreeMap<String, TypeCounts> = BTreeMap::new();
    for (t, state, n) in rows {
        let e = by_type.entry(t).or_default();
        if state == RUNNING {
            e.running += n as u64;
        } else {
            e.pending += n as u64;
        }
    }
    for (t, n) in failed_rows {
        by_type.entry(t).or_default().failed += n as u64;
    }
    let oldest = jobs
        .filter(job::Column::State.eq(PENDING))
        .filter(job::Column::AvailableAt.lte(now))
        .order_by_asc(job::Column::AvailableAt)
        .one(conn)
        .await?
        .map(|j| (now - j.available_at).num_seconds().max(0))
        .unwrap_or(0);
    let runs = |since: chrono::NaiveDateTime| job_run::Entity::find().filter(job_run::Column::FinishedAt.gte(since));
    let done_last_minute = runs(now - Duration::minutes(1)).count(conn).await?;
    let done_last_hour = runs(now - Duration::hours(1)).count(conn).await?;
    let errors_last_hour =
        runs(now - Duration::hours(1)).filter(job_run::Column::Outcome.is_in(["failed", "retry"])).count(conn).await?;
    let workers = worker::Entity::find()
        .filter(worker::Column::LastSeenAt.gte(now - Duration::seconds(30)))
        .order_by_asc(worker::Column::Id)
        .all(conn)
        .await?
        .into_iter()
        .map(|w| w.id)
        .collect();
    Ok(QueueStatus {
        pending: by_type.values().map(|c| c.pending).sum(),
        running: by_type.values().map(|c| c.running).sum(),
        failed: by_type.values().map(|c| c.failed).sum(),
        by_type,
        oldest_pending_secs: oldest,
        done_last_minute,
        done_last_hour,
        errors_last_hour,
        workers,
    })
}

/// A failed job as `queue failed` prints it.
#[derive(Debug, Clone, Serialize)]
pub struct FailedJob {
    /// Row id in `failed_jobs` (what `retry` and `forget` take).
    pub id: i64,
    /// Handler name.
    pub job_type: String,
    /// Company.
    pub company_id: Option<i64>,
    /// When it failed (RFC 3339).
    pub failed_at: String,
    /// Attempts made.
    pub attempts: i32,
    /// The last error.
    pub last_error: String,
    /// Every error, oldest first.
    pub errors: Vec<Value>,
}

fn failed_view(f: failed_job::Model) -> FailedJob {
    let errors: Vec<Value> = serde_json::from_str(&f.errors).unwrap_or_default();
    FailedJob {
        id: f.id,
        job_type: f.job_type,
        company_id: f.company_id,
        failed_at: rfc3339(f.failed_at),
        attempts: f.attempts,
        last_error: errors.last().and_then(|e| e["error"].as_str()).unwrap_or_default().to_owned(),
        errors,
    }
}

/// `queue failed`: newest first, optionally one company's.
pub async fn failed(app: &App, company_id: Option<i64>, limit: u64) -> Result<Vec<FailedJob>, AppError> {
    let mut q = failed_job::Entity::find();
    if let Some(c) = company_id {
        q = q.filter(failed_job::Column::CompanyId.eq(c));
    }
    let rows = q.order_by_desc(failed_job::Column::Id).limit(limit).all(app.db.conn()).await?;
    Ok(rows.into_iter().map(failed_view).collect())
}

/// Which failed jobs to act on.
#[derive(Debug, Clone, Copy)]
pub enum Selection {
    /// Every failed job (of the company, when given).
    All,
    /// One by its `failed_jobs` id.
    One(i64),
}

/// `queue retry all|ID`: back into the queue, due now, attempts reset, history kept.
/// Returns how many were requeued.
pub async fn retry(app: &App, which: Selection, company_id: Option<i64>) -> Result<u64, AppError> {
    let now = db_now(app.clock.as_ref());
    let mut q = failed_job::Entity::find();
    if let Selection::One(id) = which {
        q = q.filter(failed_job::Column::Id.eq(id));
    }
    if let Some(c) = company_id {
        q = q.filter(failed_job::Column::CompanyId.eq(c));
    }
    let rows = q.order_by_asc(failed_job::Column::Id).all(app.db.conn()).await?;
    if rows.is_empty() {
        return match which {
            Selection::One(_) => Err(AppError::NotFound("failed job")),
            Selection::All => Ok(0),
        };
    }
    let tx = app.db.begin_write().await?;
    let b = tx.get_database_backend();
    for f in &rows {
        tx.execute_raw(stmt(
            b,
            "INSERT INTO jobs (queue, job_type, company_id, payload, state, attempts, max_attempts, available_at, \
             reserved_by, reserved_until, errors, created_at) VALUES (?, ?, ?, ?, 'pending', 0, 0, ?, NULL, NULL, ?, ?)",
            vec![
                f.queue.clone().into(),
                f.job_type.clone().into(),
                f.company_id.into(),
                f.payload.clone().into(),
                now.into(),
                f.errors.clone().into(),
                now.into(),
            ],
        ))
        .await?;
        failed_job::Entity::delete_by_id(f.id).exec(&*tx).await?;
    }
    tx.commit().await?;
    Ok(rows.len() as u64)
}

/// `queue forget ID`: deletes a failed job.
pub async fn forget(app: &App, id: i64, company_id: Option<i64>) -> Result<(), AppError> {
    let mut q = failed_job::Entity::delete_many().filter(failed_job::Column::Id.eq(id));
    if let Some(c) = company_id {
        q = q.filter(failed_job::Column::CompanyId.eq(c));
    }
    let tx = app.db.begin_write().await?;
    let res = q.exec(&*tx).await?;
    tx.commit().await?;
    if res.rows_affected == 0 { Err(AppError::NotFound("failed job")) } else { Ok(()) }
}

/// `queue restart`: every worker on every host finishes its current job and exits.
pub async fn request_restart(app: &App) -> Result<String, AppError> {
    let at = rfc3339(db_now(app.clock.as_ref()));
    let tx = app.db.begin_write().await?;
    app_setting::Entity::insert(app_setting::ActiveModel { name: Set(RESTART_KEY.into()), value: Set(at.clone()) })
        .on_conflict(OnConflict::column(app_setting::Column::Name).update_column(app_setting::Column::Value).to_owned())
        .exec_without_returning(&*tx)
        .await?;
    tx.commit().await?;
    Ok(at)
}

/// Forgets throughput records older than a day.
pub async fn prune_runs(app: &App) -> Result<(), AppError> {
    let cutoff = db_now(app.clock.as_ref()) - Duration::days(1);
    let tx = app.db.begin_write().await?;
    job_run::Entity::delete_many().filter(job_run::Column::FinishedAt.lt(cutoff)).exec(&*tx).await?;
    tx.commit().await?;
    Ok(())
}
