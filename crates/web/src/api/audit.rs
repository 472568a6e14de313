//! `/api/v1/audit-logs`.

use crate::error::ApiError;
use crate::extract::{ApiQuery, Auth};
use axum::response::{IntoResponse, Response};
use invoicepilot_app::audit::{self as uc, AuditFilter, AuditLogView};
use invoicepilot_app::pagination::{Page, PageRequest};
use serde::Deserialize;

/// Filters of the audit list.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ListParams {
    /// e.g. `invoice`.
    pub target_type: Option<String>,
    /// e.g. `123`.
    pub target_id: Option<i64>,
    /// e.g. `invoice.issued`.
    pub action: Option<String>,
    /// Page size, 1–200 (default 50).
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<i64>,
    /// `next_cursor` of the previous page.
    pub cursor: Option<String>,
}

/// Lists audit rows, newest first.
#[utoipa::path(get, path = "/api/v1/audit-logs", tag = "audit", params(ListParams),
    responses((status = 200, body = Page<AuditLogView>)))]
pub async fn list(auth: Auth, ApiQuery(p): ApiQuery<ListParams>) -> Result<Response, ApiError> {
    let page = PageRequest::parse(p.limit, p.cursor.as_deref())?;
    let filter = AuditFilter { target_type: p.target_type, target_id: p.target_id, action: p.action };
    Ok(axum::Json(uc::list(&auth.app, &auth.ctx, filter, page).await?).into_response())
}
