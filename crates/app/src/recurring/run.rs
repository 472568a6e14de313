//! Billing the due periods of a company's schedules. Each period's draft and its
//! `(schedule, period)` row are written in one transaction — the row is unique, so a second
//! scheduler or a retried job writes nothing — and the schedule's `next_period` moves on in
//! the same transaction. Issuing (and sending) follows in its own transaction; a draft
//! left by a crash in between is issued by the next run.

use super::{Template, invoice_input};
use crate::App;
use crate::clock::db_now;
use crate::context::Ctx;
use crate::error::AppError;
use crate::invoices::{insert_draft, prepare_draft};
use crate::jobs::{ClaimedJob, Job, JobError};
use crate::sql::{insert_ignore, stmt};
use invoicepilot_domain::InvoiceStatus;
use invoicepilot_domain::recurrence::{Period, Recurrence};
use invoicepilot_store::entity::{invoice, recurring_invoice, recurring_run};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};
use serde::Serialize;

/// The job that bills one company's due periods.
pub const RECURRING_RUN: &str = "recurring.run";

/// What a run did.
#[derive(Debug, Clone, Copy, Default, Serialize, PartialEq, Eq)]
pub struct RunSummary {
    /// Invoices made (one per schedule and period).
    pub created: u32,
    /// Of those and earlier drafts, issued now.
    pub issued: u32,
    /// Periods another run had billed already.
    pub already: u32,
}

/// Bills every due period of every active schedule of `company_id`, as of today in the
/// company's time zone.
pub async fn run_company(app: &App, company_id: i64) -> Result<RunSummary, AppError> {
    let ctx = Ctx::system(company_id);
    let today = crate::company::today(app, company_id).await?;
    let schedules = recurring_invoice::Entity::find()
        .filter(recurring_invoice::Column::CompanyId.eq(company_id))
        .filter(recurring_invoice::Column::Status.eq("active"))
        .all(app.db.conn())
        .await?;
    let mut summary = RunSummary::default();
    for s in schedules {
        let Ok(next) = s.next_period.parse::<Period>() else { continue };
        let end = s.end_period.as_deref().and_then(|e| e.parse().ok());
        let rule = Recurrence { day_of_month: s.day_of_month as u32, interval_months: s.interval_months as u32, end };
        let template: Template = serde_json::from_str(&s.template).unwrap_or_default();
        for period in rule.due(next, today) {
            match bill(app, &ctx, &s, &template, period, rule.interval_months).await? {
                true => summary.created += 1,
                false => summary.already += 1,
            }
        }
        if s.mode != "draft" {
            summary.issued += issue_pending(app, &ctx, &s).await?;
        }
    }
    Ok(summary)
}

/// Makes the draft of `period` with its run row, once; false when it existed.
async fn bill(
    app: &App,
    ctx: &Ctx,
    s: &recurring_invoice::Model,
    t: &Template,
    period: Period,
    interval: u32,
) -> Result<bool, AppError> {
    let issue_date = period.day(s.day_of_month as u32);
    let prepared = prepare_draft(app, ctx, invoice_input(s.customer_id, t, period, issue_date)).await?;
    let tx = app.db.begin_write().await?;
    let b = tx.get_database_backend();
    let draft = insert_draft(app, &tx, ctx, prepared, None, "invoice.created").await?;
    let sql = insert_ignore(
        b,
        "recurring_runs",
        &["company_id", "schedule_id", "period", "invoice_id", "created_at"],
        &["schedule_id", "period"],
    );
    let now = db_now(app.clock.as_ref());
    let took = tx
        .execute_raw(stmt(
            b,
            &sql,
            vec![ctx.company_id.into(), s.id.into(), period.to_string().into(), draft.id.into(), now.into()],
        ))
        .await?;
    if took.rows_affected() == 0 {
        // Billed by another run: this draft is rolled back with the transaction.
        return Ok(false);
    }
    tx.execute_raw(stmt(
        b,
        "UPDATE recurring_invoices SET next_period = ?, updated_at = ? WHERE id = ? AND next_period <= ?",
        vec![
            period.plus_months(interval.max(1)).to_string().into(),
            now.into(),
            s.id.into(),
            period.to_string().into(),
        ],
    ))
    .await?;
    crate::audit::append(
        app,
        &tx,
        ctx,
        crate::audit::AuditEntry {
            action: "recurring.billed",
            target_type: "recurring_invoice",
            target_id: Some(s.id),
            changes: serde_json::json!({"period": period.to_string(), "invoice_id": draft.id}),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(true)
}

/// Issues (and sends) the schedule's invoices still in draft.
async fn issue_pending(app: &App, ctx: &Ctx, s: &recurring_invoice::Model) -> Result<u32, AppError> {
    let runs =
        recurring_run::Entity::find().filter(recurring_run::Column::ScheduleId.eq(s.id)).all(app.db.conn()).await?;
    let ids: Vec<i64> = runs.iter().map(|r| r.invoice_id).collect();
    let drafts = invoice::Entity::find()
        .filter(invoice::Column::CompanyId.eq(ctx.company_id))
        .filter(invoice::Column::Id.is_in(ids))
        .filter(invoice::Column::Status.eq(InvoiceStatus::Draft.code()))
        .all(app.db.conn())
        .await?;
    let mut issued = 0;
    for d in drafts {
        let r = if s.mode == "issue_and_send" {
            crate::invoices::issue_and_send(app, ctx, d.id, None, crate::mail::SendInput::default()).await.map(|_| ())
        } else {
            crate::invoices::issue(app, ctx, d.id, None).await.map(|_| ())
        };
        match r {
            Ok(()) => issued += 1,
            // Issued meanwhile by another run.
            Err(AppError::Conflict(_)) => {}
            // No address, say: the draft waits for a person; the other schedules go on.
            Err(e) => tracing::warn!(schedule = s.id, invoice = d.id, error = %e, "recurring invoice not issued"),
        }
    }
    Ok(issued)
}

/// `recurring.run {company_id}`.
pub struct RecurringRunJob;

#[async_trait::async_trait]
impl Job for RecurringRunJob {
    fn job_type(&self) -> &'static str {
        RECURRING_RUN
    }

    async fn run(&self, app: &App, job: &ClaimedJob) -> Result<(), JobError> {
        let company = job.payload["company_id"]
            .as_i64()
            .ok_or_else(|| JobError::Permanent("payload without company_id".into()))?;
        let s = run_company(app, company).await?;
        tracing::info!(company, created = s.created, issued = s.issued, already = s.already, "recurring run");
        Ok(())
    }
}
