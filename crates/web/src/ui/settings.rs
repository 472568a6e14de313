//! 設定: the issuer's details (with the registration number's check-digit warning), bank
//! accounts, rounding, withholding default, default payment terms, number format and the
//! next number.

use super::conflict::{self, Conflict};
use super::customers::messages;
use super::failure::UiError;
use super::form::{Fields, FormFields};
use super::session::{Chrome, Signed};
use askama::Template;
use askama_web::WebTemplate;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use invoicepilot_app::company::{self, BankAccount, CompanyUpdate, CompanyView, PaymentTermsDto};
use invoicepilot_app::{AppError, clock, numbering};
use invoicepilot_domain::dunning::DunningLevel;

/// Blank bank rows offered below the saved ones.
const BLANK_BANK_ROWS: usize = 1;

/// The settings form, as typed or as stored.
#[derive(Default, Clone)]
pub struct SettingsForm {
    pub version: i64,
    pub name: String,
    pub postal_code: String,
    pub address: String,
    pub phone: String,
    pub registration_number: String,
    pub time_zone: String,
    pub fiscal_year_start_month: String,
    pub tax_rounding: String,
    pub withholding_default: bool,
    pub closing_day: String,
    pub months_after: String,
    pub payment_day: String,
    pub holiday_rule: String,
    pub invoice_number_format: String,
    pub banks: Vec<BankAccount>,
    pub interest_rate: String,
    pub email_signature: String,
    pub levels: Vec<DunningLevel>,
}

/// A number counter as the page shows it.
pub struct CounterRow {
    pub period: String,
    pub next: i64,
    pub last_issued: String,
}

/// `GET /settings`.
#[derive(Template, WebTemplate)]
#[template(path = "settings.html")]
pub struct SettingsPage {
    pub chrome: Chrome,
    pub form: SettingsForm,
    pub registration_warning: bool,
    pub counters: Vec<CounterRow>,
    pub current_period: String,
    pub next_preview: String,
    pub errors: Vec<String>,
    pub conflict: Option<Conflict>,
    pub roundings: Vec<(&'static str, &'static str)>,
    pub reload: &'static str,
    pub terms_legend: &'static str,
    pub has_seal: bool,
}

fn form_of(c: &CompanyView) -> SettingsForm {
    let t = &c.default_payment_terms;
    SettingsForm {
        version: c.version,
        name: c.name.clone(),
        postal_code: c.postal_code.clone().unwrap_or_default(),
        address: c.address.clone().unwrap_or_default(),
        phone: c.phone.clone().unwrap_or_default(),
        registration_number: c.registration_number.clone().unwrap_or_default(),
        time_zone: c.time_zone.clone(),
        fiscal_year_start_month: c.fiscal_year_start_month.to_string(),
        tax_rounding: c.tax_rounding.clone(),
        withholding_default: c.withholding_default,
        closing_day: t.closing_day.to_string(),
        months_after: t.months_after.to_string(),
        payment_day: t.payment_day.to_string(),
        holiday_rule: t.holiday_rule.clone(),
        invoice_number_format: c.invoice_number_format.clone(),
        banks: c.bank_accounts.clone(),
        interest_rate: invoicepilot_app::dunning::rate_label(c.late_interest_rate_bp).trim_end_matches('%').to_owned(),
        email_signature: c.email_signature.clone().unwrap_or_default(),
        levels: c.dunning_policy.clone(),
    }
}

/// Bank rows of the form (names repeat per row); rows left entirely blank are dropped.
fn banks_of(f: &Fields) -> Vec<BankAccount> {
    let col = |n: &str| f.all(n).into_iter().map(|s| s.trim().to_owned()).collect::<Vec<_>>();
    let (codes, names, bcodes, bnames, types, numbers, kanas) = (
        col("bank_code"),
        col("bank_name"),
        col("branch_code"),
        col("branch_name"),
        col("account_type"),
        col("account_number"),
        col("account_name_kana"),
    );
    let at = |v: &Vec<String>, i: usize| v.get(i).cloned().unwrap_or_default();
    (0..codes.len())
        .map(|i| BankAccount {
            bank_code: at(&codes, i),
            bank_name: at(&names, i),
            branch_code: at(&bcodes, i),
            branch_name: at(&bnames, i),
            account_type: at(&types, i),
            account_number: at(&numbers, i),
            account_name_kana: at(&kanas, i),
        })
        .filter(|b| {
            ![&b.bank_code, &b.bank_name, &b.branch_code, &b.branch_name, &b.account_number, &b.account_name_kana]
                .iter()
                .all(|s| s.is_empty())
        })
        .collect()
}

fn form_from(f: &Fields) -> SettingsForm {
    SettingsForm {
        version: f.get("version").and_then(|v| v.parse().ok()).unwrap_or(0),
        name: f.raw("name"),
        postal_code: f.raw("postal_code"),
        address: f.raw("address"),
        phone: f.raw("phone"),
        registration_number: f.raw("registration_number"),
        time_zone: f.raw("time_zone"),
        fiscal_year_start_month: f.raw("fiscal_year_start_month"),
        tax_rounding: f.raw("tax_rounding"),
        withholding_default: f.checked("withholding_default"),
        closing_day: f.raw("closing_day"),
        months_after: f.raw("months_after"),
        payment_day: f.raw("payment_day"),
        holiday_rule: f.raw("holiday_rule"),
        invoice_number_format: f.raw("invoice_number_format"),
        banks: banks_of(f),
        interest_rate: f.raw("interest_rate"),
        email_signature: f.raw("email_signature"),
        levels: levels_of(f),
    }
}

/// Dunning levels of the form, numbered in order; a level without a title is dropped.
fn levels_of(f: &Fields) -> Vec<DunningLevel> {
    let (days, titles, leads, closings) =
        (f.all("level_days"), f.all("level_title"), f.all("level_lead"), f.all("level_closing"));
    let interest = f.all("level_interest");
    let mut out = Vec::new();
    for (i, title) in titles.iter().enumerate() {
        let title = title.trim();
        if title.is_empty() {
            continue;
        }
        out.push(DunningLevel {
            level: out.len() as i32 + 1,
            days: days.get(i).and_then(|d| d.trim().parse().ok()).unwrap_or(i32::MIN),
            title: title.to_owned(),
            lead: leads.get(i).map(|s| s.trim().to_owned()).unwrap_or_default(),
            closing: closings.get(i).map(|s| s.trim().to_owned()).unwrap_or_default(),
            mention_interest: interest.contains(&(i + 1).to_string().as_str()),
        });
    }
    out
}

/// `14.6` (percent per year) → 1460 basis points.
pub fn percent_to_bp(s: &str) -> Option<i64> {
    let s = s.trim().trim_end_matches('%');
    let (whole, frac) = s.split_once('.').unwrap_or((s, ""));
    if frac.len() > 2 || whole.is_empty() {
        return None;
    }
    let w: i64 = whole.parse().ok()?;
    let f: i64 = if frac.is_empty() { 0 } else { format!("{frac:0<2}").parse().ok()? };
    Some(w * 100 + f)
}

/// The update the form asks for: every field is sent, empty optional text clears it.
fn update_of(f: &Fields) -> Result<CompanyUpdate, Vec<String>> {
    let mut errors = Vec::new();
    let mut num = |name: &str, label: &str| -> i64 {
        match f.text(name).map(|v| v.parse::<i64>()) {
            Some(Ok(n)) => n,
            _ => {
                errors.push(format!("{label}は数字で入力してください。"));
                0
            }
        }
    };
    let month = num("fiscal_year_start_month", "会計年度の開始月");
    let terms = PaymentTermsDto {
        closing_day: num("closing_day", "締め日"),
        months_after: num("months_after", "支払月"),
        payment_day: num("payment_day", "支払日"),
        holiday_rule: f.text("holiday_rule").unwrap_or_else(|| "next_business_day".into()),
    };
    let interest = match percent_to_bp(&f.raw("interest_rate")) {
        Some(bp) => Some(bp),
        None if f.raw("interest_rate").trim().is_empty() => None,
        None => {
            errors.push("遅延損害金の利率は年率（例: 3 または 14.6）で入力してください。".to_owned());
            None
        }
    };
    if !errors.is_empty() {
        return Err(errors);
    }
    Ok(CompanyUpdate {
        name: Some(f.text("name")),
        postal_code: Some(f.text("postal_code")),
        address: Some(f.text("address")),
        phone: Some(f.text("phone")),
        registration_number: Some(f.text("registration_number")),
        time_zone: Some(f.text("time_zone")),
        fiscal_year_start_month: Some(Some(month)),
        tax_rounding: Some(f.text("tax_rounding")),
        withholding_default: Some(Some(f.checked("withholding_default"))),
        default_payment_terms: Some(Some(terms)),
        invoice_number_format: Some(f.text("invoice_number_format")),
        bank_accounts: Some(Some(banks_of(f))),
        late_interest_rate_bp: Some(interest),
        email_signature: Some(f.text("email_signature")),
        dunning_policy: Some(Some(levels_of(f))),
        ..Default::default()
    })
}

async fn page(s: &Signed, f: SettingsForm, errors: Vec<String>) -> Result<SettingsPage, UiError> {
    let settings = company::load(&s.app, s.ctx.company_id).await?;
    let today = clock::today_in(s.app.clock.as_ref(), &settings.model.time_zone);
    let start = settings.model.fiscal_year_start_month as u32;
    let current_period = settings.number_format.period_key(today, start);
    let counters = numbering::show(&s.app, Some(s.ctx.company_id)).await?;
    let next = counters
        .iter()
        .find(|c| c.series == numbering::INVOICE_SERIES && c.period == current_period)
        .map(|c| c.next)
        .unwrap_or(1);
    let mut f = f;
    f.banks.extend(std::iter::repeat_n(blank_bank(), BLANK_BANK_ROWS));
    Ok(SettingsPage {
        chrome: s.chrome.clone_at("settings"),
        registration_warning: settings.view().registration_number_valid == Some(false),
        next_preview: settings.number_format.render(today, start, next),
        counters: counters
            .into_iter()
            .filter(|c| c.series == numbering::INVOICE_SERIES)
            .map(|c| CounterRow {
                period: if c.period.is_empty() { "（通し番号）".into() } else { c.period },
                next: c.next,
                last_issued: c.last_issued.map(|n| n.to_string()).unwrap_or_else(|| "—".into()),
            })
            .collect(),
        current_period,
        form: f,
        errors,
        conflict: None,
        roundings: vec![("truncate", "切り捨て"), ("round", "四捨五入"), ("ceil", "切り上げ")],
        reload: "/settings",
        terms_legend: "支払条件の既定（取引先ごとの指定がないとき）",
        has_seal: settings.model.seal_sha256.is_some(),
    })
}

fn blank_bank() -> BankAccount {
    BankAccount {
        bank_code: String::new(),
        bank_name: String::new(),
        branch_code: String::new(),
        branch_name: String::new(),
        account_type: "普通".into(),
        account_number: String::new(),
        account_name_kana: String::new(),
    }
}

/// `GET /settings`.
pub async fn show(s: Signed) -> Result<Response, UiError> {
    let c = company::load(&s.app, s.ctx.company_id).await?.view();
    Ok(page(&s, form_of(&c), vec![]).await?.into_response())
}

/// `POST /settings`: saves at the version the form was loaded at.
pub async fn update(s: Signed, FormFields(f): FormFields) -> Result<Response, UiError> {
    let submitted = form_from(&f);
    let update = match update_of(&f) {
        Ok(u) => u,
        Err(errors) => {
            return Ok((StatusCode::UNPROCESSABLE_ENTITY, page(&s, submitted, errors).await?).into_response());
        }
    };
    match company::update(&s.app, &s.ctx, Some(submitted.version), update).await {
        Ok(_) => Ok(Redirect::to("/settings").into_response()),
        Err(AppError::Validation(errs)) => {
            Ok((StatusCode::UNPROCESSABLE_ENTITY, page(&s, submitted, messages(&errs)).await?).into_response())
        }
        Err(AppError::VersionMismatch { .. }) => {
            let theirs = form_of(&company::load(&s.app, s.ctx.company_id).await?.view());
            let differences = conflict::differences(&[
                ("名称", &submitted.name, &theirs.name),
                ("住所", &submitted.address, &theirs.address),
                ("電話番号", &submitted.phone, &theirs.phone),
                ("登録番号", &submitted.registration_number, &theirs.registration_number),
                ("端数処理", &submitted.tax_rounding, &theirs.tax_rounding),
                ("請求書番号の書式", &submitted.invoice_number_format, &theirs.invoice_number_format),
            ]);
            let mut p = page(&s, submitted, vec![]).await?;
            p.conflict = Some(Conflict::load(&s.app, &s.ctx, "company", s.ctx.company_id, differences).await?);
            Ok((StatusCode::CONFLICT, p).into_response())
        }
        Err(e) => Err(e.into()),
    }
}

/// `POST /settings/numbering`: the next number of the current period (never backwards).
pub async fn set_next_number(s: Signed, FormFields(f): FormFields) -> Result<Response, UiError> {
    let c = company::load(&s.app, s.ctx.company_id).await?.view();
    let next = f.text("next").and_then(|n| n.parse::<i64>().ok());
    let period = f.raw("period");
    let result = match next {
        Some(n) => numbering::set_next(&s.app, &s.ctx, numbering::INVOICE_SERIES, &period, n).await,
        None => Err(AppError::field("next", "invalid", "次の番号は数字で入力してください。")),
    };
    match result {
        Ok(_) => Ok(Redirect::to("/settings").into_response()),
        Err(AppError::Conflict(m)) => {
            let msg = if m.contains("backwards") {
                "採番を戻すことはできません（同じ番号を二度発行しないため）。".to_owned()
            } else {
                "すでに発行済みの番号以下には設定できません。".to_owned()
            };
            Ok((StatusCode::CONFLICT, page(&s, form_of(&c), vec![msg]).await?).into_response())
        }
        Err(AppError::Validation(errs)) => {
            Ok((StatusCode::UNPROCESSABLE_ENTITY, page(&s, form_of(&c), messages(&errs)).await?).into_response())
        }
        Err(e) => Err(e.into()),
    }
}

/// `POST /settings/seal` (multipart, field `seal`): a PNG of the company seal for documents
/// issued from now on.
pub async fn upload_seal(s: Signed, mut form: axum::extract::Multipart) -> Result<Response, UiError> {
    let unreadable = || UiError::BadRequest("アップロードを読み取れませんでした。".into());
    let mut png = None;
    while let Some(field) = form.next_field().await.map_err(|_| unreadable())? {
        if field.name() == Some("seal") {
            png = Some(field.bytes().await.map_err(|_| unreadable())?);
        }
    }
    let c = company::load(&s.app, s.ctx.company_id).await?.view();
    let Some(png) = png.filter(|p| !p.is_empty()) else {
        let p = page(&s, form_of(&c), vec!["画像ファイルを選んでください。".into()]).await?;
        return Ok((StatusCode::UNPROCESSABLE_ENTITY, p).into_response());
    };
    match invoicepilot_app::seal::set(&s.app, &s.ctx, Some(&png)).await {
        Ok(_) => Ok(Redirect::to("/settings").into_response()),
        Err(AppError::Validation(_)) => {
            let msg = "社印はPNG形式・512KB以下の画像にしてください。".to_owned();
            Ok((StatusCode::UNPROCESSABLE_ENTITY, page(&s, form_of(&c), vec![msg]).await?).into_response())
        }
        Err(e) => Err(e.into()),
    }
}

/// `POST /settings/seal/delete`.
pub async fn remove_seal(s: Signed) -> Result<Response, UiError> {
    invoicepilot_app::seal::set(&s.app, &s.ctx, None).await?;
    Ok(Redirect::to("/settings").into_response())
}

/// `GET /settings/seal.png`: the current seal, for the settings page.
pub async fn seal_image(s: Signed) -> Result<Response, UiError> {
    let png = invoicepilot_app::seal::current(&s.app, &s.ctx).await?.ok_or(UiError::NotFound)?;
    let mut resp = png.into_response();
    resp.headers_mut().insert(axum::http::header::CONTENT_TYPE, axum::http::HeaderValue::from_static("image/png"));
    Ok(resp)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blank_bank_rows_are_dropped_and_rows_pair_by_position() {
        let f = Fields::parse(
            "bank_code=0001&bank_name=みずほ&branch_code=001&branch_name=東京&account_type=普通&account_number=1234567&account_name_kana=ｶ)ﾃｽﾄ\
             &bank_code=&bank_name=&branch_code=&branch_name=&account_type=普通&account_number=&account_name_kana=",
        );
        let b = banks_of(&f);
        assert_eq!(b.len(), 1);
        assert_eq!(b[0].account_number, "1234567");
    }

    #[test]
    fn percentages_become_basis_points() {
        assert_eq!(percent_to_bp("3"), Some(300));
        assert_eq!(percent_to_bp("14.6"), Some(1460));
        assert_eq!(percent_to_bp("18.25%"), Some(1825));
        assert_eq!(percent_to_bp("1.234"), None);
        assert_eq!(percent_to_bp("abc"), None);
    }

    #[test]
    fn levels_are_numbered_and_untitled_ones_dropped() {
        let f = Fields::parse(
            "level_days=-3&level_title=ご案内&level_lead=a&level_closing=b\
             &level_days=7&level_title=&level_lead=&level_closing=\
             &level_days=14&level_title=督促状&level_lead=c&level_closing=d&level_interest=3",
        );
        let l = levels_of(&f);
        assert_eq!(l.len(), 2);
        assert_eq!((l[0].level, l[0].days, l[0].mention_interest), (1, -3, false));
        assert_eq!((l[1].level, l[1].days, l[1].mention_interest), (2, 14, true));
    }

    #[test]
    fn every_field_is_sent_and_empty_text_clears() {
        let f = Fields::parse(
            "name=株式会社A&phone=&fiscal_year_start_month=4&closing_day=20&months_after=1&payment_day=10&holiday_rule=none",
        );
        let u = update_of(&f).unwrap();
        assert_eq!(u.name, Some(Some("株式会社A".into())));
        assert_eq!(u.phone, Some(None));
        assert_eq!(u.fiscal_year_start_month, Some(Some(4)));
        assert_eq!(u.withholding_default, Some(Some(false)));
        assert!(update_of(&Fields::parse("name=A")).is_err());
    }
}
