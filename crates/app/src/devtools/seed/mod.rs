//! `invoicepilot dev seed`: fills an existing company with realistic data for development
//! and benchmarks — customers, invoices over the last two years with mixed rates, payments
//! in full and in part, 値引 credit notes, voided and overdue invoices, and their audit
//! rows — fast, by writing whole batches in one transaction with multi-row inserts.
//!
//! What it writes satisfies every invariant `invoicepilot check` verifies: totals priced by
//! the domain's rules, gapless numbers taken from the company's counters, allocations that
//! add up, and one unbroken audit chain. It takes explicit ids from the tables' current
//! maximum, so run it while nobody else writes to the database.

mod generate;

use crate::App;
use crate::audit::{self, AuditEntry};
use crate::clock::db_now;
use crate::company::{self, CompanySettings};
use crate::context::Ctx;
use crate::credit_notes::CREDIT_SERIES;
use crate::error::AppError;
use crate::invoices::{RateTotalView, customer_snapshot, issuer_snapshot};
use crate::numbering::{INVOICE_SERIES, ensure_counter, take_block};
use chrono::{Datelike, Days, NaiveDate, NaiveDateTime};
use generate::{Fate, Generator, PlannedInvoice};
use invoicepilot_domain::credit::{document_required, split_by_rate};
use invoicepilot_domain::{InvoiceStatus, Yen};
use invoicepilot_store::entity::{credit_note, customer, invoice, invoice_line, payment, payment_allocation};
use invoicepilot_store::{Backend, WriteTx};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, IntoActiveModel, QueryFilter};
use serde::Serialize;
use serde_json::json;
use std::collections::BTreeMap;
use std::time::Instant;

/// Invoices written per transaction.
const BATCH: usize = 5_000;
/// How far back issue dates reach.
const SPAN_DAYS: u64 = 730;

/// What to generate.
#[derive(Debug, Clone)]
pub struct SeedOptions {
    /// The existing company to fill.
    pub company_id: i64,
    /// New customers (0: spread the invoices over the company's existing customers).
    pub customers: usize,
    /// New invoices.
    pub invoices: usize,
    /// The random seed: the same seed on the same company state gives the same data.
    pub seed: u64,
    /// `APP_ENV`; `production` is refused.
    pub environment: Option<String>,
}

/// The one-line JSON summary `dev seed` prints.
#[derive(Debug, Clone, Default, Serialize)]
pub struct SeedSummary {
    /// The company filled.
    pub company_id: i64,
    /// Customers created.
    pub customers: usize,
    /// Invoices created (drafts included).
    pub invoices: usize,
    /// Of which still drafts.
    pub drafts: usize,
    /// Of which voided.
    pub void: usize,
    /// Of which paid in full.
    pub paid: usize,
    /// Of which partly paid.
    pub partially_paid: usize,
    /// Of which open and past their due date.
    pub overdue: usize,
    /// Payments recorded.
    pub payments: usize,
    /// Credit notes booked.
    pub credit_notes: usize,
    /// Audit rows appended.
    pub audit_rows: usize,
    /// Wall time.
    pub seconds: f64,
    /// Invoices written per second.
    pub invoices_per_second: f64,
}

/// Fills the company; `progress(done, total)` is called after each committed batch.
pub async fn seed(
    app: &App,
    opts: &SeedOptions,
    progress: &(dyn Fn(usize, usize) + Send + Sync),
) -> Result<SeedSummary, AppError> {
    if opts.environment.as_deref().is_some_and(|e| e.eq_ignore_ascii_case("production")) {
        return Err(AppError::Conflict("dev seed does not run when APP_ENV=production".into()));
    }
    let started = Instant::now();
    let settings = company::load(app, opts.company_id).await?;
    let today = company::today(app, opts.company_id).await?;
    let ctx = Ctx::system(opts.company_id);
    let mut generator = Generator::new(opts.seed);
    let mut summary = SeedSummary { company_id: opts.company_id, ..Default::default() };

    let customers = if opts.customers > 0 {
        summary.customers = opts.customers;
        insert_customers(app, &ctx, &mut generator, opts.customers).await?
    } else {
        customer::Entity::find().filter(customer::Column::CompanyId.eq(opts.company_id)).all(app.db.conn()).await?
    };
    if customers.is_empty() && opts.invoices > 0 {
        return Err(AppError::field(
            "customers",
            "required",
            "the company has no customers: ask for some with --customers",
        ));
    }
    let snapshots: Vec<String> = customers.iter().map(|c| customer_snapshot(c).to_string()).collect();
    let issuer = issuer_snapshot(&settings).to_string();
    let first_day = today - Days::new(SPAN_DAYS);
    let mut done = 0;
    while done < opts.invoices {
        let n = BATCH.min(opts.invoices - done);
        let planned: Vec<PlannedInvoice> = (done..done + n)
            .map(|i| {
                let offset = (i as u64 * SPAN_DAYS) / opts.invoices.max(1) as u64;
                let issue_date = first_day + Days::new(offset);
                generator.invoice(settings.rounding, &settings.terms, customers.len(), issue_date, today)
            })
            .collect();
        let batch = Batch { settings: &settings, customers: &customers, snapshots: &snapshots, issuer: &issuer, today };
        batch.write(app, &ctx, &planned, &mut summary).await?;
        done += n;
        progress(done, opts.invoices);
    }
    if opts.invoices > 0 {
        // The planner's statistics still describe the tables before the load.
        crate::dbmaint::analyze(app).await?;
    }
    summary.invoices = opts.invoices;
    summary.seconds = started.elapsed().as_secs_f64();
    summary.invoices_per_second = if summary.seconds > 0.0 { opts.invoices as f64 / summary.seconds } else { 0.0 };
    Ok(summary)
}

/// The next free id of each table, read inside the batch's write transaction.
async fn next_id(tx: &WriteTx, table: &str) -> Result<i64, AppError> {
    let b = tx.get_database_backend();
    let row = tx
        .query_one_raw(sea_orm::Statement::from_string(b, format!("SELECT COALESCE(MAX(id), 0) AS m FROM {table}")))
        .await?
        .ok_or_else(|| AppError::Internal(format!("no MAX(id) of {table}")))?;
    let max: i64 = row.try_get("", "m")?;
    Ok(max + 1)
}

/// PostgreSQL's sequences do not see explicit ids: move them past what was written.
async fn advance_sequences(tx: &WriteTx, tables: &[&str]) -> Result<(), AppError> {
    if tx.backend() != Backend::Postgres {
        return Ok(());
    }
    for t in tables {
        let sql = format!("SELECT setval(pg_get_serial_sequence('{t}', 'id'), (SELECT MAX(id) FROM {t}))");
        tx.execute_unprepared(&sql).await?;
    }
    Ok(())
}

async fn insert_customers(
    app: &App,
    ctx: &Ctx,
    generator: &mut Generator,
    n: usize,
) -> Result<Vec<customer::Model>, AppError> {
    let now = db_now(app.clock.as_ref());
    let tx = app.db.begin_write().await?;
    let first = next_id(&tx, "customers").await?;
    let rows: Vec<customer::Model> = (0..n)
        .map(|i| {
            let c = generator.customer(i);
            customer::Model {
                id: first + i as i64,
                company_id: ctx.company_id,
                name: c.name,
                name_kana: Some(c.name_kana),
                honorific: "御中".into(),
                email: Some(c.email),
                postal_code: Some(c.postal_code),
                address: Some(c.address),
                registration_number: None,
                payment_terms: None,
                version: 1,
                created_at: now,
                updated_at: now,
                dunning_hold: false,
                transfer_fee_tolerance: None,
                transfer_fee_booking: None,
            }
        })
        .collect();
    for chunk in rows.chunks(1000) {
        customer::Entity::insert_many(chunk.iter().cloned().map(IntoActiveModel::into_active_model))
            .exec_without_returning(&*tx)
            .await?;
    }
    let entries = rows
        .iter()
        .map(|c| AuditEntry {
            action: "customer.created",
            target_type: "customer",
            target_id: Some(c.id),
            changes: json!({"after": {"name": c.name}, "seeded": true}),
        })
        .collect();
    audit::append_many(app, &tx, ctx, entries).await?;
    advance_sequences(&tx, &["customers"]).await?;
    tx.commit().await?;
    Ok(rows)
}

/// What a batch needs besides its invoices.
struct Batch<'a> {
    settings: &'a CompanySettings,
    customers: &'a [customer::Model],
    snapshots: &'a [String],
    issuer: &'a str,
    today: NaiveDate,
}

/// The rows of one batch, ready to insert.
#[derive(Default)]
struct Rows {
    invoices: Vec<invoice::ActiveModel>,
    lines: Vec<invoice_line::ActiveModel>,
    payments: Vec<payment::ActiveModel>,
    allocations: Vec<payment_allocation::ActiveModel>,
    credit_notes: Vec<credit_note::ActiveModel>,
    audit: Vec<AuditEntry>,
}

/// Next ids of the batch's tables.
struct Ids {
    invoice: i64,
    line: i64,
    payment: i64,
    allocation: i64,
    credit_note: i64,
}

impl Batch<'_> {
    async fn write(
        &self,
        app: &App,
        ctx: &Ctx,
        planned: &[PlannedInvoice],
        summary: &mut SeedSummary,
    ) -> Result<(), AppError> {
        let fy_start = self.settings.model.fiscal_year_start_month as u32;
        let mut invoice_periods: BTreeMap<String, i64> = BTreeMap::new();
        let mut credit_periods: BTreeMap<String, i64> = BTreeMap::new();
        for p in planned {
            if p.fate != Fate::Draft {
                *invoice_periods.entry(self.settings.number_format.period_key(p.issue_date, fy_start)).or_default() +=
                    1;
            }
            if let Some(d) = p.discount
                && document_required(Yen(d))
            {
                *credit_periods.entry(credit_day(p, self.today).year().to_string()).or_default() += 1;
            }
        }
        // Counters are created outside the transaction (InnoDB gap locks, as in `issue`).
        for period in invoice_periods.keys() {
            ensure_counter(app, ctx.company_id, INVOICE_SERIES, period).await?;
        }
        for period in credit_periods.keys() {
            ensure_counter(app, ctx.company_id, CREDIT_SERIES, period).await?;
        }
        let tx = app.db.begin_write().await?;
        if tx.backend() == Backend::Sqlite {
            // A batch dirties far more pages than SQLite's default 2 MiB cache holds: without
            // a larger one every index insert rereads its pages and spills them to the WAL.
            tx.execute_unprepared("PRAGMA cache_size = -262144").await?;
        }
        for (period, count) in invoice_periods.iter_mut() {
            *count = take_block(app, &tx, ctx.company_id, INVOICE_SERIES, period, *count).await?;
        }
        for (period, count) in credit_periods.iter_mut() {
            *count = take_block(app, &tx, ctx.company_id, CREDIT_SERIES, period, *count).await?;
        }
        let mut ids = Ids {
            invoice: next_id(&tx, "invoices").await?,
            line: next_id(&tx, "invoice_lines").await?,
            payment: next_id(&tx, "payments").await?,
            allocation: next_id(&tx, "payment_allocations").await?,
            credit_note: next_id(&tx, "credit_notes").await?,
        };
        let now = db_now(app.clock.as_ref());
        let mut rows = Rows::default();
        for p in planned {
            self.rows_of(
                ctx,
                p,
                now,
                fy_start,
                &mut ids,
                &mut invoice_periods,
                &mut credit_periods,
                &mut rows,
                summary,
            )?;
        }
        summary.payments += rows.payments.len();
        summary.credit_notes += rows.credit_notes.len();
        summary.audit_rows += rows.audit.len();
        // Chunks keep every statement under the engines' bound-parameter limits; the rows
        // move into their statements (no copies).
        insert_chunked::<invoice::Entity>(&tx, rows.invoices, 500).await?;
        insert_chunked::<invoice_line::Entity>(&tx, rows.lines, 2500).await?;
        insert_chunked::<credit_note::Entity>(&tx, rows.credit_notes, 1000).await?;
        insert_chunked::<payment::Entity>(&tx, rows.payments, 2000).await?;
        insert_chunked::<payment_allocation::Entity>(&tx, rows.allocations, 4000).await?;
        audit::append_many(app, &tx, ctx, rows.audit).await?;
        advance_sequences(&tx, &["invoices", "invoice_lines", "payments", "payment_allocations", "credit_notes"])
            .await?;
        tx.commit().await?;
        Ok(())
    }

    #[allow(clippy::too_many_arguments)]
    fn rows_of(
        &self,
        ctx: &Ctx,
        p: &PlannedInvoice,
        now: NaiveDateTime,
        fy_start: u32,
        ids: &mut Ids,
        invoice_seq: &mut BTreeMap<String, i64>,
        credit_seq: &mut BTreeMap<String, i64>,
        rows: &mut Rows,
        summary: &mut SeedSummary,
    ) -> Result<(), AppError> {
        let id = ids.invoice;
        ids.invoice += 1;
        let customer = &self.customers[p.customer];
        let t = &p.totals;
        let due = t.amount_due.get();
        let breakdown: Vec<RateTotalView> = t.breakdown.iter().map(Into::into).collect();
        let mut inv = invoice::Model {
            id,
            company_id: ctx.company_id,
            customer_id: customer.id,
            status: InvoiceStatus::Issued.code().into(),
            number: None,
            number_series: None,
            number_period: None,
            number_seq: None,
            issue_date: p.issue_date,
            due_date: Some(p.due_date),
            currency: "JPY".into(),
            prices_include_tax: false,
            withholding: p.withholding,
            notes: None,
            subtotal: t.subtotal.get(),
            tax_total: t.tax_total.get(),
            total: t.total.get(),
            withholding_tax: t.withholding_tax.get(),
            amount_due: due,
            amount_paid: 0,
            balance: due,
            tax_breakdown: serde_json::to_string(&breakdown)?,
            customer_name: customer.name.clone(),
            issuer_snapshot: Some(self.issuer.to_owned()),
            customer_snapshot: Some(self.snapshots[p.customer].clone()),
            void_reason: None,
            voided_at: None,
            version: 1,
            created_at: now,
            updated_at: now,
            issued_at: Some(now),
            dunning_hold: false,
            delivery: None,
            amount_credited: 0,
            corrects_invoice_id: None,
            corrected_by_invoice_id: None,
            summary_period: None,
        };
        for (position, (l, amount)) in p.lines.iter().zip(&t.line_amounts).enumerate() {
            rows.lines.push(
                invoice_line::Model {
                    id: ids.line,
                    company_id: ctx.company_id,
                    invoice_id: id,
                    position: position as i32,
                    description: l.description.clone(),
                    quantity_scaled: l.quantity.scaled(),
                    unit: l.unit.clone(),
                    unit_price: l.unit_price.get(),
                    tax_rate: l.rate.code().into(),
                    amount: amount.get(),
                }
                .into_active_model(),
            );
            ids.line += 1;
        }
        if p.fate == Fate::Draft {
            inv.status = InvoiceStatus::Draft.code().into();
            (inv.issuer_snapshot, inv.customer_snapshot, inv.issued_at) = (None, None, None);
            summary.drafts += 1;
            rows.audit.push(entry("invoice.created", "invoice", id, json!({"after": {"status": "draft"}})));
            rows.invoices.push(inv.into_active_model());
            return Ok(());
        }
        let period = self.settings.number_format.period_key(p.issue_date, fy_start);
        let seq = invoice_seq.get_mut(&period).ok_or_else(|| AppError::Internal("no block for the period".into()))?;
        let number = self.settings.number_format.render(p.issue_date, fy_start, *seq);
        (inv.number, inv.number_series, inv.number_period, inv.number_seq) =
            (Some(number.clone()), Some(INVOICE_SERIES.into()), Some(period), Some(*seq));
        *seq += 1;
        rows.audit.push(entry(
            "invoice.issued",
            "invoice",
            id,
            json!({"after": {"status": "issued", "number": number, "total": inv.total, "amount_due": due,
                             "tax_breakdown": breakdown}}),
        ));
        if let Some(amount) = p.discount {
            let credited_on = credit_day(p, self.today);
            let parts = split_by_rate(Yen(amount), &t.breakdown, self.settings.rounding);
            let total: i64 = parts.iter().map(|r| r.amount_including_tax.get()).sum();
            let numbered = document_required(Yen(total));
            let (c_number, c_series, c_period, c_seq) = if numbered {
                let year = credited_on.year().to_string();
                let seq = credit_seq.get_mut(&year).ok_or_else(|| AppError::Internal("no credit block".into()))?;
                let n = (
                    Some(format!("{CREDIT_SERIES}-{year}-{:04}", *seq)),
                    Some(CREDIT_SERIES.to_owned()),
                    Some(year),
                    Some(*seq),
                );
                *seq += 1;
                n
            } else {
                (None, None, None, None)
            };
            let lines: Vec<_> = parts
                .iter()
                .map(|r| {
                    json!({"description": format!("値引（{}%対象）", r.rate.code()), "quantity": "1", "unit": "式",
                           "unit_price": r.amount_including_tax.get(), "amount": r.amount_including_tax.get(),
                           "tax_rate": r.rate.code()})
                })
                .collect();
            let note_breakdown: Vec<RateTotalView> = parts.iter().map(Into::into).collect();
            let note_id = ids.credit_note;
            ids.credit_note += 1;
            rows.credit_notes.push(
                credit_note::Model {
                    id: note_id,
                    company_id: ctx.company_id,
                    customer_id: customer.id,
                    invoice_id: id,
                    kind: "discount".into(),
                    status: "issued".into(),
                    number: c_number.clone(),
                    number_series: c_series,
                    number_period: c_period,
                    number_seq: c_seq,
                    credited_on,
                    original_sale_date: p.issue_date,
                    reason: "数量値引（シードデータ）".into(),
                    lines: serde_json::to_string(&lines)?,
                    tax_breakdown: serde_json::to_string(&note_breakdown)?,
                    subtotal: parts.iter().map(|r| r.taxable_amount.get()).sum(),
                    tax_total: parts.iter().map(|r| r.tax.get()).sum(),
                    total,
                    document_omitted: !numbered,
                    bank_transaction_id: None,
                    issuer_snapshot: inv.issuer_snapshot.clone(),
                    customer_snapshot: inv.customer_snapshot.clone(),
                    version: 1,
                    created_at: now,
                    issued_at: Some(now),
                }
                .into_active_model(),
            );
            inv.amount_credited = total;
            inv.balance -= total;
            rows.audit.push(entry(
                "credit_note.created",
                "credit_note",
                note_id,
                json!({"after": {"number": c_number, "invoice_id": id, "total": total}}),
            ));
        }
        match p.fate {
            Fate::Void => {
                inv.status = InvoiceStatus::Void.code().into();
                inv.balance = 0;
                inv.void_reason = Some("発行誤り（シードデータ）".into());
                inv.voided_at = Some(now);
                summary.void += 1;
                rows.audit.push(entry("invoice.voided", "invoice", id, json!({"after": {"status": "void"}})));
            }
            Fate::Paid(day) => {
                let amount = inv.balance;
                self.pay(ctx, &mut inv, amount, day, now, ids, rows);
                summary.paid += 1;
            }
            Fate::PartlyPaid(day, amount) => {
                let amount = amount.min(inv.balance - 1).max(1);
                self.pay(ctx, &mut inv, amount, day, now, ids, rows);
                summary.partially_paid += 1;
            }
            Fate::Open | Fate::Draft => {
                if p.due_date < self.today {
                    summary.overdue += 1;
                }
            }
        }
        rows.invoices.push(inv.into_active_model());
        Ok(())
    }

    /// One bank transfer for `amount`, allocated to `inv`.
    #[allow(clippy::too_many_arguments)]
    fn pay(
        &self,
        ctx: &Ctx,
        inv: &mut invoice::Model,
        amount: i64,
        day: NaiveDate,
        now: NaiveDateTime,
        ids: &mut Ids,
        rows: &mut Rows,
    ) {
        let payment_id = ids.payment;
        ids.payment += 1;
        rows.payments.push(
            payment::Model {
                id: payment_id,
                company_id: ctx.company_id,
                customer_id: inv.customer_id,
                amount,
                received_on: day,
                method: "bank_transfer".into(),
                reference: None,
                payer_name: None,
                unallocated: 0,
                reverses_payment_id: None,
                reversed_by_payment_id: None,
                version: 1,
                created_at: now,
            }
            .into_active_model(),
        );
        rows.allocations.push(
            payment_allocation::Model {
                id: ids.allocation,
                company_id: ctx.company_id,
                payment_id,
                invoice_id: inv.id,
                amount,
                created_at: now,
            }
            .into_active_model(),
        );
        ids.allocation += 1;
        inv.amount_paid += amount;
        inv.balance -= amount;
        inv.status = if inv.balance == 0 { InvoiceStatus::Paid } else { InvoiceStatus::PartiallyPaid }.code().into();
        rows.audit.push(entry(
            "payment.recorded",
            "payment",
            payment_id,
            json!({"after": {"amount": amount, "received_on": day.to_string(), "allocations": [{"invoice_id": inv.id, "amount": amount}]}}),
        ));
    }
}

/// Inserts `rows` in statements of at most `chunk` rows.
async fn insert_chunked<E: EntityTrait>(
    tx: &WriteTx,
    mut rows: Vec<E::ActiveModel>,
    chunk: usize,
) -> Result<(), AppError>
where
    E::ActiveModel: sea_orm::ActiveModelTrait<Entity = E> + Send,
{
    while !rows.is_empty() {
        let rest = rows.split_off(chunk.min(rows.len()));
        E::insert_many(std::mem::replace(&mut rows, rest)).exec_without_returning(&**tx).await?;
    }
    Ok(())
}

/// A 値引 is booked five days after the issue, never after today.
fn credit_day(p: &PlannedInvoice, today: NaiveDate) -> NaiveDate {
    (p.issue_date + Days::new(5)).min(today)
}

fn entry(action: &'static str, target_type: &'static str, id: i64, mut changes: serde_json::Value) -> AuditEntry {
    changes["seeded"] = json!(true);
    AuditEntry { action, target_type, target_id: Some(id), changes }
}
