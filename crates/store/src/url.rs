//! Parsing and masking of `DATABASE_URL`.

use std::path::{Path, PathBuf};

/// A database location, by backend.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DatabaseUrl {
    /// An SQLite file (created with its folder when missing).
    Sqlite(PathBuf),
    /// A PostgreSQL server URL.
    Postgres(String),
    /// A MySQL or MariaDB server URL.
    MySql(String),
}

impl DatabaseUrl {
    /// Reads a URL: `sqlite://PATH`, `sqlite:PATH`, `postgres://…`, `postgresql://…`,
    /// `mysql://…` or `mariadb://…`.
    pub fn parse(raw: &str) -> Result<DatabaseUrl, String> {
        let raw = raw.trim();
        if let Some(rest) = raw.strip_prefix("sqlite://").or_else(|| raw.strip_prefix("sqlite:")) {
            let path = rest.split('?').next().unwrap_or_default();
            if path.is_empty() {
                return Err("the SQLite URL names no file".into());
            }
            return Ok(DatabaseUrl::Sqlite(PathBuf::from(path)));
        }
        let parsed = ::url::Url::parse(raw).map_err(|e| format!("not a URL ({e})"))?;
        match parsed.scheme() {
            "postgres" | "postgresql" => Ok(DatabaseUrl::Postgres(raw.to_owned())),
            "mysql" => Ok(DatabaseUrl::MySql(raw.to_owned())),
            "mariadb" => Ok(DatabaseUrl::MySql(format!("mysql{}", &raw["mariadb".len()..]))),
            other => Err(format!("unsupported database scheme {other:?} (use sqlite, postgres or mysql)")),
        }
    }

    /// The default: `invoicepilot.db` under the storage folder.
    pub fn default_sqlite(storage: &Path) -> DatabaseUrl {
        DatabaseUrl::Sqlite(storage.join("invoicepilot.db"))
    }

    /// The URL with any password replaced by `****`, for messages and logs.
    pub fn masked(&self) -> String {
        match self {
            DatabaseUrl::Sqlite(p) => format!("sqlite://{}", p.display()),
            DatabaseUrl::Postgres(u) | DatabaseUrl::MySql(u) => mask_password(u),
        }
    }
}

/// Replaces the password of a URL with `****`; leaves a URL without one unchanged.
pub fn mask_password(raw: &str) -> String {
    match ::url::Url::parse(raw) {
        Ok(mut u) if u.password().is_some() => {
            let _ = u.set_password(Some("****"));
            u.to_string()
        }
        Ok(_) => raw.to_owned(),
        Err(_) => match (raw.find("://"), raw.rfind('@')) {
            (Some(s), Some(at)) if at > s => format!("{}://****@{}", &raw[..s], &raw[at + 1..]),
            _ => raw.to_owned(),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_each_backend() {
        assert_eq!(DatabaseUrl::parse("sqlite://data/x.db").unwrap(), DatabaseUrl::Sqlite("data/x.db".into()));
        assert_eq!(DatabaseUrl::parse("sqlite:///tmp/x.db?mode=rwc").unwrap(), DatabaseUrl::Sqlite("/tmp/x.db".into()));
        assert!(matches!(DatabaseUrl::parse("postgres://u:p@h/db"), Ok(DatabaseUrl::Postgres(_))));
        assert!(matches!(DatabaseUrl::parse("mysql://root@127.0.0.1/test"), Ok(DatabaseUrl::MySql(_))));
        assert_eq!(DatabaseUrl::parse("mariadb://root@h/db").unwrap(), DatabaseUrl::MySql("mysql://root@h/db".into()));
        assert!(DatabaseUrl::parse("oracle://x").is_err());
        assert!(DatabaseUrl::parse("nonsense").is_err());
    }

    #[test]
    fn masks_passwords() {
        assert_eq!(mask_password("postgres://app:s3cret@db:5432/inv"), "postgres://app:****@db:5432/inv");
        assert_eq!(mask_password("mysql://root@127.0.0.1/test"), "mysql://root@127.0.0.1/test");
        assert!(!DatabaseUrl::parse("mysql://a:topsecret@h/d").unwrap().masked().contains("topsecret"));
    }
}
