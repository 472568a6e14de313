//! Quotes (見積書): drafts priced like invoices (one rounding per rate), numbered in their
//! own series `Q-YYYY-NNNN` when issued to the customer, then accepted — becoming an
//! invoice draft in the same step — declined, or expired after their validity date.

mod lifecycle;

pub use lifecycle::{AcceptedQuote, accept, decline, issue};

use crate::App;
use crate::audit::{self, AuditEntry};
use crate::clock::{db_now, rfc3339, today_in};
use crate::company;
use crate::context::Ctx;
use crate::customers;
use crate::error::AppError;
use crate::input::Checker;
use crate::invoices::{InvoiceInput, LineInputDto, LineView, RateTotalView, validate};
use crate::pagination::{Page, PageRequest};
use chrono::NaiveDate;
use invoicepilot_domain::{Permission, limits};
use invoicepilot_store::entity::quote;
use sea_orm::{ActiveModelTrait, ActiveValue::Set, ColumnTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
use serde::{Deserialize, Serialize};
use serde_json::json;
use utoipa::ToSchema;

/// The series of quotes.
pub const QUOTE_SERIES: &str = "Q";
/// Days a quote is valid when no date is given.
pub const DEFAULT_VALIDITY_DAYS: i64 = 30;

/// Body of `POST`/`PUT /api/v1/quotes`.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct QuoteInput {
    /// The customer (required).
    #[schema(required = true, nullable = false)]
    pub customer_id: Option<i64>,
    /// 見積日 (default today).
    pub issue_date: Option<String>,
    /// 有効期限 (default 30 days after the quote date).
    pub valid_until: Option<String>,
    /// Unit prices include tax (default false).
    pub prices_include_tax: Option<bool>,
    /// 件名.
    pub subject: Option<String>,
    /// 備考.
    pub notes: Option<String>,
    /// Lines as on invoices (required; may be empty on a draft).
    #[schema(required = true, nullable = false)]
    pub lines: Option<Vec<LineInputDto>>,
    /// Read-only, ignored.
    #[serde(default)]
    #[schema(value_type = Option<i64>, read_only)]
    pub id: Option<serde_json::Value>,
    /// Read-only, ignored (use If-Match).
    #[serde(default)]
    #[schema(value_type = Option<i64>, read_only)]
    pub version: Option<serde_json::Value>,
}

/// A quote as the API shows it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct QuoteView {
    /// Id.
    pub id: i64,
    /// `draft`, `sent`, `accepted`, `declined`, `expired` (sent and past `valid_until`).
    pub status: String,
    /// `Q-2026-0001` once issued; `null` for drafts.
    pub number: Option<String>,
    /// Customer.
    pub customer_id: i64,
    /// Customer name.
    pub customer_name: String,
    /// 見積日.
    pub issue_date: String,
    /// 有効期限.
    pub valid_until: String,
    /// Unit prices include tax.
    pub prices_include_tax: bool,
    /// 件名.
    pub subject: Option<String>,
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
    /// The invoice draft an accepted quote became.
    pub invoice_id: Option<i64>,
    /// Optimistic-lock version.
    pub version: i64,
    /// Created.
    pub created_at: String,
    /// Last changed.
    pub updated_at: String,
    /// Issued to the customer.
    pub sent_at: Option<String>,
    /// Accepted or declined.
    pub decided_at: Option<String>,
}

/// The status a person sees: a sent quote past its validity is `expired`.
pub fn shown_status(m: &quote::Model, today: NaiveDate) -> &str {
    if m.status == "sent" && m.valid_until < today { "expired" } else { &m.status }
}

pub(crate) fn quote_view(m: quote::Model, today: NaiveDate) -> QuoteView {
    QuoteView {
        status: shown_status(&m, today).to_owned(),
        id: m.id,
        number: m.number,
        customer_id: m.customer_id,
        customer_name: m.customer_name,
        issue_date: m.issue_date.to_string(),
        valid_until: m.valid_until.to_string(),
        prices_include_tax: m.prices_include_tax,
        subject: m.subject,
        notes: m.notes,
        lines: serde_json::from_str(&m.lines).unwrap_or_default(),
        tax_breakdown: serde_json::from_str(&m.tax_breakdown).unwrap_or_default(),
        subtotal: m.subtotal,
        tax_total: m.tax_total,
        total: m.total,
        invoice_id: m.invoice_id,
        version: m.version as i64,
        created_at: rfc3339(m.created_at),
        updated_at: rfc3339(m.updated_at),
        sent_at: m.sent_at.map(rfc3339),
        decided_at: m.decided_at.map(rfc3339),
    }
}

/// The priced content of a quote request, and the company's today it was priced on.
struct Priced {
    am: quote::ActiveModel,
    today: NaiveDate,
}

async fn price(app: &App, ctx: &Ctx, input: QuoteInput) -> Result<Priced, AppError> {
    let settings = company::load(app, ctx.company_id).await?;
    let today = today_in(app.clock.as_ref(), &settings.model.time_zone);
    let mut c = Checker::default();
    let subject = c.text("subject", input.subject.clone(), 200);
    let valid_until = c.date("valid_until", input.valid_until.as_deref());
    let notes = c.text("notes", input.notes.clone(), limits::NOTES);
    // Priced exactly as an invoice of the same lines would be (never withholding: a quote
    // states the price, not the settlement).
    let as_invoice = InvoiceInput {
        customer_id: input.customer_id,
        issue_date: input.issue_date,
        due_date: None,
        prices_include_tax: input.prices_include_tax,
        withholding: Some(false),
        notes: None,
        lines: input.lines,
        id: None,
        version: None,
    };
    let priced = match validate(as_invoice, &settings, today) {
        Ok(d) => Some(d),
        Err(AppError::Validation(errs)) => {
            for e in errs {
                c.push(e.field, &e.code, e.message);
            }
            None
        }
        Err(e) => return Err(e),
    };
    if let (Some(d), Some(v)) = (&priced, valid_until)
        && v < d.issue_date
    {
        c.push("valid_until", "invalid", "valid_until must not be before issue_date");
    }
    c.finish(|| ())?;
    let d = priced.ok_or_else(|| AppError::Internal("validated quote without content".into()))?;
    let customer =
        customers::find(app.db.conn(), ctx.company_id, d.customer_id).await.map_err(customers::as_field_error)?;
    let lines: Vec<LineView> = d
        .lines
        .iter()
        .zip(&d.totals.line_amounts)
        .map(|(l, a)| LineView {
            description: l.description.clone(),
            quantity: l.quantity.to_string(),
            unit: l.unit.clone(),
            unit_price: l.unit_price.get(),
            tax_rate: l.rate.code().into(),
            amount: a.get(),
        })
        .collect();
    let breakdown: Vec<RateTotalView> = d.totals.breakdown.iter().map(Into::into).collect();
    Ok(Priced {
        am: quote::ActiveModel {
            customer_id: Set(d.customer_id),
            issue_date: Set(d.issue_date),
            valid_until: Set(valid_until.unwrap_or(d.issue_date + chrono::Duration::days(DEFAULT_VALIDITY_DAYS))),
            prices_include_tax: Set(d.prices_include_tax),
            subject: Set(subject),
            notes: Set(notes),
            lines: Set(serde_json::to_string(&lines)?),
            tax_breakdown: Set(serde_json::to_string(&breakdown)?),
            subtotal: Set(d.totals.subtotal.get()),
            tax_total: Set(d.totals.tax_total.get()),
            total: Set(d.totals.total.get()),
            customer_name: Set(customer.name),
            ..Default::default()
        },
        today,
    })
}

/// `POST /quotes`: a new draft.
pub async fn create(app: &App, ctx: &Ctx, input: QuoteInput) -> Result<QuoteView, AppError> {
    ctx.require(Permission::ManageInvoices)?;
    let Priced { mut am, today } = price(app, ctx, input).await?;
    let now = db_now(app.clock.as_ref());
    am.company_id = Set(ctx.company_id);
    am.status = Set("draft".into());
    am.version = Set(1);
    am.created_at = Set(now);
    am.updated_at = Set(now);
    let tx = app.db.begin_write().await?;
    let m = am.insert(&*tx).await?;
    let v = quote_view(m, today);
    audit::append(
        app,
        &tx,
        ctx,
        AuditEntry {
            action: "quote.created",
            target_type: "quote",
            target_id: Some(v.id),
            changes: json!({"after": serde_json::to_value(&v)?}),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(v)
}

pub(crate) async fn load(app: &App, ctx: &Ctx, id: i64) -> Result<quote::Model, AppError> {
    quote::Entity::find_by_id(id)
        .filter(quote::Column::CompanyId.eq(ctx.company_id))
        .one(app.db.conn())
        .await?
        .ok_or(AppError::NotFound("quote"))
}

/// `PUT /quotes/{id}`: replaces a draft (If-Match required).
pub async fn update(
    app: &App,
    ctx: &Ctx,
    id: i64,
    if_match: Option<i64>,
    input: QuoteInput,
) -> Result<QuoteView, AppError> {
    ctx.require(Permission::ManageInvoices)?;
    let before = load(app, ctx, id).await?;
    if before.status != "draft" {
        return Err(AppError::Conflict(format!("quote {id} is {} and cannot be changed", before.status)));
    }
    let expected = if_match.ok_or(AppError::PreconditionRequired)?;
    let Priced { mut am, today: t } = price(app, ctx, input).await?;
    am.version = Set(expected as i32 + 1);
    am.updated_at = Set(db_now(app.clock.as_ref()));
    let tx = app.db.begin_write().await?;
    let res = quote::Entity::update_many()
        .set(am)
        .filter(quote::Column::Id.eq(id))
        .filter(quote::Column::Status.eq("draft"))
        .filter(quote::Column::Version.eq(expected as i32))
        .exec(&*tx)
        .await?;
    if res.rows_affected == 0 {
        let now = load(app, ctx, id).await?;
        if now.status != "draft" {
            return Err(AppError::Conflict(format!("quote {id} is {} and cannot be changed", now.status)));
        }
        return Err(AppError::VersionMismatch { current: now.version as i64 });
    }
    let after = quote::Entity::find_by_id(id).one(&*tx).await?.ok_or(AppError::NotFound("quote"))?;
    let (bv, av) = (quote_view(before, t), quote_view(after, t));
    audit::append(
        app,
        &tx,
        ctx,
        AuditEntry {
            action: "quote.updated",
            target_type: "quote",
            target_id: Some(id),
            changes: customers::diff(&serde_json::to_value(&bv)?, &serde_json::to_value(&av)?),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(av)
}

/// `DELETE /quotes/{id}`: drafts only.
pub async fn delete(app: &App, ctx: &Ctx, id: i64, if_match: Option<i64>) -> Result<(), AppError> {
    ctx.require(Permission::ManageInvoices)?;
    let q = load(app, ctx, id).await?;
    if q.status != "draft" {
        return Err(AppError::Conflict(format!("quote {id} is {}; only drafts are deleted", q.status)));
    }
    let expected = if_match.ok_or(AppError::PreconditionRequired)?;
    if expected != q.version as i64 {
        return Err(AppError::VersionMismatch { current: q.version as i64 });
    }
    let tx = app.db.begin_write().await?;
    let res = quote::Entity::delete_many()
        .filter(quote::Column::Id.eq(id))
        .filter(quote::Column::Version.eq(q.version))
        .filter(quote::Column::Status.eq("draft"))
        .exec(&*tx)
        .await?;
    if res.rows_affected == 0 {
        return Err(AppError::ConcurrentChange);
    }
    audit::append(
        app,
        &tx,
        ctx,
        AuditEntry {
            action: "quote.deleted",
            target_type: "quote",
            target_id: Some(id),
            changes: json!({"before": serde_json::to_value(quote_view(q, company::today(app, ctx.company_id).await?))?}),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// `GET /quotes/{id}`.
pub async fn get(app: &App, ctx: &Ctx, id: i64) -> Result<QuoteView, AppError> {
    ctx.require(Permission::Read)?;
    let q = load(app, ctx, id).await?;
    Ok(quote_view(q, company::today(app, ctx.company_id).await?))
}

/// `GET /quotes`, newest first; `status` may be `expired`.
pub async fn list(
    app: &App,
    ctx: &Ctx,
    status: Option<&str>,
    customer_id: Option<i64>,
    page: PageRequest,
) -> Result<Page<QuoteView>, AppError> {
    ctx.require(Permission::Read)?;
    let t = company::today(app, ctx.company_id).await?;
    let mut q = quote::Entity::find().filter(quote::Column::CompanyId.eq(ctx.company_id));
    match status {
        None | Some("") => {}
        Some("expired") => q = q.filter(quote::Column::Status.eq("sent")).filter(quote::Column::ValidUntil.lt(t)),
        Some("sent") => q = q.filter(quote::Column::Status.eq("sent")).filter(quote::Column::ValidUntil.gte(t)),
        Some(s @ ("draft" | "accepted" | "declined")) => q = q.filter(quote::Column::Status.eq(s)),
        Some(_) => {
            return Err(AppError::Validation(vec![crate::FieldError::new(
                "status",
                "invalid",
                "expected draft, sent, accepted, declined or expired",
            )]));
        }
    }
    if let Some(c) = customer_id {
        q = q.filter(quote::Column::CustomerId.eq(c));
    }
    if let Some(before) = page.before_id {
        q = q.filter(quote::Column::Id.lt(before));
    }
    let rows = q.order_by_desc(quote::Column::Id).limit(page.limit + 1).all(app.db.conn()).await?;
    Ok(Page::from_rows(rows, page.limit, |r| r.id, |m| quote_view(m, t)))
}
