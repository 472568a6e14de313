//! Matching a stored transaction: what the company knows of its payers and open invoices,
//! and booking a chosen candidate — payment, allocations, the fee, the transaction's new
//! status and the audit rows — in one transaction.

use super::view::{SuggestedAllocation, SuggestionView, TransactionStatus};
use crate::App;
use crate::audit::{self, AuditEntry};
use crate::clock::db_now;
use crate::context::Ctx;
use crate::credit_notes::{self, CreditAmount, CreditRequest};
use crate::error::AppError;
use crate::payments::{self, ValidPayment};
use invoicepilot_domain::bank::matching::{MatchCandidate, OpenInvoice, Payer};
use invoicepilot_domain::bank::payer_name;
use invoicepilot_domain::credit::{CreditKind, DEFAULT_FEE_TOLERANCE, FeeBooking};
use invoicepilot_domain::{InvoiceStatus, PaymentMethod};
use invoicepilot_store::entity::{bank_transaction, customer, customer_payer_name, invoice};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QuerySelect};
use serde_json::json;
use std::collections::HashMap;

/// The company's payers and open invoices, as matching sees them.
pub(super) struct Book {
    pub(super) payers: Vec<Payer>,
    pub(super) open: Vec<OpenInvoice>,
    /// Customer id → (name, fee booking).
    pub(super) customers: HashMap<i64, (String, FeeBooking)>,
}

impl Book {
    /// Reads the book of `company_id`.
    pub(super) async fn load<C: ConnectionTrait>(conn: &C, company_id: i64) -> Result<Book, AppError> {
        let customers = customer::Entity::find().filter(customer::Column::CompanyId.eq(company_id)).all(conn).await?;
        let mut remembered: HashMap<i64, Vec<String>> = HashMap::new();
        for n in customer_payer_name::Entity::find()
            .filter(customer_payer_name::Column::CompanyId.eq(company_id))
            .all(conn)
            .await?
        {
            remembered.entry(n.customer_id).or_default().push(n.name);
        }
        let mut payers = Vec::with_capacity(customers.len());
        let mut names = HashMap::with_capacity(customers.len());
        for c in customers {
            let mut known: Vec<String> = remembered.remove(&c.id).unwrap_or_default();
            if let Some(kana) = c.name_kana.as_deref().map(payer_name::normalise).filter(|k| !k.is_empty()) {
                known.push(kana);
            }
            known.sort();
            known.dedup();
            payers.push(Payer {
                customer_id: c.id,
                names: known,
                fee_tolerance: c.transfer_fee_tolerance.unwrap_or(DEFAULT_FEE_TOLERANCE).max(0),
            });
            let booking = c.transfer_fee_booking.as_deref().and_then(|b| b.parse().ok()).unwrap_or_default();
            names.insert(c.id, (c.name, booking));
        }
        let open = invoice::Entity::find()
            .select_only()
            .columns([
                invoice::Column::Id,
                invoice::Column::CustomerId,
                invoice::Column::Number,
                invoice::Column::Balance,
                invoice::Column::DueDate,
                invoice::Column::IssueDate,
            ])
            .filter(invoice::Column::CompanyId.eq(company_id))
            .filter(invoice::Column::Status.is_in([InvoiceStatus::Issued.code(), InvoiceStatus::PartiallyPaid.code()]))
            .filter(invoice::Column::Balance.gt(0))
            .into_tuple::<(i64, i64, Option<String>, i64, Option<chrono::NaiveDate>, chrono::NaiveDate)>()
            .all(conn)
            .await?
            .into_iter()
            .map(|(id, customer_id, number, balance, due, issued)| OpenInvoice {
                id,
                customer_id,
                number: number.unwrap_or_default(),
                balance,
                due_date: due.unwrap_or(issued),
            })
            .collect();
        Ok(Book { payers, open, customers: names })
    }

    /// Lowers the balances of the invoices a booked candidate paid, so the next transfer
    /// of the same import sees them as they now are.
    pub(super) fn settle(&mut self, c: &MatchCandidate) {
        for (id, amount) in &c.allocations {
            if let Some(inv) = self.open.iter_mut().find(|i| i.id == *id) {
                inv.balance -= amount;
            }
        }
        self.open.retain(|i| i.balance > 0);
    }

    /// A candidate as a person sees it.
    pub(super) fn suggestion(&self, c: &MatchCandidate) -> SuggestionView {
        SuggestionView {
            customer_id: c.customer_id,
            customer_name: self.customers.get(&c.customer_id).map(|(n, _)| n.clone()).unwrap_or_default(),
            allocations: c
                .allocations
                .iter()
                .map(|(id, amount)| SuggestedAllocation {
                    invoice_id: *id,
                    number: self.open.iter().find(|i| i.id == *id).map(|i| i.number.clone()).unwrap_or_default(),
                    amount: *amount,
                })
                .collect(),
            fee: c.fee,
            reason: c.reason.code().into(),
            score: c.score,
        }
    }

    /// How `customer_id` books a deducted fee.
    pub(super) fn booking(&self, customer_id: i64) -> FeeBooking {
        self.customers.get(&customer_id).map(|(_, b)| *b).unwrap_or_default()
    }
}

/// A decision to book a transaction.
pub(super) struct Booking {
    pub(super) customer_id: i64,
    /// `(invoice, yen)` of transfer plus fee; `None`: the customer's oldest invoices first.
    pub(super) allocations: Option<Vec<(i64, i64)>>,
    pub(super) fee: i64,
    pub(super) fee_booking: FeeBooking,
    /// Reason code stored on the transaction.
    pub(super) reason: String,
    /// Remember the transaction's payer name for the customer.
    pub(super) remember_name: bool,
}

/// `(invoice id, yen)`.
type Allocation = (i64, i64);

/// Splits allocations of transfer + fee into the payment's part and the fee's part: the
/// fee is taken from the newest invoices first, so the oldest are paid by the money.
fn split_fee(allocations: &[Allocation], fee: i64) -> (Vec<Allocation>, Vec<Allocation>) {
    let mut paid = allocations.to_vec();
    let mut fees = Vec::new();
    let mut left = fee;
    for a in paid.iter_mut().rev() {
        if left == 0 {
            break;
        }
        let take = left.min(a.1);
        a.1 -= take;
        left -= take;
        fees.push((a.0, take));
    }
    paid.retain(|a| a.1 > 0);
    (paid, fees)
}

/// Books `b` for transaction `t` in one database transaction; 409 when someone else booked
/// or changed the transaction first.
pub(super) async fn book(
    app: &App,
    ctx: &Ctx,
    t: &bank_transaction::Model,
    b: &Booking,
) -> Result<bank_transaction::Model, AppError> {
    if b.fee > 0 && b.fee_booking == FeeBooking::Discount {
        credit_notes::prepare_counter(app, ctx.company_id, b.fee, t.booked_on).await?;
    }
    crate::retry::with_retry(|| book_once(app, ctx, t, b)).await
}

async fn book_once(
    app: &App,
    ctx: &Ctx,
    t: &bank_transaction::Model,
    b: &Booking,
) -> Result<bank_transaction::Model, AppError> {
    let tx = app.db.begin_write().await?;
    let now = db_now(app.clock.as_ref());
    // Claim the transaction first: a concurrent import or a second click finds it taken.
    let claimed = bank_transaction::Entity::update_many()
        .col_expr(bank_transaction::Column::Status, sea_orm::sea_query::Expr::value(TransactionStatus::Matched.code()))
        .col_expr(bank_transaction::Column::Version, sea_orm::sea_query::Expr::value(t.version + 1))
        .col_expr(bank_transaction::Column::UpdatedAt, sea_orm::sea_query::Expr::value(now))
        .filter(bank_transaction::Column::Id.eq(t.id))
        .filter(bank_transaction::Column::Version.eq(t.version))
        .filter(
            bank_transaction::Column::Status
                .is_in([TransactionStatus::Unmatched.code(), TransactionStatus::Suggested.code()]),
        )
        .exec(&*tx)
        .await?;
    if claimed.rows_affected != 1 {
        return Err(AppError::Conflict(format!("bank transaction {} was booked or changed meanwhile", t.id)));
    }
    // Banks print "-" for an empty memo.
    let edi = t.edi.trim().trim_matches(['-', 'ー', '－']);
    let reference = if edi.is_empty() { t.bank_reference.clone() } else { t.edi.trim().to_owned() };
    let (paid, fees) = match &b.allocations {
        Some(a) => {
            let (p, f) = split_fee(a, b.fee);
            (Some(p), f)
        }
        None => (None, vec![]),
    };
    let payment = payments::record_in(
        app,
        &tx,
        ctx,
        &ValidPayment {
            customer_id: b.customer_id,
            amount: t.amount,
            received_on: t.booked_on,
            method: PaymentMethod::BankTransfer,
            reference: Some(reference.chars().take(invoicepilot_domain::limits::REFERENCE).collect()),
            payer_name: Some(t.payer_name.clone()).filter(|p| !p.is_empty()),
            requested: paid,
        },
    )
    .await?;
    let mut fee_payment_id = None;
    let mut credit_note_id = None;
    match b.fee_booking {
        FeeBooking::Discount => {
            for (invoice_id, fee) in &fees {
                let request = CreditRequest {
                    invoice_id: *invoice_id,
                    kind: CreditKind::TransferFee,
                    amount: CreditAmount::Split(*fee),
                    credited_on: t.booked_on,
                    reason: "振込手数料（お客様差引分）".into(),
                    bank_transaction_id: Some(t.id),
                    lines: vec![],
                };
                credit_note_id = Some(credit_notes::book_in(app, &tx, ctx, &request).await?.id);
            }
        }
        FeeBooking::Expense if !fees.is_empty() => {
            let fee_payment = ValidPayment {
                customer_id: b.customer_id,
                amount: fees.iter().map(|f| f.1).sum(),
                received_on: t.booked_on,
                method: PaymentMethod::Other,
                reference: Some(format!("振込手数料（当方負担） 入金明細{}", t.id)),
                payer_name: None,
                requested: Some(fees.clone()),
            };
            fee_payment_id = Some(payments::record_in(app, &tx, ctx, &fee_payment).await?.id);
        }
        FeeBooking::Expense => {}
    }
    if b.remember_name {
        remember_in(app, &tx, ctx, b.customer_id, &t.payer_name).await?;
    }
    bank_transaction::Entity::update_many()
        .set(bank_transaction::ActiveModel {
            customer_id: sea_orm::ActiveValue::Set(Some(b.customer_id)),
            payment_id: sea_orm::ActiveValue::Set(Some(payment.id)),
            fee_payment_id: sea_orm::ActiveValue::Set(fee_payment_id),
            credit_note_id: sea_orm::ActiveValue::Set(credit_note_id),
            match_reason: sea_orm::ActiveValue::Set(Some(b.reason.clone())),
            ..Default::default()
        })
        .filter(bank_transaction::Column::Id.eq(t.id))
        .exec(&*tx)
        .await?;
    audit::append(
        app,
        &tx,
        ctx,
        AuditEntry {
            action: "bank_transaction.matched",
            target_type: "bank_transaction",
            target_id: Some(t.id),
            changes: json!({"before": {"status": t.status}, "after": {"status": "matched"},
                            "customer_id": b.customer_id, "payment_id": payment.id, "reason": b.reason,
                            "fee": b.fee, "fee_booking": b.fee_booking.code(),
                            "credit_note_id": credit_note_id, "fee_payment_id": fee_payment_id}),
        },
    )
    .await?;
    let out = bank_transaction::Entity::find_by_id(t.id)
        .one(&*tx)
        .await?
        .ok_or_else(|| AppError::Internal("booked bank transaction vanished".into()))?;
    tx.commit().await?;
    Ok(out)
}

/// Remembers `raw` (normalised) as a payer name of `customer_id`, once.
pub(super) async fn remember_in(
    app: &App,
    tx: &invoicepilot_store::WriteTx,
    ctx: &Ctx,
    customer_id: i64,
    raw: &str,
) -> Result<(), AppError> {
    let name = payer_name::normalise(raw);
    if name.is_empty() {
        return Ok(());
    }
    let name: String = name.chars().take(60).collect();
    let backend = tx.get_database_backend();
    let sql = crate::sql::insert_ignore(
        backend,
        "customer_payer_names",
        &["company_id", "customer_id", "name", "raw", "created_at"],
        &["customer_id", "name"],
    );
    let added = tx
        .execute_raw(crate::sql::stmt(
            backend,
            &sql,
            vec![
                ctx.company_id.into(),
                customer_id.into(),
                name.clone().into(),
                raw.chars().take(255).collect::<String>().into(),
                db_now(app.clock.as_ref()).into(),
            ],
        ))
        .await?;
    if added.rows_affected() > 0 {
        audit::append(
            app,
            tx,
            ctx,
            AuditEntry {
                action: "customer.payer_name_remembered",
                target_type: "customer",
                target_id: Some(customer_id),
                changes: json!({"payer_name": raw, "normalised": name}),
            },
        )
        .await?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::split_fee;

    #[test]
    fn the_fee_comes_off_the_newest_invoice_and_spills_backwards() {
        assert_eq!(split_fee(&[(1, 5_000), (2, 3_000)], 440), (vec![(1, 5_000), (2, 2_560)], vec![(2, 440)]));
        assert_eq!(split_fee(&[(1, 5_000), (2, 300)], 440), (vec![(1, 4_860)], vec![(2, 300), (1, 140)]));
        assert_eq!(split_fee(&[(1, 5_000)], 0), (vec![(1, 5_000)], vec![]));
    }
}
