//! 定期請求 page: schedules with their next period, a new schedule in the invoice editor
//! (lines may say `{YYYY}年{M}月分`), pause and resume; and the 合計請求書 form.

use super::failure::UiError;
use super::form::{Fields, FormFields, PathId};
use super::invoice_editor::{RowInput, START_ROWS, editor, rows_of, typed_lines};
use super::invoices::customer_choices;
use super::session::{Chrome, Signed};
use askama::Template;
use askama_web::WebTemplate;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use invoicepilot_app::AppError;
use invoicepilot_app::invoices::{self, SummaryInput};
use invoicepilot_app::pagination::PageRequest;
use invoicepilot_app::recurring::{self, RecurringInput, RecurringView};

/// A schedule as listed.
pub struct ScheduleRow {
    pub id: i64,
    pub name: String,
    pub customer: String,
    pub rule: String,
    pub next_period: String,
    pub mode: &'static str,
    pub active: bool,
}

fn mode_label(m: &str) -> &'static str {
    match m {
        "issue" => "発行まで自動",
        "issue_and_send" => "発行・メール送信まで自動",
        _ => "下書きを作成",
    }
}

/// `GET /recurring`.
#[derive(Template, WebTemplate)]
#[template(path = "recurring.html")]
pub struct RecurringPage {
    pub chrome: Chrome,
    pub rows: Vec<ScheduleRow>,
    pub customers: Vec<(i64, String)>,
    /// The line editor, for those who may create schedules.
    pub editor: Option<super::invoice_editor::Editor>,
    pub errors: Vec<String>,
    pub f: NewSchedule,
}

/// The new-schedule form, as typed.
#[derive(Default)]
pub struct NewSchedule {
    pub customer_id: String,
    pub name: String,
    pub day_of_month: String,
    pub interval_months: String,
    pub start_period: String,
    pub mode: String,
    pub notes: String,
}

async fn page(
    s: &Signed,
    f: NewSchedule,
    rows_in: Vec<RowInput>,
    inclusive: bool,
    errors: Vec<String>,
) -> Result<RecurringPage, UiError> {
    let customers = customer_choices(&s.app, &s.ctx).await?;
    let list = recurring::list(&s.app, &s.ctx, PageRequest::parse(Some(200), None)?).await?;
    let name_of = |id: i64| customers.iter().find(|c| c.0 == id).map(|c| c.1.clone()).unwrap_or_default();
    let rows = list
        .items
        .iter()
        .map(|v: &RecurringView| ScheduleRow {
            id: v.id,
            name: v.name.clone(),
            customer: name_of(v.customer_id),
            rule: format!(
                "{}か月ごと・{}",
                v.interval_months,
                if v.day_of_month == 31 { "末日".to_owned() } else { format!("{}日", v.day_of_month) }
            ),
            next_period: v.next_period.clone(),
            mode: mode_label(&v.mode),
            active: v.status == "active",
        })
        .collect();
    Ok(RecurringPage {
        chrome: s.chrome.clone_at("recurring"),
        rows,
        customers,
        editor: if s.ctx.role.can(invoicepilot_domain::Permission::ManageInvoices) {
            Some(editor(s, rows_in, inclusive, false).await?)
        } else {
            None
        },
        errors,
        f,
    })
}

/// `GET /recurring`.
pub async fn show(s: Signed) -> Result<Response, UiError> {
    let f = NewSchedule { interval_months: "1".into(), day_of_month: "31".into(), ..Default::default() };
    let rows = vec![RowInput { description: "{YYYY}年{M}月分 ".into(), ..RowInput::blank() }; 1]
        .into_iter()
        .chain(std::iter::repeat_n(RowInput::blank(), START_ROWS - 1))
        .collect();
    Ok(page(&s, f, rows, false, vec![]).await?.into_response())
}

fn typed(f: &Fields) -> NewSchedule {
    NewSchedule {
        customer_id: f.raw("customer_id"),
        name: f.raw("name"),
        day_of_month: f.raw("day_of_month"),
        interval_months: f.raw("interval_months"),
        start_period: f.raw("start_period"),
        mode: f.raw("mode"),
        notes: f.raw("notes"),
    }
}

/// `POST /recurring`: a new schedule.
pub async fn create(s: Signed, FormFields(f): FormFields) -> Result<Response, UiError> {
    let rows = rows_of(&f);
    let num = |k: &str| f.text(k).and_then(|v| v.parse::<i64>().ok());
    let mut errors = Vec::new();
    let (lines, price_errors) = typed_lines(&rows);
    errors.extend(price_errors);
    if errors.is_empty() {
        let input = RecurringInput {
            customer_id: num("customer_id"),
            name: f.text("name"),
            day_of_month: num("day_of_month"),
            interval_months: num("interval_months"),
            start_period: f.text("start_period"),
            mode: f.text("mode"),
            prices_include_tax: Some(f.checked("prices_include_tax")),
            notes: f.text("notes"),
            lines: Some(lines),
            ..Default::default()
        };
        match recurring::create(&s.app, &s.ctx, input).await {
            Ok(_) => return Ok(Redirect::to("/recurring").into_response()),
            Err(AppError::Validation(errs)) => errors = super::customers::messages(&errs),
            Err(e) => return Err(e.into()),
        }
    }
    let p = page(&s, typed(&f), rows, f.checked("prices_include_tax"), errors).await?;
    Ok((StatusCode::UNPROCESSABLE_ENTITY, p).into_response())
}

/// `POST /recurring/{id}/toggle`: pause an active schedule or resume a paused one.
pub async fn toggle(s: Signed, PathId(id): PathId) -> Result<Response, UiError> {
    let v = recurring::get(&s.app, &s.ctx, id).await?;
    let input = RecurringInput {
        customer_id: Some(v.customer_id),
        name: Some(v.name.clone()),
        day_of_month: Some(v.day_of_month),
        interval_months: Some(v.interval_months),
        start_period: Some(v.next_period.clone()),
        end_period: v.end_period.clone(),
        mode: Some(v.mode.clone()),
        status: Some(if v.status == "active" { "paused".into() } else { "active".into() }),
        prices_include_tax: Some(v.prices_include_tax),
        withholding: v.withholding,
        notes: v.notes.clone(),
        lines: Some(
            v.lines
                .iter()
                .map(|l| {
                    RowInput {
                        description: l.description.clone(),
                        quantity: l.quantity.clone(),
                        unit: l.unit.clone(),
                        unit_price: l.unit_price.to_string(),
                        tax_rate: l.tax_rate.clone(),
                    }
                    .dto()
                })
                .collect(),
        ),
        ..Default::default()
    };
    recurring::update(&s.app, &s.ctx, id, Some(v.version), input).await?;
    Ok(Redirect::to("/recurring").into_response())
}

/// `POST /invoices/summary`: the 合計請求書 of a customer's closing period, opened.
pub async fn summary(s: Signed, FormFields(f): FormFields) -> Result<Response, UiError> {
    let input = SummaryInput {
        customer_id: f.text("customer_id").and_then(|c| c.parse().ok()),
        closing_date: f.text("closing_date"),
        issue: Some(false),
    };
    match invoices::summarize(&s.app, &s.ctx, input).await {
        Ok(v) => Ok(Redirect::to(&format!("/invoices/{}", v.id)).into_response()),
        Err(AppError::Validation(errs)) => Err(UiError::BadRequest(
            errs.iter()
                .map(|e| {
                    if e.field == "customer_id" {
                        "取引先を選んでください。".to_owned()
                    } else if e.message.starts_with("no drafts") {
                        "この締め期間に下書きの請求書（納品分）がありません。".to_owned()
                    } else {
                        e.message.clone()
                    }
                })
                .collect::<Vec<_>>()
                .join(" / "),
        )),
        Err(e) => Err(e.into()),
    }
}
