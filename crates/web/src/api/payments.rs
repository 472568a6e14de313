//! `/api/v1/payments`.

use super::with_etag;
use crate::error::ApiError;
use crate::extract::{ApiJson, ApiQuery, Auth, Id, IfMatch};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use invoicepilot_app::pagination::{Page, PageRequest};
use invoicepilot_app::payments::{self as uc, PaymentInput, PaymentView};
use serde::Deserialize;

/// Query of the payment list.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ListParams {
    /// Only this customer's payments.
    pub customer_id: Option<i64>,
    /// Page size, 1–200 (default 50).
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<i64>,
    /// `next_cursor` of the previous page.
    pub cursor: Option<String>,
}

/// Lists payments, newest first.
#[utoipa::path(get, path = "/api/v1/payments", tag = "payments", params(ListParams),
    responses((status = 200, body = Page<PaymentView>)))]
pub async fn list(auth: Auth, ApiQuery(p): ApiQuery<ListParams>) -> Result<Response, ApiError> {
    let page = PageRequest::parse(p.limit, p.cursor.as_deref())?;
    Ok(axum::Json(uc::list(&auth.app, &auth.ctx, p.customer_id, page).await?).into_response())
}

/// Records a payment and allocates it (accepts Idempotency-Key).
#[utoipa::path(post, path = "/api/v1/payments", tag = "payments", request_body = PaymentInput,
    params(("Idempotency-Key" = Option<String>, Header)), responses((status = 201, body = PaymentView)))]
pub async fn create(auth: Auth, ApiJson(input): ApiJson<PaymentInput>) -> Result<Response, ApiError> {
    let v = uc::record(&auth.app, &auth.ctx, input).await?;
    Ok(with_etag(StatusCode::CREATED, v.version, v))
}

/// Reads a payment.
#[utoipa::path(get, path = "/api/v1/payments/{id}", tag = "payments", params(("id" = i64, Path)),
    responses((status = 200, body = PaymentView)))]
pub async fn get(auth: Auth, Id(id): Id) -> Result<Response, ApiError> {
    let v = uc::get(&auth.app, &auth.ctx, id).await?;
    Ok(with_etag(StatusCode::OK, v.version, v))
}

/// Reverses a payment; answers with the reversal.
#[utoipa::path(post, path = "/api/v1/payments/{id}/reverse", tag = "payments",
    params(("id" = i64, Path), ("If-Match" = Option<String>, Header), ("Idempotency-Key" = Option<String>, Header)),
    responses((status = 201, body = PaymentView)))]
pub async fn reverse(auth: Auth, Id(id): Id, IfMatch(v): IfMatch) -> Result<Response, ApiError> {
    let out = uc::reverse(&auth.app, &auth.ctx, id, v).await?;
    Ok(with_etag(StatusCode::CREATED, out.version, out))
}
