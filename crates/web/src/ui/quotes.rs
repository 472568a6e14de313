//! 見積書 pages: the list, a new quote in the invoice editor, and a quote's page with
//! 提出（番号を付ける）, 受注（請求書の下書きにする）, 失注, PDF.

use super::failure::UiError;
use super::form::{Fields, FormFields, PathId, QueryFields};
use super::invoice_editor::{RowInput, START_ROWS, editor, rate_rows, rows_of, typed_lines};
use super::invoices::{customer_choices, jp_date, yen};
use super::session::{Chrome, Signed};
use askama::Template;
use askama_web::WebTemplate;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use invoicepilot_app::AppError;
use invoicepilot_app::pagination::PageRequest;
use invoicepilot_app::quotes::{self, QuoteInput, QuoteView};

/// Japanese label of a quote status.
pub fn status_label(code: &str) -> &'static str {
    match code {
        "draft" => "下書き",
        "sent" => "提出済み",
        "accepted" => "受注",
        "declined" => "失注",
        "expired" => "期限切れ",
        _ => "",
    }
}

/// A row of the list.
pub struct QuoteRow {
    pub id: i64,
    pub number: String,
    pub status: &'static str,
    pub status_code: String,
    pub issue_date: String,
    pub valid_until: String,
    pub customer: String,
    pub total: String,
}

/// `GET /quotes`.
#[derive(Template, WebTemplate)]
#[template(path = "quotes.html")]
pub struct QuotesPage {
    pub chrome: Chrome,
    pub rows: Vec<QuoteRow>,
    pub status: String,
    pub statuses: Vec<(&'static str, &'static str)>,
    pub next_cursor: Option<String>,
}

fn row(q: &QuoteView) -> QuoteRow {
    QuoteRow {
        id: q.id,
        number: q.number.clone().unwrap_or_else(|| "（下書き）".into()),
        status: status_label(&q.status),
        status_code: q.status.clone(),
        issue_date: jp_date(&q.issue_date),
        valid_until: jp_date(&q.valid_until),
        customer: q.customer_name.clone(),
        total: yen(q.total),
    }
}

/// `GET /quotes[?status=]`.
pub async fn list(s: Signed, QueryFields(q): QueryFields) -> Result<Response, UiError> {
    let page = PageRequest::parse(Some(50), q.get("cursor"))?;
    let status = q.text("status");
    let found = quotes::list(&s.app, &s.ctx, status.as_deref(), None, page).await?;
    Ok(QuotesPage {
        chrome: s.chrome.clone_at("quotes"),
        rows: found.items.iter().map(row).collect(),
        status: status.unwrap_or_default(),
        statuses: ["draft", "sent", "accepted", "declined", "expired"].map(|c| (c, status_label(c))).to_vec(),
        next_cursor: found.next_cursor,
    }
    .into_response())
}

/// `GET /quotes/new`.
#[derive(Template, WebTemplate)]
#[template(path = "quote_form.html")]
pub struct QuoteFormPage {
    pub chrome: Chrome,
    pub customers: Vec<(i64, String)>,
    pub customer_id: String,
    pub issue_date: String,
    pub valid_until: String,
    pub subject: String,
    pub notes: String,
    pub ed: super::invoice_editor::Editor,
    pub errors: Vec<String>,
}

async fn form(
    s: &Signed,
    f: Option<&Fields>,
    rows: Vec<RowInput>,
    errors: Vec<String>,
) -> Result<QuoteFormPage, UiError> {
    let raw = |k: &str| f.map(|f| f.raw(k)).unwrap_or_default();
    let inclusive = f.is_some_and(|f| f.checked("prices_include_tax"));
    Ok(QuoteFormPage {
        chrome: s.chrome.clone_at("quotes"),
        customers: customer_choices(&s.app, &s.ctx).await?,
        customer_id: raw("customer_id"),
        issue_date: raw("issue_date"),
        valid_until: raw("valid_until"),
        subject: raw("subject"),
        notes: raw("notes"),
        ed: editor(s, rows, inclusive, false).await?,
        errors,
    })
}

/// `GET /quotes/new[?customer_id=]`.
pub async fn new(s: Signed, QueryFields(q): QueryFields) -> Result<Response, UiError> {
    let mut p = form(&s, None, vec![RowInput::blank(); START_ROWS], vec![]).await?;
    p.customer_id = q.raw("customer_id");
    Ok(p.into_response())
}

/// `POST /quotes`: saves a draft quote and shows it.
pub async fn create(s: Signed, FormFields(f): FormFields) -> Result<Response, UiError> {
    let rows = rows_of(&f);
    let mut errors = Vec::new();
    let customer_id = f.text("customer_id").and_then(|c| c.parse::<i64>().ok());
    if customer_id.is_none() {
        errors.push("取引先を選んでください。".to_owned());
    }
    let (lines, price_errors) = typed_lines(&rows);
    errors.extend(price_errors);
    if errors.is_empty() {
        let input = QuoteInput {
            customer_id,
            issue_date: f.text("issue_date"),
            valid_until: f.text("valid_until"),
            prices_include_tax: Some(f.checked("prices_include_tax")),
            subject: f.text("subject"),
            notes: f.text("notes"),
            lines: Some(lines),
            id: None,
            version: None,
        };
        match quotes::create(&s.app, &s.ctx, input).await {
            Ok(q) => return Ok(Redirect::to(&format!("/quotes/{}", q.id)).into_response()),
            Err(AppError::Validation(errs)) => errors = super::customers::messages(&errs),
            Err(e) => return Err(e.into()),
        }
    }
    Ok((StatusCode::UNPROCESSABLE_ENTITY, form(&s, Some(&f), rows, errors).await?).into_response())
}

/// `GET /quotes/{id}`.
#[derive(Template, WebTemplate)]
#[template(path = "quote.html")]
pub struct QuotePage {
    pub chrome: Chrome,
    pub q: QuoteRow,
    pub subject: String,
    pub notes: String,
    pub lines: Vec<(String, String, String, String, &'static str, String)>,
    pub rates: Vec<super::invoice_editor::RateRow>,
    pub subtotal: String,
    pub tax_total: String,
    pub invoice_id: Option<i64>,
    pub error: Option<String>,
}

async fn page(s: &Signed, id: i64, error: Option<String>) -> Result<QuotePage, UiError> {
    let q = quotes::get(&s.app, &s.ctx, id).await?;
    Ok(QuotePage {
        chrome: s.chrome.clone_at("quotes"),
        q: row(&q),
        subject: q.subject.clone().unwrap_or_default(),
        notes: q.notes.clone().unwrap_or_default(),
        lines: q
            .lines
            .iter()
            .map(|l| {
                (
                    l.description.clone(),
                    l.quantity.clone(),
                    l.unit.clone(),
                    yen(l.unit_price),
                    super::invoice_editor::rate_label(&l.tax_rate),
                    yen(l.amount),
                )
            })
            .collect(),
        rates: rate_rows(&q.tax_breakdown),
        subtotal: yen(q.subtotal),
        tax_total: yen(q.tax_total),
        invoice_id: q.invoice_id,
        error,
    })
}

/// `GET /quotes/{id}`.
pub async fn show(s: Signed, PathId(id): PathId) -> Result<Response, UiError> {
    Ok(page(&s, id, None).await?.into_response())
}

async fn refused(s: &Signed, id: i64, e: AppError) -> Result<Response, UiError> {
    let msg = match &e {
        AppError::Conflict(m) if m.contains("expired") => {
            "有効期限を過ぎた見積書は受注にできません。新しい見積書を作成してください。"
        }
        AppError::Conflict(m) if m.contains("without lines") => "明細のない見積書は提出できません。",
        AppError::Conflict(_) => "この見積書の状態ではその操作はできません。",
        _ => return Err(e.into()),
    };
    Ok((StatusCode::CONFLICT, page(s, id, Some(msg.into())).await?).into_response())
}

/// `POST /quotes/{id}/issue`.
pub async fn issue(s: Signed, PathId(id): PathId) -> Result<Response, UiError> {
    match quotes::issue(&s.app, &s.ctx, id).await {
        Ok(_) => Ok(Redirect::to(&format!("/quotes/{id}")).into_response()),
        Err(e) => refused(&s, id, e).await,
    }
}

/// `POST /quotes/{id}/accept`: opens the new invoice draft.
pub async fn accept(s: Signed, PathId(id): PathId) -> Result<Response, UiError> {
    match quotes::accept(&s.app, &s.ctx, id).await {
        Ok(a) => Ok(Redirect::to(&format!("/invoices/{}", a.invoice.id)).into_response()),
        Err(e) => refused(&s, id, e).await,
    }
}

/// `POST /quotes/{id}/decline`.
pub async fn decline(s: Signed, PathId(id): PathId) -> Result<Response, UiError> {
    match quotes::decline(&s.app, &s.ctx, id).await {
        Ok(_) => Ok(Redirect::to(&format!("/quotes/{id}")).into_response()),
        Err(e) => refused(&s, id, e).await,
    }
}

/// `GET /quotes/{id}/pdf`.
pub async fn pdf(s: Signed, PathId(id): PathId, QueryFields(q): QueryFields) -> Result<Response, UiError> {
    let p = invoicepilot_app::documents::quote_pdf(&s.app, &s.ctx, id).await?;
    Ok(crate::download::pdf(p, q.get("download").is_none()))
}
