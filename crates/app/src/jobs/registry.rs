//! Job types and the registry that maps a stored `job_type` to its handler.

use super::{ClaimedJob, JobError, RetryPolicy};
use crate::App;
use crate::error::AppError;
use invoicepilot_store::WriteTx;
use std::sync::Arc;

/// A kind of background work.
#[async_trait::async_trait]
pub trait Job: Send + Sync {
    /// The stored name (`mail.send`).
    fn job_type(&self) -> &'static str;

    /// Tries and backoff of this type, winning over the worker's; `None` takes the worker's
    /// `--tries` with the standard backoff.
    fn policy(&self, _app: &App) -> Option<RetryPolicy> {
        None
    }

    /// Does the work once. Must be safe to repeat: a lost lease can run it again.
    async fn run(&self, app: &App, job: &ClaimedJob) -> Result<(), JobError>;

    /// The writes a successful attempt leaves, made in the transaction that completes the
    /// job, so the outcome and the job's end are one commit. Runs even when the lease was
    /// lost (the work was done); must be idempotent, as `run` is.
    async fn on_done(&self, _app: &App, _job: &ClaimedJob, _tx: &WriteTx) -> Result<(), AppError> {
        Ok(())
    }

    /// Called once when the job moved to `failed_jobs` (to mark a delivery failed, say).
    async fn on_failed(&self, _app: &App, _job: &ClaimedJob, _error: &str) {}
}

/// The handlers a worker knows.
#[derive(Clone, Default)]
pub struct Registry {
    jobs: Vec<Arc<dyn Job>>,
}

impl Registry {
    /// Every job type of InvoicePilot.
    pub fn standard() -> Registry {
        Registry::default()
            .with(Arc::new(crate::documents::StorePdfJob))
            .with(Arc::new(crate::mail::SendMailJob))
            .with(Arc::new(crate::dunning::DunningRunJob))
            .with(Arc::new(crate::alerts::SlackPostJob))
            .with(Arc::new(crate::alerts::AlertCheckJob))
            .with(Arc::new(crate::backup::BackupJob))
            .with(Arc::new(crate::recurring::RecurringRunJob))
    }

    /// Adds (or replaces) a handler.
    pub fn with(mut self, job: Arc<dyn Job>) -> Registry {
        self.jobs.retain(|j| j.job_type() != job.job_type());
        self.jobs.push(job);
        self
    }

    /// The handler of `job_type`.
    pub fn get(&self, job_type: &str) -> Option<&Arc<dyn Job>> {
        self.jobs.iter().find(|j| j.job_type() == job_type)
    }

    /// The retry policy of `job_type`, if it has its own.
    pub fn policy(&self, app: &App, job_type: &str) -> Option<RetryPolicy> {
        self.get(job_type).and_then(|j| j.policy(app))
    }
}
