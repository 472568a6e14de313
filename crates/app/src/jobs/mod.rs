//! The job queue on the application database. A job is inserted in the transaction of the
//! change it belongs to (the outbox: a rolled-back change leaves no job), claimed by one
//! worker under a lease that its heartbeat extends, and finished with fenced updates: a
//! worker that lost its lease can neither complete nor fail the job. Failures retry with
//! exponential backoff and jitter; the last one moves the job to `failed_jobs` with every
//! error kept.

pub mod admin;
mod queue;
mod registry;
mod worker;

pub use queue::{ClaimedJob, claim, claim_many, complete, fail, reschedule};
pub use registry::{Job, Registry};
pub use worker::{WorkerConfig, WorkerExit, run_pending, run_worker};

use crate::App;
use crate::clock::db_now;
use crate::error::AppError;
use crate::sql::{insert_ignore, stmt};
use chrono::NaiveDateTime;
use rand::Rng;
use sea_orm::{ActiveModelTrait, ActiveValue::Set, ConnectionTrait, EntityTrait};
use serde_json::Value;
use std::time::Duration;

/// The queue jobs go to unless they say otherwise.
pub const DEFAULT_QUEUE: &str = "default";
/// `pending`: waiting for `available_at`.
pub const PENDING: &str = "pending";
/// `running`: claimed under a lease.
pub const RUNNING: &str = "running";

/// How often and how patiently a job type is retried; wins over the worker's `--tries`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Attempts in all (the first one included).
    pub tries: u32,
    /// Delay before the first retry; doubled for each further one.
    pub base: Duration,
    /// The longest delay.
    pub cap: Duration,
}

impl RetryPolicy {
    /// The default of job types without their own: 10 s, doubling, at most 1 h.
    pub fn standard(tries: u32) -> RetryPolicy {
        RetryPolicy { tries, base: Duration::from_secs(10), cap: Duration::from_secs(3600) }
    }

    /// The delay before the retry that follows failed attempt `attempt` (1-based):
    /// `base × 2^(attempt − 1)`, capped, then ±20% jitter.
    pub fn delay(&self, attempt: u32) -> Duration {
        let exp = self.base.saturating_mul(2u32.saturating_pow(attempt.saturating_sub(1).min(30)));
        let capped = exp.min(self.cap);
        let jitter = rand::rng().random_range(0.8..=1.2);
        capped.mul_f64(jitter)
    }
}

/// Why an attempt failed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum JobError {
    /// Worth trying again later (a 4xx SMTP reply, a refused connection).
    Transient(String),
    /// Trying again cannot help (a 5xx reply, a deleted invoice): failed at once.
    Permanent(String),
}

impl JobError {
    /// The error text as kept in the job's history.
    pub fn message(&self) -> &str {
        match self {
            JobError::Transient(m) | JobError::Permanent(m) => m,
        }
    }
}

impl From<AppError> for JobError {
    fn from(e: AppError) -> Self {
        match e {
            AppError::NotFound(what) => JobError::Permanent(format!("{what} not found")),
            AppError::Validation(errs) => JobError::Permanent(
                errs.iter().map(|e| format!("{}: {}", e.field, e.message)).collect::<Vec<_>>().join("; "),
            ),
            AppError::Conflict(m) => JobError::Permanent(m),
            AppError::Forbidden | AppError::Unauthorized => JobError::Permanent(e.to_string()),
            other => JobError::Transient(other.to_string()),
        }
    }
}

/// A job to insert.
#[derive(Debug, Clone)]
pub struct NewJob {
    /// Which handler runs it.
    pub job_type: &'static str,
    /// The company it concerns, if any (scopes the queue page).
    pub company_id: Option<i64>,
    /// Its arguments.
    pub payload: Value,
    /// Insert at most once per key, ever (e.g. one reminder per invoice and level).
    pub unique_key: Option<String>,
    /// Not before this time (default: now).
    pub run_at: Option<NaiveDateTime>,
}

impl NewJob {
    /// A job of `job_type` with `payload`, for `company_id`.
    pub fn new(job_type: &'static str, company_id: Option<i64>, payload: Value) -> NewJob {
        NewJob { job_type, company_id, payload, unique_key: None, run_at: None }
    }

    /// The same job, at most once per `key`.
    pub fn unique(mut self, key: impl Into<String>) -> NewJob {
        self.unique_key = Some(key.into());
        self
    }
}

/// Inserts a job through `conn` — the caller's transaction, so it commits or rolls back with
/// the change it belongs to. With a unique key that was used before, inserts nothing and
/// answers `None`.
pub async fn enqueue<C: ConnectionTrait>(app: &App, conn: &C, job: NewJob) -> Result<Option<i64>, AppError> {
    let now = db_now(app.clock.as_ref());
    let tries = Registry::standard().policy(app, job.job_type).map(|p| p.tries as i32).unwrap_or(0);
    let row = invoicepilot_store::entity::job::ActiveModel {
        queue: Set(DEFAULT_QUEUE.into()),
        job_type: Set(job.job_type.into()),
        company_id: Set(job.company_id),
        payload: Set(job.payload.to_string()),
        state: Set(PENDING.into()),
        attempts: Set(0),
        max_attempts: Set(tries),
        available_at: Set(job.run_at.unwrap_or(now)),
        reserved_by: Set(None),
        reserved_until: Set(None),
        errors: Set("[]".into()),
        created_at: Set(now),
        ..Default::default()
    }
    .insert(conn)
    .await?;
    if let Some(key) = job.unique_key {
        let b = conn.get_database_backend();
        let sql = insert_ignore(b, "job_keys", &["unique_key", "job_type", "job_id", "created_at"], &["unique_key"]);
        let res =
            conn.execute_raw(stmt(b, &sql, vec![key.into(), job.job_type.into(), row.id.into(), now.into()])).await?;
        if res.rows_affected() == 0 {
            invoicepilot_store::entity::job::Entity::delete_by_id(row.id).exec(conn).await?;
            return Ok(None);
        }
    }
    Ok(Some(row.id))
}

/// Sleeps at most `d`, waking early when `stop` fires; true when stopped.
pub(crate) async fn pause(d: Duration, stop: &tokio_util::sync::CancellationToken) -> bool {
    tokio::select! {
        _ = tokio::time::sleep(d) => false,
        _ = stop.cancelled() => true,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn delays_double_with_jitter_and_stop_at_the_cap() {
        let p = RetryPolicy { tries: 8, base: Duration::from_secs(30), cap: Duration::from_secs(3600) };
        for (attempt, nominal) in
            [(1u32, 30f64), (2, 60.0), (3, 120.0), (4, 240.0), (7, 1920.0), (8, 3600.0), (20, 3600.0)]
        {
            for _ in 0..50 {
                let d = p.delay(attempt).as_secs_f64();
                assert!(d >= nominal * 0.8 - 1e-6 && d <= nominal * 1.2 + 1e-6, "attempt {attempt}: {d}");
            }
        }
    }

    #[test]
    fn use_case_errors_map_to_retry_or_not() {
        assert!(matches!(JobError::from(AppError::NotFound("invoice")), JobError::Permanent(_)));
        assert!(matches!(JobError::from(AppError::Internal("x".into())), JobError::Transient(_)));
    }
}
