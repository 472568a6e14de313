//! The invoice as the API shows it.

use crate::App;
use crate::clock::{rfc3339, today_in};
use crate::error::AppError;
use chrono::NaiveDate;
use invoicepilot_domain::{InvoiceStatus, Quantity, RateTotal};
use invoicepilot_store::entity::{company, invoice, invoice_line};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use utoipa::ToSchema;

/// One line with its amount.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, PartialEq, Eq)]
pub struct LineView {
    /// 品目.
    pub description: String,
    /// Decimal string.
    pub quantity: String,
    /// 単位.
    pub unit: String,
    /// 単価.
    pub unit_price: i64,
    /// Rate code.
    pub tax_rate: String,
    /// quantity × unit_price, rounded by the company's mode.
    pub amount: i64,
}

impl LineView {
    /// The same line as a request would send it (a copy into a new draft).
    pub fn as_input(&self) -> super::input::LineInputDto {
        super::input::LineInputDto {
            description: Some(self.description.clone()),
            quantity: Some(super::input::QuantityValue::Text(self.quantity.clone())),
            unit: Some(self.unit.clone()),
            unit_price: Some(self.unit_price),
            tax_rate: Some(self.tax_rate.clone()),
            amount: None,
        }
    }
}

/// One rate's figures.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, PartialEq, Eq)]
pub struct RateTotalView {
    /// `"10"`, `"8"`, `"0"`, `"exempt"`, `"out_of_scope"`.
    pub rate: String,
    /// Excluding tax.
    pub taxable_amount: i64,
    /// Tax, rounded once for the rate.
    pub tax: i64,
    /// taxable_amount + tax.
    pub amount_including_tax: i64,
}

impl From<&RateTotal> for RateTotalView {
    fn from(r: &RateTotal) -> Self {
        RateTotalView {
            rate: r.rate.code().into(),
            taxable_amount: r.taxable_amount.get(),
            tax: r.tax.get(),
            amount_including_tax: r.amount_including_tax.get(),
        }
    }
}

/// The rounding an issued invoice was priced with (frozen in its issuer snapshot).
pub fn frozen_rounding(inv: &invoice::Model) -> invoicepilot_domain::RoundingMode {
    inv.issuer_snapshot
        .as_deref()
        .and_then(|s| serde_json::from_str::<serde_json::Value>(s).ok())
        .and_then(|v| v["tax_rounding"].as_str().and_then(|r| r.parse().ok()))
        .unwrap_or_default()
}

/// An invoice.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct InvoiceView {
    /// Id.
    pub id: i64,
    /// `draft`, `issued`, `partially_paid`, `paid`, `void`.
    pub status: String,
    /// `I-2026-0001`; `null` for drafts.
    pub number: Option<String>,
    /// Customer.
    pub customer_id: i64,
    /// Customer name (frozen at issue).
    pub customer_name: String,
    /// 請求日.
    pub issue_date: String,
    /// 支払期限.
    pub due_date: Option<String>,
    /// Always `JPY`.
    pub currency: String,
    /// Unit prices include tax.
    pub prices_include_tax: bool,
    /// 源泉徴収 applies.
    pub withholding: bool,
    /// 備考.
    pub notes: Option<String>,
    /// Lines.
    pub lines: Vec<LineView>,
    /// One entry per rate present.
    pub tax_breakdown: Vec<RateTotalView>,
    /// Σ taxable amounts.
    pub subtotal: i64,
    /// Σ tax.
    pub tax_total: i64,
    /// subtotal + tax_total.
    pub total: i64,
    /// 源泉徴収税額.
    pub withholding_tax: i64,
    /// total − withholding_tax.
    pub amount_due: i64,
    /// Σ allocations.
    pub amount_paid: i64,
    /// amount_due − amount_paid.
    pub balance: i64,
    /// Due date passed with a balance left.
    pub overdue: bool,
    /// No payment reminders for this invoice.
    pub dunning_hold: bool,
    /// The last e-mail delivery, or `null`.
    #[schema(value_type = Option<Object>)]
    pub delivery: Option<serde_json::Value>,
    /// The invoice this one corrects (修正).
    pub corrects_invoice_id: Option<i64>,
    /// The invoice that corrected this one.
    pub corrected_by_invoice_id: Option<i64>,
    /// Why it was voided.
    pub void_reason: Option<String>,
    /// When it was voided.
    pub voided_at: Option<String>,
    /// Issuer details frozen at issue.
    #[schema(value_type = Option<Object>)]
    pub issuer: Option<serde_json::Value>,
    /// Customer details frozen at issue.
    #[schema(value_type = Option<Object>)]
    pub customer: Option<serde_json::Value>,
    /// Optimistic-lock version.
    pub version: i64,
    /// Created.
    pub created_at: String,
    /// Last changed.
    pub updated_at: String,
    /// Issued.
    pub issued_at: Option<String>,
}

/// True when the due date has passed with a balance left on an open invoice.
pub fn is_overdue(m: &invoice::Model, today: NaiveDate) -> bool {
    let open = m.status.parse::<InvoiceStatus>().is_ok_and(|s| s.is_open());
    open && m.balance > 0 && m.due_date.is_some_and(|d| d < today)
}

/// Builds the view of an invoice from its row and lines.
pub fn build(m: invoice::Model, lines: Vec<invoice_line::Model>, today: NaiveDate) -> InvoiceView {
    let overdue = is_overdue(&m, today);
    let parse = |s: &Option<String>| s.as_deref().and_then(|s| serde_json::from_str(s).ok());
    InvoiceView {
        overdue,
        issuer: parse(&m.issuer_snapshot),
        customer: parse(&m.customer_snapshot),
        lines: lines
            .into_iter()
            .map(|l| LineView {
                description: l.description,
                quantity: Quantity::from_scaled(l.quantity_scaled).map(|q| q.to_string()).unwrap_or_default(),
                unit: l.unit,
                unit_price: l.unit_price,
                tax_rate: l.tax_rate,
                amount: l.amount,
            })
            .collect(),
        tax_breakdown: serde_json::from_str(&m.tax_breakdown).unwrap_or_default(),
        id: m.id,
        status: m.status,
        number: m.number,
        customer_id: m.customer_id,
        customer_name: m.customer_name,
        issue_date: m.issue_date.to_string(),
        due_date: m.due_date.map(|d| d.to_string()),
        currency: m.currency,
        prices_include_tax: m.prices_include_tax,
        withholding: m.withholding,
        notes: m.notes,
        subtotal: m.subtotal,
        tax_total: m.tax_total,
        total: m.total,
        withholding_tax: m.withholding_tax,
        amount_due: m.amount_due,
        amount_paid: m.amount_paid,
        balance: m.balance,
        delivery: parse(&m.delivery),
        dunning_hold: m.dunning_hold,
        corrects_invoice_id: m.corrects_invoice_id,
        corrected_by_invoice_id: m.corrected_by_invoice_id,
        void_reason: m.void_reason,
        voided_at: m.voided_at.map(rfc3339),
        version: m.version,
        created_at: rfc3339(m.created_at),
        updated_at: rfc3339(m.updated_at),
        issued_at: m.issued_at.map(rfc3339),
    }
}

/// Lines of several invoices, grouped by invoice, in position order.
pub async fn lines_of<C: ConnectionTrait>(
    conn: &C,
    invoice_ids: &[i64],
) -> Result<HashMap<i64, Vec<invoice_line::Model>>, AppError> {
    let mut map: HashMap<i64, Vec<invoice_line::Model>> = HashMap::new();
    if invoice_ids.is_empty() {
        return Ok(map);
    }
    let rows = invoice_line::Entity::find()
        .filter(invoice_line::Column::InvoiceId.is_in(invoice_ids.iter().copied()))
        .order_by_asc(invoice_line::Column::InvoiceId)
        .order_by_asc(invoice_line::Column::Position)
        .all(conn)
        .await?;
    for r in rows {
        map.entry(r.invoice_id).or_default().push(r);
    }
    Ok(map)
}

/// Loads one invoice of a company as a view, through `conn` (a transaction sees its writes).
pub async fn load_view<C: ConnectionTrait>(
    app: &App,
    conn: &C,
    company_id: i64,
    id: i64,
) -> Result<InvoiceView, AppError> {
    let m = invoice::Entity::find_by_id(id)
        .filter(invoice::Column::CompanyId.eq(company_id))
        .one(conn)
        .await?
        .ok_or(AppError::NotFound("invoice"))?;
    let tz = company::Entity::find_by_id(company_id).one(conn).await?.map(|c| c.time_zone).unwrap_or_default();
    let mut lines = lines_of(conn, &[id]).await?;
    Ok(build(m, lines.remove(&id).unwrap_or_default(), today_in(app.clock.as_ref(), &tz)))
}
