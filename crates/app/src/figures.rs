//! Business counters for `/metrics`, read from the database so that every process (web
//! servers, workers) contributes and a restart loses nothing.

use crate::App;
use crate::error::AppError;
use crate::mail::{DELIVERY_FAILED as FAILED, DELIVERY_SENT as SENT};
use invoicepilot_store::entity::{delivery, invoice};
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};

/// Totals since the database was created.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Figures {
    /// Invoices that have a number (issued, whatever happened since).
    pub invoices_issued: u64,
    /// E-mails the SMTP server accepted.
    pub mails_sent: u64,
    /// E-mails that failed for good.
    pub mails_failed: u64,
}

/// Reads the totals.
pub async fn read(app: &App) -> Result<Figures, AppError> {
    let conn = app.db.conn();
    let invoices_issued = invoice::Entity::find().filter(invoice::Column::Number.is_not_null()).count(conn).await?;
    let mails_sent = delivery::Entity::find().filter(delivery::Column::Status.eq(SENT)).count(conn).await?;
    let mails_failed = delivery::Entity::find().filter(delivery::Column::Status.eq(FAILED)).count(conn).await?;
    Ok(Figures { invoices_issued, mails_sent, mails_failed })
}
