//! `/api/v1/company`: the token's company settings.

use super::with_etag;
use crate::error::ApiError;
use crate::extract::{ApiJson, Auth, IfMatch};
use axum::http::StatusCode;
use axum::response::Response;
use invoicepilot_app::company::{self as uc, CompanyUpdate, CompanyView};
use invoicepilot_domain::Permission;

/// Reads the company's settings.
#[utoipa::path(get, path = "/api/v1/company", tag = "company", responses((status = 200, body = CompanyView)))]
pub async fn get(auth: Auth) -> Result<Response, ApiError> {
    auth.ctx.require(Permission::Read)?;
    let v = uc::load(&auth.app, auth.ctx.company_id).await?.view();
    Ok(with_etag(StatusCode::OK, v.version, v))
}

/// Changes the company's settings (owner/admin, If-Match).
#[utoipa::path(put, path = "/api/v1/company", tag = "company", request_body = CompanyUpdate,
    params(("If-Match" = String, Header)), responses((status = 200, body = CompanyView)))]
pub async fn update(
    auth: Auth,
    IfMatch(v): IfMatch,
    ApiJson(input): ApiJson<CompanyUpdate>,
) -> Result<Response, ApiError> {
    let out = uc::update(&auth.app, &auth.ctx, v, input).await?;
    Ok(with_etag(StatusCode::OK, out.version, out))
}
