//! `invoicepilot doctor` and `invoicepilot key generate`.
//!
//! Doctor prints the effective configuration (secrets masked) and one line per finding:
//! `ok`, `warn` (optional settings absent, thresholds crossed) or `error` (the application
//! cannot work: invalid value, database unreachable, migrations pending, storage not
//! writable), each problem with its fix. Exit status 1 only when there is an error.

use crate::config::{Settings, keys};
use anyhow::bail;
use invoicepilot_store::migration::{Migrator, MigratorTrait};
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// How bad a finding is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Level {
    Ok,
    Warn,
    Error,
}

/// Collected findings.
#[derive(Default)]
struct Report {
    errors: usize,
    warnings: usize,
}

impl Report {
    fn line(&mut self, level: Level, topic: &str, text: &str, fix: Option<&str>) {
        let tag = match level {
            Level::Ok => "ok   ",
            Level::Warn => {
                self.warnings += 1;
                "warn "
            }
            Level::Error => {
                self.errors += 1;
                "error"
            }
        };
        match fix {
            Some(f) => println!("{tag} {topic}: {text} — fix: {f}"),
            None => println!("{tag} {topic}: {text}"),
        }
    }
}

const SECRETS: &[&str] = &["MAIL_PASSWORD", "APP_KEY", "SLACK_WEBHOOK_URL"];

/// A value as doctor shows it.
fn shown(key: &str, value: &str) -> String {
    if value.is_empty() {
        return "(empty)".into();
    }
    if SECRETS.contains(&key) {
        return "****".into();
    }
    if key == "DATABASE_URL" {
        return invoicepilot_store::mask_password(value);
    }
    value.to_owned()
}

/// The variables `.env` sets (read again, without touching the environment).
fn dotenv_vars() -> (Option<PathBuf>, HashMap<String, String>) {
    let path = PathBuf::from(".env");
    let Ok(iter) = dotenvy::from_path_iter(&path) else { return (None, HashMap::new()) };
    (Some(path), iter.filter_map(Result::ok).collect())
}

/// Runs doctor. `settings` is the load result: an invalid value is itself a finding.
pub async fn run(settings: Result<Settings, String>) -> anyhow::Result<()> {
    let mut r = Report::default();
    let (env_file, from_file) = dotenv_vars();
    println!("# configuration (defaults < .env < environment; secrets masked)");
    let effective = settings.as_ref().ok().and_then(|s| serde_json::to_value(s).ok()).unwrap_or_default();
    for key in keys() {
        let source = match (std::env::var(key).ok(), from_file.get(*key)) {
            (Some(v), Some(f)) if &v == f => ".env",
            (Some(_), _) => "environment",
            (None, Some(_)) => ".env",
            (None, None) => "default",
        };
        let value = match &effective[key.to_ascii_lowercase()] {
            serde_json::Value::Null => std::env::var(key).ok().or_else(|| from_file.get(*key).cloned()),
            serde_json::Value::String(s) => Some(s.clone()),
            other => Some(other.to_string()),
        };
        match value {
            Some(v) => println!("  {key}={} ({source})", shown(key, &v)),
            None => println!("  {key} not set"),
        }
    }
    println!("# checks");
    match &env_file {
        Some(p) => r.line(Level::Ok, "config", &format!("{} read", p.display()), None),
        None => r.line(Level::Ok, "config", "no .env file; defaults and the environment apply", None),
    }
    for key in from_file.keys() {
        let ours = keys().contains(&key.as_str()) || key == "LOG_LEVEL" || key == "RUST_LOG" || key == "TZ";
        if !ours {
            r.line(
                Level::Warn,
                "config",
                &format!("{key} in .env is not an InvoicePilot setting"),
                Some("check its spelling against the README's configuration table, or remove it"),
            );
        }
    }
    let settings = match settings {
        Ok(s) => s,
        Err(e) => {
            r.line(Level::Error, "config", &e, Some("correct the value in .env or the environment"));
            return finish(r);
        }
    };
    let app_config = match settings.app_config() {
        Ok(c) => Some(c),
        Err(e) => {
            r.line(Level::Error, "config", &e, Some("correct the value in .env or the environment"));
            None
        }
    };
    optional_settings(&mut r, &settings);
    storage(&mut r, &settings.storage_path);
    let db = database(&mut r, &settings).await;
    if let Some(cfg) = &app_config {
        disk(&mut r, &settings.storage_path, cfg.alerts.disk_percent);
        if let Some(mail) = &cfg.mail {
            match invoicepilot_app::mail::probe(mail).await {
                Ok(()) => r.line(Level::Ok, "mail", &format!("{}:{} answers EHLO", mail.host, mail.port), None),
                Err(e) => r.line(
                    Level::Warn,
                    "mail",
                    &format!("SMTP check failed: {e}"),
                    Some("check MAIL_HOST, MAIL_PORT, MAIL_ENCRYPTION and the credentials; mails wait in the queue meanwhile"),
                ),
            }
        }
    }
    clock(&mut r, db.as_ref()).await;
    finish(r)
}

fn finish(r: Report) -> anyhow::Result<()> {
    println!("{}", serde_json::json!({"errors": r.errors, "warnings": r.warnings}));
    if r.errors > 0 {
        bail!("doctor found {} problem(s) that stop InvoicePilot from working", r.errors);
    }
    Ok(())
}

fn optional_settings(r: &mut Report, s: &Settings) {
    let absent = |v: &Option<String>| v.as_deref().is_none_or(|v| v.trim().is_empty());
    if absent(&s.mail_host) {
        r.line(
            Level::Warn,
            "mail",
            "MAIL_HOST is not set: invoices and reminders cannot be e-mailed",
            Some("set MAIL_HOST, MAIL_PORT, MAIL_ENCRYPTION, MAIL_FROM (and MAIL_USERNAME/MAIL_PASSWORD) in .env"),
        );
    }
    if absent(&s.app_url) {
        r.line(
            Level::Warn,
            "config",
            "APP_URL is not set: links in e-mails cannot be built",
            Some("set APP_URL to the public address, e.g. https://keiri.example.jp"),
        );
    }
    if absent(&s.slack_webhook_url) {
        r.line(
            Level::Warn,
            "alerts",
            "SLACK_WEBHOOK_URL is not set: errors and threshold alerts go to the log only",
            Some("set SLACK_WEBHOOK_URL to an incoming-webhook URL"),
        );
    }
    if absent(&s.app_key) {
        r.line(
            Level::Warn,
            "config",
            "APP_KEY is not set: a key generated into the database is used",
            Some("run `invoicepilot key generate` to keep the key in .env"),
        );
    }
}

/// The storage folder and its subfolders must be writable.
fn storage(r: &mut Report, root: &Path) {
    for dir in [root.to_path_buf(), root.join("logs"), root.join("backups")] {
        let probe = dir.join(format!(".doctor-{}", std::process::id()));
        let res = std::fs::create_dir_all(&dir)
            .and_then(|_| std::fs::write(&probe, b"ok"))
            .and_then(|_| std::fs::remove_file(&probe));
        match res {
            Ok(()) => r.line(Level::Ok, "storage", &format!("{} is writable", dir.display()), None),
            Err(e) => r.line(
                Level::Error,
                "storage",
                &format!("{} is not writable: {e}", dir.display()),
                Some(&format!("give the service user write access: chown -R invoicepilot: {}", root.display())),
            ),
        }
    }
}

fn disk(r: &mut Report, root: &Path, threshold: f64) {
    use invoicepilot_app::system;
    let used = system::disk_used_percent(root);
    let free = system::disk_available_bytes(root);
    match (used, free) {
        (Some(u), Some(f)) => {
            let text = format!("storage volume {u:.0}% used, {:.1} GiB free", f as f64 / (1u64 << 30) as f64);
            if u >= threshold {
                r.line(Level::Warn, "disk", &text, Some("delete old backups or logs, or grow the volume"));
            } else {
                r.line(Level::Ok, "disk", &text, None);
            }
        }
        _ => r.line(Level::Warn, "disk", "the storage volume's usage cannot be read", None),
    }
}

async fn database(r: &mut Report, s: &Settings) -> Option<invoicepilot_store::Db> {
    let url = match s.database() {
        Ok(u) => u,
        Err(e) => {
            r.line(Level::Error, "database", &e, Some("correct DATABASE_URL (sqlite://, postgres://, mysql://)"));
            return None;
        }
    };
    let masked = url.masked();
    let db = match tokio::time::timeout(Duration::from_secs(20), crate::commands::open(s)).await {
        Ok(Ok(db)) => db,
        Ok(Err(e)) => {
            r.line(
                Level::Error,
                "database",
                &format!("{e:#}"),
                Some("start the database server or correct DATABASE_URL"),
            );
            return None;
        }
        Err(_) => {
            r.line(
                Level::Error,
                "database",
                &format!("{masked} did not answer within 20 s"),
                Some("check the server and the network"),
            );
            return None;
        }
    };
    let version = db.server_version().await.unwrap_or_else(|_| "unknown version".into());
    r.line(Level::Ok, "database", &format!("{masked} reachable ({version})"), None);
    match Migrator::get_pending_migrations(db.conn()).await {
        Ok(p) if p.is_empty() => r.line(Level::Ok, "migrations", "the schema is current", None),
        Ok(p) => {
            let fresh = Migrator::get_applied_migrations(db.conn()).await.map(|a| a.is_empty()).unwrap_or(false);
            if fresh {
                r.line(Level::Ok, "migrations", "a new database: the schema is created on first start", None);
            } else {
                r.line(
                    Level::Error,
                    "migrations",
                    &format!(
                        "{} pending: {}",
                        p.len(),
                        p.iter().map(|m| m.name().to_owned()).collect::<Vec<_>>().join(", ")
                    ),
                    Some("run `invoicepilot migrate` (it takes a backup first)"),
                );
            }
        }
        Err(e) => r.line(Level::Error, "migrations", &format!("cannot be read: {e}"), None),
    }
    let app = invoicepilot_app::App::new(db.clone());
    if let Ok(Some(m)) = invoicepilot_app::maintenance::current(&app).await {
        r.line(
            Level::Warn,
            "maintenance",
            &format!("maintenance mode is on since {}", m.since),
            Some("`invoicepilot up` when the work is done"),
        );
    }
    if let Ok(q) = invoicepilot_app::jobs::admin::status(&app, None).await {
        if q.pending > 0 && q.workers.is_empty() {
            r.line(
                Level::Warn,
                "queue",
                &format!("{} job(s) wait and no worker is running", q.pending),
                Some("start `invoicepilot serve` (runs a worker) or `invoicepilot worker`"),
            );
        } else {
            r.line(
                Level::Ok,
                "queue",
                &format!("{} pending, {} failed, {} worker(s)", q.pending, q.failed, q.workers.len()),
                None,
            );
        }
    }
    Some(db)
}

async fn clock(r: &mut Report, db: Option<&invoicepilot_store::Db>) {
    let now = chrono::Utc::now();
    let tokyo = now.with_timezone(&chrono_tz::Asia::Tokyo);
    r.line(
        Level::Ok,
        "clock",
        &format!("{} UTC = {} JST", now.format("%Y-%m-%d %H:%M:%S"), tokyo.format("%H:%M:%S")),
        None,
    );
    let Some(db) = db else { return };
    let app = invoicepilot_app::App::new(db.clone());
    if let Ok(companies) = invoicepilot_app::company::list_all(&app).await {
        for c in companies {
            if c.time_zone.parse::<chrono_tz::Tz>().is_err() {
                r.line(
                    Level::Warn,
                    "clock",
                    &format!("company {} has an unknown time zone {:?}; Asia/Tokyo is used", c.id, c.time_zone),
                    Some("set an IANA zone such as Asia/Tokyo in the company settings"),
                );
            }
        }
    }
    if db.backend() != invoicepilot_store::Backend::Sqlite
        && let Some(skew) = server_skew(db).await
        && skew.abs() > 5
    {
        r.line(
            Level::Warn,
            "clock",
            &format!("the database server's clock is {skew} s off this machine's"),
            Some("run NTP (chrony or systemd-timesyncd) on both machines"),
        );
    }
}

/// Seconds the database server's clock is ahead of this machine's.
async fn server_skew(db: &invoicepilot_store::Db) -> Option<i64> {
    use sea_orm::ConnectionTrait;
    let sql = match db.backend() {
        invoicepilot_store::Backend::Postgres => "SELECT CAST(EXTRACT(EPOCH FROM now()) AS BIGINT) AS t",
        _ => "SELECT CAST(UNIX_TIMESTAMP() AS SIGNED) AS t",
    };
    let row = db.conn().query_one_raw(sea_orm::Statement::from_string(db.db_backend(), sql)).await.ok()??;
    let t: i64 = row.try_get("", "t").ok()?;
    Some(t - chrono::Utc::now().timestamp())
}

/// `key generate [--force]`: writes `APP_KEY` into `.env`.
pub fn key_generate(force: bool) -> anyhow::Result<()> {
    let path = PathBuf::from(".env");
    let existing = match std::fs::read_to_string(&path) {
        Ok(s) => s,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => String::new(),
        Err(e) => bail!("{} cannot be read: {e}", path.display()),
    };
    let is_key = |l: &str| l.trim_start().strip_prefix("export ").unwrap_or(l.trim_start()).starts_with("APP_KEY=");
    let present = existing.lines().any(|l| is_key(l) && l.split_once('=').is_some_and(|(_, v)| !v.trim().is_empty()));
    if present && !force {
        bail!(
            "APP_KEY is already set in {}; pass --force to replace it (maintenance bypass cookies stop working)",
            path.display()
        );
    }
    let line = format!("APP_KEY={}", invoicepilot_app::keys::generate());
    let mut out: Vec<String> = existing.lines().filter(|l| !is_key(l)).map(str::to_owned).collect();
    out.push(line);
    let text = out.join("\n") + "\n";
    let tmp = path.with_extension("tmp");
    std::fs::write(&tmp, text)?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&tmp, std::fs::Permissions::from_mode(0o600))?;
    }
    std::fs::rename(&tmp, &path)?;
    if std::env::var("APP_KEY").is_ok_and(|v| !v.is_empty()) {
        eprintln!("note: APP_KEY is also set in the environment, which wins over .env");
    }
    println!("{}", serde_json::json!({"app_key": "written", "file": path}));
    Ok(())
}
