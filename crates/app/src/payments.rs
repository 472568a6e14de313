//! Payments: recording with allocations (the rest becomes customer credit) and reversal.

use crate::App;
use crate::audit::{self, AuditEntry};
use crate::clock::{db_now, rfc3339};
use crate::context::Ctx;
use crate::customers;
use crate::error::AppError;
use crate::input::Checker;
use crate::pagination::{Page, PageRequest};
use invoicepilot_domain::{InvoiceStatus, PaymentMethod, Permission, limits, money::MAX_AMOUNT};
use invoicepilot_store::entity::{bank_transaction, customer_credit, invoice, payment, payment_allocation};
use invoicepilot_store::{Backend, WriteTx};
use sea_orm::{ActiveModelTrait, ActiveValue::Set, ColumnTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
use serde::{Deserialize, Serialize};
use serde_json::json;
use std::collections::BTreeMap;
use utoipa::ToSchema;

/// One allocation in a request.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AllocationInput {
    /// The invoice paid.
    pub invoice_id: Option<i64>,
    /// How much of the payment goes to it.
    pub amount: Option<i64>,
}

/// Body of `POST /api/v1/payments`.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PaymentInput {
    /// The paying customer (required).
    #[schema(required = true, nullable = false)]
    pub customer_id: Option<i64>,
    /// Yen received, > 0 (required).
    #[schema(required = true, nullable = false, minimum = 1)]
    pub amount: Option<i64>,
    /// Date received, YYYY-MM-DD (required).
    #[schema(required = true, nullable = false, value_type = String, format = Date)]
    pub received_on: Option<String>,
    /// `bank_transfer`, `cash`, `card`, `other` (required).
    #[schema(required = true, nullable = false, value_type = String, pattern = "^(bank_transfer|cash|card|other)$")]
    pub method: Option<String>,
    /// Free reference.
    pub reference: Option<String>,
    /// Payer as printed by the bank (e.g. half-width kana).
    pub payer_name: Option<String>,
    /// Where the money goes; absent: the customer's oldest open invoices first.
    pub allocations: Option<Vec<AllocationInput>>,
}

/// An allocation as shown.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct AllocationView {
    /// Invoice.
    pub invoice_id: i64,
    /// Amount (negative on a reversal).
    pub amount: i64,
}

/// A payment as the API shows it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct PaymentView {
    /// Id.
    pub id: i64,
    /// Customer.
    pub customer_id: i64,
    /// Amount (negative for a reversal).
    pub amount: i64,
    /// Date received.
    pub received_on: String,
    /// Method.
    pub method: String,
    /// Reference.
    pub reference: Option<String>,
    /// Payer name.
    pub payer_name: Option<String>,
    /// Allocations.
    pub allocations: Vec<AllocationView>,
    /// The part kept as customer credit.
    pub unallocated: i64,
    /// For a reversal: the payment it reverses.
    pub reverses_payment_id: Option<i64>,
    /// The reversal of this payment, if reversed.
    pub reversed_by_payment_id: Option<i64>,
    /// Optimistic-lock version.
    pub version: i64,
    /// Recorded (RFC 3339).
    pub created_at: String,
}

fn view(p: payment::Model, allocations: Vec<payment_allocation::Model>) -> PaymentView {
    PaymentView {
        id: p.id,
        customer_id: p.customer_id,
        amount: p.amount,
        received_on: p.received_on.to_string(),
        method: p.method,
        reference: p.reference,
        payer_name: p.payer_name,
        allocations: allocations
            .into_iter()
            .map(|a| AllocationView { invoice_id: a.invoice_id, amount: a.amount })
            .collect(),
        unallocated: p.unallocated,
        reverses_payment_id: p.reverses_payment_id,
        reversed_by_payment_id: p.reversed_by_payment_id,
        version: p.version,
        created_at: rfc3339(p.created_at),
    }
}

async fn lock_invoices(tx: &WriteTx, ctx: &Ctx, ids: &[i64]) -> Result<Vec<invoice::Model>, AppError> {
    let mut q = invoice::Entity::find()
        .filter(invoice::Column::CompanyId.eq(ctx.company_id))
        .filter(invoice::Column::Id.is_in(ids.iter().copied()))
        .order_by_asc(invoice::Column::Id);
    if tx.backend() != Backend::Sqlite {
        q = q.lock_exclusive();
    }
    Ok(q.all(&**tx).await?)
}

async fn apply_to_invoice(app: &App, tx: &WriteTx, inv: &invoice::Model, delta: i64) -> Result<(), AppError> {
    let paid = inv.amount_paid + delta;
    let balance = inv.amount_due - paid - inv.amount_credited;
    let status = InvoiceStatus::from_payment(paid, balance);
    let am = invoice::ActiveModel {
        amount_paid: Set(paid),
        balance: Set(balance),
        status: Set(status.code().into()),
        version: Set(inv.version + 1),
        updated_at: Set(db_now(app.clock.as_ref())),
        ..Default::default()
    };
    invoice::Entity::update_many().set(am).filter(invoice::Column::Id.eq(inv.id)).exec(&**tx).await?;
    Ok(())
}

/// `POST /payments`: records a payment, allocates it and keeps the rest as credit.
pub async fn record(app: &App, ctx: &Ctx, input: PaymentInput) -> Result<PaymentView, AppError> {
    ctx.require(Permission::ManagePayments)?;
    let mut c = Checker::default();
    let customer_id = c.required("customer_id", input.customer_id);
    let amount = c.required("amount", input.amount);
    if amount.is_some_and(|a| a <= 0 || a > MAX_AMOUNT) {
        c.push("amount", "out_of_range", "amount must be a positive number of yen");
    }
    let received_on = c.required("received_on", input.received_on.clone());
    let received_on = received_on.and_then(|d| c.date("received_on", Some(&d)));
    let method = c.required("method", input.method).and_then(|m| c.parse("method", m.parse::<PaymentMethod>()));
    let reference = c.text("reference", input.reference, limits::REFERENCE);
    let payer_name = c.text("payer_name", input.payer_name, limits::REFERENCE);
    let mut requested: Option<Vec<(i64, i64)>> = None;
    if let Some(list) = input.allocations {
        let mut out = Vec::new();
        for (i, a) in list.into_iter().enumerate() {
            let inv = c.required(&format!("allocations[{i}].invoice_id"), a.invoice_id);
            let amt = c.required(&format!("allocations[{i}].amount"), a.amount);
            if amt.is_some_and(|x| x <= 0) {
                c.push(format!("allocations[{i}].amount"), "out_of_range", "allocation amounts must be positive");
            }
            if let (Some(inv), Some(amt)) = (inv, amt) {
                out.push((inv, amt));
            }
        }
        let total: i128 = out.iter().map(|(_, a)| *a as i128).sum();
        if amount.is_some_and(|p| total > p as i128) {
            c.push("allocations", "exceeds_payment", "allocations add up to more than the payment");
        }
        requested = Some(out);
    }
    c.finish(|| ())?;
    let (customer_id, amount, received_on, method) = (
        customer_id.unwrap_or_default(),
        amount.unwrap_or_default(),
        received_on.unwrap_or_default(),
        method.unwrap_or(PaymentMethod::Other),
    );
    customers::find(app.db.conn(), ctx.company_id, customer_id).await.map_err(customers::as_field_error)?;
    let valid = ValidPayment { customer_id, amount, received_on, method, reference, payer_name, requested };
    crate::retry::with_retry(|| record_once(app, ctx, &valid)).await
}

/// A payment request that passed validation.
#[derive(Debug, Clone)]
pub(crate) struct ValidPayment {
    pub(crate) customer_id: i64,
    pub(crate) amount: i64,
    pub(crate) received_on: chrono::NaiveDate,
    pub(crate) method: PaymentMethod,
    pub(crate) reference: Option<String>,
    pub(crate) payer_name: Option<String>,
    /// `(invoice id, yen)`; `None`: the customer's oldest open invoices first.
    pub(crate) requested: Option<Vec<(i64, i64)>>,
}

async fn record_once(app: &App, ctx: &Ctx, v: &ValidPayment) -> Result<PaymentView, AppError> {
    let tx = app.db.begin_write().await?;
    let out = record_in(app, &tx, ctx, v).await?;
    tx.commit().await?;
    Ok(out)
}

/// Records a validated payment inside the caller's transaction (bank matching books the
/// payment and the transaction's status together).
pub(crate) async fn record_in(app: &App, tx: &WriteTx, ctx: &Ctx, v: &ValidPayment) -> Result<PaymentView, AppError> {
    let (customer_id, amount, received_on, method) = (v.customer_id, v.amount, v.received_on, v.method);
    let (reference, payer_name, requested) = (v.reference.clone(), v.payer_name.clone(), v.requested.clone());
    let mut allocations: Vec<(invoice::Model, i64)> = Vec::new();
    match requested {
        Some(req) => {
            let mut per_invoice: BTreeMap<i64, i64> = BTreeMap::new();
            for (id, amt) in &req {
                *per_invoice.entry(*id).or_default() += amt;
            }
            let ids: Vec<i64> = per_invoice.keys().copied().collect();
            let invoices = lock_invoices(tx, ctx, &ids).await?;
            let mut errors = Checker::default();
            for (i, (id, _)) in req.iter().enumerate() {
                let field = format!("allocations[{i}].invoice_id");
                match invoices.iter().find(|inv| inv.id == *id) {
                    None => errors.push(field, "not_found", "no such invoice in this company"),
                    Some(inv) if inv.customer_id != customer_id => {
                        errors.push(field, "invalid", "the invoice belongs to another customer")
                    }
                    Some(inv) if !inv.status.parse::<InvoiceStatus>().is_ok_and(|s| s.is_open()) => {
                        errors.push(field, "invalid", format!("invoice is {} and takes no payments", inv.status))
                    }
                    Some(inv) if per_invoice[id] > inv.balance => errors.push(
                        format!("allocations[{i}].amount"),
                        "exceeds_balance",
                        format!("allocation exceeds the invoice's balance of {}", inv.balance),
                    ),
                    Some(_) => {}
                }
            }
            errors.finish(|| ())?;
            for inv in invoices {
                let amt = per_invoice[&inv.id];
                allocations.push((inv, amt));
            }
        }
        None => {
            // Oldest first: by due date, then issue date, then id.
            let mut q = invoice::Entity::find()
                .filter(invoice::Column::CompanyId.eq(ctx.company_id))
                .filter(invoice::Column::CustomerId.eq(customer_id))
                .filter(
                    invoice::Column::Status.is_in([InvoiceStatus::Issued.code(), InvoiceStatus::PartiallyPaid.code()]),
                )
                .filter(invoice::Column::Balance.gt(0))
                .order_by_asc(invoice::Column::Id);
            if tx.backend() != Backend::Sqlite {
                q = q.lock_exclusive();
            }
            let mut open = q.all(&**tx).await?;
            open.sort_by_key(|i| (i.due_date, i.issue_date, i.id));
            let mut left = amount;
            for inv in open {
                if left == 0 {
                    break;
                }
                let take = left.min(inv.balance);
                left -= take;
                allocations.push((inv, take));
            }
        }
    }
    let allocated: i64 = allocations.iter().map(|(_, a)| a).sum();
    let unallocated = amount - allocated;
    let now = db_now(app.clock.as_ref());
    let p = payment::ActiveModel {
        company_id: Set(ctx.company_id),
        customer_id: Set(customer_id),
        amount: Set(amount),
        received_on: Set(received_on),
        method: Set(method.code().into()),
        reference: Set(reference),
        payer_name: Set(payer_name),
        unallocated: Set(unallocated),
        reverses_payment_id: Set(None),
        reversed_by_payment_id: Set(None),
        version: Set(1),
        created_at: Set(now),
        ..Default::default()
    }
    .insert(&**tx)
    .await?;
    for (inv, amt) in &allocations {
        apply_to_invoice(app, tx, inv, *amt).await?;
    }
    if !allocations.is_empty() {
        let rows = allocations.iter().map(|(inv, amt)| payment_allocation::ActiveModel {
            company_id: Set(ctx.company_id),
            payment_id: Set(p.id),
            invoice_id: Set(inv.id),
            amount: Set(*amt),
            created_at: Set(now),
            ..Default::default()
        });
        payment_allocation::Entity::insert_many(rows).exec_without_returning(&**tx).await?;
    }
    if unallocated > 0 {
        customer_credit::ActiveModel {
            company_id: Set(ctx.company_id),
            customer_id: Set(customer_id),
            payment_id: Set(Some(p.id)),
            amount: Set(unallocated),
            reason: Set("overpayment".into()),
            created_at: Set(now),
            ..Default::default()
        }
        .insert(&**tx)
        .await?;
    }
    let out = load(&**tx, ctx.company_id, p.id).await?;
    audit::append(
        app,
        tx,
        ctx,
        AuditEntry {
            action: "payment.recorded",
            target_type: "payment",
            target_id: Some(p.id),
            changes: json!({"after": serde_json::to_value(&out)?}),
        },
    )
    .await?;
    for (inv, amt) in &allocations {
        audit::append(
            app,
            tx,
            ctx,
            AuditEntry {
                action: "invoice.payment_applied",
                target_type: "invoice",
                target_id: Some(inv.id),
                changes: json!({"payment_id": p.id, "amount": amt,
                                "before": {"amount_paid": inv.amount_paid, "balance": inv.balance, "status": inv.status},
                                "after": {"amount_paid": inv.amount_paid + amt, "balance": inv.balance - amt,
                                          "status": InvoiceStatus::from_payment(inv.amount_paid + amt, inv.balance - amt).code()}}),
            },
        )
        .await?;
    }
    Ok(out)
}

async fn load<C: sea_orm::ConnectionTrait>(conn: &C, company_id: i64, id: i64) -> Result<PaymentView, AppError> {
    let p = payment::Entity::find_by_id(id)
        .filter(payment::Column::CompanyId.eq(company_id))
        .one(conn)
        .await?
        .ok_or(AppError::NotFound("payment"))?;
    let allocations = payment_allocation::Entity::find()
        .filter(payment_allocation::Column::PaymentId.eq(id))
        .order_by_asc(payment_allocation::Column::Id)
        .all(conn)
        .await?;
    Ok(view(p, allocations))
}

/// `GET /payments/{id}`.
pub async fn get(app: &App, ctx: &Ctx, id: i64) -> Result<PaymentView, AppError> {
    ctx.require(Permission::Read)?;
    load(app.db.conn(), ctx.company_id, id).await
}

/// `GET /payments`, newest first, optionally of one customer.
pub async fn list(
    app: &App,
    ctx: &Ctx,
    customer_id: Option<i64>,
    page: PageRequest,
) -> Result<Page<PaymentView>, AppError> {
    ctx.require(Permission::Read)?;
    let mut q = payment::Entity::find().filter(payment::Column::CompanyId.eq(ctx.company_id));
    if let Some(c) = customer_id {
        q = q.filter(payment::Column::CustomerId.eq(c));
    }
    if let Some(before) = page.before_id {
        q = q.filter(payment::Column::Id.lt(before));
    }
    let rows = q.order_by_desc(payment::Column::Id).limit(page.limit + 1).all(app.db.conn()).await?;
    let ids: Vec<i64> = rows.iter().map(|r| r.id).collect();
    let allocs = payment_allocation::Entity::find()
        .filter(payment_allocation::Column::PaymentId.is_in(ids))
        .order_by_asc(payment_allocation::Column::Id)
        .all(app.db.conn())
        .await?;
    let mut by_payment: BTreeMap<i64, Vec<payment_allocation::Model>> = BTreeMap::new();
    for a in allocs {
        by_payment.entry(a.payment_id).or_default().push(a);
    }
    Ok(Page::from_rows(
        rows,
        page.limit,
        |r| r.id,
        |p| {
            let a = by_payment.remove(&p.id).unwrap_or_default();
            view(p, a)
        },
    ))
}

/// One payment's share of an invoice, for the invoice's page.
#[derive(Debug, Clone)]
pub struct InvoicePayment {
    /// The payment.
    pub payment_id: i64,
    /// Date received.
    pub received_on: String,
    /// Method code.
    pub method: String,
    /// The part allocated to the invoice (negative for a reversal).
    pub amount: i64,
    /// True for a reversal row.
    pub is_reversal: bool,
    /// True when this payment has been reversed.
    pub reversed: bool,
}

/// The allocations to one invoice, oldest first.
pub async fn of_invoice(app: &App, ctx: &Ctx, invoice_id: i64) -> Result<Vec<InvoicePayment>, AppError> {
    ctx.require(Permission::Read)?;
    let allocs = payment_allocation::Entity::find()
        .filter(payment_allocation::Column::CompanyId.eq(ctx.company_id))
        .filter(payment_allocation::Column::InvoiceId.eq(invoice_id))
        .order_by_asc(payment_allocation::Column::Id)
        .all(app.db.conn())
        .await?;
    let ids: Vec<i64> = allocs.iter().map(|a| a.payment_id).collect();
    let payments = payment::Entity::find()
        .filter(payment::Column::CompanyId.eq(ctx.company_id))
        .filter(payment::Column::Id.is_in(ids))
        .all(app.db.conn())
        .await?;
    Ok(allocs
        .into_iter()
        .filter_map(|a| {
            let p = payments.iter().find(|p| p.id == a.payment_id)?;
            Some(InvoicePayment {
                payment_id: p.id,
                received_on: p.received_on.to_string(),
                method: p.method.clone(),
                amount: a.amount,
                is_reversal: p.reverses_payment_id.is_some(),
                reversed: p.reversed_by_payment_id.is_some(),
            })
        })
        .collect())
}

/// `POST /payments/{id}/reverse`: undoes a payment with a linked negative payment; its
/// allocations and credit are taken back. 409 when already reversed or itself a reversal.
pub async fn reverse(app: &App, ctx: &Ctx, id: i64, if_match: Option<i64>) -> Result<PaymentView, AppError> {
    ctx.require(Permission::ManagePayments)?;
    crate::retry::with_retry(|| reverse_once(app, ctx, id, if_match)).await
}

async fn reverse_once(app: &App, ctx: &Ctx, id: i64, if_match: Option<i64>) -> Result<PaymentView, AppError> {
    let tx = app.db.begin_write().await?;
    let linked = bank_transaction::Entity::find()
        .filter(bank_transaction::Column::CompanyId.eq(ctx.company_id))
        .filter(
            sea_orm::Condition::any()
                .add(bank_transaction::Column::PaymentId.eq(id))
                .add(bank_transaction::Column::FeePaymentId.eq(id)),
        )
        .one(&*tx)
        .await?;
    if let Some(t) = linked {
        return Err(AppError::Conflict(format!(
            "payment {id} was booked from bank transaction {}; undo that match instead (POST /api/v1/bank-transactions/{}/unmatch)",
            t.id, t.id
        )));
    }
    let out = reverse_in(app, &tx, ctx, id, if_match).await?;
    tx.commit().await?;
    Ok(out)
}

/// Reverses a payment inside the caller's transaction.
pub(crate) async fn reverse_in(
    app: &App,
    tx: &WriteTx,
    ctx: &Ctx,
    id: i64,
    if_match: Option<i64>,
) -> Result<PaymentView, AppError> {
    let mut q = payment::Entity::find_by_id(id).filter(payment::Column::CompanyId.eq(ctx.company_id));
    if tx.backend() != Backend::Sqlite {
        q = q.lock_exclusive();
    }
    let original = q.one(&**tx).await?.ok_or(AppError::NotFound("payment"))?;
    if original.reverses_payment_id.is_some() {
        return Err(AppError::Conflict("a reversal cannot be reversed".into()));
    }
    if original.reversed_by_payment_id.is_some() {
        return Err(AppError::Conflict(format!("payment {id} is already reversed")));
    }
    if let Some(v) = if_match.filter(|v| *v != original.version) {
        let _ = v;
        return Err(AppError::VersionMismatch { current: original.version });
    }
    let allocs =
        payment_allocation::Entity::find().filter(payment_allocation::Column::PaymentId.eq(id)).all(&**tx).await?;
    let mut per_invoice: BTreeMap<i64, i64> = BTreeMap::new();
    for a in &allocs {
        *per_invoice.entry(a.invoice_id).or_default() += a.amount;
    }
    let ids: Vec<i64> = per_invoice.keys().copied().collect();
    let invoices = lock_invoices(tx, ctx, &ids).await?;
    let now = db_now(app.clock.as_ref());
    let reversal = payment::ActiveModel {
        company_id: Set(ctx.company_id),
        customer_id: Set(original.customer_id),
        amount: Set(-original.amount),
        received_on: Set(original.received_on),
        method: Set(original.method.clone()),
        reference: Set(original.reference.clone()),
        payer_name: Set(original.payer_name.clone()),
        unallocated: Set(-original.unallocated),
        reverses_payment_id: Set(Some(original.id)),
        reversed_by_payment_id: Set(None),
        version: Set(1),
        created_at: Set(now),
        ..Default::default()
    }
    .insert(&**tx)
    .await?;
    for inv in &invoices {
        apply_to_invoice(app, tx, inv, -per_invoice[&inv.id]).await?;
    }
    if !invoices.is_empty() {
        let rows = invoices.iter().map(|inv| payment_allocation::ActiveModel {
            company_id: Set(ctx.company_id),
            payment_id: Set(reversal.id),
            invoice_id: Set(inv.id),
            amount: Set(-per_invoice[&inv.id]),
            created_at: Set(now),
            ..Default::default()
        });
        payment_allocation::Entity::insert_many(rows).exec_without_returning(&**tx).await?;
    }
    if original.unallocated > 0 {
        customer_credit::ActiveModel {
            company_id: Set(ctx.company_id),
            customer_id: Set(original.customer_id),
            payment_id: Set(Some(reversal.id)),
            amount: Set(-original.unallocated),
            reason: Set("payment_reversed".into()),
            created_at: Set(now),
            ..Default::default()
        }
        .insert(&**tx)
        .await?;
    }
    payment::Entity::update_many()
        .col_expr(payment::Column::ReversedByPaymentId, sea_orm::sea_query::Expr::value(reversal.id))
        .col_expr(payment::Column::Version, sea_orm::sea_query::Expr::value(original.version + 1))
        .filter(payment::Column::Id.eq(id))
        .exec(&**tx)
        .await?;
    let out = load(&**tx, ctx.company_id, reversal.id).await?;
    audit::append(
        app,
        tx,
        ctx,
        AuditEntry {
            action: "payment.reversed",
            target_type: "payment",
            target_id: Some(id),
            changes: json!({"reversal": serde_json::to_value(&out)?}),
        },
    )
    .await?;
    for inv in &invoices {
        let amt = per_invoice[&inv.id];
        audit::append(
            app,
            tx,
            ctx,
            AuditEntry {
                action: "invoice.payment_reversed",
                target_type: "invoice",
                target_id: Some(inv.id),
                changes: json!({"payment_id": id, "amount": -amt,
                                "before": {"amount_paid": inv.amount_paid, "balance": inv.balance},
                                "after": {"amount_paid": inv.amount_paid - amt, "balance": inv.balance + amt}}),
            },
        )
        .await?;
    }
    Ok(out)
}
