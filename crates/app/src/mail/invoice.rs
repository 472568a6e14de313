//! `POST /invoices/{id}/send`: queues the invoice e-mail with its PDF.

use super::delivery::{self, Recipients};
use super::purpose;
use crate::App;
use crate::audit::{self, AuditEntry};
use crate::context::Ctx;
use crate::error::AppError;
use crate::input::Checker;
use invoicepilot_domain::{Email, InvoiceStatus, Permission};
use invoicepilot_store::entity::{customer, invoice};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde::{Deserialize, Serialize};
use serde_json::json;
use utoipa::ToSchema;

/// Most recipients of one send (To and Cc together).
pub const MAX_RECIPIENTS: usize = 20;

/// Body of `POST /invoices/{id}/send` (optional: without it, the customer's address).
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SendInput {
    /// Recipients; default: the customer's e-mail.
    pub to: Option<Vec<String>>,
    /// Copies.
    pub cc: Option<Vec<String>>,
}

/// `202 {"job_id": …}`.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct SendAccepted {
    /// The queued mail job.
    pub job_id: i64,
}

fn addresses(c: &mut Checker, field: &str, list: Vec<String>) -> Vec<String> {
    let mut out = Vec::new();
    for (i, a) in list.into_iter().enumerate() {
        match a.trim().parse::<Email>() {
            Ok(e) if !out.contains(&e.as_str().to_owned()) => out.push(e.as_str().to_owned()),
            Ok(_) => {}
            Err(_) => c.push(format!("{field}[{i}]"), "invalid", "not a valid e-mail address"),
        }
    }
    out
}

/// The recipients of an invoice mail: the given ones, else the customer's address.
pub(crate) async fn recipients(app: &App, customer_id: i64, input: SendInput) -> Result<Recipients, AppError> {
    let mut c = Checker::default();
    let to = match input.to {
        Some(list) => addresses(&mut c, "to", list),
        None => {
            let cust = customer::Entity::find_by_id(customer_id).one(app.db.conn()).await?;
            cust.and_then(|c| c.email).into_iter().collect()
        }
    };
    let cc = addresses(&mut c, "cc", input.cc.unwrap_or_default());
    if to.is_empty() && c.is_ok() {
        c.push("to", "required", "the customer has no e-mail address; give `to`");
    }
    if to.len() + cc.len() > MAX_RECIPIENTS {
        c.push("to", "too_long", format!("at most {MAX_RECIPIENTS} recipients"));
    }
    c.finish(|| Recipients { to, cc })
}

/// Inserts the delivery, its job and the audit row through the caller's transaction.
pub(crate) async fn queue(
    app: &App,
    tx: &invoicepilot_store::WriteTx,
    ctx: &Ctx,
    invoice_id: i64,
    recipients: &Recipients,
) -> Result<SendAccepted, AppError> {
    let (delivery_id, job_id) =
        delivery::create(app, &**tx, ctx.company_id, Some(invoice_id), purpose::INVOICE, recipients, json!({})).await?;
    audit::append(
        app,
        tx,
        ctx,
        AuditEntry {
            action: "invoice.send_queued",
            target_type: "invoice",
            target_id: Some(invoice_id),
            changes: json!({"after": {"delivery_id": delivery_id, "job_id": job_id, "to": recipients.to, "cc": recipients.cc}}),
        },
    )
    .await?;
    Ok(SendAccepted { job_id })
}

/// Queues the invoice e-mail (issued, partially paid or paid invoices; not drafts or void
/// ones). The delivery row, the job and the audit row commit together.
pub async fn send_invoice(app: &App, ctx: &Ctx, id: i64, input: SendInput) -> Result<SendAccepted, AppError> {
    ctx.require(Permission::ManageInvoices)?;
    let inv = invoice::Entity::find_by_id(id)
        .filter(invoice::Column::CompanyId.eq(ctx.company_id))
        .one(app.db.conn())
        .await?
        .ok_or(AppError::NotFound("invoice"))?;
    let status: InvoiceStatus = inv.status.parse().map_err(AppError::Internal)?;
    match status {
        InvoiceStatus::Draft => return Err(AppError::Conflict("a draft cannot be sent; issue it first".into())),
        InvoiceStatus::Void => return Err(AppError::Conflict("a void invoice cannot be sent".into())),
        _ => {}
    }
    let recipients = recipients(app, inv.customer_id, input).await?;
    let tx = app.db.begin_write().await?;
    let accepted = queue(app, &tx, ctx, id, &recipients).await?;
    if app.failpoints.hit("invoice.send.before_commit") {
        return Err(AppError::Internal("failpoint invoice.send.before_commit".into()));
    }
    tx.commit().await?;
    Ok(accepted)
}
