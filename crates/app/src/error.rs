//! The app layer's one error type; the HTTP edge maps it to problem+json once.

use sea_orm::DbErr;
use serde::Serialize;
use utoipa::ToSchema;

/// A rule a field broke.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct FieldError {
    /// JSON path of the field, e.g. `lines[0].tax_rate`.
    pub field: String,
    /// Machine-readable code (`required`, `invalid`, `too_long`, `out_of_range`, …).
    pub code: String,
    /// Human-readable explanation.
    pub message: String,
}

impl FieldError {
    /// A field error.
    pub fn new(field: impl Into<String>, code: &str, message: impl Into<String>) -> FieldError {
        FieldError { field: field.into(), code: code.into(), message: message.into() }
    }
}

/// Why a use-case did not complete.
#[derive(Debug, thiserror::Error)]
pub enum AppError {
    /// The thing does not exist in this company.
    #[error("{0} not found")]
    NotFound(&'static str),
    /// The request conflicts with the current state (issued invoice, in-use customer…).
    #[error("{0}")]
    Conflict(String),
    /// `If-Match` named an old version.
    #[error("the resource was changed by someone else (current version {current})")]
    VersionMismatch {
        /// The version now stored.
        current: i64,
    },
    /// `If-Match` was required but absent.
    #[error("this request needs an If-Match header with the resource's version")]
    PreconditionRequired,
    /// Well-typed values that break rules.
    #[error("the request has invalid fields")]
    Validation(Vec<FieldError>),
    /// The role may not do this.
    #[error("your role does not allow this")]
    Forbidden,
    /// No or bad credentials.
    #[error("missing or invalid credentials")]
    Unauthorized,
    /// The row changed between the use-case's reads and its lock; re-run it.
    #[error("the resource was changed concurrently; try again")]
    ConcurrentChange,
    /// The same idempotency key is still being processed.
    #[error("a request with this Idempotency-Key is still in progress")]
    IdempotencyInFlight,
    /// The database failed.
    #[error("database error: {0}")]
    Db(#[from] DbErr),
    /// Any other internal failure (never shown to clients).
    #[error("internal error: {0}")]
    Internal(String),
}

impl AppError {
    /// A single-field validation error.
    pub fn field(field: &str, code: &str, message: impl Into<String>) -> AppError {
        AppError::Validation(vec![FieldError::new(field, code, message)])
    }
}

/// Converts JSON (de)serialisation failures of stored documents, which are internal.
impl From<serde_json::Error> for AppError {
    fn from(e: serde_json::Error) -> Self {
        AppError::Internal(format!("stored JSON: {e}"))
    }
}

/// True when a database error means the server cannot be reached (503, not 500): no
/// connection to be had, a connection that broke mid-query (server stopped or restarted),
/// or the server saying it is shutting down.
pub fn is_unavailable(err: &DbErr) -> bool {
    use sea_orm::sqlx::Error as Sqlx;
    let sqlx = match err {
        DbErr::ConnectionAcquire(_) | DbErr::Conn(_) => return true,
        DbErr::Exec(sea_orm::RuntimeErr::SqlxError(e)) | DbErr::Query(sea_orm::RuntimeErr::SqlxError(e)) => e,
        _ => return false,
    };
    match sqlx.as_ref() {
        Sqlx::Io(_) | Sqlx::PoolTimedOut | Sqlx::PoolClosed | Sqlx::WorkerCrashed | Sqlx::Tls(_) => true,
        // SQLSTATE class 08 (connection exception) and 57P01–57P03 (admin shutdown, crash
        // shutdown, cannot connect now) on PostgreSQL; MySQL's "server has gone away" family.
        Sqlx::Database(db) => {
            let code = db.code().unwrap_or_default();
            code.starts_with("08")
                || code.starts_with("57P0")
                || matches!(code.as_ref(), "HY000" if db.message().contains("gone away"))
        }
        _ => false,
    }
}
