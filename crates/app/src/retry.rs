//! Re-running a use-case whose transaction lost a deadlock or serialization conflict.
//! InnoDB and PostgreSQL resolve such conflicts by aborting one transaction and expect the
//! application to run it again; every use-case is one transaction, so re-running is safe.

use crate::error::AppError;
use rand::Rng;
use sea_orm::{DbErr, RuntimeErr};
use std::future::Future;
use std::time::Duration;

/// Attempts before the conflict is reported.
const ATTEMPTS: u32 = 5;

/// True for deadlocks and serialization failures (SQLSTATE 40001 / 40P01) and SQLite's
/// busy errors.
pub fn is_retryable(err: &AppError) -> bool {
    if matches!(err, AppError::ConcurrentChange) {
        return true;
    }
    let AppError::Db(DbErr::Exec(RuntimeErr::SqlxError(e)) | DbErr::Query(RuntimeErr::SqlxError(e))) = err else {
        return false;
    };
    match e.as_ref() {
        sea_orm::sqlx::Error::Database(d) => matches!(d.code().as_deref(), Some("40001" | "40P01" | "5" | "517")),
        _ => false,
    }
}

/// Runs `f` until it succeeds, fails for another reason, or the attempts run out.
pub async fn with_retry<T, F, Fut>(mut f: F) -> Result<T, AppError>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<T, AppError>>,
{
    let mut attempt = 1;
    loop {
        match f().await {
            Err(e) if attempt < ATTEMPTS && is_retryable(&e) => {
                let wait = rand::rng().random_range(5..=20u64) * u64::from(attempt);
                tracing::debug!(attempt, wait_ms = wait, "transaction conflict; retrying");
                tokio::time::sleep(Duration::from_millis(wait)).await;
                attempt += 1;
            }
            other => return other,
        }
    }
}
