//! Settings of the use-cases that reach outside: mail, Slack, alert thresholds, schedules.
//! The CLI reads them from the environment; tests set them directly.

use std::time::Duration;

/// How to reach the SMTP server.
#[derive(Clone, PartialEq, Eq)]
pub struct MailConfig {
    /// `MAIL_HOST`.
    pub host: String,
    /// `MAIL_PORT`.
    pub port: u16,
    /// `MAIL_USERNAME`.
    pub username: Option<String>,
    /// `MAIL_PASSWORD` (never printed).
    pub password: Option<String>,
    /// `MAIL_ENCRYPTION`.
    pub encryption: MailEncryption,
    /// `MAIL_FROM`: `keiri@example.jp` or `株式会社テスト <keiri@example.jp>`.
    pub from: String,
}

impl std::fmt::Debug for MailConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MailConfig")
            .field("host", &self.host)
            .field("port", &self.port)
            .field("username", &self.username)
            .field("password", &self.password.as_ref().map(|_| "***"))
            .field("encryption", &self.encryption)
            .field("from", &self.from)
            .finish()
    }
}

/// `MAIL_ENCRYPTION`: `none`, `starttls` or `tls`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MailEncryption {
    /// Plain SMTP (a local relay).
    None,
    /// STARTTLS, required.
    StartTls,
    /// TLS from the first byte (SMTPS).
    Tls,
}

impl std::str::FromStr for MailEncryption {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s.trim().to_ascii_lowercase().as_str() {
            "" | "none" => Ok(MailEncryption::None),
            "starttls" => Ok(MailEncryption::StartTls),
            "tls" | "ssl" => Ok(MailEncryption::Tls),
            other => Err(format!("MAIL_ENCRYPTION must be none, starttls or tls, not {other}")),
        }
    }
}

/// When the queue counts as unhealthy (alerts and `/health`).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct AlertThresholds {
    /// Pending jobs above this: backlogged.
    pub backlog: u64,
    /// Failed jobs above this: failing.
    pub failed: u64,
    /// The oldest due job waiting longer than this (seconds): backlogged.
    pub oldest_pending_secs: i64,
    /// Used share of the storage volume (percent) above which disk space is short.
    pub disk_percent: f64,
    /// Process CPU use (percent of one core) above which the server is overloaded.
    pub cpu_percent: f64,
    /// Used share of the machine's memory (percent) above which memory is short.
    pub memory_percent: f64,
    /// 95th-percentile request latency (milliseconds) above which responses are slow.
    pub p95_ms: f64,
}

impl Default for AlertThresholds {
    fn default() -> Self {
        AlertThresholds {
            backlog: 100,
            failed: 10,
            oldest_pending_secs: 600,
            disk_percent: 90.0,
            cpu_percent: 80.0,
            memory_percent: 85.0,
            p95_ms: 500.0,
        }
    }
}

/// Everything the use-cases need to know about the outside world.
#[derive(Clone)]
pub struct AppConfig {
    /// `APP_URL`: links in e-mails are built from it, never from a request's Host header.
    pub app_url: Option<String>,
    /// SMTP; `None`: no mail transport (sends fail with a clear message, `doctor` warns).
    pub mail: Option<MailConfig>,
    /// `MAIL_RETRY_BASE_SECS`: the first retry of a failed send waits this long.
    pub mail_retry_base: Duration,
    /// `SLACK_WEBHOOK_URL`.
    pub slack_webhook_url: Option<String>,
    /// Queue alert thresholds.
    pub alerts: AlertThresholds,
    /// `DUNNING_SCHEDULE` (cron, company time zone); `None` when `off`.
    pub dunning_schedule: Option<String>,
    /// `STORAGE_PATH`: backups go to its `backups/` folder.
    pub storage_path: std::path::PathBuf,
    /// `BACKUP_SCHEDULE` (cron, the first company's time zone); `None` when `off`.
    pub backup_schedule: Option<String>,
    /// `BACKUP_KEEP_DAILY`: daily backups kept.
    pub backup_keep_daily: usize,
    /// `BACKUP_KEEP_WEEKLY`: weekly backups kept.
    pub backup_keep_weekly: usize,
    /// `APP_KEY`; `None`: a key generated into the database is used.
    pub app_key: Option<String>,
}

impl std::fmt::Debug for AppConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AppConfig")
            .field("app_url", &self.app_url)
            .field("mail", &self.mail)
            .field("mail_retry_base", &self.mail_retry_base)
            .field("slack_webhook_url", &self.slack_webhook_url.as_ref().map(|_| "***"))
            .field("alerts", &self.alerts)
            .field("dunning_schedule", &self.dunning_schedule)
            .field("storage_path", &self.storage_path)
            .field("backup_schedule", &self.backup_schedule)
            .field("backup_keep_daily", &self.backup_keep_daily)
            .field("backup_keep_weekly", &self.backup_keep_weekly)
            .field("app_key", &self.app_key.as_ref().map(|_| "***"))
            .finish()
    }
}

impl AppConfig {
    /// Where backups are written.
    pub fn backups_dir(&self) -> std::path::PathBuf {
        self.storage_path.join("backups")
    }
}

impl Default for AppConfig {
    fn default() -> Self {
        AppConfig {
            app_url: None,
            mail: None,
            mail_retry_base: Duration::from_secs(30),
            slack_webhook_url: None,
            alerts: AlertThresholds::default(),
            dunning_schedule: Some("0 9 * * 1-5".into()),
            storage_path: std::path::PathBuf::from("./storage"),
            backup_schedule: Some("0 3 * * *".into()),
            backup_keep_daily: 7,
            backup_keep_weekly: 4,
            app_key: None,
        }
    }
}

/// Named places where a test can make the next N passes fail (a database write that fails
/// after the SMTP server accepted a mail, say). Never armed outside tests.
#[derive(Debug, Default)]
pub struct Failpoints(std::sync::Mutex<std::collections::HashMap<&'static str, u32>>);

impl Failpoints {
    /// Makes the next `times` passes through `name` fail.
    pub fn arm(&self, name: &'static str, times: u32) {
        self.0.lock().unwrap_or_else(|e| e.into_inner()).insert(name, times);
    }

    /// True when this pass through `name` must fail.
    pub fn hit(&self, name: &'static str) -> bool {
        let mut m = self.0.lock().unwrap_or_else(|e| e.into_inner());
        match m.get_mut(name) {
            Some(n) if *n > 0 => {
                *n -= 1;
                true
            }
            _ => false,
        }
    }
}
