//! `/api/v1/bank-statements` and `/api/v1/bank-transactions`: statement upload and the
//! 未消込 queue.

use super::with_etag;
use crate::error::ApiError;
use crate::extract::{ApiBytes, ApiJson, ApiQuery, Auth, Id, OptionalJson};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use invoicepilot_app::bank::{
    self as uc, AssignInput, ImportFormat, ImportOutcome, StatementImport, StatementView, TransactionView,
};
use invoicepilot_app::pagination::{Page, PageRequest};
use invoicepilot_app::{AppError, FieldError};
use serde::Deserialize;

/// Query of a statement upload.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct UploadParams {
    /// `auto` (default), `zengin`, `csv:anser`, `csv:mufg`, `csv:sbi`.
    pub format: Option<String>,
    /// The file's name, for the record.
    pub file_name: Option<String>,
}

/// Imports a statement file (the raw bytes as the body) and matches its transfers; 201
/// with the counts, 200 when this file was imported before.
#[utoipa::path(post, path = "/api/v1/bank-statements", tag = "bank", params(UploadParams),
    request_body(content = Vec<u8>, content_type = "application/octet-stream"),
    responses((status = 201, body = ImportOutcome), (status = 200, body = ImportOutcome)))]
pub async fn upload(
    auth: Auth,
    ApiQuery(p): ApiQuery<UploadParams>,
    ApiBytes(body): ApiBytes,
) -> Result<Response, ApiError> {
    let format: ImportFormat = p
        .format
        .as_deref()
        .unwrap_or("auto")
        .parse()
        .map_err(|m: String| AppError::Validation(vec![FieldError::new("format", "invalid", m)]))?;
    let input = StatementImport { bytes: body.to_vec(), format, file_name: p.file_name };
    let out = uc::import_statement(&auth.app, &auth.ctx, input).await?;
    let status = if out.known_file { StatusCode::OK } else { StatusCode::CREATED };
    Ok((status, axum::Json(out)).into_response())
}

/// Query of a plain list.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PageParams {
    /// Page size, 1–200 (default 50).
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<i64>,
    /// `next_cursor` of the previous page.
    pub cursor: Option<String>,
}

/// Lists imported statements, newest first.
#[utoipa::path(get, path = "/api/v1/bank-statements", tag = "bank", params(PageParams),
    responses((status = 200, body = Page<StatementView>)))]
pub async fn statements(auth: Auth, ApiQuery(p): ApiQuery<PageParams>) -> Result<Response, ApiError> {
    let page = PageRequest::parse(p.limit, p.cursor.as_deref())?;
    Ok(axum::Json(uc::list_statements(&auth.app, &auth.ctx, page).await?).into_response())
}

/// Query of the transaction list.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct TransactionParams {
    /// `open` (the 未消込 queue: unmatched and suggested), or one status.
    pub status: Option<String>,
    /// Page size, 1–200 (default 50).
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<i64>,
    /// `next_cursor` of the previous page.
    pub cursor: Option<String>,
}

/// Lists statement transactions, newest first.
#[utoipa::path(get, path = "/api/v1/bank-transactions", tag = "bank", params(TransactionParams),
    responses((status = 200, body = Page<TransactionView>)))]
pub async fn transactions(auth: Auth, ApiQuery(p): ApiQuery<TransactionParams>) -> Result<Response, ApiError> {
    let page = PageRequest::parse(p.limit, p.cursor.as_deref())?;
    Ok(axum::Json(uc::list_transactions(&auth.app, &auth.ctx, p.status.as_deref(), page).await?).into_response())
}

/// Reads a statement transaction.
#[utoipa::path(get, path = "/api/v1/bank-transactions/{id}", tag = "bank", params(("id" = i64, Path)),
    responses((status = 200, body = TransactionView)))]
pub async fn transaction(auth: Auth, Id(id): Id) -> Result<Response, ApiError> {
    let v = uc::get_transaction(&auth.app, &auth.ctx, id).await?;
    Ok(with_etag(StatusCode::OK, v.version, v))
}

/// Books an open transaction to a customer and invoices.
#[utoipa::path(post, path = "/api/v1/bank-transactions/{id}/assign", tag = "bank", params(("id" = i64, Path)),
    request_body = AssignInput, responses((status = 200, body = TransactionView)))]
pub async fn assign(auth: Auth, Id(id): Id, ApiJson(input): ApiJson<AssignInput>) -> Result<Response, ApiError> {
    let v = uc::assign(&auth.app, &auth.ctx, id, input).await?;
    Ok(with_etag(StatusCode::OK, v.version, v))
}

/// Body of `accept`.
#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AcceptInput {
    /// Which suggestion (0 = the best, the default).
    pub index: Option<u32>,
    /// Remember the payer name for the customer.
    pub remember_payer_name: Option<bool>,
}

/// Books one of a transaction's suggestions.
#[utoipa::path(post, path = "/api/v1/bank-transactions/{id}/accept", tag = "bank", params(("id" = i64, Path)),
    request_body = Option<AcceptInput>, responses((status = 200, body = TransactionView)))]
pub async fn accept(
    auth: Auth,
    Id(id): Id,
    OptionalJson(input): OptionalJson<AcceptInput>,
) -> Result<Response, ApiError> {
    let input = input.unwrap_or_default();
    let v = uc::accept_suggestion(
        &auth.app,
        &auth.ctx,
        id,
        input.index.unwrap_or(0) as usize,
        input.remember_payer_name.unwrap_or(false),
    )
    .await?;
    Ok(with_etag(StatusCode::OK, v.version, v))
}

/// Sets an open transaction aside (not a customer payment).
#[utoipa::path(post, path = "/api/v1/bank-transactions/{id}/ignore", tag = "bank", params(("id" = i64, Path)),
    responses((status = 200, body = TransactionView)))]
pub async fn ignore(auth: Auth, Id(id): Id) -> Result<Response, ApiError> {
    let v = uc::ignore(&auth.app, &auth.ctx, id).await?;
    Ok(with_etag(StatusCode::OK, v.version, v))
}

/// Undoes a match: reverses its payments and fee credit; the transfer is open again.
#[utoipa::path(post, path = "/api/v1/bank-transactions/{id}/unmatch", tag = "bank", params(("id" = i64, Path)),
    responses((status = 200, body = TransactionView)))]
pub async fn unmatch(auth: Auth, Id(id): Id) -> Result<Response, ApiError> {
    let v = uc::unmatch(&auth.app, &auth.ctx, id).await?;
    Ok(with_etag(StatusCode::OK, v.version, v))
}

/// The payer names remembered for a customer (its `name_kana` counts too).
#[utoipa::path(get, path = "/api/v1/customers/{id}/payer-names", tag = "bank", params(("id" = i64, Path)),
    responses((status = 200, body = Vec<uc::PayerNameView>)))]
pub async fn payer_names(auth: Auth, Id(id): Id) -> Result<Response, ApiError> {
    Ok(axum::Json(uc::payer_names(&auth.app, &auth.ctx, id).await?).into_response())
}

/// Remembers a payer name for a customer (201 with the customer's names).
#[utoipa::path(post, path = "/api/v1/customers/{id}/payer-names", tag = "bank", params(("id" = i64, Path)),
    request_body = uc::PayerNameInput, responses((status = 201, body = Vec<uc::PayerNameView>)))]
pub async fn add_payer_name(
    auth: Auth,
    Id(id): Id,
    ApiJson(input): ApiJson<uc::PayerNameInput>,
) -> Result<Response, ApiError> {
    let v = uc::add_payer_name(&auth.app, &auth.ctx, id, input).await?;
    Ok((StatusCode::CREATED, axum::Json(v)).into_response())
}

/// Forgets a remembered payer name.
#[utoipa::path(delete, path = "/api/v1/payer-names/{id}", tag = "bank", params(("id" = i64, Path)),
    responses((status = 204)))]
pub async fn forget_payer_name(auth: Auth, Id(id): Id) -> Result<Response, ApiError> {
    uc::forget_payer_name(&auth.app, &auth.ctx, id).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}
