//! `invoicepilot check`: the figures an operator compares after a restore, and the
//! invariants that must always hold (totals = lines + tax, allocations ≤ payments, numbers
//! gapless and unique per series, audit chain intact).

use crate::App;
use crate::audit::{AuditLogView, verify_chain};
use crate::error::AppError;
use crate::invoices::RateTotalView;
use crate::sql::stmt;
use invoicepilot_domain::{LineInput, Quantity, RoundingMode, TaxRate, Yen, compute_totals};
use invoicepilot_store::entity::{audit_log, company, credit_note, invoice, invoice_line, payment, quote};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder, QuerySelect};
use serde::Serialize;
use std::collections::{BTreeMap, HashMap};

/// Invoices re-priced per batch.
const BATCH: u64 = 500;

/// One broken invariant.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Violation {
    /// `audit_chain`, `totals`, `tax`, `allocations`, `payment`, `numbering`.
    pub kind: &'static str,
    /// The company concerned.
    pub company_id: i64,
    /// What is affected, e.g. `invoice:12`.
    pub target: String,
    /// What is wrong.
    pub detail: String,
}

/// The report `check --json` prints.
#[derive(Debug, Serialize)]
pub struct CheckReport {
    /// Number of invoices (drafts included).
    pub invoices: u64,
    /// Σ payment amounts (reversals are negative).
    pub payments_sum: i64,
    /// The newest audit row.
    pub latest_audit: Option<AuditLogView>,
    /// Every broken invariant; empty when all hold.
    pub violations: Vec<Violation>,
}

/// Runs every check over every company.
pub async fn run(app: &App) -> Result<CheckReport, AppError> {
    run_for(app, None).await
}

/// Runs every check over one company (`Some`) or all of them.
pub async fn run_for(app: &App, company_id: Option<i64>) -> Result<CheckReport, AppError> {
    let conn = app.db.conn();
    let b = app.db.db_backend();
    let mut invoices_q = invoice::Entity::find();
    let mut payments_q = payment::Entity::find();
    let mut audit_q = audit_log::Entity::find();
    let mut companies_q = company::Entity::find();
    if let Some(c) = company_id {
        invoices_q = invoices_q.filter(invoice::Column::CompanyId.eq(c));
        payments_q = payments_q.filter(payment::Column::CompanyId.eq(c));
        audit_q = audit_q.filter(audit_log::Column::CompanyId.eq(c));
        companies_q = companies_q.filter(company::Column::Id.eq(c));
    }
    let companies = companies_q.all(conn).await?;
    if company_id.is_some() && companies.is_empty() {
        return Err(AppError::NotFound("company"));
    }
    let invoices = invoices_q.count(conn).await?;
    let payments_sum: i64 =
        payments_q.select_only().column(payment::Column::Amount).into_tuple::<i64>().all(conn).await?.into_iter().sum();
    let latest_audit = audit_q.order_by_desc(audit_log::Column::Id).one(conn).await?.map(Into::into);
    let mut violations = Vec::new();

    for c in companies {
        for v in verify_chain(app, c.id).await? {
            violations.push(Violation {
                kind: "audit_chain",
                company_id: c.id,
                target: format!("audit:{}", v.seq),
                detail: v.problem,
            });
        }
    }

    let sql_checks: [(&'static str, &str, &str); 5] = [
        (
            "totals",
            "SELECT company_id, id FROM invoices WHERE subtotal + tax_total <> total OR total - withholding_tax <> amount_due \
             OR (status <> 'void' AND balance <> amount_due - amount_paid - amount_credited) OR (status = 'void' AND balance <> 0)",
            "stored totals do not add up (total = subtotal + tax, amount_due = total − withholding, balance = due − paid − credited)",
        ),
        (
            "credits",
            "SELECT i.company_id, i.id FROM invoices i LEFT JOIN (SELECT invoice_id, SUM(total) AS s FROM credit_notes \
             WHERE status = 'issued' GROUP BY invoice_id) c ON c.invoice_id = i.id \
             WHERE i.amount_credited <> COALESCE(c.s, 0) OR i.amount_paid + i.amount_credited > i.amount_due",
            "amount_credited differs from the sum of its credit notes, or payments and credits exceed amount_due",
        ),
        (
            "allocations",
            "SELECT i.company_id, i.id FROM invoices i LEFT JOIN (SELECT invoice_id, SUM(amount) AS s FROM payment_allocations \
             GROUP BY invoice_id) a ON a.invoice_id = i.id WHERE i.amount_paid <> COALESCE(a.s, 0) OR i.amount_paid > i.amount_due",
            "amount_paid differs from the sum of its allocations, or exceeds amount_due",
        ),
        (
            "payment",
            "SELECT p.company_id, p.id FROM payments p LEFT JOIN (SELECT payment_id, SUM(amount) AS s FROM payment_allocations \
             GROUP BY payment_id) a ON a.payment_id = p.id WHERE p.amount - COALESCE(a.s, 0) <> p.unallocated \
             OR (p.amount > 0 AND COALESCE(a.s, 0) > p.amount)",
            "allocations exceed the payment, or its unallocated part does not match",
        ),
        (
            "status",
            "SELECT company_id, id FROM invoices WHERE (status = 'paid' AND balance <> 0) \
             OR (status IN ('issued', 'partially_paid') AND balance <= 0) OR (status = 'draft' AND number IS NOT NULL) \
             OR (status <> 'draft' AND number IS NULL)",
            "status does not match number or balance",
        ),
    ];
    for (kind, sql, detail) in sql_checks {
        for row in conn.query_all_raw(stmt(b, sql, vec![])).await? {
            let company_id: i64 = row.try_get_by_index(0)?;
            let id: i64 = row.try_get_by_index(1)?;
            let target = if kind == "payment" { format!("payment:{id}") } else { format!("invoice:{id}") };
            violations.push(Violation { kind, company_id, target, detail: detail.into() });
        }
    }

    check_tax(app, &mut violations).await?;
    check_numbering(app, &mut violations).await?;
    if let Some(c) = company_id {
        violations.retain(|v| v.company_id == c);
    }
    Ok(CheckReport { invoices, payments_sum, latest_audit, violations })
}

/// Re-prices every issued invoice from its lines with the rounding frozen at issue.
async fn check_tax(app: &App, violations: &mut Vec<Violation>) -> Result<(), AppError> {
    let conn = app.db.conn();
    let mut after = 0i64;
    loop {
        let batch = invoice::Entity::find()
            .filter(invoice::Column::Id.gt(after))
            .filter(invoice::Column::Status.ne("draft"))
            .order_by_asc(invoice::Column::Id)
            .limit(BATCH)
            .all(conn)
            .await?;
        let Some(last) = batch.last() else { break };
        after = last.id;
        let ids: Vec<i64> = batch.iter().map(|i| i.id).collect();
        let mut lines: HashMap<i64, Vec<invoice_line::Model>> = HashMap::new();
        for l in invoice_line::Entity::find()
            .filter(invoice_line::Column::InvoiceId.is_in(ids))
            .order_by_asc(invoice_line::Column::Position)
            .all(conn)
            .await?
        {
            lines.entry(l.invoice_id).or_default().push(l);
        }
        for inv in batch {
            let rounding: RoundingMode = crate::invoices::frozen_rounding(&inv);
            let ls = lines.remove(&inv.id).unwrap_or_default();
            let inputs: Vec<LineInput> = ls
                .iter()
                .map(|l| LineInput {
                    quantity: Quantity::from_scaled(l.quantity_scaled)
                        .unwrap_or(Quantity::from_scaled(0).expect("zero")),
                    unit_price: Yen(l.unit_price),
                    rate: l.tax_rate.parse().unwrap_or(TaxRate::Standard10),
                })
                .collect();
            let mut problem = None;
            match compute_totals(&inputs, inv.prices_include_tax, rounding, inv.withholding) {
                Err(e) => problem = Some(format!("lines cannot be priced: {e}")),
                Ok(t) => {
                    let stored: Vec<RateTotalView> = serde_json::from_str(&inv.tax_breakdown).unwrap_or_default();
                    let computed: Vec<RateTotalView> = t.breakdown.iter().map(Into::into).collect();
                    let line_amounts: Vec<i64> = ls.iter().map(|l| l.amount).collect();
                    let expected_amounts: Vec<i64> = t.line_amounts.iter().map(|a| a.get()).collect();
                    if stored != computed
                        || t.total.get() != inv.total
                        || t.withholding_tax.get() != inv.withholding_tax
                    {
                        problem = Some(format!(
                            "tax per rate or totals differ from its lines (expected total {})",
                            t.total.get()
                        ));
                    } else if line_amounts != expected_amounts {
                        problem = Some("a line amount differs from quantity × unit price".into());
                    }
                }
            }
            if let Some(detail) = problem {
                violations.push(Violation {
                    kind: "tax",
                    company_id: inv.company_id,
                    target: format!("invoice:{}", inv.id),
                    detail,
                });
            }
        }
    }
    Ok(())
}

/// (company, series, period, sequence) of an issued number.
type NumberRow = (i64, Option<String>, Option<String>, Option<i64>);

/// `(company, series, period, seq)` of every numbered row of a document table; `cols` names
/// those four columns, the last being the sequence.
async fn numbered<E: EntityTrait>(
    conn: &sea_orm::DatabaseConnection,
    cols: [E::Column; 4],
) -> Result<Vec<NumberRow>, AppError> {
    Ok(E::find().select_only().columns(cols).filter(cols[3].is_not_null()).into_tuple().all(conn).await?)
}

/// Numbers per (company, series, period) must be unique and run 1, 2, 3 … without gaps,
/// except ranges skipped on purpose and recorded in the audit log (`numbering.next_set`,
/// `numbering.restore_kept`).
async fn check_numbering(app: &App, violations: &mut Vec<Violation>) -> Result<(), AppError> {
    let conn = app.db.conn();
    // Credit notes (`C`) and quotes (`Q`) have their own series, checked the same way.
    let rows = numbered::<invoice::Entity>(
        conn,
        [
            invoice::Column::CompanyId,
            invoice::Column::NumberSeries,
            invoice::Column::NumberPeriod,
            invoice::Column::NumberSeq,
        ],
    )
    .await?;
    let credit_rows = numbered::<credit_note::Entity>(
        conn,
        [
            credit_note::Column::CompanyId,
            credit_note::Column::NumberSeries,
            credit_note::Column::NumberPeriod,
            credit_note::Column::NumberSeq,
        ],
    )
    .await?;
    let quote_rows = numbered::<quote::Entity>(
        conn,
        [quote::Column::CompanyId, quote::Column::NumberSeries, quote::Column::NumberPeriod, quote::Column::NumberSeq],
    )
    .await?;
    let mut series: BTreeMap<(i64, String, String), Vec<i64>> = BTreeMap::new();
    for (company_id, s, p, seq) in rows.into_iter().chain(credit_rows).chain(quote_rows) {
        if let (Some(s), Some(p), Some(seq)) = (s, p, seq) {
            series.entry((company_id, s, p)).or_default().push(seq);
        }
    }
    let mut skipped: BTreeMap<(i64, String, String), Vec<(i64, i64)>> = BTreeMap::new();
    let explaining = ["numbering.next_set", "numbering.restore_kept"];
    for row in audit_log::Entity::find().filter(audit_log::Column::Action.is_in(explaining)).all(conn).await? {
        let v: serde_json::Value = serde_json::from_str(&row.changes).unwrap_or_default();
        if let (Some(s), Some(p), Some(from), Some(to)) =
            (v["series"].as_str(), v["period"].as_str(), v["before"]["next"].as_i64(), v["after"]["next"].as_i64())
        {
            skipped.entry((row.company_id, s.to_owned(), p.to_owned())).or_default().push((from, to));
        }
    }
    for (key, mut seqs) in series {
        seqs.sort_unstable();
        let explained = skipped.get(&key).cloned().unwrap_or_default();
        let label = format!("{}/{}", key.1, if key.2.is_empty() { "-" } else { &key.2 });
        let mut expected = 1;
        for seq in seqs {
            if seq < expected {
                violations.push(Violation {
                    kind: "numbering",
                    company_id: key.0,
                    target: label.clone(),
                    detail: format!("number {seq} issued twice"),
                });
                continue;
            }
            if seq > expected {
                // A skip [from, to) is followed by exactly `to`; skips may chain.
                let mut cursor = expected;
                while let Some((_, to)) = explained.iter().find(|(from, to)| *from <= cursor && cursor < *to) {
                    cursor = *to;
                }
                let covered = cursor == seq;
                if !covered {
                    violations.push(Violation {
                        kind: "numbering",
                        company_id: key.0,
                        target: label.clone(),
                        detail: format!("numbers {expected}–{} are missing", seq - 1),
                    });
                }
            }
            expected = seq + 1;
        }
    }
    Ok(())
}
