//! The invoice editor: header fields, line rows added and removed live, and the per-rate
//! tax breakdown recomputed on the server as the user types (htmx posts the form to
//! `/invoices/preview`; the server answers with the figures, never trusting the browser).

use super::conflict::{self, Conflict};
use super::customers::messages;
use super::failure::UiError;
use super::form::{Fields, FormFields, PathId, QueryFields};
use super::i18n::Lang;
use super::invoices::{customer_choices, parse_amount, yen};
use super::session::{Chrome, Signed};
use askama::Template;
use askama_web::WebTemplate;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use invoicepilot_app::invoices::{self, InvoiceInput, InvoiceView, LineInputDto, QuantityValue};
use invoicepilot_app::{AppError, company};
use invoicepilot_domain::InvoiceStatus;

/// Rows offered on a new invoice.
pub(super) const START_ROWS: usize = 3;
/// Most rows the editor shows (the domain limit applies on save).
const MAX_ROWS: usize = 300;

/// One row as typed.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RowInput {
    pub description: String,
    pub quantity: String,
    pub unit: String,
    pub unit_price: String,
    pub tax_rate: String,
}

impl RowInput {
    pub(super) fn blank() -> RowInput {
        RowInput { tax_rate: "10".into(), quantity: "1".into(), ..Default::default() }
    }

    pub(super) fn is_blank(&self) -> bool {
        self.description.trim().is_empty() && self.unit_price.trim().is_empty()
    }

    pub(super) fn dto(&self) -> LineInputDto {
        let text = |s: &str| Some(s.trim().to_owned()).filter(|s| !s.is_empty());
        LineInputDto {
            description: text(&self.description),
            quantity: text(&self.quantity).map(QuantityValue::Text),
            unit: text(&self.unit),
            unit_price: parse_amount(&self.unit_price),
            tax_rate: text(&self.tax_rate),
            amount: None,
        }
    }

    fn summary(&self) -> String {
        format!(
            "{} {} {} × {}（{}）",
            self.description.trim(),
            self.quantity.trim(),
            self.unit.trim(),
            self.unit_price.trim(),
            rate_label(&self.tax_rate)
        )
    }
}

/// The rows of a submitted form, in order (names repeat per row).
pub fn rows_of(f: &Fields) -> Vec<RowInput> {
    let d = f.all("description");
    let q = f.all("quantity");
    let u = f.all("unit");
    let p = f.all("unit_price");
    let r = f.all("tax_rate");
    let at = |v: &Vec<&str>, i: usize| v.get(i).copied().unwrap_or_default().to_owned();
    (0..d.len().min(MAX_ROWS))
        .map(|i| RowInput {
            description: at(&d, i),
            quantity: at(&q, i),
            unit: at(&u, i),
            unit_price: at(&p, i),
            tax_rate: at(&r, i),
        })
        .collect()
}

/// `10%対象`, `8%対象（軽減税率）`, `非課税` …
pub fn rate_label(code: &str) -> &'static str {
    match code {
        "10" => "10%",
        "8" => "8%（軽減）",
        "0" => "0%",
        "exempt" => "非課税",
        "out_of_scope" => "不課税",
        _ => "",
    }
}

/// A row of the editor with its computed amount.
pub struct EditorLine {
    pub idx: usize,
    pub row: RowInput,
    pub amount: String,
    pub reduced: bool,
}

/// One rate's figures, as printed.
pub struct RateRow {
    pub label: &'static str,
    pub taxable: String,
    pub tax: String,
}

/// Everything the line table and totals box show.
pub struct Editor {
    pub lines: Vec<EditorLine>,
    pub rates: Vec<RateRow>,
    pub subtotal: String,
    pub tax_total: String,
    pub total: String,
    pub withholding_tax: Option<String>,
    pub amount_due: String,
    pub incomplete: String,
    pub inclusive: bool,
    pub withholding: bool,
    pub has_reduced: bool,
    pub rate_choices: Vec<(&'static str, &'static str)>,
    pub lang: Lang,
}

/// The rate drop-down.
fn rate_choices() -> Vec<(&'static str, &'static str)> {
    vec![("10", "10%"), ("8", "8%（軽減）"), ("0", "0%"), ("exempt", "非課税"), ("out_of_scope", "不課税")]
}

/// Per-rate rows as the invoice prints them.
pub fn rate_rows(breakdown: &[invoices::RateTotalView]) -> Vec<RateRow> {
    breakdown
        .iter()
        .map(|r| {
            let label = match r.rate.as_str() {
                "10" => "10%対象",
                "8" => "8%対象（軽減税率）※",
                "0" => "0%対象",
                "exempt" => "非課税",
                _ => "不課税",
            };
            RateRow { label, taxable: yen(r.taxable_amount), tax: yen(r.tax) }
        })
        .collect()
}

pub(super) async fn editor(
    s: &Signed,
    rows: Vec<RowInput>,
    inclusive: bool,
    withholding: bool,
) -> Result<Editor, UiError> {
    let dtos: Vec<LineInputDto> = rows.iter().map(RowInput::dto).collect();
    let p = invoices::preview(&s.app, &s.ctx, &dtos, inclusive, withholding).await?;
    let t = &p.totals;
    let breakdown: Vec<invoices::RateTotalView> = t.breakdown.iter().map(Into::into).collect();
    let lines = rows
        .into_iter()
        .zip(p.line_amounts.iter())
        .enumerate()
        .map(|(idx, (row, amount))| EditorLine {
            idx,
            reduced: row.tax_rate == "8",
            amount: amount.map(|a| a.display_jp()).unwrap_or_default(),
            row,
        })
        .collect::<Vec<EditorLine>>();
    let incomplete = if p.incomplete.is_empty() {
        String::new()
    } else {
        let n: Vec<String> = p.incomplete.iter().map(|n| n.to_string()).collect();
        format!("{}行目は入力途中のため計算に含めていません。", n.join("・"))
    };
    Ok(Editor {
        has_reduced: lines.iter().any(|l| l.reduced),
        lines,
        rates: rate_rows(&breakdown),
        subtotal: t.subtotal.display_jp(),
        tax_total: t.tax_total.display_jp(),
        total: t.total.display_jp(),
        withholding_tax: withholding.then(|| t.withholding_tax.display_jp()),
        amount_due: t.amount_due.display_jp(),
        incomplete,
        inclusive,
        withholding,
        rate_choices: rate_choices(),
        lang: s.chrome.lang,
    })
}

/// The header fields, as typed.
#[derive(Default)]
pub struct HeaderForm {
    pub version: i64,
    pub customer_id: String,
    pub issue_date: String,
    pub due_date: String,
    pub notes: String,
}

/// `GET /invoices/new`, `GET /invoices/{id}/edit`.
#[derive(Template, WebTemplate)]
#[template(path = "invoice_form.html")]
pub struct InvoiceFormPage {
    pub chrome: Chrome,
    pub heading: &'static str,
    pub action: String,
    pub customers: Vec<(i64, String)>,
    pub h: HeaderForm,
    pub ed: Editor,
    pub errors: Vec<String>,
    pub conflict: Option<Conflict>,
    pub reload: String,
}

/// The editor part alone (rows added or removed).
#[derive(Template)]
#[template(path = "invoice_editor.html")]
pub struct EditorFragment {
    pub ed: Editor,
}

/// The totals alone, plus each row's amount out of band (typing).
#[derive(Template)]
#[template(path = "invoice_totals_oob.html")]
pub struct TotalsFragment {
    pub ed: Editor,
}

fn html(t: impl Template) -> Result<Response, UiError> {
    t.render().map(|h| axum::response::Html(h).into_response()).map_err(|e| UiError::Internal(e.to_string()))
}

/// `POST /invoices/preview`: figures for the typed rows; `op=add` / `op=remove-N` re-draw the rows.
pub async fn preview(s: Signed, FormFields(f): FormFields) -> Result<Response, UiError> {
    let mut rows = rows_of(&f);
    let op = f.get("op").unwrap_or_default().to_owned();
    let redraw = if op == "add" {
        if rows.len() < MAX_ROWS {
            rows.push(RowInput::blank());
        }
        true
    } else if let Some(i) = op.strip_prefix("remove-").and_then(|i| i.parse::<usize>().ok()) {
        if i < rows.len() {
            rows.remove(i);
        }
        true
    } else {
        false
    };
    let ed = editor(&s, rows, f.checked("prices_include_tax"), f.checked("withholding")).await?;
    if redraw { html(EditorFragment { ed }) } else { html(TotalsFragment { ed }) }
}

/// The filled rows as request lines, and a message for each row whose price is not an
/// amount (shared by the invoice, quote and recurring forms).
pub(super) fn typed_lines(rows: &[RowInput]) -> (Vec<LineInputDto>, Vec<String>) {
    let mut lines = Vec::new();
    let mut errors = Vec::new();
    for (i, r) in rows.iter().enumerate().filter(|(_, r)| !r.is_blank()) {
        if parse_amount(&r.unit_price).is_none() {
            errors.push(format!("{}行目: 単価は金額（例: 10000）で入力してください。", i + 1));
        }
        lines.push(r.dto());
    }
    (lines, errors)
}

fn input_of(f: &Fields, rows: &[RowInput]) -> Result<InvoiceInput, Vec<String>> {
    let mut errors = Vec::new();
    let customer_id = match f.text("customer_id") {
        None => None,
        Some(c) => match c.parse::<i64>() {
            Ok(id) => Some(id),
            Err(_) => {
                errors.push("取引先を選んでください。".to_owned());
                None
            }
        },
    };
    let (lines, price_errors) = typed_lines(rows);
    errors.extend(price_errors);
    if !errors.is_empty() {
        return Err(errors);
    }
    Ok(InvoiceInput {
        customer_id,
        issue_date: f.text("issue_date"),
        due_date: f.text("due_date"),
        prices_include_tax: Some(f.checked("prices_include_tax")),
        withholding: Some(f.checked("withholding")),
        notes: f.text("notes"),
        lines: Some(lines),
        id: None,
        version: None,
    })
}

fn header_from(f: &Fields) -> HeaderForm {
    HeaderForm {
        version: f.get("version").and_then(|v| v.parse().ok()).unwrap_or(0),
        customer_id: f.raw("customer_id"),
        issue_date: f.raw("issue_date"),
        due_date: f.raw("due_date"),
        notes: f.raw("notes"),
    }
}

fn rows_from_view(v: &InvoiceView) -> Vec<RowInput> {
    v.lines
        .iter()
        .map(|l| RowInput {
            description: l.description.clone(),
            quantity: l.quantity.clone(),
            unit: l.unit.clone(),
            unit_price: l.unit_price.to_string(),
            tax_rate: l.tax_rate.clone(),
        })
        .collect()
}

async fn page(
    s: &Signed,
    heading: &'static str,
    action: String,
    h: HeaderForm,
    ed: Editor,
) -> Result<InvoiceFormPage, UiError> {
    Ok(InvoiceFormPage {
        chrome: s.chrome.clone_at("invoices"),
        heading,
        reload: format!("{action}/edit"),
        action,
        customers: customer_choices(&s.app, &s.ctx).await?,
        h,
        ed,
        errors: vec![],
        conflict: None,
    })
}

/// `GET /invoices/new[?customer_id=]`.
pub async fn new(s: Signed, QueryFields(q): QueryFields) -> Result<Response, UiError> {
    let settings = company::load(&s.app, s.ctx.company_id).await?;
    let ed = editor(&s, vec![RowInput::blank(); START_ROWS], false, settings.model.withholding_default).await?;
    let h = HeaderForm { customer_id: q.raw("customer_id"), ..Default::default() };
    Ok(page(&s, "請求書の作成", "/invoices".into(), h, ed).await?.into_response())
}

/// `POST /invoices`: saves a new draft and shows it.
pub async fn create(s: Signed, FormFields(f): FormFields) -> Result<Response, UiError> {
    let rows = rows_of(&f);
    let result = match input_of(&f, &rows) {
        Ok(input) => invoices::create_draft(&s.app, &s.ctx, input).await,
        Err(errors) => Err(form_errors(errors)),
    };
    respond(s, f, rows, "請求書の作成", None, result).await
}

/// Errors of the form itself (before the use-case ran), under the field `form`.
fn form_errors(errors: Vec<String>) -> AppError {
    AppError::Validation(errors.into_iter().map(|m| invoicepilot_app::FieldError::new("form", "invalid", m)).collect())
}

/// Redirects to the saved invoice, or re-shows the form with messages or the conflict.
async fn respond(
    s: Signed,
    f: Fields,
    rows: Vec<RowInput>,
    heading: &'static str,
    id: Option<i64>,
    result: Result<InvoiceView, AppError>,
) -> Result<Response, UiError> {
    let err = match result {
        Ok(v) => return Ok(Redirect::to(&format!("/invoices/{}", v.id)).into_response()),
        Err(e) => e,
    };
    let action = id.map(|id| format!("/invoices/{id}")).unwrap_or_else(|| "/invoices".into());
    let ed = editor(&s, rows.clone(), f.checked("prices_include_tax"), f.checked("withholding")).await?;
    let mut p = page(&s, heading, action, header_from(&f), ed).await?;
    match (err, id) {
        (AppError::Validation(errs), _) => {
            p.errors = errs
                .iter()
                .map(
                    |e| if e.field == "form" { e.message.clone() } else { messages(std::slice::from_ref(e)).remove(0) },
                )
                .collect();
            Ok((StatusCode::UNPROCESSABLE_ENTITY, p).into_response())
        }
        (AppError::VersionMismatch { .. }, Some(id)) => {
            let current = invoices::get(&s.app, &s.ctx, id).await?;
            let differences = invoice_differences(&f, &rows, &current);
            p.conflict = Some(Conflict::load(&s.app, &s.ctx, "invoice", id, differences).await?);
            Ok((StatusCode::CONFLICT, p).into_response())
        }
        (e, _) => Err(e.into()),
    }
}

/// What differs between the submitted editor and the stored draft.
fn invoice_differences(f: &Fields, rows: &[RowInput], current: &InvoiceView) -> Vec<String> {
    let theirs_rows = rows_from_view(current);
    let mine_rows: Vec<&RowInput> = rows.iter().filter(|r| !r.is_blank()).collect();
    let customer = current.customer_id.to_string();
    let notes = current.notes.clone().unwrap_or_default();
    let issue = current.issue_date.clone();
    let (mine_c, mine_n, mine_i) = (f.raw("customer_id"), f.raw("notes"), f.raw("issue_date"));
    let mut out = conflict::differences(&[
        ("取引先", &mine_c, &customer),
        ("備考", &mine_n, &notes),
        ("請求日", &mine_i, &issue),
    ]);
    let n = mine_rows.len().max(theirs_rows.len());
    for i in 0..n {
        let mine = mine_rows.get(i).map(|r| r.summary()).unwrap_or_else(|| "（なし）".into());
        let theirs = theirs_rows.get(i).map(|r| r.summary()).unwrap_or_else(|| "（なし）".into());
        if mine != theirs {
            out.push(format!("{}行目: あなたの入力「{mine}」／保存済み「{theirs}」", i + 1));
        }
    }
    out
}

/// `GET /invoices/{id}/edit`: drafts only.
pub async fn edit(s: Signed, PathId(id): PathId) -> Result<Response, UiError> {
    let v = invoices::get(&s.app, &s.ctx, id).await?;
    if v.status != InvoiceStatus::Draft.code() {
        return Ok(Redirect::to(&format!("/invoices/{id}")).into_response());
    }
    let mut rows = rows_from_view(&v);
    rows.push(RowInput::blank());
    let ed = editor(&s, rows, v.prices_include_tax, v.withholding).await?;
    let h = HeaderForm {
        version: v.version,
        customer_id: v.customer_id.to_string(),
        issue_date: v.issue_date.clone(),
        due_date: v.due_date.clone().unwrap_or_default(),
        notes: v.notes.clone().unwrap_or_default(),
    };
    Ok(page(&s, "請求書の編集", format!("/invoices/{id}"), h, ed).await?.into_response())
}

/// `POST /invoices/{id}`: saves the draft at the version it was loaded at.
pub async fn update(s: Signed, PathId(id): PathId, FormFields(f): FormFields) -> Result<Response, UiError> {
    let rows = rows_of(&f);
    let version = f.get("version").and_then(|v| v.parse().ok()).unwrap_or(0);
    let result = match input_of(&f, &rows) {
        Ok(input) => invoices::update_draft(&s.app, &s.ctx, id, Some(version), input).await,
        Err(errors) => Err(form_errors(errors)),
    };
    respond(s, f, rows, "請求書の編集", Some(id), result).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_pair_up_by_position_and_blank_rows_are_skipped_on_save() {
        let f = Fields::parse(
            "customer_id=3&description=A&quantity=2&unit=h&unit_price=1%2C000&tax_rate=10\
             &description=&quantity=1&unit=&unit_price=&tax_rate=10",
        );
        let rows = rows_of(&f);
        assert_eq!(rows.len(), 2);
        assert!(rows[1].is_blank());
        let input = input_of(&f, &rows).unwrap();
        let lines = input.lines.unwrap();
        assert_eq!(lines.len(), 1);
        assert_eq!(lines[0].unit_price, Some(1000));
        assert_eq!(input.customer_id, Some(3));
    }

    #[test]
    fn an_unreadable_price_is_named_by_row() {
        let f = Fields::parse("description=A&quantity=1&unit=h&unit_price=abc&tax_rate=10");
        let errs = input_of(&f, &rows_of(&f)).unwrap_err();
        assert_eq!(errs, vec!["1行目: 単価は金額（例: 10000）で入力してください。".to_owned()]);
    }
}
