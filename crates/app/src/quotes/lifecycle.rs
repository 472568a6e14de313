//! A quote's way out of draft: issued to the customer (numbered, issuer and customer
//! frozen), then accepted — an invoice draft of the same lines in the same transaction —
//! or declined. A sent quote past its validity is expired and cannot be accepted.

use super::{QUOTE_SERIES, QuoteView, load, quote_view};
use crate::App;
use crate::audit::{self, AuditEntry};
use crate::clock::db_now;
use crate::company;
use crate::context::Ctx;
use crate::customers;
use crate::error::AppError;
use crate::invoices::{
    InvoiceInput, InvoiceView, LineView, customer_snapshot, insert_draft, issuer_snapshot, prepare_draft,
};
use crate::numbering::{ensure_counter, take_next};
use chrono::Datelike;
use invoicepilot_domain::Permission;
use invoicepilot_store::entity::quote;
use sea_orm::{ActiveValue::Set, ColumnTrait, EntityTrait, QueryFilter};
use serde::Serialize;
use serde_json::json;
use utoipa::ToSchema;

/// What accepting a quote made.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct AcceptedQuote {
    /// The quote, now `accepted`.
    pub quote: QuoteView,
    /// The invoice draft of its lines.
    pub invoice: InvoiceView,
}

/// Moves `q` from one of `from` to `to` inside `tx`, or explains why not.
async fn claim(
    tx: &invoicepilot_store::WriteTx,
    q: &quote::Model,
    from: &str,
    am: quote::ActiveModel,
) -> Result<(), AppError> {
    let res = quote::Entity::update_many()
        .set(am)
        .filter(quote::Column::Id.eq(q.id))
        .filter(quote::Column::Version.eq(q.version))
        .filter(quote::Column::Status.eq(from))
        .exec(&**tx)
        .await?;
    if res.rows_affected == 0 {
        return Err(AppError::Conflict(format!("quote {} changed meanwhile", q.id)));
    }
    Ok(())
}

/// `POST /quotes/{id}/issue`: numbers the draft `Q-YYYY-NNNN`, freezes issuer and customer,
/// and marks it `sent`.
pub async fn issue(app: &App, ctx: &Ctx, id: i64) -> Result<QuoteView, AppError> {
    ctx.require(Permission::ManageInvoices)?;
    let q = load(app, ctx, id).await?;
    if q.status != "draft" {
        return Err(AppError::Conflict(format!("quote {id} is already {}", q.status)));
    }
    let lines: Vec<LineView> = serde_json::from_str(&q.lines).unwrap_or_default();
    if lines.is_empty() {
        return Err(AppError::Conflict("a quote without lines cannot be issued".into()));
    }
    let settings = company::load(app, ctx.company_id).await?;
    let customer = customers::find(app.db.conn(), ctx.company_id, q.customer_id).await?;
    let period = q.issue_date.year().to_string();
    ensure_counter(app, ctx.company_id, QUOTE_SERIES, &period).await?;
    crate::retry::with_retry(|| async {
        let tx = app.db.begin_write().await?;
        let seq = take_next(app, &tx, ctx.company_id, QUOTE_SERIES, &period).await?;
        let number = format!("{QUOTE_SERIES}-{period}-{seq:04}");
        let now = db_now(app.clock.as_ref());
        let am = quote::ActiveModel {
            status: Set("sent".into()),
            number: Set(Some(number.clone())),
            number_series: Set(Some(QUOTE_SERIES.into())),
            number_period: Set(Some(period.clone())),
            number_seq: Set(Some(seq)),
            issuer_snapshot: Set(Some(issuer_snapshot(&settings).to_string())),
            customer_snapshot: Set(Some(customer_snapshot(&customer).to_string())),
            customer_name: Set(customer.name.clone()),
            sent_at: Set(Some(now)),
            updated_at: Set(now),
            version: Set(q.version + 1),
            ..Default::default()
        };
        claim(&tx, &q, "draft", am).await?;
        audit::append(
            app,
            &tx,
            ctx,
            AuditEntry {
                action: "quote.issued",
                target_type: "quote",
                target_id: Some(id),
                changes: json!({"before": {"status": "draft"}, "after": {"status": "sent", "number": number}}),
            },
        )
        .await?;
        tx.commit().await?;
        Ok(())
    })
    .await?;
    super::get(app, ctx, id).await
}

/// `POST /quotes/{id}/accept`: the customer said yes; the invoice draft of its lines is
/// created in the same transaction (issue date today, due by the customer's terms).
pub async fn accept(app: &App, ctx: &Ctx, id: i64) -> Result<AcceptedQuote, AppError> {
    ctx.require(Permission::ManageInvoices)?;
    let q = load(app, ctx, id).await?;
    let today = company::today(app, ctx.company_id).await?;
    match super::shown_status(&q, today) {
        "sent" => {}
        "expired" => {
            return Err(AppError::Conflict(format!(
                "quote {id} expired on {}; issue a new quote instead",
                q.valid_until
            )));
        }
        other => return Err(AppError::Conflict(format!("quote {id} is {other}; only sent quotes are accepted"))),
    }
    let lines: Vec<LineView> = serde_json::from_str(&q.lines).unwrap_or_default();
    let notes = match (&q.number, &q.subject) {
        (Some(n), Some(s)) => Some(format!("{s}（御見積書 {n} による）")),
        (Some(n), None) => Some(format!("御見積書 {n} による")),
        _ => q.subject.clone(),
    };
    let input = InvoiceInput {
        customer_id: Some(q.customer_id),
        issue_date: None,
        due_date: None,
        prices_include_tax: Some(q.prices_include_tax),
        withholding: None,
        notes,
        lines: Some(lines.iter().map(LineView::as_input).collect()),
        id: None,
        version: None,
    };
    let prepared = prepare_draft(app, ctx, input).await?;
    let tx = app.db.begin_write().await?;
    let invoice = insert_draft(app, &tx, ctx, prepared, None, "invoice.created").await?;
    let now = db_now(app.clock.as_ref());
    let am = quote::ActiveModel {
        status: Set("accepted".into()),
        invoice_id: Set(Some(invoice.id)),
        decided_at: Set(Some(now)),
        updated_at: Set(now),
        version: Set(q.version + 1),
        ..Default::default()
    };
    claim(&tx, &q, "sent", am).await?;
    audit::append(
        app,
        &tx,
        ctx,
        AuditEntry {
            action: "quote.accepted",
            target_type: "quote",
            target_id: Some(id),
            changes: json!({"before": {"status": "sent"}, "after": {"status": "accepted", "invoice_id": invoice.id}}),
        },
    )
    .await?;
    let after = quote::Entity::find_by_id(id).one(&*tx).await?.ok_or(AppError::NotFound("quote"))?;
    tx.commit().await?;
    Ok(AcceptedQuote { quote: quote_view(after, today), invoice })
}

/// `POST /quotes/{id}/decline`: the customer said no (also after expiry).
pub async fn decline(app: &App, ctx: &Ctx, id: i64) -> Result<QuoteView, AppError> {
    ctx.require(Permission::ManageInvoices)?;
    let q = load(app, ctx, id).await?;
    if q.status != "sent" {
        return Err(AppError::Conflict(format!("quote {id} is {}; only sent quotes are declined", q.status)));
    }
    let tx = app.db.begin_write().await?;
    let now = db_now(app.clock.as_ref());
    let am = quote::ActiveModel {
        status: Set("declined".into()),
        decided_at: Set(Some(now)),
        updated_at: Set(now),
        version: Set(q.version + 1),
        ..Default::default()
    };
    claim(&tx, &q, "sent", am).await?;
    audit::append(
        app,
        &tx,
        ctx,
        AuditEntry {
            action: "quote.declined",
            target_type: "quote",
            target_id: Some(id),
            changes: json!({"before": {"status": "sent"}, "after": {"status": "declined"}}),
        },
    )
    .await?;
    tx.commit().await?;
    super::get(app, ctx, id).await
}
