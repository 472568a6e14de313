//! `/api/v1/recurring-invoices`: 定期請求 schedules.

use super::with_etag;
use crate::error::ApiError;
use crate::extract::{ApiJson, ApiQuery, Auth, Id, IfMatch};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use invoicepilot_app::pagination::{Page, PageRequest};
use invoicepilot_app::recurring::{self as uc, RecurringInput, RecurringView};
use serde::Deserialize;

/// Query of the schedule list.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ListParams {
    /// Page size, 1–200 (default 50).
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<i64>,
    /// `next_cursor` of the previous page.
    pub cursor: Option<String>,
}

/// Lists schedules, newest first.
#[utoipa::path(get, path = "/api/v1/recurring-invoices", tag = "recurring", params(ListParams),
    responses((status = 200, body = Page<RecurringView>)))]
pub async fn list(auth: Auth, ApiQuery(p): ApiQuery<ListParams>) -> Result<Response, ApiError> {
    let page = PageRequest::parse(p.limit, p.cursor.as_deref())?;
    Ok(axum::Json(uc::list(&auth.app, &auth.ctx, page).await?).into_response())
}

/// Creates a schedule: every `interval_months` on `day_of_month` (31: month end) from
/// `start_period`, as a draft or issued (and sent).
#[utoipa::path(post, path = "/api/v1/recurring-invoices", tag = "recurring", request_body = RecurringInput,
    params(("Idempotency-Key" = Option<String>, Header)), responses((status = 201, body = RecurringView)))]
pub async fn create(auth: Auth, ApiJson(input): ApiJson<RecurringInput>) -> Result<Response, ApiError> {
    let v = uc::create(&auth.app, &auth.ctx, input).await?;
    Ok(with_etag(StatusCode::CREATED, v.version, v))
}

/// Reads a schedule.
#[utoipa::path(get, path = "/api/v1/recurring-invoices/{id}", tag = "recurring", params(("id" = i64, Path)),
    responses((status = 200, body = RecurringView)))]
pub async fn get(auth: Auth, Id(id): Id) -> Result<Response, ApiError> {
    let v = uc::get(&auth.app, &auth.ctx, id).await?;
    Ok(with_etag(StatusCode::OK, v.version, v))
}

/// Replaces a schedule (If-Match); `status: paused` stops it.
#[utoipa::path(put, path = "/api/v1/recurring-invoices/{id}", tag = "recurring", request_body = RecurringInput,
    params(("id" = i64, Path), ("If-Match" = String, Header)), responses((status = 200, body = RecurringView)))]
pub async fn update(
    auth: Auth,
    Id(id): Id,
    IfMatch(v): IfMatch,
    ApiJson(input): ApiJson<RecurringInput>,
) -> Result<Response, ApiError> {
    let out = uc::update(&auth.app, &auth.ctx, id, v, input).await?;
    Ok(with_etag(StatusCode::OK, out.version, out))
}
