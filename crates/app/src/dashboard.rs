//! The dashboard: what is owed, what is late, what was sold this month, and what changed.

use crate::App;
use crate::audit::AuditLogView;
use crate::clock::today_in;
use crate::company;
use crate::context::Ctx;
use crate::error::AppError;
use crate::sql::{stmt, sum_i64};
use chrono::{Datelike, Days, NaiveDate};
use invoicepilot_domain::{InvoiceStatus, Permission};
use invoicepilot_store::entity::{audit_log, invoice};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};

/// Aging buckets of overdue balances, by days past due.
pub const AGING_BUCKETS: [&str; 4] = ["0–30日", "31–60日", "61–90日", "90日超"];

/// One overdue invoice.
#[derive(Debug, Clone)]
pub struct OverdueInvoice {
    /// Id.
    pub id: i64,
    /// Number.
    pub number: String,
    /// Customer.
    pub customer_name: String,
    /// Due date.
    pub due_date: NaiveDate,
    /// Days past due.
    pub days: i64,
    /// Open balance.
    pub balance: i64,
}

/// Everything the dashboard shows.
#[derive(Debug, Clone)]
pub struct Dashboard {
    /// 未入金合計: open balances of issued invoices.
    pub unpaid_total: i64,
    /// Σ totals of invoices issued this month (void excluded).
    pub month_sales: i64,
    /// The month `month_sales` covers.
    pub month: NaiveDate,
    /// Overdue invoices, oldest due first (at most 10).
    pub overdue: Vec<OverdueInvoice>,
    /// How many are overdue in all.
    pub overdue_count: usize,
    /// Overdue balance per [`AGING_BUCKETS`] bucket.
    pub aging: [i64; 4],
    /// The latest audit rows.
    pub recent: Vec<AuditLogView>,
    /// The company's time zone, for showing times.
    pub time_zone: String,
}

/// The Japanese label of an audit action, for people.
pub fn action_label(action: &str) -> &str {
    match action {
        "invoice.created" => "請求書（下書き）を作成",
        "invoice.updated" => "請求書（下書き）を更新",
        "invoice.deleted" => "請求書（下書き）を削除",
        "invoice.issued" => "請求書を発行",
        "invoice.voided" => "請求書を取消",
        "invoice.payment_applied" => "入金を消込",
        "invoice.payment_reversed" => "消込を取消",
        "payment.recorded" => "入金を記録",
        "payment.reversed" => "入金を取消",
        "customer.created" => "取引先を登録",
        "customer.updated" => "取引先を更新",
        "customer.deleted" => "取引先を削除",
        "company.created" => "会社を作成",
        "company.updated" => "会社設定を更新",
        "user.membership_set" => "ユーザーの権限を設定",
        "token.created" => "APIトークンを発行",
        "token.revoked" => "APIトークンを無効化",
        "invoice.pdf_stored" => "請求書PDFを保存",
        "company.seal_set" => "社印を設定",
        "company.seal_removed" => "社印を削除",
        "numbering.next_set" => "採番を変更",
        other => other,
    }
}

/// The Japanese name of an audit target type.
pub fn target_label(target_type: &str) -> &str {
    match target_type {
        "invoice" => "請求書",
        "payment" => "入金",
        "customer" => "取引先",
        "company" => "会社",
        "user" => "ユーザー",
        "api_token" => "APIトークン",
        "number_counter" => "採番",
        other => other,
    }
}

/// An RFC 3339 UTC timestamp shown in a time zone as `2026-12-03 19:05`.
pub fn local_time(rfc3339: &str, time_zone: &str) -> String {
    let tz: chrono_tz::Tz = time_zone.parse().unwrap_or(chrono_tz::Asia::Tokyo);
    chrono::DateTime::parse_from_rfc3339(rfc3339)
        .map(|t| t.with_timezone(&tz).format("%Y-%m-%d %H:%M").to_string())
        .unwrap_or_else(|_| rfc3339.to_owned())
}

/// (id, number, customer, due date, balance) of an overdue invoice.
type OverdueRow = (i64, Option<String>, String, Option<NaiveDate>, i64);

/// Builds the dashboard of the caller's company. The figures are sums the database computes
/// (a company with a million invoices has tens of thousands open); only the ten oldest
/// overdue invoices are read as rows.
pub async fn load(app: &App, ctx: &Ctx) -> Result<Dashboard, AppError> {
    ctx.require(Permission::Read)?;
    let conn = app.db.conn();
    let b = app.db.db_backend();
    let settings = company::load(app, ctx.company_id).await?;
    let today = today_in(app.clock.as_ref(), &settings.model.time_zone);
    let days_ago = |n: u64| today.checked_sub_days(Days::new(n)).unwrap_or(today);
    let open = "company_id = ? AND status IN ('issued', 'partially_paid') AND balance > 0";
    // Aging buckets by days past due: 1–30, 31–60, 61–90, over 90 (bounds bound below).
    let between = sum_i64(b, "CASE WHEN due_date >= ? AND due_date < ? THEN balance ELSE 0 END");
    let sql = format!(
        "SELECT {} AS unpaid, {between} AS a0, {between} AS a1, {between} AS a2, {} AS a3, {} AS overdue_count \
         FROM invoices WHERE {open}",
        sum_i64(b, "balance"),
        sum_i64(b, "CASE WHEN due_date < ? THEN balance ELSE 0 END"),
        sum_i64(b, "CASE WHEN due_date < ? THEN 1 ELSE 0 END"),
    );
    let values = vec![
        days_ago(30).into(),
        today.into(),
        days_ago(60).into(),
        days_ago(30).into(),
        days_ago(90).into(),
        days_ago(60).into(),
        days_ago(90).into(),
        today.into(),
        ctx.company_id.into(),
    ];
    let row = conn
        .query_one_raw(stmt(b, &sql, values))
        .await?
        .ok_or_else(|| AppError::Internal("the dashboard sums returned no row".into()))?;
    let unpaid_total: i64 = row.try_get("", "unpaid")?;
    let aging = [row.try_get("", "a0")?, row.try_get("", "a1")?, row.try_get("", "a2")?, row.try_get("", "a3")?];
    let overdue_count: i64 = row.try_get("", "overdue_count")?;
    // The ten oldest ids from the index, then their rows.
    let oldest_ids: Vec<i64> = invoice::Entity::find()
        .select_only()
        .column(invoice::Column::Id)
        .filter(invoice::Column::CompanyId.eq(ctx.company_id))
        .filter(invoice::Column::Status.is_in([InvoiceStatus::Issued.code(), InvoiceStatus::PartiallyPaid.code()]))
        .filter(invoice::Column::Balance.gt(0))
        .filter(invoice::Column::DueDate.lt(today))
        .order_by_asc(invoice::Column::DueDate)
        .order_by_asc(invoice::Column::Id)
        .limit(10)
        .into_tuple()
        .all(conn)
        .await?;
    let oldest: Vec<OverdueRow> = invoice::Entity::find()
        .select_only()
        .columns([
            invoice::Column::Id,
            invoice::Column::Number,
            invoice::Column::CustomerName,
            invoice::Column::DueDate,
            invoice::Column::Balance,
        ])
        .filter(invoice::Column::Id.is_in(oldest_ids))
        .order_by_asc(invoice::Column::DueDate)
        .order_by_asc(invoice::Column::Id)
        .into_tuple()
        .all(conn)
        .await?;
    let overdue = oldest
        .into_iter()
        .filter_map(|(id, number, customer_name, due, balance)| {
            let due_date = due?;
            let days = (today - due_date).num_days();
            Some(OverdueInvoice { id, number: number.unwrap_or_default(), customer_name, due_date, days, balance })
        })
        .collect();
    let month = today.with_day(1).unwrap_or(today);
    let sales_sql = format!(
        "SELECT {} AS s FROM invoices WHERE company_id = ? AND status IN ('issued', 'partially_paid', 'paid') \
         AND issue_date >= ? AND issue_date <= ?",
        sum_i64(b, "total")
    );
    let month_sales: i64 = conn
        .query_one_raw(stmt(b, &sales_sql, vec![ctx.company_id.into(), month.into(), today.into()]))
        .await?
        .map(|r| r.try_get("", "s"))
        .transpose()?
        .unwrap_or(0);
    let recent = audit_log::Entity::find()
        .filter(audit_log::Column::CompanyId.eq(ctx.company_id))
        .order_by_desc(audit_log::Column::Id)
        .limit(10)
        .all(conn)
        .await?
        .into_iter()
        .map(Into::into)
        .collect();
    Ok(Dashboard {
        unpaid_total,
        month_sales,
        month,
        overdue,
        overdue_count: overdue_count.max(0) as usize,
        aging,
        recent,
        time_zone: settings.model.time_zone,
    })
}

/// The user's companies with their role, for choosing the active one.
pub async fn memberships(app: &App, user_id: i64) -> Result<Vec<(i64, String, invoicepilot_domain::Role)>, AppError> {
    use invoicepilot_store::entity::{company as c, membership};
    let rows = membership::Entity::find()
        .filter(membership::Column::UserId.eq(user_id))
        .order_by_asc(membership::Column::CompanyId)
        .all(app.db.conn())
        .await?;
    let mut out = Vec::new();
    for m in rows {
        if let (Some(co), Ok(role)) = (c::Entity::find_by_id(m.company_id).one(app.db.conn()).await?, m.role.parse()) {
            out.push((co.id, co.name, role));
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_show_in_the_company_zone() {
        assert_eq!(local_time("2026-12-03T19:05:00.000000Z", "Asia/Tokyo"), "2026-12-04 04:05");
        assert_eq!(local_time("2026-12-03T19:05:00Z", "UTC"), "2026-12-03 19:05");
    }

    #[test]
    fn every_audit_action_written_has_a_label() {
        for a in [
            "invoice.created",
            "invoice.issued",
            "invoice.voided",
            "payment.recorded",
            "payment.reversed",
            "customer.updated",
            "invoice.pdf_stored",
            "company.seal_set",
            "company.seal_removed",
            "token.revoked",
        ] {
            assert_ne!(action_label(a), a);
        }
    }
}
