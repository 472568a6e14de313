//! Claiming and finishing jobs. A claim is one short write transaction: `UPDATE … RETURNING`
//! on SQLite (the write lock makes it atomic), `SELECT … FOR UPDATE SKIP LOCKED` then
//! `UPDATE` on PostgreSQL and MySQL. Every later write is fenced by (id, attempts, worker):
//! after a lease expired and another worker re-claimed the job, the first worker's writes
//! change nothing.

use super::{Job, PENDING, RUNNING};
use crate::App;
use crate::clock::{db_now, rfc3339};
use crate::error::AppError;
use crate::sql::stmt;
use chrono::NaiveDateTime;
use invoicepilot_store::Backend;
use sea_orm::{ConnectionTrait, DbBackend, QueryResult};
use serde_json::{Value, json};
use std::time::Duration;

/// A job this worker holds under a lease.
#[derive(Debug, Clone)]
pub struct ClaimedJob {
    /// Row id.
    pub id: i64,
    /// Queue.
    pub queue: String,
    /// Handler name.
    pub job_type: String,
    /// The company it concerns.
    pub company_id: Option<i64>,
    /// Arguments.
    pub payload: Value,
    /// This attempt's number (1 for the first).
    pub attempts: i32,
    /// Attempts allowed by the job type (0: the worker's `--tries`).
    pub max_attempts: i32,
    /// Earlier errors, oldest first.
    pub errors: Vec<Value>,
    /// When it was enqueued.
    pub created_at: NaiveDateTime,
    /// The worker holding it (fences every write).
    pub worker: String,
}

fn chrono_dt(d: Duration) -> chrono::Duration {
    chrono::Duration::from_std(d).unwrap_or(chrono::Duration::MAX)
}

const COLUMNS: &str = "id, queue, job_type, company_id, payload, state, attempts, max_attempts, errors, created_at";

fn read(row: &QueryResult, worker: &str) -> Result<ClaimedJob, AppError> {
    let payload: String = row.try_get("", "payload")?;
    let errors: String = row.try_get("", "errors")?;
    Ok(ClaimedJob {
        id: row.try_get("", "id")?,
        queue: row.try_get("", "queue")?,
        job_type: row.try_get("", "job_type")?,
        company_id: row.try_get("", "company_id")?,
        payload: serde_json::from_str(&payload).unwrap_or(Value::Null),
        attempts: row.try_get("", "attempts")?,
        max_attempts: row.try_get("", "max_attempts")?,
        errors: serde_json::from_str(&errors).unwrap_or_default(),
        created_at: row.try_get("", "created_at")?,
        worker: worker.to_owned(),
    })
}

/// An entry of a job's error history.
pub(crate) fn error_entry(attempt: i32, at: NaiveDateTime, worker: &str, error: &str) -> Value {
    json!({"attempt": attempt, "at": rfc3339(at), "worker": worker, "error": error})
}

const LOST: &str = "lease expired: the worker stopped before finishing this attempt";

/// Claims the next due job of `queue` (or one whose lease expired) for `worker` until
/// now + `lease`. The attempt counter goes up at claim, so an attempt that never reported
/// back still counts.
pub async fn claim(app: &App, queue: &str, worker: &str, lease: Duration) -> Result<Option<ClaimedJob>, AppError> {
    Ok(claim_many(app, queue, worker, lease, 1).await?.pop())
}

/// Claims up to `n` due jobs in one transaction (one commit for several idle slots), in
/// queue order.
pub async fn claim_many(
    app: &App,
    queue: &str,
    worker: &str,
    lease: Duration,
    n: usize,
) -> Result<Vec<ClaimedJob>, AppError> {
    let now = db_now(app.clock.as_ref());
    let until = now + chrono_dt(lease);
    let limit = n.clamp(1, 1000) as i64;
    let tx = app.db.begin_write().await?;
    let b = tx.get_database_backend();
    let due = "queue = ? AND ((state = 'pending' AND available_at <= ?) OR (state = 'running' AND reserved_until < ?))";
    let mut jobs = Vec::new();
    match app.db.backend() {
        Backend::Sqlite => {
            // An expired lease leaves a note in the history, written by SQLite's JSON functions
            // in the same statement.
            let sql = format!(
                "UPDATE jobs SET state = 'running', attempts = attempts + 1, reserved_by = ?, reserved_until = ?, \
                 errors = CASE WHEN state = 'running' THEN json_insert(errors, '$[#]', \
                   json_object('attempt', attempts, 'at', ?, 'worker', reserved_by, 'error', ?)) ELSE errors END \
                 WHERE id IN (SELECT id FROM jobs WHERE {due} ORDER BY available_at, id LIMIT ?) RETURNING {COLUMNS}"
            );
            let values = vec![
                worker.into(),
                until.into(),
                rfc3339(now).into(),
                LOST.into(),
                queue.into(),
                now.into(),
                now.into(),
                limit.into(),
            ];
            for row in tx.query_all_raw(stmt(b, &sql, values)).await? {
                jobs.push(read(&row, worker)?);
            }
            // RETURNING gives no order; every job of the batch is due, so id order will do.
            jobs.sort_by_key(|j| j.id);
        }
        Backend::Postgres | Backend::MySql => {
            let sql = format!(
                "SELECT {COLUMNS}, reserved_by FROM jobs WHERE {due} ORDER BY available_at, id LIMIT ? FOR UPDATE SKIP LOCKED"
            );
            let found =
                tx.query_all_raw(stmt(b, &sql, vec![queue.into(), now.into(), now.into(), limit.into()])).await?;
            for row in found {
                let mut job = read(&row, worker)?;
                let state: String = row.try_get("", "state")?;
                if state == RUNNING {
                    let was: Option<String> = row.try_get("", "reserved_by")?;
                    job.errors.push(error_entry(job.attempts, now, was.as_deref().unwrap_or("?"), LOST));
                }
                job.attempts += 1;
                tx.execute_raw(stmt(
                    b,
                    "UPDATE jobs SET state = 'running', attempts = ?, reserved_by = ?, reserved_until = ?, errors = ? \
                     WHERE id = ?",
                    vec![
                        job.attempts.into(),
                        worker.into(),
                        until.into(),
                        Value::Array(job.errors.clone()).to_string().into(),
                        job.id.into(),
                    ],
                ))
                .await?;
                jobs.push(job);
            }
        }
    }
    tx.commit().await?;
    Ok(jobs)
}

fn fence(b: DbBackend, sql: &str, job: &ClaimedJob, mut values: Vec<sea_orm::Value>) -> sea_orm::Statement {
    values.extend([job.id.into(), job.attempts.into(), job.worker.clone().into()]);
    stmt(b, &format!("{sql} WHERE id = ? AND attempts = ? AND reserved_by = ? AND state = 'running'"), values)
}

/// Finishes a successful attempt (deletes the job); false when the lease was lost.
pub async fn complete(app: &App, job: &ClaimedJob) -> Result<bool, AppError> {
    complete_with(app, job, None, 0).await
}

/// Finishes a successful attempt in one transaction: the handler's own writes
/// ([`Job::on_done`]), the fenced delete of the job and its run record; false when the
/// lease was lost (the handler's writes are kept: the work was done).
pub(crate) async fn complete_with(
    app: &App,
    job: &ClaimedJob,
    handler: Option<&dyn Job>,
    millis: u128,
) -> Result<bool, AppError> {
    let tx = app.db.begin_write().await?;
    let b = tx.get_database_backend();
    if let Some(h) = handler {
        h.on_done(app, job, &tx).await?;
    }
    let res = tx.execute_raw(fence(b, "DELETE FROM jobs", job, vec![])).await?;
    let done = res.rows_affected() == 1;
    insert_run(app, &*tx, &job.job_type, if done { "ok" } else { "lost" }, millis).await?;
    tx.commit().await?;
    Ok(done)
}

/// Extends the lease of a running job; false when it was lost.
pub async fn heartbeat(app: &App, job: &ClaimedJob, lease: Duration) -> Result<bool, AppError> {
    let until = db_now(app.clock.as_ref()) + chrono_dt(lease);
    let tx = app.db.begin_write().await?;
    let b = tx.get_database_backend();
    let res = tx.execute_raw(fence(b, "UPDATE jobs SET reserved_until = ?", job, vec![until.into()])).await?;
    tx.commit().await?;
    Ok(res.rows_affected() == 1)
}

/// Puts a failed attempt back for a retry after `delay`, its error appended; false when
/// the lease was lost.
pub async fn reschedule(app: &App, job: &ClaimedJob, error: &str, delay: Duration) -> Result<bool, AppError> {
    if app.failpoints.hit("jobs.reschedule") {
        return Err(AppError::Internal("failpoint jobs.reschedule".into()));
    }
    let now = db_now(app.clock.as_ref());
    let mut errors = job.errors.clone();
    errors.push(error_entry(job.attempts, now, &job.worker, error));
    let tx = app.db.begin_write().await?;
    let b = tx.get_database_backend();
    let sql = format!(
        "UPDATE jobs SET state = '{PENDING}', available_at = ?, reserved_by = NULL, reserved_until = NULL, errors = ?"
    );
    let values = vec![(now + chrono_dt(delay)).into(), Value::Array(errors).to_string().into()];
    let res = tx.execute_raw(fence(b, &sql, job, values)).await?;
    tx.commit().await?;
    Ok(res.rows_affected() == 1)
}

/// Gives an interrupted attempt back without counting it (shutdown grace exceeded).
pub async fn release(app: &App, job: &ClaimedJob) -> Result<bool, AppError> {
    let now = db_now(app.clock.as_ref());
    let tx = app.db.begin_write().await?;
    let b = tx.get_database_backend();
    let sql = format!(
        "UPDATE jobs SET state = '{PENDING}', available_at = ?, attempts = attempts - 1, reserved_by = NULL, reserved_until = NULL"
    );
    let res = tx.execute_raw(fence(b, &sql, job, vec![now.into()])).await?;
    tx.commit().await?;
    Ok(res.rows_affected() == 1)
}

/// Moves a job to `failed_jobs` with its whole history; false when the lease was lost.
pub async fn fail(app: &App, job: &ClaimedJob, error: &str) -> Result<bool, AppError> {
    let now = db_now(app.clock.as_ref());
    let mut errors = job.errors.clone();
    errors.push(error_entry(job.attempts, now, &job.worker, error));
    let tx = app.db.begin_write().await?;
    let b = tx.get_database_backend();
    let res = tx.execute_raw(fence(b, "DELETE FROM jobs", job, vec![])).await?;
    if res.rows_affected() != 1 {
        return Ok(false);
    }
    tx.execute_raw(stmt(
        b,
        "INSERT INTO failed_jobs (job_id, queue, job_type, company_id, payload, attempts, errors, created_at, failed_at) \
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        vec![
            job.id.into(),
            job.queue.clone().into(),
            job.job_type.clone().into(),
            job.company_id.into(),
            job.payload.to_string().into(),
            job.attempts.into(),
            Value::Array(errors).to_string().into(),
            job.created_at.into(),
            now.into(),
        ],
    ))
    .await?;
    tx.commit().await?;
    Ok(true)
}

/// Records a finished attempt for the throughput figures.
pub(crate) async fn record_run(app: &App, job_type: &str, outcome: &str, millis: u128) -> Result<(), AppError> {
    let tx = app.db.begin_write().await?;
    insert_run(app, &*tx, job_type, outcome, millis).await?;
    tx.commit().await?;
    Ok(())
}

async fn insert_run<C: ConnectionTrait>(
    app: &App,
    conn: &C,
    job_type: &str,
    outcome: &str,
    millis: u128,
) -> Result<(), AppError> {
    let now = db_now(app.clock.as_ref());
    conn.execute_raw(stmt(
        conn.get_database_backend(),
        "INSERT INTO job_runs (job_type, outcome, millis, finished_at) VALUES (?, ?, ?, ?)",
        vec![job_type.into(), outcome.into(), (millis.min(i32::MAX as u128) as i32).into(), now.into()],
    ))
    .await?;
    Ok(())
}
