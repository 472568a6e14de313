//! The 未消込 queue: what a person does with a transfer matching left open — accept a
//! suggestion, assign it to a customer and invoices (optionally remembering the payer
//! name), set it aside — and undoing a match.

use super::matcher::{Booking, book, remember_in};
use super::view::{TransactionStatus, TransactionView};
use crate::App;
use crate::audit::{self, AuditEntry};
use crate::clock::db_now;
use crate::context::Ctx;
use crate::credit_notes;
use crate::customers;
use crate::error::AppError;
use crate::input::Checker;
use crate::pagination::{Page, PageRequest};
use crate::payments::{self, AllocationInput};
use invoicepilot_domain::Permission;
use invoicepilot_domain::credit::FeeBooking;
use invoicepilot_store::entity::{bank_transaction, credit_note};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
use serde::Deserialize;
use serde_json::json;
use utoipa::ToSchema;

/// Body of `POST /bank-transactions/{id}/assign`.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AssignInput {
    /// The customer who paid (required).
    pub customer_id: Option<i64>,
    /// Invoices and amounts (transfer plus fee); absent: the customer's oldest invoices.
    pub allocations: Option<Vec<AllocationInput>>,
    /// Shortfall to book as 振込手数料 (needs allocations); default 0.
    pub fee: Option<i64>,
    /// `discount` or `expense`; default: the customer's setting.
    pub fee_booking: Option<String>,
    /// Remember the payer name for this customer (「この名義を記憶する」).
    pub remember_payer_name: Option<bool>,
    /// Optimistic-lock version of the transaction.
    pub version: Option<i64>,
}

async fn load(app: &App, ctx: &Ctx, id: i64) -> Result<bank_transaction::Model, AppError> {
    bank_transaction::Entity::find_by_id(id)
        .filter(bank_transaction::Column::CompanyId.eq(ctx.company_id))
        .one(app.db.conn())
        .await?
        .ok_or(AppError::NotFound("bank transaction"))
}

fn require_open(t: &bank_transaction::Model) -> Result<(), AppError> {
    let open = t.status.parse::<TransactionStatus>().is_ok_and(TransactionStatus::is_open);
    if open { Ok(()) } else { Err(AppError::Conflict(format!("bank transaction {} is {}", t.id, t.status))) }
}

/// `GET /bank-transactions/{id}`.
pub async fn get_transaction(app: &App, ctx: &Ctx, id: i64) -> Result<TransactionView, AppError> {
    ctx.require(Permission::Read)?;
    Ok(load(app, ctx, id).await?.into())
}

/// `GET /bank-transactions`, newest first; `status=open` is the 未消込 queue (unmatched and
/// suggested).
pub async fn list_transactions(
    app: &App,
    ctx: &Ctx,
    status: Option<&str>,
    page: PageRequest,
) -> Result<Page<TransactionView>, AppError> {
    ctx.require(Permission::Read)?;
    let mut q = bank_transaction::Entity::find().filter(bank_transaction::Column::CompanyId.eq(ctx.company_id));
    match status {
        None | Some("") => {}
        Some("open") => {
            q = q.filter(
                bank_transaction::Column::Status
                    .is_in([TransactionStatus::Unmatched.code(), TransactionStatus::Suggested.code()]),
            )
        }
        Some(s) => {
            let s: TransactionStatus = s.parse().map_err(|m: String| {
                AppError::Validation(vec![crate::FieldError::new("status", "invalid", format!("{m}, or open"))])
            })?;
            q = q.filter(bank_transaction::Column::Status.eq(s.code()));
        }
    }
    if let Some(before) = page.before_id {
        q = q.filter(bank_transaction::Column::Id.lt(before));
    }
    let rows = q.order_by_desc(bank_transaction::Column::Id).limit(page.limit + 1).all(app.db.conn()).await?;
    Ok(Page::from_rows(rows, page.limit, |r| r.id, TransactionView::from))
}

/// `POST /bank-transactions/{id}/assign`: books the transfer to a customer as a person says.
pub async fn assign(app: &App, ctx: &Ctx, id: i64, input: AssignInput) -> Result<TransactionView, AppError> {
    ctx.require(Permission::ManagePayments)?;
    let t = load(app, ctx, id).await?;
    let mut c = Checker::default();
    let customer_id = c.required("customer_id", input.customer_id);
    let fee = input.fee.unwrap_or(0);
    if !(0..invoicepilot_domain::credit::DOCUMENT_THRESHOLD).contains(&fee) {
        c.push("fee", "out_of_range", "a transfer fee is between 0 and 9,999 yen");
    }
    let booking = input.fee_booking.as_deref().and_then(|b| c.parse("fee_booking", b.parse::<FeeBooking>()));
    let allocations = input.allocations.map(|list| {
        list.into_iter()
            .enumerate()
            .filter_map(|(i, a)| {
                let inv = c.required(&format!("allocations[{i}].invoice_id"), a.invoice_id);
                let amt = c.required(&format!("allocations[{i}].amount"), a.amount);
                if amt.is_some_and(|x| x <= 0) {
                    c.push(format!("allocations[{i}].amount"), "out_of_range", "allocation amounts must be positive");
                }
                inv.zip(amt)
            })
            .collect::<Vec<_>>()
    });
    match &allocations {
        Some(a) if a.iter().map(|x| x.1 as i128).sum::<i128>() > t.amount as i128 + fee as i128 => {
            c.push("allocations", "exceeds_payment", "allocations add up to more than the transfer and the fee")
        }
        None if fee > 0 => c.push("fee", "invalid", "a fee needs allocations naming the invoices it is booked on"),
        _ => {}
    }
    c.finish(|| ())?;
    require_open(&t)?;
    if let Some(v) = input.version.filter(|v| *v != t.version as i64) {
        let _ = v;
        return Err(AppError::VersionMismatch { current: t.version as i64 });
    }
    let customer_id = customer_id.unwrap_or_default();
    let customer =
        customers::find(app.db.conn(), ctx.company_id, customer_id).await.map_err(customers::as_field_error)?;
    let fee_booking =
        booking.or_else(|| customer.transfer_fee_booking.as_deref().and_then(|b| b.parse().ok())).unwrap_or_default();
    let b = Booking {
        customer_id,
        allocations,
        fee,
        fee_booking,
        reason: "manual".into(),
        remember_name: input.remember_payer_name.unwrap_or(false),
    };
    Ok(book(app, ctx, &t, &b).await?.into())
}

/// `POST /bank-transactions/{id}/accept`: books the stored suggestion `index` (0 = best).
pub async fn accept_suggestion(
    app: &App,
    ctx: &Ctx,
    id: i64,
    index: usize,
    remember_payer_name: bool,
) -> Result<TransactionView, AppError> {
    ctx.require(Permission::ManagePayments)?;
    let t = load(app, ctx, id).await?;
    require_open(&t)?;
    let view = TransactionView::from(t.clone());
    let s = view.suggestions.get(index).ok_or_else(|| {
        AppError::Validation(vec![crate::FieldError::new("index", "not_found", "no such suggestion")])
    })?;
    let customer = customers::find(app.db.conn(), ctx.company_id, s.customer_id).await?;
    let b = Booking {
        customer_id: s.customer_id,
        allocations: Some(s.allocations.iter().map(|a| (a.invoice_id, a.amount)).collect()),
        fee: s.fee,
        fee_booking: customer.transfer_fee_booking.as_deref().and_then(|b| b.parse().ok()).unwrap_or_default(),
        reason: s.reason.clone(),
        remember_name: remember_payer_name,
    };
    Ok(book(app, ctx, &t, &b).await?.into())
}

/// `POST /bank-transactions/{id}/ignore`: not a customer payment (a refund, interest, an
/// internal transfer); it leaves the queue.
pub async fn ignore(app: &App, ctx: &Ctx, id: i64) -> Result<TransactionView, AppError> {
    ctx.require(Permission::ManagePayments)?;
    let t = load(app, ctx, id).await?;
    require_open(&t)?;
    set_status(app, ctx, &t, TransactionStatus::Ignored, "bank_transaction.ignored").await
}

async fn set_status(
    app: &App,
    ctx: &Ctx,
    t: &bank_transaction::Model,
    to: TransactionStatus,
    action: &'static str,
) -> Result<TransactionView, AppError> {
    let tx = app.db.begin_write().await?;
    let done = bank_transaction::Entity::update_many()
        .col_expr(bank_transaction::Column::Status, sea_orm::sea_query::Expr::value(to.code()))
        .col_expr(bank_transaction::Column::Version, sea_orm::sea_query::Expr::value(t.version + 1))
        .col_expr(bank_transaction::Column::UpdatedAt, sea_orm::sea_query::Expr::value(db_now(app.clock.as_ref())))
        .filter(bank_transaction::Column::Id.eq(t.id))
        .filter(bank_transaction::Column::Version.eq(t.version))
        .exec(&*tx)
        .await?;
    if done.rows_affected != 1 {
        return Err(AppError::Conflict(format!("bank transaction {} changed meanwhile", t.id)));
    }
    audit::append(
        app,
        &tx,
        ctx,
        AuditEntry {
            action,
            target_type: "bank_transaction",
            target_id: Some(t.id),
            changes: json!({"before": {"status": t.status}, "after": {"status": to.code()}}),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(load(app, ctx, t.id).await?.into())
}

/// `POST /bank-transactions/{id}/unmatch`: reverses the payment (and the fee's payment or
/// credit notes) a match booked; the transfer goes back to the queue.
pub async fn unmatch(app: &App, ctx: &Ctx, id: i64) -> Result<TransactionView, AppError> {
    ctx.require(Permission::ManagePayments)?;
    crate::retry::with_retry(|| unmatch_once(app, ctx, id)).await
}

async fn unmatch_once(app: &App, ctx: &Ctx, id: i64) -> Result<TransactionView, AppError> {
    let t = load(app, ctx, id).await?;
    if t.status != TransactionStatus::Matched.code() {
        return Err(AppError::Conflict(format!("bank transaction {id} is {}, not matched", t.status)));
    }
    let tx = app.db.begin_write().await?;
    let done = bank_transaction::Entity::update_many()
        .set(bank_transaction::ActiveModel {
            status: sea_orm::ActiveValue::Set(TransactionStatus::Unmatched.code().into()),
            customer_id: sea_orm::ActiveValue::Set(None),
            payment_id: sea_orm::ActiveValue::Set(None),
            fee_payment_id: sea_orm::ActiveValue::Set(None),
            credit_note_id: sea_orm::ActiveValue::Set(None),
            match_reason: sea_orm::ActiveValue::Set(None),
            version: sea_orm::ActiveValue::Set(t.version + 1),
            updated_at: sea_orm::ActiveValue::Set(db_now(app.clock.as_ref())),
            ..Default::default()
        })
        .filter(bank_transaction::Column::Id.eq(id))
        .filter(bank_transaction::Column::Version.eq(t.version))
        .exec(&*tx)
        .await?;
    if done.rows_affected != 1 {
        return Err(AppError::Conflict(format!("bank transaction {id} changed meanwhile")));
    }
    for p in [t.payment_id, t.fee_payment_id].into_iter().flatten() {
        payments::reverse_in(app, &tx, ctx, p, None).await?;
    }
    let notes = credit_note::Entity::find()
        .filter(credit_note::Column::CompanyId.eq(ctx.company_id))
        .filter(credit_note::Column::BankTransactionId.eq(id))
        .filter(credit_note::Column::Status.eq("issued"))
        .all(&*tx)
        .await?;
    for n in notes {
        credit_notes::void_in(app, &tx, ctx, n.id, "bank match undone").await?;
    }
    audit::append(
        app,
        &tx,
        ctx,
        AuditEntry {
            action: "bank_transaction.unmatched",
            target_type: "bank_transaction",
            target_id: Some(id),
            changes: json!({"before": {"status": t.status, "payment_id": t.payment_id, "customer_id": t.customer_id},
                            "after": {"status": "unmatched"}}),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(load(app, ctx, id).await?.into())
}

/// Remembers a payer name for a customer outside a match (the customer page).
pub async fn remember_payer_name(app: &App, ctx: &Ctx, customer_id: i64, raw: &str) -> Result<(), AppError> {
    ctx.require(Permission::ManagePayments)?;
    customers::find(app.db.conn(), ctx.company_id, customer_id).await?;
    let tx = app.db.begin_write().await?;
    remember_in(app, &tx, ctx, customer_id, raw).await?;
    tx.commit().await?;
    Ok(())
}
