//! `/api/v1`: one module per resource. Handlers extract, call one use-case, render.

mod audit;
mod bank;
mod company;
mod credit_notes;
mod customers;
mod exports;
mod invoices;
mod payments;
mod quotes;
mod recurring;

use crate::AppState;
use crate::error::Problem;
use axum::Json;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use utoipa::OpenApi;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

#[derive(OpenApi)]
#[openapi(
    components(schemas(Problem)),
    tags(
        (name = "customers", description = "取引先"),
        (name = "invoices", description = "請求書"),
        (name = "payments", description = "入金"),
        (name = "bank", description = "入金明細と消込"),
        (name = "credit-notes", description = "返還インボイス"),
        (name = "quotes", description = "見積書"),
        (name = "recurring", description = "定期請求"),
        (name = "exports", description = "会計ソフト向けエクスポート"),
        (name = "audit", description = "監査ログ"),
        (name = "company", description = "自社設定"),
        (name = "operations", description = "Health"),
    )
)]
struct ApiDoc;

/// Every API route with its documentation.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::with_openapi(ApiDoc::openapi())
        .routes(routes!(customers::list, customers::create))
        .routes(routes!(customers::get, customers::update, customers::delete))
        .routes(routes!(invoices::list, invoices::create))
        .routes(routes!(invoices::get, invoices::update, invoices::delete))
        .routes(routes!(invoices::issue))
        .routes(routes!(invoices::void))
        .routes(routes!(invoices::correct))
        .routes(routes!(invoices::summary))
        .routes(routes!(invoices::pdf))
        .routes(routes!(invoices::send))
        .routes(routes!(invoices::dunning_hold))
        .routes(routes!(payments::list, payments::create))
        .routes(routes!(payments::get))
        .routes(routes!(payments::reverse))
        .routes(routes!(recurring::list, recurring::create))
        .routes(routes!(recurring::get, recurring::update))
        .routes(routes!(quotes::list, quotes::create))
        .routes(routes!(quotes::get, quotes::update, quotes::delete))
        .routes(routes!(quotes::issue))
        .routes(routes!(quotes::accept))
        .routes(routes!(quotes::decline))
        .routes(routes!(quotes::pdf))
        .routes(routes!(credit_notes::create))
        .routes(routes!(credit_notes::list))
        .routes(routes!(credit_notes::get))
        .routes(routes!(credit_notes::pdf))
        .routes(routes!(bank::statements, bank::upload))
        .routes(routes!(bank::transactions))
        .routes(routes!(bank::transaction))
        .routes(routes!(bank::assign))
        .routes(routes!(bank::accept))
        .routes(routes!(bank::ignore))
        .routes(routes!(bank::unmatch))
        .routes(routes!(bank::payer_names, bank::add_payer_name))
        .routes(routes!(bank::forget_payer_name))
        .routes(routes!(audit::list))
        .routes(routes!(exports::journal))
        .routes(routes!(exports::payments))
        .routes(routes!(company::get, company::update))
        .routes(routes!(crate::health::health))
}

/// A JSON response with `ETag: "<version>"`.
pub fn with_etag<T: Serialize>(status: StatusCode, version: i64, body: T) -> Response {
    let mut resp = (status, Json(body)).into_response();
    if let Ok(v) = HeaderValue::from_str(&format!("\"{version}\"")) {
        resp.headers_mut().insert(header::ETAG, v);
    }
    resp
}
