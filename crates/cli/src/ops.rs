//! The operations commands of the runbook: backup, restore, maintenance mode, the integrity
//! check, the audit trail, database maintenance and migrations.

use crate::commands::{describe, open, open_migrated};
use crate::config::Settings;
use crate::progress::Bar;
use anyhow::{Context, anyhow, bail};
use clap::Subcommand;
use invoicepilot_app::{App, backup, check, maintenance, restore};
use invoicepilot_store::migration::{Migrator, MigratorTrait};
use serde_json::json;
use std::io::{BufRead, IsTerminal, Write};
use std::path::PathBuf;

/// `db …`.
#[derive(Debug, Subcommand)]
pub enum DbCmd {
    /// VACUUM/ANALYZE (SQLite, PostgreSQL) or OPTIMIZE/ANALYZE TABLE (MySQL).
    Optimize,
}

async fn app(settings: &Settings, db: invoicepilot_store::Db) -> anyhow::Result<App> {
    let config = settings.app_config().map_err(|e| anyhow!(e))?;
    Ok(App::new(db).with_config(config))
}

/// `backup [--output DIR]`: the path is the last line of stdout.
pub async fn backup(settings: &Settings, output: Option<PathBuf>) -> anyhow::Result<()> {
    let app = app(settings, open_migrated(settings).await?).await?;
    let default_dir = app.config.backups_dir();
    let dir = output.unwrap_or_else(|| default_dir.clone());
    let bar = Bar::new("backup");
    let done = backup::take(&app, &dir, "backup", &bar).await.map_err(describe)?;
    bar.finish();
    let rows: u64 = done.manifest.parts.iter().map(|p| p.rows).sum();
    eprintln!("{} rows in {} tables, {} bytes", rows, done.manifest.parts.len(), done.bytes);
    // Retention applies to the managed folder only, never to a folder given by hand.
    if dir == default_dir {
        let pruned = backup::prune(&dir, app.config.backup_keep_daily, app.config.backup_keep_weekly)
            .with_context(|| format!("applying retention in {}", dir.display()))?;
        for p in pruned {
            eprintln!("removed by retention: {}", p.display());
        }
    }
    println!("{}", done.path.display());
    Ok(())
}

fn confirm(question: &str) -> anyhow::Result<bool> {
    if !std::io::stdin().is_terminal() {
        bail!("restore replaces the data of every company; pass --yes to confirm when not on a terminal");
    }
    eprint!("{question} [y/N] ");
    std::io::stderr().flush()?;
    let mut line = String::new();
    std::io::stdin().lock().read_line(&mut line)?;
    Ok(matches!(line.trim(), "y" | "Y" | "yes" | "YES"))
}

/// `restore FILE [--yes]`.
pub async fn restore(settings: &Settings, file: PathBuf, yes: bool) -> anyhow::Result<()> {
    // Verify before asking anything or touching the database.
    let manifest = invoicepilot_store::backup::Reader::open_verified(&file)
        .map_err(|e| anyhow!("{}: {e}; nothing was changed", file.display()))?
        .manifest;
    let rows: u64 = manifest.parts.iter().map(|p| p.rows).sum();
    eprintln!(
        "{}: verified, {} rows, taken {} from {} (InvoicePilot {})",
        file.display(),
        rows,
        manifest.created_at,
        manifest.source_backend,
        manifest.app_version
    );
    if !yes && !confirm("Replace the current data with this backup?")? {
        bail!("restore cancelled; nothing was changed");
    }
    let mut db = open(settings).await?;
    if !Migrator::get_pending_migrations(db.conn()).await?.is_empty() {
        db = db.migrate().await.context("migrating the database before the restore")?;
    }
    let app = app(settings, db).await?;
    let bar = Bar::new("restore");
    let result = restore::restore(&app, &file, &app.config.backups_dir(), &bar).await;
    bar.finish();
    let report = result.map_err(describe)?;
    eprintln!("safety backup of the replaced data: {}", report.safety_backup.display());
    for k in &report.kept_counters {
        eprintln!(
            "numbering: company {} series {} period {} continues at {} (the backup had {}; numbers {}–{} stay unused)",
            k.company_id,
            k.series,
            if k.period.is_empty() { "-" } else { &k.period },
            k.kept_next,
            k.backup_next,
            k.backup_next,
            k.kept_next - 1
        );
    }
    if !report.missing_invoices.is_empty() {
        eprintln!(
            "{} invoice(s) existed before and are not in the backup (they remain in the safety backup):",
            report.missing_invoices.len()
        );
        for m in &report.missing_invoices {
            eprintln!("  missing: {m}");
        }
    }
    println!(
        "{}",
        json!({
            "restored_rows": report.rows,
            "safety_backup": report.safety_backup,
            "kept_counters": report.kept_counters,
            "missing_invoices": report.missing_invoices,
            "invoices": report.check.invoices,
            "payments_sum": report.check.payments_sum,
            "violations": report.check.violations.len(),
        })
    );
    Ok(())
}

/// `down`.
pub async fn down(
    settings: &Settings,
    secret: Option<String>,
    retry: u64,
    message: Option<String>,
) -> anyhow::Result<()> {
    let app = app(settings, open_migrated(settings).await?).await?;
    let m = maintenance::down(&app, retry, message, secret.as_deref()).await.map_err(describe)?;
    if let Some(s) = &secret {
        let base = settings.app_url.as_deref().unwrap_or("").trim_end_matches('/');
        eprintln!("administrators get in through {base}/__maintenance/{s}");
    }
    println!("{}", json!({"maintenance": "on", "since": m.since, "retry_after": m.retry_after}));
    Ok(())
}

/// `up`.
pub async fn up(settings: &Settings) -> anyhow::Result<()> {
    let app = app(settings, open_migrated(settings).await?).await?;
    let was_on = maintenance::up(&app).await.map_err(describe)?;
    println!("{}", json!({"maintenance": "off", "was_on": was_on}));
    Ok(())
}

/// `check [--company C] [--json]`.
pub async fn check(settings: &Settings, company: Option<i64>, json_out: bool) -> anyhow::Result<()> {
    let app = app(settings, open_migrated(settings).await?).await?;
    let report = check::run_for(&app, company).await.map_err(describe)?;
    if json_out {
        println!("{}", serde_json::to_string(&report)?);
    } else {
        println!("invoices: {}", report.invoices);
        println!("payments_sum: {}", report.payments_sum);
        match &report.latest_audit {
            Some(a) => println!(
                "latest_audit: #{} {} {} {}:{}",
                a.id,
                a.at,
                a.action,
                a.target_type,
                a.target_id.map(|i| i.to_string()).unwrap_or_else(|| "-".into())
            ),
            None => println!("latest_audit: none"),
        }
        for v in &report.violations {
            println!("VIOLATION {} company {} {}: {}", v.kind, v.company_id, v.target, v.detail);
        }
        println!("violations: {}", report.violations.len());
    }
    if report.violations.is_empty() { Ok(()) } else { bail!("check found {} violation(s)", report.violations.len()) }
}

/// `audit --target TYPE:ID [--limit N] [--json]`.
pub async fn audit(settings: &Settings, target: &str, limit: u64, json_out: bool) -> anyhow::Result<()> {
    let (kind, id) = target
        .split_once(':')
        .and_then(|(k, i)| Some((k, i.parse::<i64>().ok()?)))
        .ok_or_else(|| anyhow!("--target must look like invoice:123, not {target}"))?;
    let app = app(settings, open_migrated(settings).await?).await?;
    let rows = invoicepilot_app::audit::history(&app, kind, id, limit.max(1)).await.map_err(describe)?;
    if json_out {
        println!("{}", serde_json::to_string(&rows)?);
        return Ok(());
    }
    let labels =
        invoicepilot_app::audit::actor_labels(&app, rows.iter().map(|r| r.actor.as_str())).await.map_err(describe)?;
    for r in &rows {
        let who = labels.get(&r.actor).map(String::as_str).unwrap_or(&r.actor);
        println!(
            "#{}\t{}\t{}\t{}\t{}\t{}",
            r.id,
            r.at,
            who,
            r.action,
            r.request_id.as_deref().unwrap_or("-"),
            serde_json::to_string(&r.changes)?
        );
    }
    if rows.is_empty() {
        eprintln!("no audit entries for {target}");
    }
    Ok(())
}

/// `db optimize`.
pub async fn db(settings: &Settings, cmd: DbCmd) -> anyhow::Result<()> {
    match cmd {
        DbCmd::Optimize => {
            let app = app(settings, open_migrated(settings).await?).await?;
            let started = std::time::Instant::now();
            let done = invoicepilot_app::dbmaint::optimize(&app).await.map_err(describe)?;
            for s in &done {
                eprintln!("ran: {}", if s.len() > 80 { format!("{}…", &s[..80]) } else { s.clone() });
            }
            println!("{}", json!({"optimized": true, "statements": done.len(), "ms": started.elapsed().as_millis()}));
            Ok(())
        }
    }
}

/// `migrate [--dry-run] [--no-backup]`: a backup first when data would be migrated.
pub async fn migrate(settings: &Settings, dry_run: bool, no_backup: bool) -> anyhow::Result<()> {
    let db = open(settings).await?;
    let pending = Migrator::get_pending_migrations(db.conn()).await?;
    let applied = Migrator::get_applied_migrations(db.conn()).await.map(|v| v.len()).unwrap_or(0);
    for m in &pending {
        println!("{}{}", if dry_run { "pending: " } else { "applying: " }, m.name());
    }
    let mut backup_path = None;
    if !dry_run && !pending.is_empty() && applied > 0 && !no_backup && has_data(&db).await {
        let app = app(settings, db.clone()).await?;
        let bar = Bar::new("pre-migrate backup");
        let done = backup::take(&app, &app.config.backups_dir(), "pre-migrate", &bar).await.map_err(describe)?;
        bar.finish();
        eprintln!("backup before migrating: {}", done.path.display());
        backup_path = Some(done.path);
    }
    if !dry_run && !pending.is_empty() {
        db.migrate().await.context("applying migrations")?;
    }
    println!(
        "{}",
        json!({"pending": pending.len(), "applied": if dry_run { 0 } else { pending.len() }, "backup": backup_path})
    );
    Ok(())
}

/// True when the database holds a company (a fresh schema has nothing worth a backup).
async fn has_data(db: &invoicepilot_store::Db) -> bool {
    use sea_orm::ConnectionTrait;
    let sql = "SELECT COUNT(*) AS n FROM companies";
    match db.conn().query_one_raw(sea_orm::Statement::from_string(db.db_backend(), sql)).await {
        Ok(Some(row)) => row.try_get::<i64>("", "n").map(|n| n > 0).unwrap_or(true),
        // Unreadable: better one backup too many.
        _ => true,
    }
}
