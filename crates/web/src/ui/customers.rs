//! 取引先 pages: list with search, create, edit (with the payment terms editor).

use super::conflict::Conflict;
use super::failure::UiError;
use super::form::{Fields, FormFields, PathId, QueryFields};
use super::session::{Chrome, Signed};
use askama::Template;
use askama_web::WebTemplate;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use invoicepilot_app::company::PaymentTermsDto;
use invoicepilot_app::customers::{self, CustomerInput, CustomerView};
use invoicepilot_app::pagination::PageRequest;
use invoicepilot_app::{AppError, FieldError};

/// A row of the customer list.
pub struct CustomerRow {
    pub id: i64,
    pub name: String,
    pub honorific: String,
    pub kana: String,
    pub email: String,
    pub registration: String,
    pub registration_warning: bool,
    pub terms: String,
}

/// `GET /customers`.
#[derive(Template, WebTemplate)]
#[template(path = "customers.html")]
pub struct CustomersPage {
    pub chrome: Chrome,
    pub q: String,
    pub rows: Vec<CustomerRow>,
    pub next_cursor: Option<String>,
}

/// The customer form's values, as typed.
#[derive(Default)]
pub struct CustomerForm {
    pub version: i64,
    pub name: String,
    pub name_kana: String,
    pub honorific: String,
    pub email: String,
    pub postal_code: String,
    pub address: String,
    pub registration_number: String,
    pub closing_day: String,
    pub months_after: String,
    pub payment_day: String,
    pub holiday_rule: String,
    pub dunning_hold: bool,
    pub transfer_fee_tolerance: String,
    pub transfer_fee_booking: String,
}

/// `GET /customers/new`, `GET /customers/{id}/edit`.
#[derive(Template, WebTemplate)]
#[template(path = "customer_form.html")]
pub struct CustomerFormPage {
    pub chrome: Chrome,
    pub heading: &'static str,
    pub action: String,
    pub form: CustomerForm,
    pub errors: Vec<String>,
    pub conflict: Option<Conflict>,
    pub reload: String,
    pub terms_legend: &'static str,
    /// On an existing customer: its id and remembered payer names `(id, as printed)`.
    pub payer_names: Option<(i64, Vec<(i64, String)>)>,
}

/// 月末 for 31, else the day.
pub fn day_label(d: i64) -> String {
    if d == 31 { "末日".into() } else { format!("{d}日") }
}

/// 「末日締め翌月末日払い」 style.
pub fn terms_label(t: &PaymentTermsDto) -> String {
    let month = match t.months_after {
        0 => "当月".to_owned(),
        1 => "翌月".to_owned(),
        2 => "翌々月".to_owned(),
        n => format!("{n}か月後"),
    };
    format!("{}締め{}{}払い", day_label(t.closing_day), month, day_label(t.payment_day))
}

fn row(c: CustomerView) -> CustomerRow {
    CustomerRow {
        id: c.id,
        name: c.name,
        honorific: c.honorific,
        kana: c.name_kana.unwrap_or_default(),
        email: c.email.unwrap_or_default(),
        registration: c.registration_number.unwrap_or_default(),
        registration_warning: c.registration_number_valid == Some(false),
        terms: c.payment_terms.as_ref().map(terms_label).unwrap_or_else(|| "会社の既定".into()),
    }
}

/// `GET /customers`.
pub async fn list(s: Signed, QueryFields(q): QueryFields) -> Result<Response, UiError> {
    let page = PageRequest::parse(Some(50), q.get("cursor"))?;
    let search = q.text("q");
    let found = customers::list(&s.app, &s.ctx, search.clone(), page).await?;
    Ok(CustomersPage {
        chrome: s.chrome.at("customers"),
        q: search.unwrap_or_default(),
        rows: found.items.into_iter().map(row).collect(),
        next_cursor: found.next_cursor,
    }
    .into_response())
}

fn form_of(c: &CustomerView) -> CustomerForm {
    let t = c.payment_terms.as_ref();
    CustomerForm {
        version: c.version,
        name: c.name.clone(),
        name_kana: c.name_kana.clone().unwrap_or_default(),
        honorific: c.honorific.clone(),
        email: c.email.clone().unwrap_or_default(),
        postal_code: c.postal_code.clone().unwrap_or_default(),
        address: c.address.clone().unwrap_or_default(),
        registration_number: c.registration_number.clone().unwrap_or_default(),
        closing_day: t.map(|t| t.closing_day.to_string()).unwrap_or_default(),
        months_after: t.map(|t| t.months_after.to_string()).unwrap_or_default(),
        payment_day: t.map(|t| t.payment_day.to_string()).unwrap_or_default(),
        holiday_rule: t.map(|t| t.holiday_rule.clone()).unwrap_or_else(|| "next_business_day".into()),
        dunning_hold: c.dunning_hold,
        transfer_fee_tolerance: c.transfer_fee_tolerance.map(|t| t.to_string()).unwrap_or_default(),
        transfer_fee_booking: c.transfer_fee_booking.clone().unwrap_or_default(),
    }
}

fn form_from(f: &Fields) -> CustomerForm {
    CustomerForm {
        version: f.get("version").and_then(|v| v.parse().ok()).unwrap_or(0),
        name: f.raw("name"),
        name_kana: f.raw("name_kana"),
        honorific: f.raw("honorific"),
        email: f.raw("email"),
        postal_code: f.raw("postal_code"),
        address: f.raw("address"),
        registration_number: f.raw("registration_number"),
        closing_day: f.raw("closing_day"),
        months_after: f.raw("months_after"),
        payment_day: f.raw("payment_day"),
        holiday_rule: f.raw("holiday_rule"),
        dunning_hold: f.checked("dunning_hold"),
        transfer_fee_tolerance: f.raw("transfer_fee_tolerance"),
        transfer_fee_booking: f.raw("transfer_fee_booking"),
    }
}

/// The use-case input of a submitted form; terms only when all three numbers are given.
fn input_of(f: &Fields) -> Result<CustomerInput, Vec<String>> {
    let mut errors = Vec::new();
    let num = |name: &str, label: &str, errors: &mut Vec<String>| -> Option<i64> {
        let v = f.text(name)?;
        match v.parse::<i64>() {
            Ok(n) => Some(n),
            Err(_) => {
                errors.push(format!("{label}は数字で入力してください。"));
                None
            }
        }
    };
    let closing = num("closing_day", "締め日", &mut errors);
    let months = num("months_after", "支払月", &mut errors);
    let day = num("payment_day", "支払日", &mut errors);
    let transfer_fee_tolerance = num("transfer_fee_tolerance", "振込手数料の上限", &mut errors);
    let payment_terms = match (closing, months, day) {
        (Some(closing_day), Some(months_after), Some(payment_day)) => Some(PaymentTermsDto {
            closing_day,
            months_after,
            payment_day,
            holiday_rule: f.text("holiday_rule").unwrap_or_else(|| "next_business_day".into()),
        }),
        (None, None, None) => None,
        // A number that could not be read is already reported.
        _ if !errors.is_empty() => None,
        _ => {
            errors.push("支払条件は締め日・支払月・支払日をすべて入力するか、すべて空欄にしてください。".into());
            None
        }
    };
    if !errors.is_empty() {
        return Err(errors);
    }
    Ok(CustomerInput {
        name: f.text("name"),
        name_kana: f.text("name_kana"),
        honorific: f.text("honorific"),
        email: f.text("email"),
        postal_code: f.text("postal_code"),
        address: f.text("address"),
        registration_number: f.text("registration_number"),
        payment_terms,
        dunning_hold: Some(f.checked("dunning_hold")),
        transfer_fee_tolerance,
        transfer_fee_booking: f.text("transfer_fee_booking"),
        id: None,
        version: None,
    })
}

/// Field names of the API in Japanese, for messages.
pub fn field_label(field: &str) -> &'static str {
    let base = field.split(['.', '[']).next().unwrap_or(field);
    match base {
        "name" => "名称",
        "name_kana" => "カナ",
        "honorific" => "敬称",
        "email" => "メールアドレス",
        "postal_code" => "郵便番号",
        "address" => "住所",
        "registration_number" => "登録番号",
        "payment_terms" | "default_payment_terms" => "支払条件",
        "transfer_fee_tolerance" | "fee" => "振込手数料",
        "transfer_fee_booking" | "fee_booking" => "振込手数料の処理",
        "customer_id" => "取引先",
        "issue_date" => "請求日",
        "due_date" => "支払期限",
        "lines" => "明細",
        "notes" => "備考",
        "amount" => "金額",
        "received_on" => "入金日",
        "method" => "入金方法",
        "allocations" => "消込",
        "reason" => "取消理由",
        "password" => "パスワード",
        "bank_accounts" => "振込先口座",
        "invoice_number_format" => "請求書番号の書式",
        "phone" => "電話番号",
        "to" => "宛先",
        "dunning_policy" => "督促の段階",
        "late_interest_rate_bp" => "遅延損害金の利率",
        "email_signature" => "メールの署名",
        "cc" => "CC",
        _ => "入力",
    }
}

/// Validation errors as Japanese lines for the page: the field by name (and line number),
/// the rule by its code; the use-case's own words only for rules without a code we know.
pub fn messages(errs: &[FieldError]) -> Vec<String> {
    errs.iter()
        .map(|e| {
            let label = field_label(&e.field);
            let row = e
                .field
                .split_once('[')
                .and_then(|(_, rest)| rest.split(']').next())
                .and_then(|n| n.parse::<usize>().ok())
                .map(|n| format!("{}行目の", n + 1))
                .unwrap_or_default();
            let detail = e.field.rsplit('.').next().filter(|_| e.field.contains('.')).map(sub_label).unwrap_or("");
            let what = format!("{row}{label}{detail}");
            match e.code.as_str() {
                "required" => format!("{what}を入力してください。"),
                "too_long" => format!("{what}が長すぎます（{}）。", e.message),
                "out_of_range" => format!("{what}の値が範囲外です（{}）。", e.message),
                "invalid" => format!("{what}の内容が正しくありません（{}）。", e.message),
                "taken" => format!("{what}はすでに使われています。"),
                "too_short" => format!("{what}が短すぎます（{}）。", e.message),
                _ => format!("{what}: {}", e.message),
            }
        })
        .collect()
}

/// Names of nested fields (`lines[0].tax_rate`, `payment_terms.closing_day`).
fn sub_label(field: &str) -> &'static str {
    match field {
        "description" => "の品目",
        "quantity" => "の数量",
        "unit" => "の単位",
        "unit_price" => "の単価",
        "tax_rate" => "の税率",
        "closing_day" => "の締め日",
        "months_after" => "の支払月",
        "payment_day" => "の支払日",
        "holiday_rule" => "の休日の扱い",
        "invoice_id" => "の請求書",
        "amount" => "の金額",
        "bank_code" => "の銀行コード",
        "branch_code" => "の支店コード",
        "account_number" => "の口座番号",
        "account_type" => "の種別",
        "bank_name" => "の銀行名",
        "branch_name" => "の支店名",
        "account_name_kana" => "の口座名義",
        _ => "",
    }
}

fn form_page(chrome: Chrome, heading: &'static str, action: String, form: CustomerForm) -> CustomerFormPage {
    CustomerFormPage {
        chrome: chrome.at("customers"),
        heading,
        reload: format!("{action}/edit"),
        action,
        form,
        errors: vec![],
        conflict: None,
        terms_legend: "支払条件（空欄なら会社の既定）",
        payer_names: None,
    }
}

/// `GET /customers/new`.
pub async fn new(s: Signed) -> Response {
    let form = CustomerForm { holiday_rule: "next_business_day".into(), ..Default::default() };
    form_page(s.chrome, "取引先の登録", "/customers".into(), form).into_response()
}

/// `POST /customers`.
pub async fn create(s: Signed, FormFields(f): FormFields) -> Result<Response, UiError> {
    let mut page = form_page(s.chrome, "取引先の登録", "/customers".into(), form_from(&f));
    let input = match input_of(&f) {
        Ok(i) => i,
        Err(errors) => return Ok(invalid(page, errors)),
    };
    match customers::create(&s.app, &s.ctx, input).await {
        Ok(_) => Ok(Redirect::to("/customers").into_response()),
        Err(AppError::Validation(errs)) => {
            page.errors = messages(&errs);
            Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
        }
        Err(e) => Err(e.into()),
    }
}

fn invalid(mut page: CustomerFormPage, errors: Vec<String>) -> Response {
    page.errors = errors;
    (StatusCode::UNPROCESSABLE_ENTITY, page).into_response()
}

/// `GET /customers/{id}/edit`.
pub async fn edit(s: Signed, PathId(id): PathId) -> Result<Response, UiError> {
    let c = customers::get(&s.app, &s.ctx, id).await?;
    let names = invoicepilot_app::bank::payer_names(&s.app, &s.ctx, id).await?;
    let mut page = form_page(s.chrome, "取引先の編集", format!("/customers/{id}"), form_of(&c));
    page.payer_names = Some((id, names.into_iter().map(|n| (n.id, n.raw)).collect()));
    Ok(page.into_response())
}

/// `POST /customers/{id}/payer-names`: remembers a payer name typed by hand.
pub async fn add_payer_name(s: Signed, PathId(id): PathId, FormFields(f): FormFields) -> Result<Response, UiError> {
    let input = invoicepilot_app::bank::PayerNameInput { name: f.text("name") };
    match invoicepilot_app::bank::add_payer_name(&s.app, &s.ctx, id, input).await {
        Ok(_) => Ok(axum::response::Redirect::to(&format!("/customers/{id}/edit")).into_response()),
        Err(invoicepilot_app::AppError::Validation(_)) => {
            Err(UiError::BadRequest("振込名義をカナで入力してください（法人格だけの名義は登録できません）。".into()))
        }
        Err(e) => Err(e.into()),
    }
}

/// `POST /payer-names/{id}/delete`: forgets a remembered payer name.
pub async fn forget_payer_name(s: Signed, PathId(id): PathId) -> Result<Response, UiError> {
    let customer = invoicepilot_app::bank::forget_payer_name(&s.app, &s.ctx, id).await?;
    Ok(axum::response::Redirect::to(&format!("/customers/{customer}/edit")).into_response())
}

/// `POST /customers/{id}`: saves with the version the form was loaded at.
pub async fn update(s: Signed, PathId(id): PathId, FormFields(f): FormFields) -> Result<Response, UiError> {
    let submitted = form_from(&f);
    let version = submitted.version;
    let mut page = form_page(s.chrome, "取引先の編集", format!("/customers/{id}"), submitted);
    let input = match input_of(&f) {
        Ok(i) => i,
        Err(errors) => return Ok(invalid(page, errors)),
    };
    match customers::update(&s.app, &s.ctx, id, Some(version), input).await {
        Ok(_) => Ok(Redirect::to("/customers").into_response()),
        Err(AppError::Validation(errs)) => Ok(invalid(page, messages(&errs))),
        Err(AppError::VersionMismatch { .. }) => {
            let current = customers::get(&s.app, &s.ctx, id).await?;
            let theirs = form_of(&current);
            let differences = customer_differences(&page.form, &theirs);
            page.conflict = Some(Conflict::load(&s.app, &s.ctx, "customer", id, differences).await?);
            Ok((StatusCode::CONFLICT, page).into_response())
        }
        Err(e) => Err(e.into()),
    }
}

/// What differs between the submitted form and the stored customer, field by field.
fn customer_differences(mine: &CustomerForm, theirs: &CustomerForm) -> Vec<String> {
    let pairs = [
        ("名称", &mine.name, &theirs.name),
        ("カナ", &mine.name_kana, &theirs.name_kana),
        ("敬称", &mine.honorific, &theirs.honorific),
        ("メールアドレス", &mine.email, &theirs.email),
        ("郵便番号", &mine.postal_code, &theirs.postal_code),
        ("住所", &mine.address, &theirs.address),
        ("登録番号", &mine.registration_number, &theirs.registration_number),
        ("締め日", &mine.closing_day, &theirs.closing_day),
        ("支払月", &mine.months_after, &theirs.months_after),
        ("支払日", &mine.payment_day, &theirs.payment_day),
    ];
    super::conflict::differences(&pairs)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn terms_read_as_japanese_businesses_say_them() {
        let t = PaymentTermsDto { closing_day: 31, months_after: 1, payment_day: 31, holiday_rule: "none".into() };
        assert_eq!(terms_label(&t), "末日締め翌月末日払い");
        let t = PaymentTermsDto { closing_day: 20, months_after: 2, payment_day: 10, holiday_rule: "none".into() };
        assert_eq!(terms_label(&t), "20日締め翌々月10日払い");
    }

    #[test]
    fn field_errors_read_in_japanese_with_the_line_number() {
        let errs = [
            FieldError::new("name", "required", "name is required"),
            FieldError::new("lines[1].tax_rate", "invalid", "unknown tax rate"),
            FieldError::new("payment_terms.closing_day", "out_of_range", "must be 1–28, or 31"),
        ];
        assert_eq!(
            messages(&errs),
            vec![
                "名称を入力してください。".to_owned(),
                "2行目の明細の税率の内容が正しくありません（unknown tax rate）。".to_owned(),
                "支払条件の締め日の値が範囲外です（must be 1–28, or 31）。".to_owned(),
            ]
        );
    }

    #[test]
    fn partial_terms_are_refused_with_a_message() {
        let f = Fields::parse("name=a&closing_day=31");
        assert!(input_of(&f).is_err());
        let f = Fields::parse("name=a&closing_day=x&months_after=1&payment_day=31");
        assert_eq!(input_of(&f).unwrap_err(), vec!["締め日は数字で入力してください。".to_owned()]);
        let f = Fields::parse("name=a&closing_day=31&months_after=1&payment_day=31");
        assert!(input_of(&f).unwrap().payment_terms.is_some());
    }
}
