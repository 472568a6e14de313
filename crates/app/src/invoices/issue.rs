//! Issuing (number, frozen details) and voiding.

use super::draft::lock_invoice;
use super::input::{ValidLine, price};
use super::view::{InvoiceView, RateTotalView, load_view};
use crate::App;
use crate::audit::{self, AuditEntry};
use crate::clock::db_now;
use crate::company;
use crate::context::Ctx;
use crate::customers;
use crate::error::AppError;
use crate::input::Checker;
use crate::numbering::{INVOICE_SERIES, ensure_counter, take_next};
use invoicepilot_domain::{InvoiceStatus, Permission, Quantity, TaxRate, Yen, limits};
use invoicepilot_store::entity::{invoice, invoice_line};
use sea_orm::{ActiveValue::Set, ColumnTrait, EntityTrait, QueryFilter, QueryOrder};
use serde::Deserialize;
use serde_json::json;
use utoipa::ToSchema;

/// The issuer details a document freezes when it is issued.
pub(crate) fn issuer_snapshot(settings: &company::CompanySettings) -> serde_json::Value {
    let v = settings.view();
    json!({
        "name": v.name, "postal_code": v.postal_code, "address": v.address, "phone": v.phone,
        "registration_number": v.registration_number, "bank_accounts": v.bank_accounts,
        "time_zone": v.time_zone, "tax_rounding": v.tax_rounding, "seal_sha256": settings.model.seal_sha256,
    })
}

/// The addressee details a document freezes when it is issued.
pub(crate) fn customer_snapshot(customer: &invoicepilot_store::entity::customer::Model) -> serde_json::Value {
    json!({
        "name": customer.name, "name_kana": customer.name_kana, "honorific": customer.honorific,
        "email": customer.email, "postal_code": customer.postal_code, "address": customer.address,
        "registration_number": customer.registration_number,
    })
}

fn check_version(current: &invoice::Model, if_match: Option<i64>) -> Result<(), AppError> {
    match if_match {
        Some(v) if v != current.version => Err(AppError::VersionMismatch { current: current.version }),
        _ => Ok(()),
    }
}

/// `POST /invoices/{id}/issue`: assigns the next number of the company's series and period,
/// freezes issuer, customer, lines and totals. 409 when not a draft or without lines.
pub async fn issue(app: &App, ctx: &Ctx, id: i64, if_match: Option<i64>) -> Result<InvoiceView, AppError> {
    ctx.require(Permission::ManageInvoices)?;
    Ok(crate::retry::with_retry(|| issue_once(app, ctx, id, if_match, None)).await?.0)
}

/// Issues a draft and queues its e-mail in the same transaction: both happen or neither.
pub async fn issue_and_send(
    app: &App,
    ctx: &Ctx,
    id: i64,
    if_match: Option<i64>,
    send: crate::mail::SendInput,
) -> Result<(InvoiceView, crate::mail::SendAccepted), AppError> {
    ctx.require(Permission::ManageInvoices)?;
    let customer_id = invoice::Entity::find_by_id(id)
        .filter(invoice::Column::CompanyId.eq(ctx.company_id))
        .one(app.db.conn())
        .await?
        .ok_or(AppError::NotFound("invoice"))?
        .customer_id;
    let recipients = crate::mail::invoice_recipients(app, customer_id, send).await?;
    let (view, sent) = crate::retry::with_retry(|| issue_once(app, ctx, id, if_match, Some(&recipients))).await?;
    let accepted = sent.ok_or_else(|| AppError::Internal("the mail was not queued".into()))?;
    Ok((view, accepted))
}

async fn issue_once(
    app: &App,
    ctx: &Ctx,
    id: i64,
    if_match: Option<i64>,
    send: Option<&crate::mail::Recipients>,
) -> Result<(InvoiceView, Option<crate::mail::SendAccepted>), AppError> {
    // Everything the issue needs is read before the write transaction, which then only
    // re-checks the version, takes the number and writes: the counter lock (and on SQLite
    // the database write lock) is held for as few statements as possible.
    let conn = app.db.conn();
    let settings = company::load(app, ctx.company_id).await?;
    let draft = invoice::Entity::find_by_id(id)
        .filter(invoice::Column::CompanyId.eq(ctx.company_id))
        .one(conn)
        .await?
        .ok_or(AppError::NotFound("invoice"))?;
    if draft.status != InvoiceStatus::Draft.code() {
        return Err(AppError::Conflict(format!("invoice {id} is already {}", draft.status)));
    }
    check_version(&draft, if_match)?;
    let line_rows = invoice_line::Entity::find()
        .filter(invoice_line::Column::InvoiceId.eq(id))
        .order_by_asc(invoice_line::Column::Position)
        .all(conn)
        .await?;
    if line_rows.is_empty() {
        return Err(AppError::Conflict("an invoice without lines cannot be issued".into()));
    }
    let customer = customers::find(conn, ctx.company_id, draft.customer_id).await?;
    // Re-price with the company's rounding in force now: the frozen figures are the issued ones.
    let lines: Vec<ValidLine> = line_rows
        .iter()
        .map(|l| ValidLine {
            description: l.description.clone(),
            quantity: Quantity::from_scaled(l.quantity_scaled).unwrap_or(Quantity::from_scaled(0).expect("zero")),
            unit: l.unit.clone(),
            unit_price: Yen(l.unit_price),
            rate: l.tax_rate.parse().unwrap_or(TaxRate::Standard10),
        })
        .collect();
    let totals = price(&lines, draft.prices_include_tax, &settings, draft.withholding)?;
    let issuer = issuer_snapshot(&settings);
    let customer_snapshot = customer_snapshot(&customer);
    let breakdown: Vec<RateTotalView> = totals.breakdown.iter().map(Into::into).collect();
    let fy_start = settings.model.fiscal_year_start_month as u32;
    let period = settings.number_format.period_key(draft.issue_date, fy_start);
    // A missing counter is created outside the issuing transaction: inserting it inside
    // makes concurrent first issues of a period deadlock on InnoDB's gap locks.
    ensure_counter(app, ctx.company_id, INVOICE_SERIES, &period).await?;

    let tx = app.db.begin_write().await?;
    let current = lock_invoice(&tx, ctx, id).await?;
    if current.version != draft.version {
        // Edited between our read and the lock: report it, or start over with fresh data.
        return Err(match if_match {
            Some(_) => AppError::VersionMismatch { current: current.version },
            None => AppError::ConcurrentChange,
        });
    }
    for (row, amount) in line_rows.iter().zip(&totals.line_amounts) {
        if row.amount != amount.get() {
            invoice_line::Entity::update_many()
                .col_expr(invoice_line::Column::Amount, sea_orm::sea_query::Expr::value(amount.get()))
                .filter(invoice_line::Column::Id.eq(row.id))
                .exec(&*tx)
                .await?;
        }
    }
    let now = db_now(app.clock.as_ref());
    let seq = take_next(app, &tx, ctx.company_id, INVOICE_SERIES, &period).await?;
    let number = settings.number_format.render(draft.issue_date, fy_start, seq);
    let am = invoice::ActiveModel {
        status: Set(InvoiceStatus::Issued.code().into()),
        number: Set(Some(number.clone())),
        number_series: Set(Some(INVOICE_SERIES.into())),
        number_period: Set(Some(period)),
        number_seq: Set(Some(seq)),
        subtotal: Set(totals.subtotal.get()),
        tax_total: Set(totals.tax_total.get()),
        total: Set(totals.total.get()),
        withholding_tax: Set(totals.withholding_tax.get()),
        amount_due: Set(totals.amount_due.get()),
        balance: Set(totals.amount_due.get()),
        tax_breakdown: Set(serde_json::to_string(&breakdown)?),
        customer_name: Set(customer.name.clone()),
        issuer_snapshot: Set(Some(issuer.to_string())),
        customer_snapshot: Set(Some(customer_snapshot.to_string())),
        version: Set(current.version + 1),
        updated_at: Set(now),
        issued_at: Set(Some(now)),
        ..Default::default()
    };
    invoice::Entity::update_many()
        .set(am)
        .filter(invoice::Column::Id.eq(id))
        .filter(invoice::Column::Version.eq(current.version))
        .exec(&*tx)
        .await?;
    audit::append(
        app,
        &tx,
        ctx,
        AuditEntry {
            action: "invoice.issued",
            target_type: "invoice",
            target_id: Some(id),
            changes: json!({
                "before": {"status": "draft", "number": null},
                "corrects_invoice_id": draft.corrects_invoice_id,
                "after": {"status": "issued", "number": number, "total": totals.total.get(),
                          "tax_breakdown": breakdown, "amount_due": totals.amount_due.get(),
                          "issuer": issuer, "customer": customer_snapshot},
            }),
        },
    )
    .await?;
    if let Some(original) = draft.corrects_invoice_id {
        super::correct::supersede_in(app, &tx, ctx, original, id, &number).await?;
    }
    // The frozen PDF is rendered and stored by a job inserted here: it exists exactly when
    // the issue commits.
    crate::jobs::enqueue(
        app,
        &*tx,
        crate::jobs::NewJob::new(crate::documents::STORE_PDF, Some(ctx.company_id), json!({"invoice_id": id}))
            .unique(format!("invoice:{id}:pdf")),
    )
    .await?;
    let sent = match send {
        Some(r) => Some(crate::mail::queue_invoice_mail(app, &tx, ctx, id, r).await?),
        None => None,
    };
    if app.failpoints.hit("invoice.issue.before_commit") {
        return Err(AppError::Internal("failpoint invoice.issue.before_commit".into()));
    }
    tx.commit().await?;
    Ok((load_view(app, conn, ctx.company_id, id).await?, sent))
}

/// Body of `POST /invoices/{id}/void`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct VoidInput {
    /// Why the invoice is cancelled (required).
    pub reason: Option<String>,
}

/// `POST /invoices/{id}/void`: cancels an issued invoice, keeping its number. 409 for drafts
/// (delete them), for void ones, and while payments are allocated (reverse them first).
pub async fn void(
    app: &App,
    ctx: &Ctx,
    id: i64,
    if_match: Option<i64>,
    input: VoidInput,
) -> Result<InvoiceView, AppError> {
    ctx.require(Permission::ManageInvoices)?;
    let mut c = Checker::default();
    let reason = c.required_text("reason", input.reason, limits::NOTES);
    let reason = c.finish(|| reason.unwrap_or_default())?;
    let tx = app.db.begin_write().await?;
    let current = lock_invoice(&tx, ctx, id).await?;
    let status: InvoiceStatus = current.status.parse().map_err(AppError::Internal)?;
    match status {
        InvoiceStatus::Draft => {
            return Err(AppError::Conflict("a draft has no number to void; delete it instead".into()));
        }
        InvoiceStatus::Void => return Err(AppError::Conflict(format!("invoice {id} is already void"))),
        InvoiceStatus::Paid => return Err(AppError::Conflict(format!("invoice {id} is paid and cannot be voided"))),
        InvoiceStatus::PartiallyPaid => {
            return Err(AppError::Conflict(format!("invoice {id} has payments; reverse them before voiding")));
        }
        InvoiceStatus::Issued if current.amount_credited != 0 => {
            return Err(AppError::Conflict(format!(
                "invoice {id} has credit notes; a void would leave them returning a sale that never was"
            )));
        }
        InvoiceStatus::Issued => {}
    }
    check_version(&current, if_match)?;
    let now = db_now(app.clock.as_ref());
    let am = invoice::ActiveModel {
        status: Set(InvoiceStatus::Void.code().into()),
        void_reason: Set(Some(reason.clone())),
        voided_at: Set(Some(now)),
        balance: Set(0),
        version: Set(current.version + 1),
        updated_at: Set(now),
        ..Default::default()
    };
    invoice::Entity::update_many().set(am).filter(invoice::Column::Id.eq(id)).exec(&*tx).await?;
    let view = load_view(app, &*tx, ctx.company_id, id).await?;
    audit::append(
        app,
        &tx,
        ctx,
        AuditEntry {
            action: "invoice.voided",
            target_type: "invoice",
            target_id: Some(id),
            changes: json!({"before": {"status": current.status, "balance": current.balance},
                            "after": {"status": "void", "balance": 0}, "reason": reason}),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(view)
}
