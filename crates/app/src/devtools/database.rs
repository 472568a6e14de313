//! Throw-away databases on a PostgreSQL or MySQL/MariaDB test server, one per test, so tests
//! run in parallel without sharing rows. Leftovers of crashed runs are dropped after a day.

use rand::RngCore;
use sea_orm::{ConnectionTrait, Database, Statement};

/// Creates a fresh database on the server `base` names (its own database is used only to
/// connect) and returns the URL of the new one.
pub async fn fresh_server_database(base: &str) -> Result<String, String> {
    let mut suffix = [0u8; 6];
    rand::rng().fill_bytes(&mut suffix);
    let name = format!("ipt_{}_{}", chrono::Utc::now().timestamp(), hex::encode(suffix));
    let admin = Database::connect(base).await.map_err(|e| format!("test database server unreachable: {e}"))?;
    let mysql = base.starts_with("mysql") || base.starts_with("mariadb");
    drop_stale(&admin, mysql).await;
    let create = if mysql {
        format!("CREATE DATABASE {name} CHARACTER SET utf8mb4 COLLATE utf8mb4_bin")
    } else {
        format!("CREATE DATABASE {name}")
    };
    admin.execute_unprepared(&create).await.map_err(|e| format!("create test database: {e}"))?;
    let _ = admin.close().await;
    let mut url = url_with_database(base, &name);
    if url.starts_with("mariadb") {
        url = format!("mysql{}", &url["mariadb".len()..]);
    }
    Ok(url)
}

/// Drops `ipt_<unix time>_…` databases older than a day.
async fn drop_stale(admin: &sea_orm::DatabaseConnection, mysql: bool) {
    let list = if mysql {
        "SELECT schema_name AS name FROM information_schema.schemata WHERE schema_name LIKE 'ipt\\_%'"
    } else {
        "SELECT datname AS name FROM pg_database WHERE datname LIKE 'ipt\\_%'"
    };
    let cutoff = chrono::Utc::now().timestamp() - 86_400;
    let Ok(rows) = admin.query_all_raw(Statement::from_string(admin.get_database_backend(), list)).await else {
        return;
    };
    for r in rows {
        let n: String = r.try_get("", "name").unwrap_or_default();
        let ts: i64 = n.split('_').nth(1).and_then(|t| t.parse().ok()).unwrap_or(i64::MAX);
        if ts < cutoff {
            let _ = admin.execute_unprepared(&format!("DROP DATABASE IF EXISTS {n}")).await;
        }
    }
}

/// Drops the database `url` names (one made by [`fresh_server_database`] on `base`), for
/// runs that leave gigabytes behind (the read benchmark).
pub async fn drop_server_database(base: &str, url: &str) -> Result<(), String> {
    let name = url.split('?').next().unwrap_or(url).rsplit('/').next().unwrap_or_default();
    if !name.starts_with("ipt_") || !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
        return Err(format!("{name:?} is not a throw-away database"));
    }
    let admin = Database::connect(base).await.map_err(|e| format!("database server unreachable: {e}"))?;
    let res = admin.execute_unprepared(&format!("DROP DATABASE IF EXISTS {name}")).await;
    let _ = admin.close().await;
    res.map(|_| ()).map_err(|e| format!("drop {name}: {e}"))
}

/// `base` with its database (path) replaced by `db`, keeping the query string.
pub fn url_with_database(base: &str, db: &str) -> String {
    let (without_query, query) = match base.split_once('?') {
        Some((a, q)) => (a, format!("?{q}")),
        None => (base, String::new()),
    };
    let scheme_end = without_query.find("://").map(|i| i + 3).unwrap_or(0);
    let path_start = without_query[scheme_end..].find('/').map(|i| i + scheme_end).unwrap_or(without_query.len());
    format!("{}/{db}{query}", &without_query[..path_start])
}

#[cfg(test)]
mod tests {
    use super::url_with_database;

    #[test]
    fn replaces_only_the_database() {
        assert_eq!(url_with_database("postgres://u@h:5432/test", "x"), "postgres://u@h:5432/x");
        assert_eq!(
            url_with_database("mysql://root@h:3306/test?ssl-mode=disabled", "x"),
            "mysql://root@h:3306/x?ssl-mode=disabled"
        );
        assert_eq!(url_with_database("postgres://u@h", "x"), "postgres://u@h/x");
    }
}
