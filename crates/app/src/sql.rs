//! Raw statements for the few places the ORM cannot express portably.

use sea_orm::{DbBackend, Statement, Value};

/// Builds a statement written with `?` placeholders, renumbered to `$n` for PostgreSQL.
pub fn stmt(backend: DbBackend, sql: &str, values: Vec<Value>) -> Statement {
    if backend == DbBackend::Postgres {
        let mut out = String::with_capacity(sql.len() + 8);
        let mut n = 0;
        for ch in sql.chars() {
            if ch == '?' {
                n += 1;
                out.push('$');
                out.push_str(&n.to_string());
            } else {
                out.push(ch);
            }
        }
        Statement::from_sql_and_values(backend, out, values)
    } else {
        Statement::from_sql_and_values(backend, sql, values)
    }
}

/// `INSERT … ` that does nothing when the key exists, per backend.
pub fn insert_ignore(backend: DbBackend, table: &str, cols: &[&str], conflict: &[&str]) -> String {
    let placeholders = vec!["?"; cols.len()].join(", ");
    match backend {
        DbBackend::MySql => format!("INSERT IGNORE INTO {table} ({}) VALUES ({placeholders})", cols.join(", ")),
        _ => format!(
            "INSERT INTO {table} ({}) VALUES ({placeholders}) ON CONFLICT ({}) DO NOTHING",
            cols.join(", "),
            conflict.join(", ")
        ),
    }
}

/// `SUM(expr)` as a 64-bit integer, 0 over no rows (PostgreSQL and MySQL widen integer sums
/// to `numeric` / `DECIMAL`).
pub fn sum_i64(backend: DbBackend, expr: &str) -> String {
    match backend {
        DbBackend::Postgres => format!("CAST(COALESCE(SUM({expr}), 0) AS BIGINT)"),
        DbBackend::MySql => format!("CAST(COALESCE(SUM({expr}), 0) AS SIGNED)"),
        _ => format!("COALESCE(SUM({expr}), 0)"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renumbers_placeholders_for_postgres() {
        let s = stmt(DbBackend::Postgres, "UPDATE t SET a = ? WHERE b = ?", vec![1.into(), 2.into()]);
        assert_eq!(s.sql, "UPDATE t SET a = $1 WHERE b = $2");
        let s = stmt(DbBackend::MySql, "UPDATE t SET a = ? WHERE b = ?", vec![1.into(), 2.into()]);
        assert_eq!(s.sql, "UPDATE t SET a = ? WHERE b = ?");
    }

    #[test]
    fn insert_ignore_per_backend() {
        assert!(insert_ignore(DbBackend::MySql, "t", &["a"], &["a"]).starts_with("INSERT IGNORE"));
        assert!(insert_ignore(DbBackend::Sqlite, "t", &["a"], &["a"]).ends_with("ON CONFLICT (a) DO NOTHING"));
    }
}
