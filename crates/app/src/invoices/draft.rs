//! Creating, replacing and deleting drafts.

use super::input::{InvoiceInput, ValidDraft, validate};
use super::view::{InvoiceView, RateTotalView, build, load_view};
use crate::App;
use crate::audit::{self, AuditEntry};
use crate::clock::{db_now, today_in};
use crate::company;
use crate::context::Ctx;
use crate::customers;
use crate::error::AppError;
use chrono::NaiveDate;
use invoicepilot_domain::{InvoiceStatus, Permission};
use invoicepilot_store::WriteTx;
use invoicepilot_store::entity::{invoice, invoice_line};
use sea_orm::{ActiveModelTrait, ActiveValue::Set, ColumnTrait, EntityTrait, QueryFilter};
use serde_json::json;

async fn prepare(
    app: &App,
    ctx: &Ctx,
    input: InvoiceInput,
) -> Result<(ValidDraft, String, NaiveDate, NaiveDate), AppError> {
    let settings = company::load(app, ctx.company_id).await?;
    let today = today_in(app.clock.as_ref(), &settings.model.time_zone);
    let draft = validate(input, &settings, today)?;
    let customer =
        customers::find(app.db.conn(), ctx.company_id, draft.customer_id).await.map_err(customers::as_field_error)?;
    let terms = customers::terms_of(&customer).unwrap_or(settings.terms);
    let due = draft.due_date(&terms);
    Ok((draft, customer.name, due, today))
}

/// Writes the draft's lines in one multi-row statement.
/// Writes the draft's lines in one multi-row statement; returns them as stored (ids aside).
async fn insert_lines(
    tx: &WriteTx,
    company_id: i64,
    invoice_id: i64,
    draft: &ValidDraft,
) -> Result<Vec<invoice_line::Model>, AppError> {
    let lines: Vec<invoice_line::Model> = draft
        .lines
        .iter()
        .zip(&draft.totals.line_amounts)
        .enumerate()
        .map(|(i, (l, amount))| invoice_line::Model {
            id: 0,
            company_id,
            invoice_id,
            position: i as i32,
            description: l.description.clone(),
            quantity_scaled: l.quantity.scaled(),
            unit: l.unit.clone(),
            unit_price: l.unit_price.get(),
            tax_rate: l.rate.code().into(),
            amount: amount.get(),
        })
        .collect();
    if !lines.is_empty() {
        let rows = lines.iter().map(|l| {
            let mut am: invoice_line::ActiveModel = l.clone().into();
            am.id = sea_orm::ActiveValue::NotSet;
            am
        });
        invoice_line::Entity::insert_many(rows).exec_without_returning(&**tx).await?;
    }
    Ok(lines)
}

fn breakdown_json(draft: &ValidDraft) -> Result<String, AppError> {
    let v: Vec<RateTotalView> = draft.totals.breakdown.iter().map(Into::into).collect();
    Ok(serde_json::to_string(&v)?)
}

/// The columns a draft's content decides, set; the caller adds keys, status and timestamps.
fn draft_columns(draft: &ValidDraft, customer_name: String, due: NaiveDate) -> Result<invoice::ActiveModel, AppError> {
    let t = &draft.totals;
    Ok(invoice::ActiveModel {
        customer_id: Set(draft.customer_id),
        issue_date: Set(draft.issue_date),
        due_date: Set(Some(due)),
        prices_include_tax: Set(draft.prices_include_tax),
        withholding: Set(draft.withholding),
        notes: Set(draft.notes.clone()),
        subtotal: Set(t.subtotal.get()),
        tax_total: Set(t.tax_total.get()),
        total: Set(t.total.get()),
        withholding_tax: Set(t.withholding_tax.get()),
        amount_due: Set(t.amount_due.get()),
        balance: Set(t.amount_due.get()),
        tax_breakdown: Set(breakdown_json(draft)?),
        customer_name: Set(customer_name),
        ..Default::default()
    })
}

/// `POST /invoices`: a new draft.
pub async fn create_draft(app: &App, ctx: &Ctx, input: InvoiceInput) -> Result<InvoiceView, AppError> {
    create_draft_in(app, ctx, input, None).await
}

/// A request checked and priced for a new draft, before any write.
pub(crate) struct PreparedDraft {
    draft: ValidDraft,
    customer_name: String,
    due: NaiveDate,
    today: NaiveDate,
}

/// Checks and prices `input` as a new draft of the company.
pub(crate) async fn prepare_draft(app: &App, ctx: &Ctx, input: InvoiceInput) -> Result<PreparedDraft, AppError> {
    ctx.require(Permission::ManageInvoices)?;
    let (draft, customer_name, due, today) = prepare(app, ctx, input).await?;
    Ok(PreparedDraft { draft, customer_name, due, today })
}

/// A new draft, optionally the correction of an issued invoice.
pub(super) async fn create_draft_in(
    app: &App,
    ctx: &Ctx,
    input: InvoiceInput,
    corrects: Option<i64>,
) -> Result<InvoiceView, AppError> {
    let prepared = prepare_draft(app, ctx, input).await?;
    let tx = app.db.begin_write().await?;
    let view = insert_draft(app, &tx, ctx, prepared, corrects, "invoice.created").await?;
    tx.commit().await?;
    Ok(view)
}

/// Writes a prepared draft inside the caller's transaction, audited as `action`.
pub(crate) async fn insert_draft(
    app: &App,
    tx: &WriteTx,
    ctx: &Ctx,
    p: PreparedDraft,
    corrects: Option<i64>,
    action: &'static str,
) -> Result<InvoiceView, AppError> {
    let PreparedDraft { draft, customer_name, due, today } = p;
    let now = db_now(app.clock.as_ref());
    let mut am = draft_columns(&draft, customer_name, due)?;
    am.company_id = Set(ctx.company_id);
    am.status = Set(InvoiceStatus::Draft.code().into());
    am.currency = Set("JPY".into());
    am.amount_paid = Set(0);
    am.version = Set(1);
    am.created_at = Set(now);
    am.updated_at = Set(now);
    am.corrects_invoice_id = Set(corrects);
    let m = am.insert(&**tx).await?;
    let lines = insert_lines(tx, ctx.company_id, m.id, &draft).await?;
    // Built from what was written, so the write transaction reads nothing back.
    let invoice_id = m.id;
    let view = build(m, lines, today);
    let action = if corrects.is_some() { "invoice.correction_started" } else { action };
    audit::append(
        app,
        tx,
        ctx,
        AuditEntry {
            action,
            target_type: "invoice",
            target_id: Some(invoice_id),
            changes: json!({"after": serde_json::to_value(&view)?, "corrects_invoice_id": corrects}),
        },
    )
    .await?;
    Ok(view)
}

/// Loads an invoice row of the company inside a write transaction, locking it.
pub(crate) async fn lock_invoice(tx: &WriteTx, ctx: &Ctx, id: i64) -> Result<invoice::Model, AppError> {
    let mut q = invoice::Entity::find_by_id(id).filter(invoice::Column::CompanyId.eq(ctx.company_id));
    if tx.backend() != invoicepilot_store::Backend::Sqlite {
        q = sea_orm::QuerySelect::lock_exclusive(q);
    }
    q.one(&**tx).await?.ok_or(AppError::NotFound("invoice"))
}

/// `PUT /invoices/{id}`: replaces a draft (If-Match required; issued invoices: 409).
pub async fn update_draft(
    app: &App,
    ctx: &Ctx,
    id: i64,
    if_match: Option<i64>,
    input: InvoiceInput,
) -> Result<InvoiceView, AppError> {
    ctx.require(Permission::ManageInvoices)?;
    let existing = load_view(app, app.db.conn(), ctx.company_id, id).await?;
    if existing.status != InvoiceStatus::Draft.code() {
        return Err(AppError::Conflict(format!("invoice {id} is {} and cannot be changed", existing.status)));
    }
    let expected = if_match.ok_or(AppError::PreconditionRequired)?;
    let (draft, customer_name, due, _) = prepare(app, ctx, input).await?;
    let tx = app.db.begin_write().await?;
    let mut am = draft_columns(&draft, customer_name, due)?;
    am.version = Set(expected + 1);
    am.updated_at = Set(db_now(app.clock.as_ref()));
    let res = invoice::Entity::update_many()
        .set(am)
        .filter(invoice::Column::Id.eq(id))
        .filter(invoice::Column::CompanyId.eq(ctx.company_id))
        .filter(invoice::Column::Status.eq(InvoiceStatus::Draft.code()))
        .filter(invoice::Column::Version.eq(expected))
        .exec(&*tx)
        .await?;
    if res.rows_affected == 0 {
        let current = lock_invoice(&tx, ctx, id).await?;
        if current.status != InvoiceStatus::Draft.code() {
            return Err(AppError::Conflict(format!("invoice {id} is {} and cannot be changed", current.status)));
        }
        return Err(AppError::VersionMismatch { current: current.version });
    }
    invoice_line::Entity::delete_many().filter(invoice_line::Column::InvoiceId.eq(id)).exec(&*tx).await?;
    insert_lines(&tx, ctx.company_id, id, &draft).await?;
    let after = load_view(app, &*tx, ctx.company_id, id).await?;
    audit::append(
        app,
        &tx,
        ctx,
        AuditEntry {
            action: "invoice.updated",
            target_type: "invoice",
            target_id: Some(id),
            changes: customers::diff(&serde_json::to_value(&existing)?, &serde_json::to_value(&after)?),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(after)
}

/// `DELETE /invoices/{id}`: drafts only (If-Match required).
pub async fn delete_draft(app: &App, ctx: &Ctx, id: i64, if_match: Option<i64>) -> Result<(), AppError> {
    ctx.require(Permission::ManageInvoices)?;
    let existing = load_view(app, app.db.conn(), ctx.company_id, id).await?;
    if existing.status != InvoiceStatus::Draft.code() {
        return Err(AppError::Conflict(format!(
            "invoice {id} is {}; issued invoices are never deleted (void it)",
            existing.status
        )));
    }
    let expected = if_match.ok_or(AppError::PreconditionRequired)?;
    let tx = app.db.begin_write().await?;
    let current = lock_invoice(&tx, ctx, id).await?;
    if current.status != InvoiceStatus::Draft.code() {
        return Err(AppError::Conflict(format!("invoice {id} is {} and cannot be deleted", current.status)));
    }
    if current.version != expected {
        return Err(AppError::VersionMismatch { current: current.version });
    }
    invoice_line::Entity::delete_many().filter(invoice_line::Column::InvoiceId.eq(id)).exec(&*tx).await?;
    invoice::Entity::delete_by_id(id).exec(&*tx).await?;
    audit::append(
        app,
        &tx,
        ctx,
        AuditEntry {
            action: "invoice.deleted",
            target_type: "invoice",
            target_id: Some(id),
            changes: json!({"before": serde_json::to_value(&existing)?}),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(())
}
