//! Number counters: one row per (company, series, period), bumped inside the issuing
//! transaction so numbers are gapless and never repeat, on every backend.

use crate::App;
use crate::clock::db_now;
use crate::error::AppError;
use crate::sql::{insert_ignore, stmt};
use invoicepilot_store::WriteTx;
use invoicepilot_store::entity::{invoice, number_counter};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
use serde::Serialize;

/// The series of invoices (請求書).
pub const INVOICE_SERIES: &str = "I";

/// Takes the next value of a counter inside `tx`, creating the counter at 1. The UPDATE
/// takes the row lock first, so concurrent issuers queue here until commit: call it late.
pub async fn take_next(app: &App, tx: &WriteTx, company_id: i64, series: &str, period: &str) -> Result<i64, AppError> {
    take_block(app, tx, company_id, series, period, 1).await
}

/// Takes `count` consecutive numbers of a series and period inside `tx` and returns the
/// first (bulk writers such as `dev seed`; the counter row stays locked until commit).
pub async fn take_block(
    app: &App,
    tx: &WriteTx,
    company_id: i64,
    series: &str,
    period: &str,
    count: i64,
) -> Result<i64, AppError> {
    let b = app.db.db_backend();
    let now = db_now(app.clock.as_ref());
    let bump = || {
        stmt(
            b,
            "UPDATE number_counters SET next_value = next_value + ?, updated_at = ? \
             WHERE company_id = ? AND series = ? AND period = ?",
            vec![count.into(), now.into(), company_id.into(), series.into(), period.into()],
        )
    };
    if tx.execute_raw(bump()).await?.rows_affected() == 0 {
        create_if_missing(&**tx, company_id, series, period, now).await?;
        tx.execute_raw(bump()).await?;
    }
    let row = tx
        .query_one_raw(stmt(
            b,
            "SELECT next_value FROM number_counters WHERE company_id = ? AND series = ? AND period = ?",
            vec![company_id.into(), series.into(), period.into()],
        ))
        .await?
        .ok_or_else(|| AppError::Internal("number counter vanished".into()))?;
    let next: i64 = row.try_get("", "next_value")?;
    Ok(next - count)
}

/// Creates a counter at 1 if it does not exist, in its own short transaction.
pub async fn ensure_counter(app: &App, company_id: i64, series: &str, period: &str) -> Result<(), AppError> {
    let exists = number_counter::Entity::find_by_id((company_id, series.to_owned(), period.to_owned()))
        .one(app.db.conn())
        .await?
        .is_some();
    if !exists {
        create_if_missing(app.db.conn(), company_id, series, period, db_now(app.clock.as_ref())).await?;
    }
    Ok(())
}

/// `INSERT … ON CONFLICT DO NOTHING` of a counter starting at 1.
async fn create_if_missing<C: ConnectionTrait>(
    conn: &C,
    company_id: i64,
    series: &str,
    period: &str,
    now: chrono::NaiveDateTime,
) -> Result<(), AppError> {
    let b = conn.get_database_backend();
    let sql = insert_ignore(
        b,
        "number_counters",
        &["company_id", "series", "period", "next_value", "updated_at"],
        &["company_id", "series", "period"],
    );
    conn.execute_raw(stmt(b, &sql, vec![company_id.into(), series.into(), period.into(), 1i64.into(), now.into()]))
        .await?;
    Ok(())
}

/// A counter as `numbering show` prints it.
#[derive(Debug, Clone, Serialize)]
pub struct CounterView {
    /// Company.
    pub company_id: i64,
    /// Series (`I` for invoices).
    pub series: String,
    /// Period key (`2026`, or empty for formats without a period).
    pub period: String,
    /// The number the next issue takes.
    pub next: i64,
    /// The highest number issued in this counter, if any.
    pub last_issued: Option<i64>,
}

/// Every counter, optionally of one company.
pub async fn show(app: &App, company_id: Option<i64>) -> Result<Vec<CounterView>, AppError> {
    let mut q = number_counter::Entity::find();
    if let Some(c) = company_id {
        q = q.filter(number_counter::Column::CompanyId.eq(c));
    }
    let rows = q
        .order_by_asc(number_counter::Column::CompanyId)
        .order_by_asc(number_counter::Column::Series)
        .order_by_asc(number_counter::Column::Period)
        .all(app.db.conn())
        .await?;
    let mut out = Vec::with_capacity(rows.len());
    for r in rows {
        let last_issued = max_issued(app.db.conn(), r.company_id, &r.series, &r.period).await?;
        out.push(CounterView {
            company_id: r.company_id,
            series: r.series,
            period: r.period,
            next: r.next_value,
            last_issued,
        });
    }
    Ok(out)
}

async fn max_issued<C: ConnectionTrait>(
    conn: &C,
    company_id: i64,
    series: &str,
    period: &str,
) -> Result<Option<i64>, AppError> {
    let row = invoice::Entity::find()
        .filter(invoice::Column::CompanyId.eq(company_id))
        .filter(invoice::Column::NumberSeries.eq(series))
        .filter(invoice::Column::NumberPeriod.eq(period))
        .order_by_desc(invoice::Column::NumberSeq)
        .limit(1)
        .one(conn)
        .await?;
    Ok(row.and_then(|r| r.number_seq))
}

/// Sets the number the next issue takes (for companies moving from another system).
/// Refuses to go backwards or to a number at or below one already issued. Owner/admin.
pub async fn set_next(
    app: &App,
    ctx: &crate::context::Ctx,
    series: &str,
    period: &str,
    next: i64,
) -> Result<CounterView, AppError> {
    ctx.require(invoicepilot_domain::Permission::ManageCompany)?;
    let company_id = ctx.company_id;
    if series.is_empty() || series.len() > 16 || period.len() > 8 {
        return Err(AppError::field("series", "invalid", "series must be 1–16 characters and period at most 8"));
    }
    if next < 1 {
        return Err(AppError::field("next", "out_of_range", "the next number must be at least 1"));
    }
    let b = app.db.db_backend();
    let tx = app.db.begin_write().await?;
    let now = db_now(app.clock.as_ref());
    create_if_missing(&*tx, company_id, series, period, now).await?;
    let row = tx
        .query_one_raw(stmt(
            b,
            &format!(
                "SELECT next_value FROM number_counters WHERE company_id = ? AND series = ? AND period = ?{}",
                tx.lock_suffix()
            ),
            vec![company_id.into(), series.into(), period.into()],
        ))
        .await?
        .ok_or_else(|| AppError::Internal("number counter vanished".into()))?;
    let current: i64 = row.try_get("", "next_value")?;
    let last_issued = max_issued(&*tx, company_id, series, period).await?;
    if next < current {
        return Err(AppError::Conflict(format!("refusing to go backwards: the next number is already {current}")));
    }
    if let Some(last) = last_issued.filter(|l| next <= *l) {
        return Err(AppError::Conflict(format!("number {last} is already issued; the next number must be above it")));
    }
    tx.execute_raw(stmt(
        b,
        "UPDATE number_counters SET next_value = ?, updated_at = ? WHERE company_id = ? AND series = ? AND period = ?",
        vec![next.into(), now.into(), company_id.into(), series.into(), period.into()],
    ))
    .await?;
    crate::audit::append(
        app,
        &tx,
        ctx,
        crate::audit::AuditEntry {
            action: "numbering.next_set",
            target_type: "number_counter",
            target_id: None,
            changes: serde_json::json!({"series": series, "period": period, "before": {"next": current}, "after": {"next": next}}),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(CounterView { company_id, series: series.into(), period: period.into(), next, last_issued })
}
