//! `/api/v1/invoices`.

use super::with_etag;
use crate::error::ApiError;
use crate::extract::{ApiJson, ApiQuery, Auth, Id, IfMatch, OptionalJson};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use invoicepilot_app::invoices::{self as uc, InvoiceFilter, InvoiceInput, InvoiceView, VoidInput};
use invoicepilot_app::mail::{SendAccepted, SendInput};
use invoicepilot_app::pagination::{Page, PageRequest};
use serde::Deserialize;

/// Filters of the invoice list (all combine with AND).
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ListParams {
    /// `draft`, `issued`, `partially_paid`, `paid`, `void`.
    pub status: Option<String>,
    /// Customer id.
    pub customer_id: Option<i64>,
    /// Issue date from (inclusive).
    pub issue_date_from: Option<String>,
    /// Issue date to (inclusive).
    pub issue_date_to: Option<String>,
    /// Total at least.
    pub total_min: Option<i64>,
    /// Total at most.
    pub total_max: Option<i64>,
    /// Overdue or not.
    pub overdue: Option<bool>,
    /// Number or customer name contains.
    pub q: Option<String>,
    /// Page size, 1–200 (default 50).
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<i64>,
    /// `next_cursor` of the previous page.
    pub cursor: Option<String>,
}

/// Lists invoices, newest first.
#[utoipa::path(get, path = "/api/v1/invoices", tag = "invoices", params(ListParams),
    responses((status = 200, body = Page<InvoiceView>)))]
pub async fn list(auth: Auth, ApiQuery(p): ApiQuery<ListParams>) -> Result<Response, ApiError> {
    let page = PageRequest::parse(p.limit, p.cursor.as_deref())?;
    let filter = InvoiceFilter {
        status: p.status,
        customer_id: p.customer_id,
        issue_date_from: p.issue_date_from,
        issue_date_to: p.issue_date_to,
        total_min: p.total_min,
        total_max: p.total_max,
        overdue: p.overdue,
        q: p.q,
    };
    Ok(axum::Json(uc::list(&auth.app, &auth.ctx, filter, page).await?).into_response())
}

/// Creates a draft (accepts Idempotency-Key).
#[utoipa::path(post, path = "/api/v1/invoices", tag = "invoices", request_body = InvoiceInput,
    params(("Idempotency-Key" = Option<String>, Header)), responses((status = 201, body = InvoiceView)))]
pub async fn create(auth: Auth, ApiJson(input): ApiJson<InvoiceInput>) -> Result<Response, ApiError> {
    let v = uc::create_draft(&auth.app, &auth.ctx, input).await?;
    Ok(with_etag(StatusCode::CREATED, v.version, v))
}

/// Reads an invoice.
#[utoipa::path(get, path = "/api/v1/invoices/{id}", tag = "invoices", params(("id" = i64, Path)),
    responses((status = 200, body = InvoiceView)))]
pub async fn get(auth: Auth, Id(id): Id) -> Result<Response, ApiError> {
    let v = uc::get(&auth.app, &auth.ctx, id).await?;
    Ok(with_etag(StatusCode::OK, v.version, v))
}

/// Replaces a draft (If-Match); 409 once issued.
#[utoipa::path(put, path = "/api/v1/invoices/{id}", tag = "invoices", request_body = InvoiceInput,
    params(("id" = i64, Path), ("If-Match" = String, Header)), responses((status = 200, body = InvoiceView)))]
pub async fn update(
    auth: Auth,
    Id(id): Id,
    IfMatch(v): IfMatch,
    ApiJson(input): ApiJson<InvoiceInput>,
) -> Result<Response, ApiError> {
    let out = uc::update_draft(&auth.app, &auth.ctx, id, v, input).await?;
    Ok(with_etag(StatusCode::OK, out.version, out))
}

/// Deletes a draft (If-Match); 409 once issued.
#[utoipa::path(delete, path = "/api/v1/invoices/{id}", tag = "invoices",
    params(("id" = i64, Path), ("If-Match" = String, Header)), responses((status = 204)))]
pub async fn delete(auth: Auth, Id(id): Id, IfMatch(v): IfMatch) -> Result<Response, ApiError> {
    uc::delete_draft(&auth.app, &auth.ctx, id, v).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

/// Issues a draft: assigns the number and freezes it (no body).
#[utoipa::path(post, path = "/api/v1/invoices/{id}/issue", tag = "invoices",
    params(("id" = i64, Path), ("If-Match" = Option<String>, Header), ("Idempotency-Key" = Option<String>, Header)),
    responses((status = 200, body = InvoiceView)))]
pub async fn issue(auth: Auth, Id(id): Id, IfMatch(v): IfMatch) -> Result<Response, ApiError> {
    let out = uc::issue(&auth.app, &auth.ctx, id, v).await?;
    Ok(with_etag(StatusCode::OK, out.version, out))
}

/// Makes one 合計請求書 of a customer's drafts dated within a closing period (by the
/// customer's 締め日): lines labelled with their dates, tax once per rate on the totals,
/// dated the closing day; the drafts are consumed. 422 when the period has none.
#[utoipa::path(post, path = "/api/v1/invoices/summary", tag = "invoices", request_body = uc::SummaryInput,
    params(("Idempotency-Key" = Option<String>, Header)), responses((status = 201, body = InvoiceView)))]
pub async fn summary(auth: Auth, ApiJson(input): ApiJson<uc::SummaryInput>) -> Result<Response, ApiError> {
    let v = uc::summarize(&auth.app, &auth.ctx, input).await?;
    Ok(with_etag(StatusCode::CREATED, v.version, v))
}

/// Starts a correction (修正): a new draft with the invoice's lines, linked to it; issuing
/// that draft voids this invoice with the link back. 409 for drafts, void, paid or credited
/// invoices and while a correction draft exists.
#[utoipa::path(post, path = "/api/v1/invoices/{id}/correct", tag = "invoices",
    params(("id" = i64, Path), ("Idempotency-Key" = Option<String>, Header)),
    responses((status = 201, body = InvoiceView)))]
pub async fn correct(auth: Auth, Id(id): Id) -> Result<Response, ApiError> {
    let v = invoicepilot_app::invoices::start_correction(&auth.app, &auth.ctx, id).await?;
    Ok(with_etag(StatusCode::CREATED, v.version, v))
}

/// Voids an issued invoice with a reason; the number stays used.
#[utoipa::path(post, path = "/api/v1/invoices/{id}/void", tag = "invoices", request_body = VoidInput,
    params(("id" = i64, Path), ("If-Match" = Option<String>, Header), ("Idempotency-Key" = Option<String>, Header)),
    responses((status = 200, body = InvoiceView)))]
pub async fn void(
    auth: Auth,
    Id(id): Id,
    IfMatch(v): IfMatch,
    ApiJson(input): ApiJson<VoidInput>,
) -> Result<Response, ApiError> {
    let out = uc::void(&auth.app, &auth.ctx, id, v, input).await?;
    Ok(with_etag(StatusCode::OK, out.version, out))
}

/// A PDF file (binary).
#[derive(utoipa::ToSchema)]
#[schema(value_type = String, format = Binary)]
pub struct PdfFile(#[allow(dead_code)] Vec<u8>);

/// The invoice as PDF: for an issued invoice the stored document, byte for byte the same
/// forever; for a draft a preview marked 「下書き」. Changes nothing.
#[utoipa::path(get, path = "/api/v1/invoices/{id}/pdf", tag = "invoices", params(("id" = i64, Path)),
    responses((status = 200, description = "The PDF (application/pdf)", content_type = "application/pdf", body = PdfFile)))]
pub async fn pdf(auth: Auth, Id(id): Id) -> Result<Response, ApiError> {
    let p = invoicepilot_app::documents::invoice_pdf(&auth.app, &auth.ctx, id).await?;
    Ok(crate::download::pdf(p, false))
}

/// Queues the invoice e-mail with its PDF (no body: to the customer's address). 202 with the
/// job id; the invoice's `delivery` then shows queued, sent or failed with the SMTP reply.
#[utoipa::path(post, path = "/api/v1/invoices/{id}/send", tag = "invoices", request_body(content = Option<SendInput>),
    params(("id" = i64, Path), ("Idempotency-Key" = Option<String>, Header)),
    responses((status = 202, body = SendAccepted)))]
pub async fn send(auth: Auth, Id(id): Id, OptionalJson(input): OptionalJson<SendInput>) -> Result<Response, ApiError> {
    let accepted = invoicepilot_app::mail::send_invoice(&auth.app, &auth.ctx, id, input.unwrap_or_default()).await?;
    Ok((StatusCode::ACCEPTED, axum::Json(accepted)).into_response())
}

/// Body of `POST /api/v1/invoices/{id}/dunning-hold`.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct HoldInput {
    /// `true`: no reminders for this invoice; `false`: reminders again.
    pub hold: bool,
}

/// Holds or releases the payment reminders of an invoice.
#[utoipa::path(post, path = "/api/v1/invoices/{id}/dunning-hold", tag = "invoices", request_body = HoldInput,
    params(("id" = i64, Path)), responses((status = 200, body = InvoiceView)))]
pub async fn dunning_hold(auth: Auth, Id(id): Id, ApiJson(input): ApiJson<HoldInput>) -> Result<Response, ApiError> {
    invoicepilot_app::dunning::set_invoice_hold(&auth.app, &auth.ctx, id, input.hold).await?;
    let v = uc::get(&auth.app, &auth.ctx, id).await?;
    Ok(with_etag(StatusCode::OK, v.version, v))
}
