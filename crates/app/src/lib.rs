//! Use-cases of InvoicePilot. Each mutating use-case is one transaction that also writes
//! its audit row; handlers and commands call these and nothing below them.

pub mod accounts;
pub mod alerts;
pub mod audit;
pub mod backup;
pub mod bank;
pub mod check;
pub mod clock;
pub mod company;
pub mod config;
pub mod context;
pub mod credit_notes;
pub mod customers;
pub mod dashboard;
pub mod dbmaint;
pub mod devtools;
pub mod documents;
pub mod dunning;
pub mod error;
pub mod export;
pub mod figures;
pub mod idempotency;
pub mod input;
pub mod invoices;
pub mod jobs;
pub mod journal;
pub mod keys;
pub mod login;
pub mod mail;
pub mod maintenance;
pub mod members;
pub mod numbering;
pub mod pagination;
pub mod password_reset;
pub mod payments;
pub mod quotes;
pub mod recurring;
pub mod restore;
pub mod retry;
pub mod scheduler;
pub mod seal;
pub mod sql;
pub mod system;

use clock::Clock;
use invoicepilot_store::Db;
use std::sync::Arc;

pub use context::{Actor, Ctx};
pub use error::{AppError, FieldError};

/// The application: the database, the clock and the outside world every use-case runs
/// against.
#[derive(Clone)]
pub struct App {
    /// The database.
    pub db: Db,
    /// The source of "now" (settable in tests).
    pub clock: Arc<dyn Clock>,
    /// Mail, Slack, thresholds, schedules.
    pub config: Arc<config::AppConfig>,
    /// Fault injection for tests.
    pub failpoints: Arc<config::Failpoints>,
    /// The SMTP transport, built on first use.
    pub(crate) smtp: Arc<std::sync::OnceLock<Result<mail::Transport, String>>>,
}

impl App {
    /// An app on `db` with the system clock and default settings.
    pub fn new(db: Db) -> App {
        App::with_clock(db, Arc::new(clock::SystemClock))
    }

    /// An app on `db` with a given clock.
    pub fn with_clock(db: Db, clock: Arc<dyn Clock>) -> App {
        App {
            db,
            clock,
            config: Arc::new(config::AppConfig::default()),
            failpoints: Arc::default(),
            smtp: Arc::default(),
        }
    }

    /// The same app with other settings.
    pub fn with_config(mut self, config: config::AppConfig) -> App {
        self.config = Arc::new(config);
        self.smtp = Arc::default();
        self
    }
}
