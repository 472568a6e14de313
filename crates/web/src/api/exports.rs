//! `/api/v1/exports/*`: journals for accounting software and the payment register, CSV in
//! UTF-8 with BOM (default) or CP932.

use crate::error::ApiError;
use crate::extract::{ApiQuery, Auth};
use axum::response::Response;
use invoicepilot_app::export::CsvEncoding;
use invoicepilot_app::journal;
use invoicepilot_app::{AppError, FieldError};
use serde::Deserialize;

/// A CSV file (text).
#[derive(utoipa::ToSchema)]
#[schema(value_type = String)]
pub struct CsvFile(#[allow(dead_code)] String);

fn encoding(e: Option<&str>) -> Result<CsvEncoding, ApiError> {
    CsvEncoding::parse(e).ok_or_else(|| {
        AppError::Validation(vec![FieldError::new("encoding", "invalid", "expected utf8 or cp932")]).into()
    })
}

/// Query of the journal export.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct JournalParams {
    /// `yayoi`, `freee` or `moneyforward`.
    #[param(pattern = "^(yayoi|freee|moneyforward)$")]
    pub format: String,
    /// `sales` (issued invoices, credit notes) or `receipts` (payments; not for freee).
    #[param(pattern = "^(sales|receipts)$")]
    pub kind: String,
    /// First date, YYYY-MM-DD.
    #[param(required = true, nullable = false, value_type = String, format = Date)]
    pub from: Option<String>,
    /// Last date, YYYY-MM-DD.
    #[param(required = true, nullable = false, value_type = String, format = Date)]
    pub to: Option<String>,
    /// `utf8` (with BOM, default) or `cp932`.
    #[param(pattern = "^(utf8|utf-8|cp932|sjis|shift_jis|windows-31j)?$")]
    pub encoding: Option<String>,
}

/// The period's sales or receipts as an import file of 弥生会計, freee or マネーフォワード.
#[utoipa::path(get, path = "/api/v1/exports/journal", tag = "exports", params(JournalParams),
    responses((status = 200, description = "CSV", content_type = "text/csv", body = CsvFile)))]
pub async fn journal(auth: Auth, ApiQuery(p): ApiQuery<JournalParams>) -> Result<Response, ApiError> {
    let enc = encoding(p.encoding.as_deref())?;
    let f = journal::export_journal(&auth.app, &auth.ctx, &p.format, &p.kind, p.from.as_deref(), p.to.as_deref(), enc)
        .await?;
    Ok(crate::download::csv(f.bytes, &f.file_name, enc))
}

/// Query of the payment register.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PeriodParams {
    /// First date, YYYY-MM-DD.
    #[param(required = true, nullable = false, value_type = String, format = Date)]
    pub from: Option<String>,
    /// Last date, YYYY-MM-DD.
    #[param(required = true, nullable = false, value_type = String, format = Date)]
    pub to: Option<String>,
    /// `utf8` (with BOM, default) or `cp932`.
    #[param(pattern = "^(utf8|utf-8|cp932|sjis|shift_jis|windows-31j)?$")]
    pub encoding: Option<String>,
}

/// The payment register (入金台帳) of a period.
#[utoipa::path(get, path = "/api/v1/exports/payments", tag = "exports", params(PeriodParams),
    responses((status = 200, description = "CSV", content_type = "text/csv", body = CsvFile)))]
pub async fn payments(auth: Auth, ApiQuery(p): ApiQuery<PeriodParams>) -> Result<Response, ApiError> {
    let enc = encoding(p.encoding.as_deref())?;
    let f = journal::export_payments(&auth.app, &auth.ctx, p.from.as_deref(), p.to.as_deref(), enc).await?;
    Ok(crate::download::csv(f.bytes, &f.file_name, enc))
}
