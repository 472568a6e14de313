//! Use-cases of InvoicePilot. Each mutating use-case is one transaction that also writes
//! its audit row; handlers and commands call these and nothing below them.

pub mod accounts;
pub mod audit;
pub mod check;
pub mod clock;
pub mod company;
pub mod context;
pub mod customers;
pub mod dashboard;
pub mod documents;
pub mod error;
pub mod export;
pub mod idempotency;
pub mod input;
pub mod invoices;
pub mod login;
pub mod members;
pub mod numbering;
pub mod pagination;
pub mod payments;
pub mod retry;
pub mod seal;
pub mod sql;

use clock::Clock;
use invoicepilot_store::Db;
use std::sync::Arc;

pub use context::{Actor, Ctx};
pub use error::{AppError, FieldError};

/// The application: the database and the clock every use-case runs against.
#[derive(Clone)]
pub struct App {
    /// The database.
    pub db: Db,
    /// The source of "now" (settable in tests).
    pub clock: Arc<dyn Clock>,
}

impl App {
    /// An app on `db` with the system clock.
    pub fn new(db: Db) -> App {
        App { db, clock: Arc::new(clock::SystemClock) }
    }

    /// An app on `db` with a given clock.
    pub fn with_clock(db: Db, clock: Arc<dyn Clock>) -> App {
        App { db, clock }
    }
}
