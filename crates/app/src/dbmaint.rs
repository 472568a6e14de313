//! `invoicepilot db optimize`: reclaims space and refreshes the planner's statistics —
//! `VACUUM` + `ANALYZE` on SQLite and PostgreSQL, `OPTIMIZE TABLE` + `ANALYZE TABLE` on
//! MySQL/MariaDB. Safe while the application runs (PostgreSQL's plain `VACUUM` takes no
//! exclusive lock; SQLite's `VACUUM` waits for writers like any write). `analyze` refreshes
//! the statistics alone.

use crate::App;
use crate::error::AppError;
use invoicepilot_store::Backend;
use invoicepilot_store::backup::{BACKED_UP, NOT_BACKED_UP};
use sea_orm::ConnectionTrait;

/// Every table of the schema (migrations' bookkeeping aside).
fn tables() -> Vec<&'static str> {
    BACKED_UP
        .iter()
        .map(|t| t.name())
        .chain(NOT_BACKED_UP.iter().copied().filter(|t| *t != "seaql_migrations"))
        .collect()
}

/// Runs the maintenance statements; returns each statement run.
pub async fn optimize(app: &App) -> Result<Vec<String>, AppError> {
    let statements: Vec<String> = match app.db.backend() {
        Backend::Sqlite => vec!["PRAGMA wal_checkpoint(TRUNCATE)".into(), "VACUUM".into(), "ANALYZE".into()],
        Backend::Postgres => vec!["VACUUM (ANALYZE)".into()],
        Backend::MySql => {
            let list = tables().join(", ");
            vec![format!("OPTIMIZE TABLE {list}"), format!("ANALYZE TABLE {list}")]
        }
    };
    run(app, statements).await
}

/// Refreshes only the planner's statistics (after a bulk load such as `dev seed`, so the
/// planner knows the new sizes); returns each statement run.
pub async fn analyze(app: &App) -> Result<Vec<String>, AppError> {
    let statements: Vec<String> = match app.db.backend() {
        Backend::Sqlite => vec!["ANALYZE".into()],
        // VACUUM also sets the visibility map that index-only scans need.
        Backend::Postgres => vec!["VACUUM (ANALYZE)".into()],
        Backend::MySql => vec![format!("ANALYZE TABLE {}", tables().join(", "))],
    };
    run(app, statements).await
}

async fn run(app: &App, statements: Vec<String>) -> Result<Vec<String>, AppError> {
    let conn = app.db.conn();
    for s in &statements {
        // OPTIMIZE/ANALYZE TABLE and the PRAGMA answer with rows; read them so the
        // connection is clean, and report a table-level error MySQL puts in them.
        let rows = conn.query_all_raw(sea_orm::Statement::from_string(conn.get_database_backend(), s.clone())).await?;
        for r in rows {
            if let (Ok(kind), Ok(text)) = (r.try_get::<String>("", "Msg_type"), r.try_get::<String>("", "Msg_text"))
                && kind.eq_ignore_ascii_case("error")
            {
                return Err(AppError::Internal(format!("{s}: {text}")));
            }
        }
    }
    Ok(statements)
}
