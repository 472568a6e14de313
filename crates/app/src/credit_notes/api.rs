//! The credit-note use-cases the API and UI call: issue one against an invoice (an amount
//! divided over its rates, or returned lines priced like the invoice), read, and search
//! them by the 電帳法 keys (date, amount, counterparty).

use super::{CreditAmount, CreditLine, CreditNoteView, CreditRequest, book_in, prepare_counter};
use crate::App;
use crate::context::Ctx;
use crate::error::AppError;
use crate::input::Checker;
use crate::invoices::{LineInputDto, frozen_rounding, validate_lines};
use crate::pagination::{Page, PageRequest};
use invoicepilot_domain::credit::CreditKind;
use invoicepilot_domain::{LineInput, Permission, compute_totals, limits};
use invoicepilot_store::entity::{credit_note, invoice};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
use serde::Deserialize;
use utoipa::ToSchema;

/// Body of `POST /api/v1/invoices/{id}/credit-notes`.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreditNoteInput {
    /// `return` (返品) or `discount` (値引き, the default).
    pub kind: Option<String>,
    /// Date of the 返還等, YYYY-MM-DD (default today).
    pub credited_on: Option<String>,
    /// Why (printed on the document).
    pub reason: Option<String>,
    /// Yen including tax, divided over the invoice's rates in proportion; or give `lines`.
    pub amount: Option<i64>,
    /// The returned lines, priced like the invoice (its tax inclusion and rounding).
    pub lines: Option<Vec<LineInputDto>>,
}

/// Search of `GET /api/v1/credit-notes` (all combinable).
#[derive(Debug, Clone, Default, Deserialize, utoipa::IntoParams)]
pub struct CreditNoteFilter {
    /// The invoice credited.
    pub invoice_id: Option<i64>,
    /// The customer.
    pub customer_id: Option<i64>,
    /// 返還等 date ≥.
    pub credited_on_from: Option<String>,
    /// 返還等 date ≤.
    pub credited_on_to: Option<String>,
    /// Total ≥.
    pub total_min: Option<i64>,
    /// Total ≤.
    pub total_max: Option<i64>,
}

/// `POST /invoices/{id}/credit-notes`.
pub async fn create(app: &App, ctx: &Ctx, invoice_id: i64, input: CreditNoteInput) -> Result<CreditNoteView, AppError> {
    ctx.require(Permission::ManageInvoices)?;
    let inv = invoice::Entity::find_by_id(invoice_id)
        .filter(invoice::Column::CompanyId.eq(ctx.company_id))
        .one(app.db.conn())
        .await?
        .ok_or(AppError::NotFound("invoice"))?;
    let today = crate::company::today(app, ctx.company_id).await?;
    let mut c = Checker::default();
    let kind = match input.kind.as_deref() {
        None => Some(CreditKind::Discount),
        Some("transfer_fee") => {
            c.push("kind", "invalid", "transfer-fee credits are booked by bank matching");
            None
        }
        Some(k) => c.parse("kind", k.parse::<CreditKind>()),
    };
    let credited_on = match input.credited_on.as_deref() {
        None => Some(today),
        Some(d) => c.date("credited_on", Some(d)),
    };
    if credited_on.is_some_and(|d| d < inv.issue_date) {
        c.push("credited_on", "invalid", "a credit cannot precede the sale it returns");
    }
    let reason = c.text("reason", input.reason, limits::NOTES);
    let amount = match (input.amount, input.lines) {
        (Some(_), Some(_)) => {
            c.push("amount", "invalid", "give either amount or lines, not both");
            None
        }
        (None, None) => {
            c.push("amount", "required", "give the amount credited or the lines returned");
            None
        }
        (Some(a), None) => {
            if a <= 0 {
                c.push("amount", "out_of_range", "amount must be a positive number of yen");
            }
            Some((CreditAmount::Split(a), vec![]))
        }
        (None, Some(lines)) => {
            if lines.is_empty() || lines.len() > limits::LINES {
                c.push("lines", "invalid", format!("between 1 and {} lines", limits::LINES));
            }
            let valid = validate_lines(&mut c, lines);
            priced(&mut c, &inv, &valid)
        }
    };
    c.finish(|| ())?;
    let (amount, lines) = amount.unwrap_or((CreditAmount::Split(0), vec![]));
    let kind = kind.unwrap_or(CreditKind::Discount);
    let credited_on = credited_on.unwrap_or(today);
    let status: invoicepilot_domain::InvoiceStatus = inv.status.parse().map_err(AppError::Internal)?;
    if !status.is_open() {
        return Err(AppError::Conflict(format!(
            "invoice {} is {}: only issued invoices with a balance take a credit note",
            inv.id, inv.status
        )));
    }
    let total = match &amount {
        CreditAmount::Split(a) => *a,
        CreditAmount::ByRate(parts) => parts.iter().map(|p| p.amount_including_tax.get()).sum(),
    };
    prepare_counter(app, ctx.company_id, total, credited_on).await?;
    let req = CreditRequest {
        invoice_id,
        kind,
        amount,
        credited_on,
        reason: reason.unwrap_or_else(|| kind.label_ja().to_owned()),
        bank_transaction_id: None,
        lines,
    };
    crate::retry::with_retry(|| async {
        let tx = app.db.begin_write().await?;
        let note = book_in(app, &tx, ctx, &req).await?;
        tx.commit().await?;
        Ok(CreditNoteView::from(note))
    })
    .await
}

/// Prices returned lines like the invoice; every rate must be one the invoice charged.
fn priced(
    c: &mut Checker,
    inv: &invoice::Model,
    lines: &[crate::invoices::ValidLine],
) -> Option<(CreditAmount, Vec<CreditLine>)> {
    if !c.is_ok() {
        return None;
    }
    let inputs: Vec<LineInput> =
        lines.iter().map(|l| LineInput { quantity: l.quantity, unit_price: l.unit_price, rate: l.rate }).collect();
    let totals = match compute_totals(&inputs, inv.prices_include_tax, frozen_rounding(inv), false) {
        Ok(t) => t,
        Err(e) => {
            c.push("lines", "invalid", e.to_string());
            return None;
        }
    };
    let sold = super::sale_of(inv);
    for (i, l) in lines.iter().enumerate() {
        if !sold.iter().any(|s| s.rate == l.rate) {
            c.push(format!("lines[{i}].tax_rate"), "invalid", "the invoice charged nothing at this rate");
        }
        if l.unit_price.get() < 0 {
            c.push(format!("lines[{i}].unit_price"), "out_of_range", "returned lines are positive amounts");
        }
    }
    let stored = lines
        .iter()
        .zip(&totals.line_amounts)
        .map(|(l, a)| CreditLine {
            description: l.description.clone(),
            quantity: l.quantity.to_string(),
            unit: l.unit.clone(),
            unit_price: l.unit_price.get(),
            amount: a.get(),
            tax_rate: l.rate.code().into(),
        })
        .collect();
    Some((CreditAmount::ByRate(totals.breakdown), stored))
}

/// `GET /credit-notes/{id}`.
pub async fn get(app: &App, ctx: &Ctx, id: i64) -> Result<CreditNoteView, AppError> {
    ctx.require(Permission::Read)?;
    credit_note::Entity::find_by_id(id)
        .filter(credit_note::Column::CompanyId.eq(ctx.company_id))
        .one(app.db.conn())
        .await?
        .map(Into::into)
        .ok_or(AppError::NotFound("credit note"))
}

/// `GET /credit-notes`, newest first.
pub async fn list(
    app: &App,
    ctx: &Ctx,
    f: CreditNoteFilter,
    page: PageRequest,
) -> Result<Page<CreditNoteView>, AppError> {
    ctx.require(Permission::Read)?;
    let mut c = Checker::default();
    let from = c.date("credited_on_from", f.credited_on_from.as_deref());
    let to = c.date("credited_on_to", f.credited_on_to.as_deref());
    c.finish(|| ())?;
    let mut q = credit_note::Entity::find().filter(credit_note::Column::CompanyId.eq(ctx.company_id));
    if let Some(v) = f.invoice_id {
        q = q.filter(credit_note::Column::InvoiceId.eq(v));
    }
    if let Some(v) = f.customer_id {
        q = q.filter(credit_note::Column::CustomerId.eq(v));
    }
    if let Some(v) = from {
        q = q.filter(credit_note::Column::CreditedOn.gte(v));
    }
    if let Some(v) = to {
        q = q.filter(credit_note::Column::CreditedOn.lte(v));
    }
    if let Some(v) = f.total_min {
        q = q.filter(credit_note::Column::Total.gte(v));
    }
    if let Some(v) = f.total_max {
        q = q.filter(credit_note::Column::Total.lte(v));
    }
    if let Some(before) = page.before_id {
        q = q.filter(credit_note::Column::Id.lt(before));
    }
    let rows = q.order_by_desc(credit_note::Column::Id).limit(page.limit + 1).all(app.db.conn()).await?;
    Ok(Page::from_rows(rows, page.limit, |r| r.id, CreditNoteView::from))
}
