//! The invoice list with the 電帳法 search (issue-date range, amount range, customer,
//! status, number) and the CSV download of the same result.

use super::failure::UiError;
use super::form::{Fields, QueryFields};
use super::session::{Chrome, Signed};
use askama::Template;
use askama_web::WebTemplate;
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use invoicepilot_app::customers;
use invoicepilot_app::export::{self, CsvEncoding};
use invoicepilot_app::invoices::{self, InvoiceFilter, InvoiceView};
use invoicepilot_app::pagination::PageRequest;
use invoicepilot_app::{App, AppError, Ctx};
use invoicepilot_domain::{InvoiceStatus, Yen};

/// Largest CSV download, in invoices (a bigger result asks for a narrower search).
pub const CSV_MAX_ROWS: usize = 100_000;

/// A row of the list.
pub struct InvoiceRow {
    pub id: i64,
    pub number: String,
    pub status: &'static str,
    pub status_code: String,
    pub issue_date: String,
    pub due_date: String,
    pub customer: String,
    pub total: String,
    pub balance: String,
    pub overdue: bool,
}

/// The search form's values, as typed.
#[derive(Default)]
pub struct SearchForm {
    pub issue_date_from: String,
    pub issue_date_to: String,
    pub total_min: String,
    pub total_max: String,
    pub customer_id: String,
    pub status: String,
    pub q: String,
}

/// `GET /invoices`.
#[derive(Template, WebTemplate)]
#[template(path = "invoices.html")]
pub struct InvoicesPage {
    pub chrome: Chrome,
    pub f: SearchForm,
    pub customers: Vec<(i64, String)>,
    pub statuses: Vec<(&'static str, &'static str)>,
    pub errors: Vec<String>,
    pub rows: Vec<InvoiceRow>,
    pub query: String,
    pub next_cursor: Option<String>,
}

/// `¥1,234` for a yen amount.
pub fn yen(v: i64) -> String {
    Yen(v).display_jp()
}

/// `2026-11-30` → `2026年11月30日`.
pub fn jp_date(iso: &str) -> String {
    match chrono::NaiveDate::parse_from_str(iso, "%Y-%m-%d") {
        Ok(d) => d.format("%Y年%-m月%-d日").to_string(),
        Err(_) => iso.to_owned(),
    }
}

/// The Japanese label of a status code.
pub fn status_label(code: &str) -> &'static str {
    code.parse::<InvoiceStatus>().map(|s| s.label_ja()).unwrap_or("")
}

/// An amount as typed: `12,000`, `¥12000`, `１２０００` all mean 12000.
pub fn parse_amount(s: &str) -> Option<i64> {
    let cleaned: String = s
        .chars()
        .filter_map(|c| match c {
            '0'..='9' | '-' => Some(c),
            '０'..='９' => char::from_u32(c as u32 - '０' as u32 + '0' as u32),
            '－' => Some('-'),
            ',' | '，' | '¥' | '￥' | '円' | ' ' | '\u{3000}' => None,
            _ => Some('x'),
        })
        .collect();
    cleaned.parse().ok()
}

fn row(i: InvoiceView) -> InvoiceRow {
    InvoiceRow {
        id: i.id,
        number: i.number.unwrap_or_else(|| "（下書き）".into()),
        status: status_label(&i.status),
        status_code: i.status,
        issue_date: jp_date(&i.issue_date),
        due_date: i.due_date.as_deref().map(jp_date).unwrap_or_default(),
        customer: i.customer_name,
        total: yen(i.total),
        balance: yen(i.balance),
        overdue: i.overdue,
    }
}

/// The filter of the search form; unreadable amounts become messages.
fn filter_of(q: &Fields) -> (InvoiceFilter, SearchForm, Vec<String>) {
    let mut errors = Vec::new();
    let mut amount = |name: &str, label: &str| {
        let v = q.text(name)?;
        let parsed = parse_amount(&v);
        if parsed.is_none() {
            errors.push(format!("{label}は金額（例: 10000）で入力してください。"));
        }
        parsed
    };
    let total_min = amount("total_min", "金額（以上）");
    let total_max = amount("total_max", "金額（以下）");
    let customer_id = q.text("customer_id").and_then(|c| c.parse().ok());
    let filter = InvoiceFilter {
        status: q.text("status"),
        customer_id,
        issue_date_from: q.text("issue_date_from"),
        issue_date_to: q.text("issue_date_to"),
        total_min,
        total_max,
        overdue: None,
        q: q.text("q"),
    };
    let form = SearchForm {
        issue_date_from: q.raw("issue_date_from"),
        issue_date_to: q.raw("issue_date_to"),
        total_min: q.raw("total_min"),
        total_max: q.raw("total_max"),
        customer_id: q.raw("customer_id"),
        status: q.raw("status"),
        q: q.raw("q"),
    };
    (filter, form, errors)
}

/// Customers for the search and editor drop-downs (id, name).
pub async fn customer_choices(app: &App, ctx: &Ctx) -> Result<Vec<(i64, String)>, UiError> {
    let page = PageRequest::parse(Some(200), None)?;
    let mut all = customers::list(app, ctx, None, page).await?.items;
    all.sort_by(|a, b| a.name_kana.as_deref().unwrap_or(&a.name).cmp(b.name_kana.as_deref().unwrap_or(&b.name)));
    Ok(all.into_iter().map(|c| (c.id, c.name)).collect())
}

/// `GET /invoices`.
pub async fn list(s: Signed, QueryFields(q): QueryFields) -> Result<Response, UiError> {
    let (filter, f, mut errors) = filter_of(&q);
    let mut rows = Vec::new();
    let mut next_cursor = None;
    if errors.is_empty() {
        let page = PageRequest::parse(Some(50), q.get("cursor"))?;
        match invoices::list(&s.app, &s.ctx, filter, page).await {
            Ok(p) => {
                rows = p.items.into_iter().map(row).collect();
                next_cursor = p.next_cursor;
            }
            Err(AppError::Validation(errs)) => errors = super::customers::messages(&errs),
            Err(e) => return Err(e.into()),
        }
    }
    Ok(InvoicesPage {
        customers: customer_choices(&s.app, &s.ctx).await?,
        chrome: s.chrome.at("invoices"),
        f,
        statuses: InvoiceStatus::ALL.iter().map(|s| (s.code(), s.label_ja())).collect(),
        errors,
        rows,
        query: q.to_query(&["cursor", "encoding"]),
        next_cursor,
    }
    .into_response())
}

/// `GET /invoices.csv`: every invoice the same search finds, UTF-8 with BOM or CP932.
pub async fn csv(s: Signed, QueryFields(q): QueryFields) -> Result<Response, UiError> {
    let (filter, _, errors) = filter_of(&q);
    if !errors.is_empty() {
        return Err(UiError::BadRequest(errors.join(" ")));
    }
    let encoding = CsvEncoding::parse(q.get("encoding"))
        .ok_or_else(|| UiError::BadRequest("encoding は utf8 または cp932 を指定してください。".into()))?;
    let mut found: Vec<InvoiceView> = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let page = PageRequest::parse(Some(200), cursor.as_deref())?;
        let p = invoices::list(&s.app, &s.ctx, filter.clone(), page).await?;
        found.extend(p.items);
        if found.len() > CSV_MAX_ROWS {
            return Err(UiError::BadRequest(format!(
                "該当が{CSV_MAX_ROWS}件を超えています。期間などで絞り込んでからダウンロードしてください。"
            )));
        }
        match p.next_cursor {
            Some(c) => cursor = Some(c),
            None => break,
        }
    }
    let bytes = export::encode(&export::invoice_rows(&found), encoding);
    let today = chrono::Utc::now().format("%Y%m%d");
    let disposition = format!("attachment; filename=\"invoices_{today}.csv\"");
    let mut resp = bytes.into_response();
    let h = resp.headers_mut();
    if let Ok(v) = HeaderValue::from_str(&format!("text/csv; charset={}", encoding.charset())) {
        h.insert(header::CONTENT_TYPE, v);
    }
    if let Ok(v) = HeaderValue::from_str(&disposition) {
        h.insert(header::CONTENT_DISPOSITION, v);
    }
    Ok(resp)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn amounts_are_read_as_people_type_them() {
        assert_eq!(parse_amount("12,000"), Some(12000));
        assert_eq!(parse_amount("¥12000"), Some(12000));
        assert_eq!(parse_amount("１２，０００円"), Some(12000));
        assert_eq!(parse_amount("12a"), None);
        assert_eq!(parse_amount(""), None);
    }

    #[test]
    fn dates_print_in_japanese() {
        assert_eq!(jp_date("2026-11-30"), "2026年11月30日");
        assert_eq!(jp_date("garbage"), "garbage");
    }
}
