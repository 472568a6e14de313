//! Credit notes (適格返還請求書): a 返還等 against one issued invoice, divided over the
//! invoice's rates, numbered in their own gapless series when a document is owed, and taken
//! off the invoice's balance.

use crate::App;
use crate::audit::{self, AuditEntry};
use crate::clock::{db_now, rfc3339};
use crate::context::Ctx;
use crate::error::AppError;
use crate::invoices::{RateTotalView, frozen_rounding, lock_invoice};
use crate::numbering::{ensure_counter, take_next};
use chrono::{Datelike, NaiveDate};
use invoicepilot_domain::credit::{CreditKind, document_required, split_by_rate};
use invoicepilot_domain::{InvoiceStatus, RateTotal, TaxRate, Yen};
use invoicepilot_store::WriteTx;
use invoicepilot_store::entity::{credit_note, invoice};
use sea_orm::{ActiveModelTrait, ActiveValue::Set, ColumnTrait, EntityTrait, QueryFilter};
use serde::Serialize;
use serde_json::json;
use utoipa::ToSchema;

mod api;

pub use api::{CreditNoteFilter, CreditNoteInput, create, get, list};

/// The series of credit notes.
pub const CREDIT_SERIES: &str = "C";

/// A credit note as the API shows it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CreditNoteView {
    /// Id.
    pub id: i64,
    /// The invoice it returns against.
    pub invoice_id: i64,
    /// Customer.
    pub customer_id: i64,
    /// `return`, `discount`, `transfer_fee`.
    pub kind: String,
    /// `issued`, `void`.
    pub status: String,
    /// `C-2026-0001`; `null` when the document is omitted (under ¥10,000 including tax).
    pub number: Option<String>,
    /// Date of the 返還等.
    pub credited_on: String,
    /// Date of the sale returned (the invoice's issue date).
    pub original_sale_date: String,
    /// Why.
    pub reason: String,
    /// What is returned.
    pub lines: Vec<CreditLine>,
    /// Per-rate amounts and tax.
    pub tax_breakdown: Vec<RateTotalView>,
    /// Σ excluding tax.
    pub subtotal: i64,
    /// Σ tax.
    pub tax_total: i64,
    /// Including tax: what the invoice's balance went down by.
    pub total: i64,
    /// True when no document was issued (1万円未満のため返還インボイス省略).
    pub document_omitted: bool,
    /// The bank transaction whose fee shortfall it books.
    pub bank_transaction_id: Option<i64>,
    /// Recorded (RFC 3339).
    pub created_at: String,
}

impl From<credit_note::Model> for CreditNoteView {
    fn from(m: credit_note::Model) -> Self {
        CreditNoteView {
            id: m.id,
            invoice_id: m.invoice_id,
            customer_id: m.customer_id,
            kind: m.kind,
            status: m.status,
            number: m.number,
            credited_on: m.credited_on.to_string(),
            original_sale_date: m.original_sale_date.to_string(),
            reason: m.reason,
            lines: serde_json::from_str(&m.lines).unwrap_or_default(),
            tax_breakdown: serde_json::from_str(&m.tax_breakdown).unwrap_or_default(),
            subtotal: m.subtotal,
            tax_total: m.tax_total,
            total: m.total,
            document_omitted: m.document_omitted,
            bank_transaction_id: m.bank_transaction_id,
            created_at: rfc3339(m.created_at),
        }
    }
}

/// How much is credited.
#[derive(Debug, Clone)]
pub(crate) enum CreditAmount {
    /// Yen including tax, divided over the invoice's rates in proportion.
    Split(i64),
    /// Per rate, as computed from returned lines.
    ByRate(Vec<RateTotal>),
}

/// One returned line as stored and printed.
#[derive(Debug, Clone, Serialize, serde::Deserialize, ToSchema, PartialEq, Eq)]
pub struct CreditLine {
    /// 品目.
    pub description: String,
    /// 数量.
    pub quantity: String,
    /// 単位.
    pub unit: String,
    /// 単価 (as the invoice priced: including tax when its prices did).
    pub unit_price: i64,
    /// 金額.
    pub amount: i64,
    /// `10`, `8`, `0`, `exempt`, `out_of_scope`.
    pub tax_rate: String,
}

/// What to credit.
#[derive(Debug, Clone)]
pub(crate) struct CreditRequest {
    pub(crate) invoice_id: i64,
    pub(crate) kind: CreditKind,
    /// Including tax, > 0 and ≤ the invoice's balance.
    pub(crate) amount: CreditAmount,
    pub(crate) credited_on: NaiveDate,
    pub(crate) reason: String,
    pub(crate) bank_transaction_id: Option<i64>,
    /// The returned lines; empty: one line per rate named after the reason.
    pub(crate) lines: Vec<CreditLine>,
}

/// The period key of a credit-note number: the calendar year of the 返還等.
fn period_of(d: NaiveDate) -> String {
    d.year().to_string()
}

/// Creates the number counter a document credit of `amount` on `credited_on` would take,
/// outside any transaction (see `issue`: InnoDB gap locks).
pub(crate) async fn prepare_counter(
    app: &App,
    company_id: i64,
    amount: i64,
    credited_on: NaiveDate,
) -> Result<(), AppError> {
    if document_required(Yen(amount)) {
        ensure_counter(app, company_id, CREDIT_SERIES, &period_of(credited_on)).await?;
    }
    Ok(())
}

/// Books a credit note inside `tx`: locks the invoice, splits the amount over its rates,
/// numbers it when a document is owed, lowers the balance, audits both.
pub(crate) async fn book_in(
    app: &App,
    tx: &WriteTx,
    ctx: &Ctx,
    req: &CreditRequest,
) -> Result<credit_note::Model, AppError> {
    let inv = lock_invoice(tx, ctx, req.invoice_id).await?;
    let status: InvoiceStatus = inv.status.parse().map_err(AppError::Internal)?;
    if !status.is_open() {
        return Err(AppError::Conflict(format!("invoice {} is {} and takes no credit", inv.id, inv.status)));
    }
    let parts = match &req.amount {
        CreditAmount::Split(amount) => split_by_rate(Yen(*amount), &sale_of(&inv), frozen_rounding(&inv)),
        CreditAmount::ByRate(parts) => parts.clone(),
    };
    let total: i64 = parts.iter().map(|p| p.amount_including_tax.get()).sum();
    if parts.is_empty() || total <= 0 {
        return Err(AppError::Conflict(format!("invoice {} has no amounts to credit", inv.id)));
    }
    if total > inv.balance {
        return Err(AppError::Validation(vec![crate::FieldError::new(
            "amount",
            "exceeds_balance",
            format!("a credit of {total} exceeds the invoice's balance of {}", inv.balance),
        )]));
    }
    let subtotal: i64 = parts.iter().map(|p| p.taxable_amount.get()).sum();
    let tax_total: i64 = parts.iter().map(|p| p.tax.get()).sum();
    let breakdown: Vec<RateTotalView> = parts.iter().map(Into::into).collect();
    let lines = if req.lines.is_empty() {
        // A 値引 of an amount: one line per rate, including tax.
        parts
            .iter()
            .map(|p| CreditLine {
                description: format!("{}（{}）", req.kind.label_ja(), rate_words(p.rate)),
                quantity: "1".into(),
                unit: "式".into(),
                unit_price: p.amount_including_tax.get(),
                amount: p.amount_including_tax.get(),
                tax_rate: p.rate.code().into(),
            })
            .collect()
    } else {
        req.lines.clone()
    };
    let now = db_now(app.clock.as_ref());
    let omitted = !document_required(Yen(total));
    let (number, series, period, seq) = if omitted {
        (None, None, None, None)
    } else {
        let period = period_of(req.credited_on);
        let seq = take_next(app, tx, ctx.company_id, CREDIT_SERIES, &period).await?;
        (Some(format!("{CREDIT_SERIES}-{period}-{seq:04}")), Some(CREDIT_SERIES.to_owned()), Some(period), Some(seq))
    };
    let note = credit_note::ActiveModel {
        company_id: Set(ctx.company_id),
        customer_id: Set(inv.customer_id),
        invoice_id: Set(inv.id),
        kind: Set(req.kind.code().into()),
        status: Set("issued".into()),
        number: Set(number),
        number_series: Set(series),
        number_period: Set(period),
        number_seq: Set(seq),
        credited_on: Set(req.credited_on),
        original_sale_date: Set(inv.issue_date),
        reason: Set(req.reason.clone()),
        lines: Set(serde_json::to_string(&lines)?),
        tax_breakdown: Set(serde_json::to_string(&breakdown)?),
        subtotal: Set(subtotal),
        tax_total: Set(tax_total),
        total: Set(total),
        document_omitted: Set(omitted),
        bank_transaction_id: Set(req.bank_transaction_id),
        issuer_snapshot: Set(inv.issuer_snapshot.clone()),
        customer_snapshot: Set(inv.customer_snapshot.clone()),
        version: Set(1),
        created_at: Set(now),
        issued_at: Set(Some(now)),
        ..Default::default()
    }
    .insert(&**tx)
    .await?;
    set_credited(app, tx, &inv, inv.amount_credited + total).await?;
    let view = CreditNoteView::from(note.clone());
    audit::append(
        app,
        tx,
        ctx,
        AuditEntry {
            action: "credit_note.created",
            target_type: "credit_note",
            target_id: Some(note.id),
            changes: json!({"after": serde_json::to_value(&view)?}),
        },
    )
    .await?;
    audit::append(
        app,
        tx,
        ctx,
        AuditEntry {
            action: "invoice.credited",
            target_type: "invoice",
            target_id: Some(inv.id),
            changes: json!({"credit_note_id": note.id, "amount": total,
                            "before": {"balance": inv.balance, "status": inv.status},
                            "after": {"balance": inv.balance - total}}),
        },
    )
    .await?;
    Ok(note)
}

/// Voids a credit note inside `tx` (a bank match undone): the invoice owes the amount again.
pub(crate) async fn void_in(app: &App, tx: &WriteTx, ctx: &Ctx, id: i64, reason: &str) -> Result<(), AppError> {
    let note = credit_note::Entity::find_by_id(id)
        .filter(credit_note::Column::CompanyId.eq(ctx.company_id))
        .one(&**tx)
        .await?
        .ok_or(AppError::NotFound("credit note"))?;
    if note.status == "void" {
        return Ok(());
    }
    let inv = lock_invoice(tx, ctx, note.invoice_id).await?;
    credit_note::Entity::update_many()
        .col_expr(credit_note::Column::Status, sea_orm::sea_query::Expr::value("void"))
        .col_expr(credit_note::Column::Version, sea_orm::sea_query::Expr::value(note.version + 1))
        .filter(credit_note::Column::Id.eq(id))
        .exec(&**tx)
        .await?;
    set_credited(app, tx, &inv, inv.amount_credited - note.total).await?;
    audit::append(
        app,
        tx,
        ctx,
        AuditEntry {
            action: "credit_note.voided",
            target_type: "credit_note",
            target_id: Some(id),
            changes: json!({"before": {"status": note.status}, "after": {"status": "void"}, "reason": reason}),
        },
    )
    .await?;
    Ok(())
}

/// 「10%対象」, 「軽減税率8%対象」, 「非課税」 ….
fn rate_words(rate: TaxRate) -> &'static str {
    match rate {
        TaxRate::Standard10 => "10%対象",
        TaxRate::Reduced8 => "軽減税率8%対象",
        TaxRate::Zero => "0%",
        TaxRate::Exempt => "非課税",
        TaxRate::OutOfScope => "不課税",
    }
}

/// The per-rate totals of an issued invoice.
pub(crate) fn sale_of(inv: &invoice::Model) -> Vec<RateTotal> {
    serde_json::from_str::<Vec<RateTotalView>>(&inv.tax_breakdown)
        .unwrap_or_default()
        .iter()
        .filter_map(|r| {
            let rate = TaxRate::ALL.into_iter().find(|t| t.code() == r.rate)?;
            Some(RateTotal {
                rate,
                taxable_amount: Yen(r.taxable_amount),
                tax: Yen(r.tax),
                amount_including_tax: Yen(r.amount_including_tax),
            })
        })
        .collect()
}

/// Stores a new credited sum and the balance and status that follow from it.
async fn set_credited(app: &App, tx: &WriteTx, inv: &invoice::Model, credited: i64) -> Result<(), AppError> {
    let balance = inv.amount_due - inv.amount_paid - credited;
    // A fully credited invoice is settled too: `paid` is the status of a zero balance.
    let status = InvoiceStatus::from_payment(inv.amount_paid, balance);
    invoice::Entity::update_many()
        .set(invoice::ActiveModel {
            amount_credited: Set(credited),
            balance: Set(balance),
            status: Set(status.code().into()),
            version: Set(inv.version + 1),
            updated_at: Set(db_now(app.clock.as_ref())),
            ..Default::default()
        })
        .filter(invoice::Column::Id.eq(inv.id))
        .exec(&**tx)
        .await?;
    Ok(())
}

/// The credit notes of one invoice, oldest first.
pub async fn of_invoice(app: &App, ctx: &Ctx, invoice_id: i64) -> Result<Vec<CreditNoteView>, AppError> {
    ctx.require(invoicepilot_domain::Permission::Read)?;
    use sea_orm::QueryOrder;
    Ok(credit_note::Entity::find()
        .filter(credit_note::Column::CompanyId.eq(ctx.company_id))
        .filter(credit_note::Column::InvoiceId.eq(invoice_id))
        .order_by_asc(credit_note::Column::Id)
        .all(app.db.conn())
        .await?
        .into_iter()
        .map(Into::into)
        .collect())
}
