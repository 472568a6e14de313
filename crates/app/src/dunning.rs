//! The daily dunning run: for each open, overdue-or-nearly invoice of a company, the level
//! it has reached is mailed once — a `dunning_notices` row unique per (invoice, level) is
//! inserted with the mail's delivery and job, so two schedulers, a re-run or a restart
//! never send a level twice. Paid, void and held invoices and held customers are skipped;
//! the run does nothing on a day that is not a business day.

use crate::App;
use crate::audit::{self, AuditEntry};
use crate::clock::db_now;
use crate::company::{self, CompanySettings};
use crate::context::Ctx;
use crate::error::AppError;
use crate::invoices::InvoiceView;
use crate::jobs::{ClaimedJob, Job, JobError};
use crate::mail::{Recipients, purpose};
use crate::sql::{insert_ignore, stmt};
use chrono::NaiveDate;
use invoicepilot_domain::dunning::{DunningLevel, default_policy, late_interest, reached};
use invoicepilot_domain::{BusinessCalendar, InvoiceStatus, Yen};
use invoicepilot_store::entity::{customer, dunning_notice, invoice};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};
use serde_json::json;

/// The job of one company's daily run.
pub const DUNNING_RUN: &str = "dunning.run";

/// The company's policy (the defaults unless it set its own).
pub fn policy(c: &invoicepilot_store::entity::company::Model) -> Vec<DunningLevel> {
    c.dunning_policy.as_deref().and_then(|p| serde_json::from_str(p).ok()).unwrap_or_else(default_policy)
}

/// What one run did.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct RunSummary {
    /// Reminders queued now.
    pub queued: usize,
    /// Invoices whose reached level was mailed before.
    pub already_sent: usize,
    /// Skipped: held, or no e-mail address.
    pub skipped: usize,
    /// False when `date` was not a business day (nothing was done).
    pub business_day: bool,
}

/// An open invoice whose reached level has not been queued yet.
#[derive(Debug, Clone)]
pub struct DueReminder {
    /// The invoice.
    pub invoice_id: i64,
    /// Its open balance.
    pub balance: i64,
    /// Its due date.
    pub due_date: NaiveDate,
    /// The level it reached.
    pub level: DunningLevel,
    /// Where the reminder goes; `None`: skipped (customer on hold or without an address).
    pub email: Option<String>,
}

/// What a scan found.
#[derive(Debug, Clone, Default)]
pub struct DunningScan {
    /// Reminders to queue (or to skip, when they have no address).
    pub due: Vec<DueReminder>,
    /// Invoices whose reached level was queued before.
    pub already_sent: usize,
}

/// The reminders due for `company_id` on `date`: open invoices not on hold, the level each
/// reached, minus the levels queued before. Reads only the columns it needs, in three
/// queries whatever the number of invoices.
pub async fn due_reminders(app: &App, company_id: i64, date: NaiveDate) -> Result<DunningScan, AppError> {
    use sea_orm::QuerySelect;
    use std::collections::{HashMap, HashSet};
    let conn = app.db.conn();
    let settings = company::load(app, company_id).await?;
    let levels = policy(&settings.model);
    let open = [InvoiceStatus::Issued.code(), InvoiceStatus::PartiallyPaid.code()];
    let candidates: Vec<(i64, i64, i64, Option<NaiveDate>)> = invoice::Entity::find()
        .select_only()
        .columns([invoice::Column::Id, invoice::Column::CustomerId, invoice::Column::Balance, invoice::Column::DueDate])
        .filter(invoice::Column::CompanyId.eq(company_id))
        .filter(invoice::Column::Status.is_in(open))
        .filter(invoice::Column::Balance.gt(0))
        .filter(invoice::Column::DueDate.is_not_null())
        .filter(invoice::Column::DunningHold.eq(false))
        .into_tuple()
        .all(conn)
        .await?;
    let emails: HashMap<i64, Option<String>> = customer::Entity::find()
        .select_only()
        .columns([customer::Column::Id, customer::Column::Email, customer::Column::DunningHold])
        .filter(customer::Column::CompanyId.eq(company_id))
        .into_tuple::<(i64, Option<String>, bool)>()
        .all(conn)
        .await?
        .into_iter()
        .map(|(id, email, hold)| (id, email.filter(|_| !hold)))
        .collect();
    let sent: HashSet<(i64, i32)> = dunning_notice::Entity::find()
        .select_only()
        .columns([dunning_notice::Column::InvoiceId, dunning_notice::Column::Level])
        .filter(dunning_notice::Column::CompanyId.eq(company_id))
        .into_tuple()
        .all(conn)
        .await?
        .into_iter()
        .collect();
    let mut scan = DunningScan::default();
    for (invoice_id, customer_id, balance, due) in candidates {
        let Some(due_date) = due else { continue };
        let Some(level) = reached(&levels, due_date, date) else { continue };
        let email = emails.get(&customer_id).cloned().flatten();
        if email.is_some() && sent.contains(&(invoice_id, level.level)) {
            scan.already_sent += 1;
            continue;
        }
        scan.due.push(DueReminder { invoice_id, balance, due_date, level: level.clone(), email });
    }
    Ok(scan)
}

/// Runs dunning for `company_id` as of `date` (its local date).
pub async fn run(app: &App, company_id: i64, date: NaiveDate) -> Result<RunSummary, AppError> {
    let mut summary =
        RunSummary { business_day: BusinessCalendar::default().is_business_day(date), ..Default::default() };
    if !summary.business_day {
        return Ok(summary);
    }
    let settings = company::load(app, company_id).await?;
    let scan = due_reminders(app, company_id, date).await?;
    summary.already_sent = scan.already_sent;
    for r in scan.due {
        let Some(email) = r.email.clone() else {
            summary.skipped += 1;
            continue;
        };
        let days_late = (date - r.due_date).num_days().max(0);
        let interest = if r.level.mention_interest {
            late_interest(Yen(r.balance), settings.model.late_interest_bp.max(0) as u32, days_late).get()
        } else {
            0
        };
        // The unique notice row still decides, should another scheduler have queued it since.
        if queue_reminder(app, &settings, &r, email, interest, days_late).await? {
            summary.queued += 1;
        } else {
            summary.already_sent += 1;
        }
    }
    Ok(summary)
}

/// Inserts the notice, the delivery, the job and the audit row in one transaction; false
/// when this level was queued before (the unique notice row says so).
async fn queue_reminder(
    app: &App,
    settings: &CompanySettings,
    inv: &DueReminder,
    email: String,
    interest: i64,
    days_late: i64,
) -> Result<bool, AppError> {
    let company_id = settings.model.id;
    let now = db_now(app.clock.as_ref());
    let tx = app.db.begin_write().await?;
    let b = tx.get_database_backend();
    let sql = insert_ignore(
        b,
        "dunning_notices",
        &["company_id", "invoice_id", "level", "delivery_id", "interest", "days_late", "created_at"],
        &["invoice_id", "level"],
    );
    let values = vec![
        company_id.into(),
        inv.invoice_id.into(),
        inv.level.level.into(),
        0i64.into(),
        interest.into(),
        (days_late.min(i32::MAX as i64) as i32).into(),
        now.into(),
    ];
    let res = tx.execute_raw(stmt(b, &sql, values)).await?;
    if res.rows_affected() == 0 {
        return Ok(false);
    }
    let recipients = Recipients { to: vec![email], cc: vec![] };
    let (delivery_id, job_id) = crate::mail::create_delivery(
        app,
        &*tx,
        company_id,
        Some(inv.invoice_id),
        purpose::REMINDER,
        &recipients,
        json!({"level": inv.level.level}),
    )
    .await?;
    dunning_notice::Entity::update_many()
        .col_expr(dunning_notice::Column::DeliveryId, sea_orm::sea_query::Expr::value(delivery_id))
        .filter(dunning_notice::Column::InvoiceId.eq(inv.invoice_id))
        .filter(dunning_notice::Column::Level.eq(inv.level.level))
        .exec(&*tx)
        .await?;
    audit::append(
        app,
        &tx,
        &Ctx::system(company_id),
        AuditEntry {
            action: "invoice.reminder_queued",
            target_type: "invoice",
            target_id: Some(inv.invoice_id),
            changes: json!({"after": {"level": inv.level.level, "title": inv.level.title, "balance": inv.balance,
                                       "interest": interest, "to": recipients.to, "job_id": job_id}}),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(true)
}

/// What a reminder mail says.
#[derive(Debug, Clone)]
pub struct ReminderContent {
    /// Subject and heading.
    pub title: String,
    /// Opening paragraph.
    pub lead: String,
    /// Closing request.
    pub closing: String,
    /// The interest stated, when the level mentions it.
    pub interest: Option<i64>,
    /// `3%` or `14.6%`.
    pub rate_label: String,
    /// Days past the due date on the day of the run that queued it.
    pub days_late: i64,
}

/// `300` → `3%`, `1460` → `14.6%`.
pub fn rate_label(bp: i32) -> String {
    let whole = bp / 100;
    let frac = bp % 100;
    if frac == 0 {
        format!("{whole}%")
    } else if frac % 10 == 0 {
        format!("{whole}.{}%", frac / 10)
    } else {
        format!("{whole}.{frac:02}%")
    }
}

/// The content of the reminder `level` of `v`, with the interest fixed when it was queued.
pub async fn reminder_content(
    app: &App,
    settings: &CompanySettings,
    v: &InvoiceView,
    level: i32,
    delivery_id: i64,
) -> Result<ReminderContent, JobError> {
    let levels = policy(&settings.model);
    let l = levels
        .iter()
        .find(|l| l.level == level)
        .cloned()
        .ok_or_else(|| JobError::Permanent(format!("dunning level {level} is not in the policy")))?;
    let notice = dunning_notice::Entity::find()
        .filter(dunning_notice::Column::DeliveryId.eq(delivery_id))
        .one(app.db.conn())
        .await
        .map_err(|e| JobError::Transient(e.to_string()))?;
    let days_late = notice.as_ref().map(|n| i64::from(n.days_late)).unwrap_or_else(|| {
        let due = v.due_date.as_deref().and_then(|d| d.parse::<NaiveDate>().ok());
        due.map(|d| (db_now(app.clock.as_ref()).date() - d).num_days().max(0)).unwrap_or(0)
    });
    Ok(ReminderContent {
        interest: l.mention_interest.then(|| notice.map(|n| n.interest).unwrap_or(0)),
        title: l.title,
        lead: l.lead,
        closing: l.closing,
        rate_label: rate_label(settings.model.late_interest_bp),
        days_late,
    })
}

/// `dunning.run {company_id, date}`: one company's run for one day.
pub struct DunningRunJob;

#[async_trait::async_trait]
impl Job for DunningRunJob {
    fn job_type(&self) -> &'static str {
        DUNNING_RUN
    }

    async fn run(&self, app: &App, job: &ClaimedJob) -> Result<(), JobError> {
        let company = job.payload["company_id"]
            .as_i64()
            .ok_or_else(|| JobError::Permanent("payload without company_id".into()))?;
        let date = match job.payload["date"].as_str() {
            Some(d) => d.parse().map_err(|_| JobError::Permanent(format!("bad date {d}")))?,
            None => company::today(app, company).await?,
        };
        let s = run(app, company, date).await?;
        tracing::info!(company, %date, queued = s.queued, already = s.already_sent, skipped = s.skipped, "dunning run");
        Ok(())
    }
}

/// Puts an invoice on hold (no reminders) or releases it.
pub async fn set_invoice_hold(app: &App, ctx: &Ctx, id: i64, hold: bool) -> Result<(), AppError> {
    ctx.require(invoicepilot_domain::Permission::ManageInvoices)?;
    let tx = app.db.begin_write().await?;
    let res = invoice::Entity::update_many()
        .col_expr(invoice::Column::DunningHold, sea_orm::sea_query::Expr::value(hold))
        .filter(invoice::Column::Id.eq(id))
        .filter(invoice::Column::CompanyId.eq(ctx.company_id))
        .exec(&*tx)
        .await?;
    if res.rows_affected == 0 {
        return Err(AppError::NotFound("invoice"));
    }
    audit::append(
        app,
        &tx,
        ctx,
        AuditEntry {
            action: if hold { "invoice.dunning_held" } else { "invoice.dunning_released" },
            target_type: "invoice",
            target_id: Some(id),
            changes: json!({"after": {"dunning_hold": hold}}),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rates_print_as_percentages() {
        assert_eq!(rate_label(300), "3%");
        assert_eq!(rate_label(1460), "14.6%");
        assert_eq!(rate_label(1825), "18.25%");
    }
}
