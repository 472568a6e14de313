//! `/api/v1/customers`.

use super::with_etag;
use crate::error::ApiError;
use crate::extract::{ApiJson, ApiQuery, Auth, Id, IfMatch};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use invoicepilot_app::customers::{self as uc, CustomerInput, CustomerView};
use invoicepilot_app::pagination::{Page, PageRequest};
use serde::Deserialize;

/// Query of the customer list.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ListParams {
    /// Matches name, kana and e-mail.
    pub q: Option<String>,
    /// Page size, 1–200 (default 50).
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<i64>,
    /// `next_cursor` of the previous page.
    pub cursor: Option<String>,
}

/// Lists customers, newest first.
#[utoipa::path(get, path = "/api/v1/customers", tag = "customers", params(ListParams),
    responses((status = 200, body = Page<CustomerView>)))]
pub async fn list(auth: Auth, ApiQuery(p): ApiQuery<ListParams>) -> Result<Response, ApiError> {
    let page = PageRequest::parse(p.limit, p.cursor.as_deref())?;
    Ok(axum::Json(uc::list(&auth.app, &auth.ctx, p.q, page).await?).into_response())
}

/// Creates a customer.
#[utoipa::path(post, path = "/api/v1/customers", tag = "customers", request_body = CustomerInput,
    responses((status = 201, body = CustomerView)))]
pub async fn create(auth: Auth, ApiJson(input): ApiJson<CustomerInput>) -> Result<Response, ApiError> {
    let v = uc::create(&auth.app, &auth.ctx, input).await?;
    Ok(with_etag(StatusCode::CREATED, v.version, v))
}

/// Reads a customer.
#[utoipa::path(get, path = "/api/v1/customers/{id}", tag = "customers", params(("id" = i64, Path)),
    responses((status = 200, body = CustomerView)))]
pub async fn get(auth: Auth, Id(id): Id) -> Result<Response, ApiError> {
    let v = uc::get(&auth.app, &auth.ctx, id).await?;
    Ok(with_etag(StatusCode::OK, v.version, v))
}

/// Replaces a customer (If-Match).
#[utoipa::path(put, path = "/api/v1/customers/{id}", tag = "customers", request_body = CustomerInput,
    params(("id" = i64, Path), ("If-Match" = String, Header)), responses((status = 200, body = CustomerView)))]
pub async fn update(
    auth: Auth,
    Id(id): Id,
    IfMatch(v): IfMatch,
    ApiJson(input): ApiJson<CustomerInput>,
) -> Result<Response, ApiError> {
    let out = uc::update(&auth.app, &auth.ctx, id, v, input).await?;
    Ok(with_etag(StatusCode::OK, out.version, out))
}

/// Deletes a customer without invoices (If-Match).
#[utoipa::path(delete, path = "/api/v1/customers/{id}", tag = "customers",
    params(("id" = i64, Path), ("If-Match" = String, Header)), responses((status = 204)))]
pub async fn delete(auth: Auth, Id(id): Id, IfMatch(v): IfMatch) -> Result<Response, ApiError> {
    uc::delete(&auth.app, &auth.ctx, id, v).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}
