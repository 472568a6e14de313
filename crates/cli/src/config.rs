//! Settings: built-in defaults < `.env` < environment variables. Secrets are never printed.

use figment::Figment;
use figment::providers::{Env, Serialized};
use invoicepilot_store::DatabaseUrl;
use serde::{Deserialize, Serialize};
use std::path::PathBuf;

/// Every setting the binary reads.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Settings {
    /// `DATABASE_URL`; default: SQLite `invoicepilot.db` under `STORAGE_PATH`.
    pub database_url: Option<String>,
    /// `STORAGE_PATH`: database, logs, backups, PDFs.
    pub storage_path: PathBuf,
    /// `APP_URL`: the public base URL.
    pub app_url: Option<String>,
    /// `API_RATE_LIMIT`: requests per second per token; 0 disables.
    pub api_rate_limit: u32,
    /// `SQLITE_SYNCHRONOUS`: `full` (default, survives power loss) or `normal`.
    pub sqlite_synchronous: String,
    /// `DB_MAX_CONNECTIONS`: pool size.
    pub db_max_connections: u32,
    /// `LOG_FORMAT`: `text` or `json`.
    pub log_format: String,
    /// `MAIL_HOST`; without it there is no mail transport.
    pub mail_host: Option<String>,
    /// `MAIL_PORT` (default 587 with STARTTLS, 465 with TLS, 25 without).
    pub mail_port: Option<u16>,
    /// `MAIL_USERNAME`.
    pub mail_username: Option<String>,
    /// `MAIL_PASSWORD` (never printed).
    pub mail_password: Option<String>,
    /// `MAIL_ENCRYPTION`: `none`, `starttls` or `tls`.
    pub mail_encryption: String,
    /// `MAIL_FROM`: the sender address.
    pub mail_from: Option<String>,
    /// `MAIL_RETRY_BASE_SECS`: wait before the first retry of a send.
    pub mail_retry_base_secs: u64,
    /// `SLACK_WEBHOOK_URL`.
    pub slack_webhook_url: Option<String>,
    /// `DUNNING_SCHEDULE`: cron in the company's time zone, or `off`.
    pub dunning_schedule: String,
    /// `ALERT_QUEUE_BACKLOG`: pending jobs above which the queue is backlogged.
    pub alert_queue_backlog: u64,
    /// `ALERT_FAILED_JOBS`: failed jobs above which the queue is failing.
    pub alert_failed_jobs: u64,
    /// `ALERT_OLDEST_PENDING_SECS`: the oldest due job's wait above which the queue is backlogged.
    pub alert_oldest_pending_secs: i64,
    /// `ALERT_DISK_PERCENT`: used share of the storage volume that raises an alert.
    pub alert_disk_percent: f64,
    /// `ALERT_CPU_PERCENT`: process CPU use that raises an alert.
    pub alert_cpu_percent: f64,
    /// `ALERT_MEMORY_PERCENT`: used share of the machine's memory that raises an alert.
    pub alert_memory_percent: f64,
    /// `ALERT_P95_MS`: 95th-percentile request latency that raises an alert.
    pub alert_p95_ms: f64,
    /// `BACKUP_SCHEDULE`: cron in the first company's time zone, or `off`.
    pub backup_schedule: String,
    /// `BACKUP_KEEP_DAILY`: newest backup of each of this many days is kept.
    pub backup_keep_daily: usize,
    /// `BACKUP_KEEP_WEEKLY`: newest backup of each of this many ISO weeks is kept.
    pub backup_keep_weekly: usize,
    /// `LOG_RETENTION_DAYS`: daily log files older than this are deleted.
    pub log_retention_days: u32,
    /// `APP_KEY` (never printed): signs bypass cookies; generated into the database when absent.
    pub app_key: Option<String>,
    /// `TRUSTED_PROXIES`: comma-separated addresses of reverse proxies whose
    /// `X-Forwarded-For` names the client (login throttling per client address).
    pub trusted_proxies: String,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            database_url: None,
            storage_path: PathBuf::from("./storage"),
            app_url: None,
            api_rate_limit: 100,
            sqlite_synchronous: "full".into(),
            db_max_connections: 16,
            log_format: "text".into(),
            mail_host: None,
            mail_port: None,
            mail_username: None,
            mail_password: None,
            mail_encryption: "none".into(),
            mail_from: None,
            mail_retry_base_secs: 30,
            slack_webhook_url: None,
            dunning_schedule: "0 9 * * 1-5".into(),
            alert_queue_backlog: 100,
            alert_failed_jobs: 10,
            alert_oldest_pending_secs: 600,
            alert_disk_percent: 90.0,
            alert_cpu_percent: 80.0,
            alert_memory_percent: 85.0,
            alert_p95_ms: 500.0,
            backup_schedule: "0 3 * * *".into(),
            backup_keep_daily: 7,
            backup_keep_weekly: 4,
            log_retention_days: 90,
            app_key: None,
            trusted_proxies: String::new(),
        }
    }
}

const KEYS: &[&str] = &[
    "DATABASE_URL",
    "STORAGE_PATH",
    "APP_URL",
    "TRUSTED_PROXIES",
    "API_RATE_LIMIT",
    "SQLITE_SYNCHRONOUS",
    "DB_MAX_CONNECTIONS",
    "LOG_FORMAT",
    "MAIL_HOST",
    "MAIL_PORT",
    "MAIL_USERNAME",
    "MAIL_PASSWORD",
    "MAIL_ENCRYPTION",
    "MAIL_FROM",
    "MAIL_RETRY_BASE_SECS",
    "SLACK_WEBHOOK_URL",
    "DUNNING_SCHEDULE",
    "ALERT_QUEUE_BACKLOG",
    "ALERT_FAILED_JOBS",
    "ALERT_OLDEST_PENDING_SECS",
    "ALERT_DISK_PERCENT",
    "ALERT_CPU_PERCENT",
    "ALERT_MEMORY_PERCENT",
    "ALERT_P95_MS",
    "BACKUP_SCHEDULE",
    "BACKUP_KEEP_DAILY",
    "BACKUP_KEEP_WEEKLY",
    "LOG_RETENTION_DAYS",
    "APP_KEY",
];

/// Every variable the binary reads (for `doctor`).
pub fn keys() -> &'static [&'static str] {
    KEYS
}

impl Settings {
    /// Loads `.env` (without overriding the environment), then merges.
    pub fn load() -> Result<Settings, String> {
        match dotenvy::dotenv() {
            Ok(_) => {}
            Err(e) if e.not_found() => {}
            Err(e) => return Err(format!(".env could not be read: {e}")),
        }
        Figment::from(Serialized::defaults(Settings::default()))
            .merge(Env::raw().only(KEYS))
            .extract()
            .map_err(|e| format!("invalid configuration: {e}"))
    }

    /// The database to use.
    pub fn database(&self) -> Result<DatabaseUrl, String> {
        match self.database_url.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
            None => Ok(DatabaseUrl::default_sqlite(&self.storage_path)),
            Some(raw) => DatabaseUrl::parse(raw)
                .map_err(|e| format!("DATABASE_URL {} is invalid: {e}", invoicepilot_store::mask_password(raw))),
        }
    }
}

impl Settings {
    /// The reverse proxies to believe about the client's address.
    pub fn trusted_proxies(&self) -> Result<Vec<std::net::IpAddr>, String> {
        self.trusted_proxies
            .split(',')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(|s| s.parse().map_err(|_| format!("TRUSTED_PROXIES: {s:?} is not an IP address")))
            .collect()
    }
}

/// A cron expression, or `None` for `off`.
fn schedule(name: &str, raw: &str) -> Result<Option<String>, String> {
    let raw = raw.trim();
    if raw.eq_ignore_ascii_case("off") {
        return Ok(None);
    }
    invoicepilot_app::scheduler::parse(raw).map_err(|e| format!("{name}: {e}"))?;
    Ok(Some(raw.to_owned()))
}

fn present(v: &Option<String>) -> Option<String> {
    v.as_deref().map(str::trim).filter(|s| !s.is_empty()).map(str::to_owned)
}

impl Settings {
    /// The use-cases' settings: mail, Slack, thresholds, schedules.
    pub fn app_config(&self) -> Result<invoicepilot_app::config::AppConfig, String> {
        use invoicepilot_app::config::{AlertThresholds, AppConfig, MailConfig, MailEncryption};
        let encryption: MailEncryption = self.mail_encryption.parse()?;
        let mail = match present(&self.mail_host) {
            None => None,
            Some(host) => {
                let from = present(&self.mail_from).ok_or("MAIL_FROM is required when MAIL_HOST is set")?;
                let port = self.mail_port.unwrap_or(match encryption {
                    MailEncryption::None => 25,
                    MailEncryption::StartTls => 587,
                    MailEncryption::Tls => 465,
                });
                Some(MailConfig {
                    host,
                    port,
                    username: present(&self.mail_username),
                    password: self.mail_password.clone().filter(|p| !p.is_empty()),
                    encryption,
                    from,
                })
            }
        };
        // Validated with everything else, so `doctor` and start-up name a bad value.
        self.trusted_proxies()?;
        let dunning_schedule = schedule("DUNNING_SCHEDULE", &self.dunning_schedule)?;
        let backup_schedule = schedule("BACKUP_SCHEDULE", &self.backup_schedule)?;
        Ok(AppConfig {
            app_url: present(&self.app_url),
            mail,
            mail_retry_base: std::time::Duration::from_secs(self.mail_retry_base_secs.max(1)),
            slack_webhook_url: present(&self.slack_webhook_url),
            alerts: AlertThresholds {
                backlog: self.alert_queue_backlog,
                failed: self.alert_failed_jobs,
                oldest_pending_secs: self.alert_oldest_pending_secs,
                disk_percent: self.alert_disk_percent,
                cpu_percent: self.alert_cpu_percent,
                memory_percent: self.alert_memory_percent,
                p95_ms: self.alert_p95_ms,
            },
            dunning_schedule,
            storage_path: self.storage_path.clone(),
            backup_schedule,
            backup_keep_daily: self.backup_keep_daily.max(1),
            backup_keep_weekly: self.backup_keep_weekly,
            app_key: present(&self.app_key),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_to_sqlite_under_storage() {
        let s = Settings::default();
        assert_eq!(s.database().unwrap(), DatabaseUrl::Sqlite(PathBuf::from("./storage/invoicepilot.db")));
    }

    #[test]
    fn mail_needs_a_sender_and_schedules_must_parse() {
        let s = Settings { mail_host: Some("smtp.example.jp".into()), ..Settings::default() };
        assert!(s.app_config().unwrap_err().contains("MAIL_FROM"));
        let s = Settings {
            mail_host: Some("smtp.example.jp".into()),
            mail_from: Some("keiri@example.jp".into()),
            mail_encryption: "starttls".into(),
            ..Settings::default()
        };
        let c = s.app_config().unwrap();
        assert_eq!(c.mail.as_ref().map(|m| m.port), Some(587));
        assert!(!format!("{c:?}").contains("hunter2"));
        let s = Settings { dunning_schedule: "off".into(), ..Settings::default() };
        assert!(s.app_config().unwrap().dunning_schedule.is_none());
        let s = Settings { dunning_schedule: "every day".into(), ..Settings::default() };
        assert!(s.app_config().is_err());
    }

    #[test]
    fn bad_url_message_masks_password() {
        let s = Settings { database_url: Some("oracle://u:hunter2@h/db".into()), ..Settings::default() };
        let err = s.database().unwrap_err();
        assert!(err.contains("oracle://u:****@h/db"), "{err}");
        assert!(!err.contains("hunter2"));
    }
}
