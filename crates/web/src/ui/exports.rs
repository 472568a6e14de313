//! エクスポート page: journals for 弥生会計, freee and マネーフォワード, and the payment
//! register, for a period, in UTF-8 (BOM) or CP932.

use super::failure::UiError;
use super::form::QueryFields;
use super::session::{Chrome, Signed};
use askama::Template;
use askama_web::WebTemplate;
use axum::response::{IntoResponse, Response};
use chrono::Datelike;
use invoicepilot_app::AppError;
use invoicepilot_app::export::CsvEncoding;
use invoicepilot_app::journal;

/// `GET /exports`.
#[derive(Template, WebTemplate)]
#[template(path = "exports.html")]
pub struct ExportsPage {
    pub chrome: Chrome,
    pub from: String,
    pub to: String,
}

/// `GET /exports`: last month by default.
pub async fn show(s: Signed) -> Result<Response, UiError> {
    let today = invoicepilot_app::company::today(&s.app, s.ctx.company_id).await?;
    let this_month = today.with_day0(0).unwrap_or(today);
    let from = this_month.checked_sub_months(chrono::Months::new(1)).unwrap_or(this_month);
    let to = this_month.pred_opt().unwrap_or(this_month);
    Ok(ExportsPage { chrome: s.chrome.clone_at("exports"), from: from.to_string(), to: to.to_string() }.into_response())
}

fn failed(e: AppError) -> UiError {
    match e {
        AppError::Validation(errs) => {
            UiError::BadRequest(errs.into_iter().map(|e| e.message).collect::<Vec<_>>().join(" / "))
        }
        other => other.into(),
    }
}

fn encoding(q: &super::form::Fields) -> Result<CsvEncoding, UiError> {
    CsvEncoding::parse(q.get("encoding"))
        .ok_or_else(|| UiError::BadRequest("文字コードは UTF-8 または Shift_JIS を選んでください。".into()))
}

/// `GET /exports/journal.csv?format&kind&from&to&encoding`.
pub async fn journal_csv(s: Signed, QueryFields(q): QueryFields) -> Result<Response, UiError> {
    let enc = encoding(&q)?;
    let f = journal::export_journal(
        &s.app,
        &s.ctx,
        q.get("format").unwrap_or_default(),
        q.get("kind").unwrap_or_default(),
        q.get("from"),
        q.get("to"),
        enc,
    )
    .await
    .map_err(failed)?;
    Ok(crate::download::csv(f.bytes, &f.file_name, enc))
}

/// `GET /exports/payments.csv?from&to&encoding`.
pub async fn payments_csv(s: Signed, QueryFields(q): QueryFields) -> Result<Response, UiError> {
    let enc = encoding(&q)?;
    let f = journal::export_payments(&s.app, &s.ctx, q.get("from"), q.get("to"), enc).await.map_err(failed)?;
    Ok(crate::download::csv(f.bytes, &f.file_name, enc))
}
