//! 合計請求書 (`japan-rules.md` §4.5): a customer's drafts dated within one closing period
//! (by the customer's 締め日) become one invoice dated the closing day, each line labelled
//! with its delivery date, the period stated, and tax computed once per rate on the period
//! totals. The source drafts are consumed in the same transaction (their content lives on
//! in the summary and the audit log).

use super::draft::{insert_draft, prepare_draft};
use super::input::{InvoiceInput, LineInputDto, QuantityValue};
use super::view::{InvoiceView, lines_of};
use crate::App;
use crate::audit::{self, AuditEntry};
use crate::clock::today_in;
use crate::context::Ctx;
use crate::customers;
use crate::error::AppError;
use crate::input::Checker;
use invoicepilot_domain::{InvoiceStatus, Permission, Quantity, limits};
use invoicepilot_store::entity::{invoice, invoice_line};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};
use serde::Deserialize;
use serde_json::json;
use utoipa::ToSchema;

/// Body of `POST /api/v1/invoices/summary`.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SummaryInput {
    /// The customer (required).
    pub customer_id: Option<i64>,
    /// A date in the closing period, usually the closing date (default: the customer's last
    /// closing date on or before today).
    pub closing_date: Option<String>,
    /// Issue the summary at once (default false: it stays a draft).
    pub issue: Option<bool>,
}

fn jp(d: chrono::NaiveDate) -> String {
    d.format("%Y年%-m月%-d日").to_string()
}

/// `POST /invoices/summary`: one invoice of the customer's drafts in a closing period.
pub async fn summarize(app: &App, ctx: &Ctx, input: SummaryInput) -> Result<InvoiceView, AppError> {
    ctx.require(Permission::ManageInvoices)?;
    let mut c = Checker::default();
    let customer_id = c.required("customer_id", input.customer_id);
    let date = c.date("closing_date", input.closing_date.as_deref());
    c.finish(|| ())?;
    let customer_id = customer_id.unwrap_or_default();
    let settings = crate::company::load(app, ctx.company_id).await?;
    let customer =
        customers::find(app.db.conn(), ctx.company_id, customer_id).await.map_err(customers::as_field_error)?;
    let terms = customers::terms_of(&customer).unwrap_or(settings.terms);
    let today = today_in(app.clock.as_ref(), &settings.model.time_zone);
    let (from, to) = terms.closing_period(date.unwrap_or_else(|| terms.latest_closing(today)));
    let drafts = invoice::Entity::find()
        .filter(invoice::Column::CompanyId.eq(ctx.company_id))
        .filter(invoice::Column::CustomerId.eq(customer_id))
        .filter(invoice::Column::Status.eq(InvoiceStatus::Draft.code()))
        .filter(invoice::Column::IssueDate.between(from, to))
        .filter(invoice::Column::CorrectsInvoiceId.is_null())
        // A summary is never a delivery of the next summary.
        .filter(invoice::Column::SummaryPeriod.is_null())
        .order_by_asc(invoice::Column::IssueDate)
        .order_by_asc(invoice::Column::Id)
        .all(app.db.conn())
        .await?;
    let refuse = |m: String| AppError::Validation(vec![crate::FieldError::new("closing_date", "invalid", m)]);
    if drafts.is_empty() {
        return Err(refuse(format!("no drafts of this customer dated {from} to {to}")));
    }
    let first = &drafts[0];
    if drafts.iter().any(|d| d.prices_include_tax != first.prices_include_tax || d.withholding != first.withholding) {
        return Err(refuse("the drafts of the period mix tax-inclusive and exclusive prices or withholding".into()));
    }
    let ids: Vec<i64> = drafts.iter().map(|d| d.id).collect();
    let mut lines = lines_of(app.db.conn(), &ids).await?;
    let mut all: Vec<LineInputDto> = Vec::new();
    for d in &drafts {
        let label = d.issue_date.format("%-m/%-d").to_string();
        for l in lines.remove(&d.id).unwrap_or_default() {
            all.push(LineInputDto {
                description: Some(format!("{label} {}", l.description).chars().take(limits::DESCRIPTION).collect()),
                quantity: Some(QuantityValue::Text(
                    Quantity::from_scaled(l.quantity_scaled).map(|q| q.to_string()).unwrap_or_default(),
                )),
                unit: Some(l.unit),
                unit_price: Some(l.unit_price),
                tax_rate: Some(l.tax_rate),
                amount: None,
            });
        }
    }
    if all.len() > limits::LINES {
        return Err(refuse(format!("{} lines exceed the {} an invoice holds", all.len(), limits::LINES)));
    }
    let notes = format!("{}〜{}締め分（納品{}件）の合計請求書です。", jp(from), jp(to), drafts.len());
    let summary_input = InvoiceInput {
        customer_id: Some(customer_id),
        issue_date: Some(to.to_string()),
        due_date: None,
        prices_include_tax: Some(first.prices_include_tax),
        withholding: Some(first.withholding),
        notes: Some(notes),
        lines: Some(all),
        id: None,
        version: None,
    };
    let prepared = prepare_draft(app, ctx, summary_input).await?;
    let tx = app.db.begin_write().await?;
    let view = insert_draft(app, &tx, ctx, prepared, None, "invoice.created").await?;
    invoice::Entity::update_many()
        .col_expr(invoice::Column::SummaryPeriod, sea_orm::sea_query::Expr::value(format!("{from}..{to}")))
        .filter(invoice::Column::Id.eq(view.id))
        .exec(&*tx)
        .await?;
    for d in &drafts {
        // Consumed only if still the draft that was read (else the transaction rolls back).
        invoice_line::Entity::delete_many().filter(invoice_line::Column::InvoiceId.eq(d.id)).exec(&*tx).await?;
        let gone = invoice::Entity::delete_many()
            .filter(invoice::Column::Id.eq(d.id))
            .filter(invoice::Column::Version.eq(d.version))
            .filter(invoice::Column::Status.eq(InvoiceStatus::Draft.code()))
            .exec(&*tx)
            .await?;
        if gone.rows_affected != 1 {
            return Err(AppError::Conflict(format!("draft {} changed meanwhile; summarize again", d.id)));
        }
        audit::append(
            app,
            &tx,
            ctx,
            AuditEntry {
                action: "invoice.summarized",
                target_type: "invoice",
                target_id: Some(d.id),
                changes: json!({"into_invoice_id": view.id, "period": {"from": from, "to": to},
                                "before": {"status": "draft", "issue_date": d.issue_date, "total": d.total}}),
            },
        )
        .await?;
    }
    tx.commit().await?;
    if input.issue.unwrap_or(false) {
        return super::issue(app, ctx, view.id, None).await;
    }
    Ok(view)
}
