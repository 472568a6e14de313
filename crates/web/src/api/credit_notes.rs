//! `/api/v1/credit-notes` and `/api/v1/invoices/{id}/credit-notes`: 返還インボイス.

use super::with_etag;
use crate::error::ApiError;
use crate::extract::{ApiJson, ApiQuery, Auth, Id};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use invoicepilot_app::credit_notes::{self as uc, CreditNoteFilter, CreditNoteInput, CreditNoteView};
use invoicepilot_app::pagination::{Page, PageRequest};
use serde::Deserialize;

/// Issues a credit note against an issued invoice: an amount divided over the invoice's
/// rates, or returned lines; numbered `C-YYYY-NNNN` from ¥10,000, recorded without a
/// document below.
#[utoipa::path(post, path = "/api/v1/invoices/{id}/credit-notes", tag = "credit-notes",
    params(("id" = i64, Path), ("Idempotency-Key" = Option<String>, Header)),
    request_body = CreditNoteInput, responses((status = 201, body = CreditNoteView)))]
pub async fn create(auth: Auth, Id(id): Id, ApiJson(input): ApiJson<CreditNoteInput>) -> Result<Response, ApiError> {
    let v = uc::create(&auth.app, &auth.ctx, id, input).await?;
    Ok(with_etag(StatusCode::CREATED, 1, v))
}

/// Query of the credit-note search.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ListParams {
    /// The invoice credited.
    pub invoice_id: Option<i64>,
    /// The customer.
    pub customer_id: Option<i64>,
    /// 返還等 date ≥ (YYYY-MM-DD).
    pub credited_on_from: Option<String>,
    /// 返還等 date ≤ (YYYY-MM-DD).
    pub credited_on_to: Option<String>,
    /// Total ≥.
    pub total_min: Option<i64>,
    /// Total ≤.
    pub total_max: Option<i64>,
    /// Page size, 1–200 (default 50).
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<i64>,
    /// `next_cursor` of the previous page.
    pub cursor: Option<String>,
}

/// Searches credit notes, newest first (電帳法: by date, amount and counterparty).
#[utoipa::path(get, path = "/api/v1/credit-notes", tag = "credit-notes", params(ListParams),
    responses((status = 200, body = Page<CreditNoteView>)))]
pub async fn list(auth: Auth, ApiQuery(p): ApiQuery<ListParams>) -> Result<Response, ApiError> {
    let page = PageRequest::parse(p.limit, p.cursor.as_deref())?;
    let f = CreditNoteFilter {
        invoice_id: p.invoice_id,
        customer_id: p.customer_id,
        credited_on_from: p.credited_on_from,
        credited_on_to: p.credited_on_to,
        total_min: p.total_min,
        total_max: p.total_max,
    };
    Ok(axum::Json(uc::list(&auth.app, &auth.ctx, f, page).await?).into_response())
}

/// Reads a credit note.
#[utoipa::path(get, path = "/api/v1/credit-notes/{id}", tag = "credit-notes", params(("id" = i64, Path)),
    responses((status = 200, body = CreditNoteView)))]
pub async fn get(auth: Auth, Id(id): Id) -> Result<Response, ApiError> {
    let v = uc::get(&auth.app, &auth.ctx, id).await?;
    Ok(with_etag(StatusCode::OK, 1, v))
}

/// The credit note as PDF (適格返還請求書).
#[utoipa::path(get, path = "/api/v1/credit-notes/{id}/pdf", tag = "credit-notes", params(("id" = i64, Path)),
    responses((status = 200, description = "The PDF (application/pdf)", content_type = "application/pdf",
               body = super::invoices::PdfFile)))]
pub async fn pdf(auth: Auth, Id(id): Id) -> Result<Response, ApiError> {
    let p = invoicepilot_app::documents::credit_note_pdf(&auth.app, &auth.ctx, id).await?;
    Ok(crate::download::pdf(p, false))
}
