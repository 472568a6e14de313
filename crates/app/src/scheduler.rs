//! The scheduler only enqueues: each task's cron expression is evaluated in the company's
//! time zone, and a slot becomes a job only after its `(task, slot)` row was inserted —
//! a unique row, so several instances and restarts run each slot once. A slot missed while
//! no instance ran is still taken within the next hour.

use crate::App;
use crate::alerts::ALERT_CHECK;
use crate::clock::db_now;
use crate::dunning::DUNNING_RUN;
use crate::error::AppError;
use crate::jobs::{self, NewJob};
use crate::sql::{insert_ignore, stmt};
use chrono::{DateTime, NaiveDateTime, Utc};
use chrono_tz::Tz;
use croner::Cron;
use sea_orm::ConnectionTrait;
use serde_json::json;
use std::str::FromStr;
use std::time::Duration;
use tokio_util::sync::CancellationToken;

/// How late a missed slot may still run.
pub const CATCH_UP: chrono::Duration = chrono::Duration::hours(1);
/// Recurring invoices are billed hourly (company time zone): a period is made within the
/// hour its billing day begins.
pub const RECURRING_SCHEDULE: &str = "0 * * * *";
/// The queue check's schedule (UTC, every minute).
pub const ALERT_SCHEDULE: &str = "* * * * *";

/// Checks a cron expression.
pub fn parse(expr: &str) -> Result<Cron, String> {
    Cron::from_str(expr).map_err(|e| format!("invalid cron expression {expr:?}: {e}"))
}

/// The latest slot of `cron` at or before `now` in `tz`, if it is within [`CATCH_UP`].
pub fn due_slot(cron: &Cron, now: DateTime<Utc>, tz: Tz) -> Option<DateTime<Tz>> {
    let local = now.with_timezone(&tz);
    let slot = cron.find_previous_occurrence(&local, true).ok()?;
    (now - slot.with_timezone(&Utc) <= CATCH_UP).then_some(slot)
}

/// Takes a slot (once across every instance) and enqueues its job in the same transaction;
/// true when this call took it.
async fn take(app: &App, task: &str, slot: NaiveDateTime, job: NewJob) -> Result<bool, AppError> {
    let now = db_now(app.clock.as_ref());
    let tx = app.db.begin_write().await?;
    let b = tx.get_database_backend();
    let sql = insert_ignore(b, "scheduled_runs", &["task", "slot", "created_at"], &["task", "slot"]);
    let res = tx.execute_raw(stmt(b, &sql, vec![task.into(), slot.into(), now.into()])).await?;
    if res.rows_affected() == 0 {
        return Ok(false);
    }
    let id = jobs::enqueue(app, &*tx, job).await?;
    tx.execute_raw(stmt(
        b,
        "UPDATE scheduled_runs SET job_id = ? WHERE task = ? AND slot = ?",
        vec![id.into(), task.into(), slot.into()],
    ))
    .await?;
    tx.commit().await?;
    Ok(true)
}

/// One pass: every due slot of every task. Returns the tasks it took.
pub async fn tick(app: &App) -> Result<Vec<String>, AppError> {
    let now = app.clock.now();
    let mut taken = Vec::new();
    if let Some(expr) = &app.config.dunning_schedule {
        let cron = parse(expr).map_err(AppError::Internal)?;
        for c in crate::company::list_all(app).await? {
            let tz: Tz = c.time_zone.parse().unwrap_or(chrono_tz::Asia::Tokyo);
            let Some(slot) = due_slot(&cron, now, tz) else { continue };
            let task = format!("dunning:{}", c.id);
            let job = NewJob::new(
                DUNNING_RUN,
                Some(c.id),
                json!({"company_id": c.id, "date": slot.date_naive().to_string()}),
            );
            if take(app, &task, slot.with_timezone(&Utc).naive_utc(), job).await? {
                taken.push(task);
            }
        }
    }
    let recurring = parse(RECURRING_SCHEDULE).map_err(AppError::Internal)?;
    for c in crate::company::list_all(app).await? {
        let tz: Tz = c.time_zone.parse().unwrap_or(chrono_tz::Asia::Tokyo);
        let Some(slot) = due_slot(&recurring, now, tz) else { continue };
        let task = format!("recurring:{}", c.id);
        let job = NewJob::new(crate::recurring::RECURRING_RUN, Some(c.id), json!({"company_id": c.id}));
        if take(app, &task, slot.with_timezone(&Utc).naive_utc(), job).await? {
            taken.push(task);
        }
    }
    if let Some(expr) = &app.config.backup_schedule {
        let cron = parse(expr).map_err(AppError::Internal)?;
        let tz: Tz = crate::company::list_all(app)
            .await?
            .first()
            .and_then(|c| c.time_zone.parse().ok())
            .unwrap_or(chrono_tz::Asia::Tokyo);
        if let Some(slot) = due_slot(&cron, now, tz) {
            let job = NewJob::new(crate::backup::BACKUP_RUN, None, json!({}));
            if take(app, "backup", slot.with_timezone(&Utc).naive_utc(), job).await? {
                taken.push("backup".into());
            }
        }
    }
    let cron = parse(ALERT_SCHEDULE).map_err(AppError::Internal)?;
    if let Some(slot) = due_slot(&cron, now, chrono_tz::UTC) {
        let job = NewJob::new(ALERT_CHECK, None, json!({}));
        if take(app, "alerts", slot.with_timezone(&Utc).naive_utc(), job).await? {
            taken.push("alerts".into());
        }
    }
    Ok(taken)
}

/// Ticks every 15 seconds until `stop` fires.
pub async fn run_scheduler(app: App, stop: CancellationToken) {
    tracing::info!("scheduler started");
    loop {
        match tick(&app).await {
            Ok(t) if !t.is_empty() => tracing::info!(tasks = ?t, "scheduled"),
            Ok(_) => {}
            Err(e) => tracing::warn!(error = %e, "scheduler tick failed"),
        }
        if jobs::pause(Duration::from_secs(15), &stop).await {
            break;
        }
    }
    tracing::info!("scheduler stopped");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slots_are_taken_in_the_company_zone_and_within_the_hour() {
        let cron = parse("0 9 * * 1-5").unwrap();
        let tokyo = chrono_tz::Asia::Tokyo;
        // Friday 2026-12-04 09:10 JST = 00:10 UTC.
        let now: DateTime<Utc> = "2026-12-04T00:10:00Z".parse().unwrap();
        let slot = due_slot(&cron, now, tokyo).unwrap();
        assert_eq!(slot.to_rfc3339(), "2026-12-04T09:00:00+09:00");
        // 11:00 JST: two hours late, no catch-up.
        let late: DateTime<Utc> = "2026-12-04T02:00:00Z".parse().unwrap();
        assert!(due_slot(&cron, late, tokyo).is_none());
        // Saturday 09:05 JST: no slot today, Friday's is long past.
        let sat: DateTime<Utc> = "2026-12-05T00:05:00Z".parse().unwrap();
        assert!(due_slot(&cron, sat, tokyo).is_none());
        assert!(parse("61 * * * *").is_err());
    }
}
