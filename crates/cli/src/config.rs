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
        }
    }
}

const KEYS: &[&str] = &[
    "DATABASE_URL",
    "STORAGE_PATH",
    "APP_URL",
    "API_RATE_LIMIT",
    "SQLITE_SYNCHRONOUS",
    "DB_MAX_CONNECTIONS",
    "LOG_FORMAT",
];

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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_to_sqlite_under_storage() {
        let s = Settings::default();
        assert_eq!(s.database().unwrap(), DatabaseUrl::Sqlite(PathBuf::from("./storage/invoicepilot.db")));
    }

    #[test]
    fn bad_url_message_masks_password() {
        let s = Settings { database_url: Some("oracle://u:hunter2@h/db".into()), ..Settings::default() };
        let err = s.database().unwrap_err();
        assert!(err.contains("oracle://u:****@h/db"), "{err}");
        assert!(!err.contains("hunter2"));
    }
}
