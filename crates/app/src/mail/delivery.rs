//! `deliveries`: one row per e-mail, its recipients, Message-ID, status and last SMTP reply.
//! The status of an invoice's own send is mirrored into `invoices.delivery` (what the API's
//! `delivery` field shows) in the same transaction.

use super::purpose;
use crate::App;
use crate::audit::{self, AuditEntry};
use crate::clock::{db_now, rfc3339};
use crate::context::Ctx;
use crate::error::AppError;
use crate::jobs::JobError;
use invoicepilot_store::WriteTx;
use invoicepilot_store::entity::{delivery, invoice};
use sea_orm::sea_query::ExprTrait;
use sea_orm::{ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};
use serde::Serialize;
use serde_json::{Value, json};

/// Waiting for the worker.
pub const QUEUED: &str = "queued";
/// Accepted by the SMTP server.
pub const SENT: &str = "sent";
/// Failed for good.
pub const FAILED: &str = "failed";

/// Recipients as stored.
#[derive(Debug, Clone, Serialize, serde::Deserialize, Default)]
pub struct Recipients {
    /// To.
    pub to: Vec<String>,
    /// Cc.
    #[serde(default)]
    pub cc: Vec<String>,
}

/// A delivery as the UI and API show it.
#[derive(Debug, Clone, Serialize)]
pub struct DeliveryView {
    /// `queued`, `sent` or `failed`.
    pub status: String,
    /// When the SMTP server accepted it.
    pub sent_at: Option<String>,
    /// To.
    pub to: Vec<String>,
    /// Cc.
    pub cc: Vec<String>,
    /// The last SMTP reply or failure.
    pub error: Option<String>,
}

fn view(d: &delivery::Model) -> DeliveryView {
    let r: Recipients = serde_json::from_str(&d.recipients).unwrap_or_default();
    DeliveryView {
        status: d.status.clone(),
        sent_at: d.sent_at.map(rfc3339),
        to: r.to,
        cc: r.cc,
        error: d.error.clone(),
    }
}

/// The deliveries of an invoice, newest first.
pub async fn delivery_of(app: &App, ctx: &Ctx, invoice_id: i64) -> Result<Vec<(String, DeliveryView)>, AppError> {
    use sea_orm::QueryOrder;
    let rows = delivery::Entity::find()
        .filter(delivery::Column::CompanyId.eq(ctx.company_id))
        .filter(delivery::Column::InvoiceId.eq(invoice_id))
        .order_by_desc(delivery::Column::Id)
        .all(app.db.conn())
        .await?;
    Ok(rows.iter().map(|d| (d.purpose.clone(), view(d))).collect())
}

/// Inserts a queued delivery and its `mail.send` job through `conn` (the caller's
/// transaction); returns (delivery id, job id).
pub(crate) async fn create<C: ConnectionTrait>(
    app: &App,
    conn: &C,
    company_id: i64,
    invoice_id: Option<i64>,
    purpose: &str,
    recipients: &Recipients,
    payload_extra: Value,
) -> Result<(i64, i64), AppError> {
    let now = db_now(app.clock.as_ref());
    let d = delivery::ActiveModel {
        company_id: Set(company_id),
        invoice_id: Set(invoice_id),
        purpose: Set(purpose.into()),
        job_id: Set(None),
        status: Set(QUEUED.into()),
        recipients: Set(serde_json::to_string(recipients)?),
        message_id: Set(String::new()),
        error: Set(None),
        attempts: Set(0),
        queued_at: Set(now),
        sent_at: Set(None),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(conn)
    .await?;
    let mut payload = json!({"delivery_id": d.id});
    if let (Some(p), Some(extra)) = (payload.as_object_mut(), payload_extra.as_object()) {
        p.extend(extra.clone());
    }
    let job = crate::jobs::enqueue(app, conn, crate::jobs::NewJob::new(super::SEND_MAIL, Some(company_id), payload))
        .await?
        .ok_or_else(|| AppError::Internal("mail job not enqueued".into()))?;
    let message_id = format!("<{purpose}-{}.{}@{}>", invoice_id.unwrap_or(0), d.id, message_domain(app));
    let mut am: delivery::ActiveModel = d.clone().into();
    am.job_id = Set(Some(job));
    am.message_id = Set(message_id);
    am.update(conn).await?;
    if purpose == purpose::INVOICE
        && let Some(inv) = invoice_id
    {
        mirror(
            conn,
            inv,
            &DeliveryView {
                status: QUEUED.into(),
                sent_at: None,
                to: recipients.to.clone(),
                cc: recipients.cc.clone(),
                error: None,
            },
        )
        .await?;
    }
    Ok((d.id, job))
}

/// The domain of Message-IDs: the sender's, else `APP_URL`'s host.
fn message_domain(app: &App) -> String {
    let from = app.config.mail.as_ref().map(|m| m.from.as_str()).unwrap_or_default();
    let from_domain = from.rsplit_once('@').map(|(_, d)| d.trim_end_matches('>').trim().to_owned());
    let url_host = app
        .config
        .app_url
        .as_deref()
        .and_then(|u| u.split_once("://"))
        .and_then(|(_, rest)| rest.split(['/', ':']).next().map(str::to_owned));
    from_domain.filter(|d| !d.is_empty()).or(url_host).unwrap_or_else(|| "invoicepilot.invalid".into())
}

async fn mirror<C: ConnectionTrait>(conn: &C, invoice_id: i64, v: &DeliveryView) -> Result<(), AppError> {
    let doc = json!({"status": v.status, "sent_at": v.sent_at, "to": v.to, "cc": v.cc, "error": v.error});
    invoice::Entity::update_many()
        .col_expr(invoice::Column::Delivery, sea_orm::sea_query::Expr::value(doc.to_string()))
        .filter(invoice::Column::Id.eq(invoice_id))
        .exec(conn)
        .await?;
    Ok(())
}

/// The delivery of a job.
pub(crate) async fn load(app: &App, id: i64) -> Result<delivery::Model, JobError> {
    delivery::Entity::find_by_id(id)
        .one(app.db.conn())
        .await
        .map_err(|e| JobError::Transient(e.to_string()))?
        .ok_or_else(|| JobError::Permanent(format!("delivery {id} no longer exists")))
}

fn audit_action(purpose: &str, outcome: &str) -> &'static str {
    match (purpose, outcome) {
        (purpose::INVOICE, SENT) => "invoice.sent",
        (purpose::INVOICE, _) => "invoice.send_failed",
        (purpose::REMINDER, SENT) => "invoice.reminder_sent",
        (purpose::REMINDER, _) => "invoice.reminder_failed",
        (_, SENT) => "mail.sent",
        _ => "mail.failed",
    }
}

/// Moves a delivery to `status` inside `tx`, mirrors it into the invoice and writes the audit
/// row. `sent` is final: a late or repeated report never moves it again.
async fn mark_in(
    app: &App,
    tx: &WriteTx,
    d: &delivery::Model,
    status: &str,
    error: Option<&str>,
) -> Result<(), AppError> {
    let now = db_now(app.clock.as_ref());
    let sent_at = (status == SENT).then_some(now);
    let mut q = delivery::Entity::update_many()
        .col_expr(delivery::Column::Status, sea_orm::sea_query::Expr::value(status))
        .col_expr(delivery::Column::Error, sea_orm::sea_query::Expr::value(error.map(str::to_owned)))
        .col_expr(delivery::Column::UpdatedAt, sea_orm::sea_query::Expr::value(now))
        .filter(delivery::Column::Id.eq(d.id))
        .filter(delivery::Column::Status.ne(SENT));
    if sent_at.is_some() {
        q = q.col_expr(delivery::Column::SentAt, sea_orm::sea_query::Expr::value(sent_at));
    }
    if q.exec(&**tx).await?.rows_affected == 0 {
        return Ok(());
    }
    let r: Recipients = serde_json::from_str(&d.recipients).unwrap_or_default();
    let v = DeliveryView {
        status: status.into(),
        sent_at: sent_at.map(rfc3339),
        to: r.to,
        cc: r.cc,
        error: error.map(str::to_owned),
    };
    if let Some(inv) = d.invoice_id {
        if d.purpose == purpose::INVOICE {
            mirror(&**tx, inv, &v).await?;
        }
        audit::append(
            app,
            tx,
            &Ctx::system(d.company_id),
            AuditEntry {
                action: audit_action(&d.purpose, status),
                target_type: "invoice",
                target_id: Some(inv),
                changes: json!({"after": {"delivery_id": d.id, "status": status, "to": v.to, "cc": v.cc,
                                           "message_id": d.message_id, "error": error}}),
            },
        )
        .await?;
    }
    Ok(())
}

/// Records, inside the transaction that completes the mail's job, that the SMTP server
/// accepted delivery `id` (the worker retries that transaction rather than the send).
pub(crate) async fn record_sent(app: &App, tx: &WriteTx, id: i64) -> Result<(), AppError> {
    if app.failpoints.hit("mail.mark_sent") {
        return Err(AppError::Internal("failpoint mail.mark_sent".into()));
    }
    match delivery::Entity::find_by_id(id).one(&**tx).await? {
        Some(d) => mark_in(app, tx, &d, SENT, None).await,
        None => Ok(()),
    }
}

/// Keeps the last failed attempt's reply on the delivery (best effort).
pub(crate) async fn note_attempt(app: &App, d: &delivery::Model, error: &str) {
    let now = db_now(app.clock.as_ref());
    let res = async {
        let tx = app.db.begin_write().await?;
        delivery::Entity::update_many()
            .col_expr(delivery::Column::Error, sea_orm::sea_query::Expr::value(Some(error.to_owned())))
            .col_expr(delivery::Column::Attempts, sea_orm::sea_query::Expr::col(delivery::Column::Attempts).add(1))
            .col_expr(delivery::Column::UpdatedAt, sea_orm::sea_query::Expr::value(now))
            .filter(delivery::Column::Id.eq(d.id))
            .filter(delivery::Column::Status.eq(QUEUED))
            .exec(&*tx)
            .await?;
        if let (Some(inv), true) = (d.invoice_id, d.purpose == purpose::INVOICE)
            && let Some(updated) = delivery::Entity::find_by_id(d.id).one(&*tx).await?
        {
            mirror(&*tx, inv, &view(&updated)).await?;
        }
        tx.commit().await?;
        Ok::<(), AppError>(())
    }
    .await;
    if let Err(e) = res {
        tracing::warn!(delivery = d.id, error = %e, "could not note the failed attempt");
    }
}

/// Marks a delivery failed for good, with the reply.
pub(crate) async fn mark_failed(app: &App, id: i64, error: &str) {
    let res = async {
        let tx = app.db.begin_write().await?;
        if let Some(d) = delivery::Entity::find_by_id(id).one(&*tx).await? {
            mark_in(app, &tx, &d, FAILED, Some(error)).await?;
        }
        tx.commit().await?;
        Ok::<(), AppError>(())
    }
    .await;
    if let Err(e) = res {
        tracing::error!(delivery = id, error = %e, "could not mark the delivery failed");
    }
}

/// Removes a secret from a failed job's stored payload.
pub(crate) async fn scrub_failed_payload(app: &App, job_id: i64) {
    use invoicepilot_store::entity::failed_job;
    let res = async {
        let tx = app.db.begin_write().await?;
        if let Some(f) = failed_job::Entity::find().filter(failed_job::Column::JobId.eq(job_id)).one(&*tx).await? {
            let mut payload: Value = serde_json::from_str(&f.payload).unwrap_or(Value::Null);
            if let Some(o) = payload.as_object_mut() {
                o.remove("token");
            }
            let mut am: failed_job::ActiveModel = f.into();
            am.payload = Set(payload.to_string());
            am.update(&*tx).await?;
        }
        tx.commit().await?;
        Ok::<(), AppError>(())
    }
    .await;
    if let Err(e) = res {
        tracing::error!(job = job_id, error = %e, "could not scrub a failed job's payload");
    }
}
