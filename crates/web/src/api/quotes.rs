//! `/api/v1/quotes`: 見積書.

use super::with_etag;
use crate::error::ApiError;
use crate::extract::{ApiJson, ApiQuery, Auth, Id, IfMatch};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use invoicepilot_app::pagination::{Page, PageRequest};
use invoicepilot_app::quotes::{self as uc, AcceptedQuote, QuoteInput, QuoteView};
use serde::Deserialize;

/// Query of the quote list.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ListParams {
    /// `draft`, `sent`, `accepted`, `declined` or `expired`.
    pub status: Option<String>,
    /// Only this customer's quotes.
    pub customer_id: Option<i64>,
    /// Page size, 1–200 (default 50).
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<i64>,
    /// `next_cursor` of the previous page.
    pub cursor: Option<String>,
}

/// Lists quotes, newest first.
#[utoipa::path(get, path = "/api/v1/quotes", tag = "quotes", params(ListParams),
    responses((status = 200, body = Page<QuoteView>)))]
pub async fn list(auth: Auth, ApiQuery(p): ApiQuery<ListParams>) -> Result<Response, ApiError> {
    let page = PageRequest::parse(p.limit, p.cursor.as_deref())?;
    Ok(axum::Json(uc::list(&auth.app, &auth.ctx, p.status.as_deref(), p.customer_id, page).await?).into_response())
}

/// Creates a draft quote.
#[utoipa::path(post, path = "/api/v1/quotes", tag = "quotes", request_body = QuoteInput,
    params(("Idempotency-Key" = Option<String>, Header)), responses((status = 201, body = QuoteView)))]
pub async fn create(auth: Auth, ApiJson(input): ApiJson<QuoteInput>) -> Result<Response, ApiError> {
    let v = uc::create(&auth.app, &auth.ctx, input).await?;
    Ok(with_etag(StatusCode::CREATED, v.version, v))
}

/// Reads a quote.
#[utoipa::path(get, path = "/api/v1/quotes/{id}", tag = "quotes", params(("id" = i64, Path)),
    responses((status = 200, body = QuoteView)))]
pub async fn get(auth: Auth, Id(id): Id) -> Result<Response, ApiError> {
    let v = uc::get(&auth.app, &auth.ctx, id).await?;
    Ok(with_etag(StatusCode::OK, v.version, v))
}

/// Replaces a draft quote (If-Match).
#[utoipa::path(put, path = "/api/v1/quotes/{id}", tag = "quotes", request_body = QuoteInput,
    params(("id" = i64, Path), ("If-Match" = String, Header)), responses((status = 200, body = QuoteView)))]
pub async fn update(
    auth: Auth,
    Id(id): Id,
    IfMatch(v): IfMatch,
    ApiJson(input): ApiJson<QuoteInput>,
) -> Result<Response, ApiError> {
    let out = uc::update(&auth.app, &auth.ctx, id, v, input).await?;
    Ok(with_etag(StatusCode::OK, out.version, out))
}

/// Deletes a draft quote (If-Match).
#[utoipa::path(delete, path = "/api/v1/quotes/{id}", tag = "quotes",
    params(("id" = i64, Path), ("If-Match" = String, Header)), responses((status = 204)))]
pub async fn delete(auth: Auth, Id(id): Id, IfMatch(v): IfMatch) -> Result<Response, ApiError> {
    uc::delete(&auth.app, &auth.ctx, id, v).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

/// Issues a draft quote to the customer: numbered `Q-YYYY-NNNN`, details frozen, `sent`.
#[utoipa::path(post, path = "/api/v1/quotes/{id}/issue", tag = "quotes",
    params(("id" = i64, Path), ("Idempotency-Key" = Option<String>, Header)), responses((status = 200, body = QuoteView)))]
pub async fn issue(auth: Auth, Id(id): Id) -> Result<Response, ApiError> {
    let v = uc::issue(&auth.app, &auth.ctx, id).await?;
    Ok(with_etag(StatusCode::OK, v.version, v))
}

/// Accepts a sent quote and creates the invoice draft of its lines (201 with both).
#[utoipa::path(post, path = "/api/v1/quotes/{id}/accept", tag = "quotes",
    params(("id" = i64, Path), ("Idempotency-Key" = Option<String>, Header)), responses((status = 201, body = AcceptedQuote)))]
pub async fn accept(auth: Auth, Id(id): Id) -> Result<Response, ApiError> {
    let v = uc::accept(&auth.app, &auth.ctx, id).await?;
    Ok((StatusCode::CREATED, axum::Json(v)).into_response())
}

/// Declines a sent quote.
#[utoipa::path(post, path = "/api/v1/quotes/{id}/decline", tag = "quotes",
    params(("id" = i64, Path), ("Idempotency-Key" = Option<String>, Header)), responses((status = 200, body = QuoteView)))]
pub async fn decline(auth: Auth, Id(id): Id) -> Result<Response, ApiError> {
    let v = uc::decline(&auth.app, &auth.ctx, id).await?;
    Ok(with_etag(StatusCode::OK, v.version, v))
}

/// The quote as PDF (御見積書).
#[utoipa::path(get, path = "/api/v1/quotes/{id}/pdf", tag = "quotes", params(("id" = i64, Path)),
    responses((status = 200, description = "The PDF (application/pdf)", content_type = "application/pdf",
               body = super::invoices::PdfFile)))]
pub async fn pdf(auth: Auth, Id(id): Id) -> Result<Response, ApiError> {
    let p = invoicepilot_app::documents::quote_pdf(&auth.app, &auth.ctx, id).await?;
    Ok(crate::download::pdf(p, false))
}
