//! `GET /health`: `{"status","database","queue","disk_space"}` exactly.

use crate::AppState;
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde::Serialize;
use std::path::Path;
use utoipa::ToSchema;

/// The health document.
#[derive(Debug, Serialize, ToSchema)]
pub struct Health {
    /// `healthy`, `degraded` or `unhealthy`.
    pub status: &'static str,
    /// `connected` or `disconnected`.
    pub database: &'static str,
    /// `operational`, `backlogged` or `failing`.
    pub queue: &'static str,
    /// Used share of the storage volume, e.g. `85%`.
    pub disk_space: String,
}

/// Used share of the volume holding `path`, in whole percent.
pub fn disk_used_percent(path: &Path) -> Option<u32> {
    invoicepilot_app::system::disk_used_percent(path).map(|p| p.round() as u32)
}

/// Answers 200 when the database is reachable, 503 otherwise.
#[utoipa::path(get, path = "/health", tag = "operations",
    responses((status = 200, description = "Healthy or degraded", body = Health),
              (status = 503, description = "The database cannot be reached", body = Health)))]
pub async fn health(State(state): State<AppState>) -> (StatusCode, Json<Health>) {
    let db_ok = tokio::time::timeout(std::time::Duration::from_secs(3), state.app.db.ping()).await.unwrap_or(false);
    let disk = disk_used_percent(&state.config.storage_path);
    let disk_space = disk.map(|p| format!("{p}%")).unwrap_or_else(|| "unknown".into());
    let (code, status) = match (db_ok, disk) {
        (false, _) => (StatusCode::SERVICE_UNAVAILABLE, "unhealthy"),
        (true, Some(p)) if f64::from(p) >= state.app.config.alerts.disk_percent => (StatusCode::OK, "degraded"),
        (true, _) => (StatusCode::OK, "healthy"),
    };
    let database = if db_ok { "connected" } else { "disconnected" };
    let queue = if db_ok { queue_state(&state.app).await } else { "operational" };
    let (code, status) = match (status, queue) {
        ("healthy", "backlogged" | "failing") => (code, "degraded"),
        other => (code, other.0),
    };
    (code, Json(Health { status, database, queue, disk_space }))
}

/// `failing` above the failed-jobs threshold, `backlogged` above the backlog or the
/// oldest-pending threshold, else `operational`.
async fn queue_state(app: &invoicepilot_app::App) -> &'static str {
    let t = app.config.alerts;
    match tokio::time::timeout(std::time::Duration::from_secs(3), invoicepilot_app::jobs::admin::status(app, None))
        .await
    {
        Ok(Ok(s)) if s.failed > t.failed => "failing",
        Ok(Ok(s)) if s.pending > t.backlog || s.oldest_pending_secs > t.oldest_pending_secs => "backlogged",
        _ => "operational",
    }
}
