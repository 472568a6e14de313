//! Companies and their settings.

use crate::App;
use crate::audit::{self, AuditEntry};
use crate::clock::{db_now, rfc3339};
use crate::context::Ctx;
use crate::error::AppError;
use crate::input::{Checker, double_option};
use invoicepilot_domain::{
    DayOfMonth, HolidayRule, InvoiceNumberFormat, PaymentTerms, Permission, RegistrationNumber, RoundingMode, limits,
};
use invoicepilot_store::entity::company;
use sea_orm::{ActiveModelTrait, ActiveValue::Set, ColumnTrait, EntityTrait, QueryFilter};
use serde::{Deserialize, Serialize};
use serde_json::json;
use utoipa::ToSchema;

/// Payment terms as the API carries them: `{closing_day, months_after, payment_day, holiday_rule}`.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct PaymentTermsDto {
    /// 締め日: 1–28, or 31 = month end.
    pub closing_day: i64,
    /// Months after the closing month: 0–3.
    pub months_after: i64,
    /// 支払日: 1–28, or 31 = month end.
    pub payment_day: i64,
    /// `previous_business_day`, `next_business_day` or `none`.
    pub holiday_rule: String,
}

impl From<PaymentTerms> for PaymentTermsDto {
    fn from(t: PaymentTerms) -> Self {
        PaymentTermsDto {
            closing_day: t.closing_day.get() as i64,
            months_after: t.months_after as i64,
            payment_day: t.payment_day.get() as i64,
            holiday_rule: serde_json::to_value(t.holiday_rule)
                .ok()
                .and_then(|v| v.as_str().map(str::to_owned))
                .unwrap_or_default(),
        }
    }
}

impl PaymentTermsDto {
    /// Validates into domain terms, reporting errors under `prefix`.
    pub fn check(&self, c: &mut Checker, prefix: &str) -> Option<PaymentTerms> {
        let day = |c: &mut Checker, name: &str, v: i64| {
            let d = u32::try_from(v).ok().and_then(DayOfMonth::new);
            if d.is_none() {
                c.push(format!("{prefix}.{name}"), "out_of_range", "must be 1–28, or 31 for the month's last day");
            }
            d
        };
        let closing = day(c, "closing_day", self.closing_day);
        let payment = day(c, "payment_day", self.payment_day);
        if !(0..=3).contains(&self.months_after) {
            c.push(format!("{prefix}.months_after"), "out_of_range", "months_after must be 0–3");
        }
        let rule = match self.holiday_rule.as_str() {
            "previous_business_day" => Some(HolidayRule::PreviousBusinessDay),
            "next_business_day" => Some(HolidayRule::NextBusinessDay),
            "none" => Some(HolidayRule::None),
            _ => {
                c.push(
                    format!("{prefix}.holiday_rule"),
                    "invalid",
                    "holiday_rule must be previous_business_day, next_business_day or none",
                );
                None
            }
        };
        let terms = PaymentTerms {
            closing_day: closing?,
            months_after: u32::try_from(self.months_after).ok().filter(|m| *m <= 3)?,
            payment_day: payment?,
            holiday_rule: rule?,
        };
        if let Err(e) = terms.validate() {
            c.push(format!("{prefix}.payment_day"), "invalid", e.to_string());
            return None;
        }
        Some(terms)
    }
}

/// A bank account printed as 振込先.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct BankAccount {
    /// 4-digit bank code.
    pub bank_code: String,
    /// 金融機関名.
    pub bank_name: String,
    /// 3-digit branch code.
    pub branch_code: String,
    /// 支店名.
    pub branch_name: String,
    /// `普通`, `当座` or `貯蓄`.
    pub account_type: String,
    /// 7 digits.
    pub account_number: String,
    /// 口座名義 in katakana.
    pub account_name_kana: String,
}

impl BankAccount {
    fn check(&self, c: &mut Checker, prefix: &str) {
        let digits = |s: &str, n: usize| s.len() == n && s.bytes().all(|b| b.is_ascii_digit());
        if !digits(&self.bank_code, 4) {
            c.push(format!("{prefix}.bank_code"), "invalid", "bank_code must be 4 digits");
        }
        if !digits(&self.branch_code, 3) {
            c.push(format!("{prefix}.branch_code"), "invalid", "branch_code must be 3 digits");
        }
        if !digits(&self.account_number, 7) {
            c.push(format!("{prefix}.account_number"), "invalid", "account_number must be 7 digits");
        }
        if !["普通", "当座", "貯蓄"].contains(&self.account_type.as_str()) {
            c.push(format!("{prefix}.account_type"), "invalid", "account_type must be 普通, 当座 or 貯蓄");
        }
        for (name, v) in [
            ("bank_name", &self.bank_name),
            ("branch_name", &self.branch_name),
            ("account_name_kana", &self.account_name_kana),
        ] {
            if v.trim().is_empty() || v.chars().count() > 100 {
                c.push(format!("{prefix}.{name}"), "invalid", format!("{name} must be 1–100 characters"));
            }
        }
    }
}

/// The company as `GET /api/v1/company` returns it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CompanyView {
    /// Id.
    pub id: i64,
    /// Issuer name (氏名又は名称).
    pub name: String,
    /// 郵便番号.
    pub postal_code: Option<String>,
    /// Address.
    pub address: Option<String>,
    /// Phone.
    pub phone: Option<String>,
    /// 登録番号 `T` + 13 digits.
    pub registration_number: Option<String>,
    /// `false` when the check digit does not match, `null` when empty.
    pub registration_number_valid: Option<bool>,
    /// IANA zone, default `Asia/Tokyo`.
    pub time_zone: String,
    /// 1–12.
    pub fiscal_year_start_month: i32,
    /// `truncate`, `round` (half up) or `ceil`.
    pub tax_rounding: String,
    /// Withholding on new invoices by default.
    pub withholding_default: bool,
    /// Terms for customers without their own.
    pub default_payment_terms: PaymentTermsDto,
    /// e.g. `I-{YYYY}-{NNNN}`.
    pub invoice_number_format: String,
    /// 振込先.
    pub bank_accounts: Vec<BankAccount>,
    /// Late-payment interest per year in basis points (300 = the 3% legal rate, 1460 = 14.6%).
    pub late_interest_rate_bp: i32,
    /// Signature under e-mails (`null`: name, address and phone).
    pub email_signature: Option<String>,
    /// Dunning levels; the defaults unless the company set its own.
    pub dunning_policy: Vec<invoicepilot_domain::dunning::DunningLevel>,
    /// Optimistic-lock version.
    pub version: i64,
    /// Created (RFC 3339).
    pub created_at: String,
    /// Last changed (RFC 3339).
    pub updated_at: String,
}

/// A company's settings, parsed for use by other use-cases.
#[derive(Debug, Clone)]
pub struct CompanySettings {
    /// The row.
    pub model: company::Model,
    /// Rounding mode.
    pub rounding: RoundingMode,
    /// Default terms.
    pub terms: PaymentTerms,
    /// Number format.
    pub number_format: InvoiceNumberFormat,
}

impl CompanySettings {
    /// Parses a stored row (stored values were validated when written).
    pub fn from_model(model: company::Model) -> CompanySettings {
        CompanySettings {
            rounding: model.tax_rounding.parse().unwrap_or_default(),
            terms: serde_json::from_str(&model.default_payment_terms).unwrap_or_default(),
            number_format: model.invoice_number_format.parse().unwrap_or_default(),
            model,
        }
    }

    /// The API view.
    pub fn view(&self) -> CompanyView {
        let m = &self.model;
        CompanyView {
            id: m.id,
            name: m.name.clone(),
            postal_code: m.postal_code.clone(),
            address: m.address.clone(),
            phone: m.phone.clone(),
            registration_number: m.registration_number.clone(),
            registration_number_valid: m
                .registration_number
                .as_deref()
                .and_then(|r| r.parse::<RegistrationNumber>().ok())
                .map(|r| r.check_digit_valid()),
            time_zone: m.time_zone.clone(),
            fiscal_year_start_month: m.fiscal_year_start_month,
            tax_rounding: self.rounding.code().to_owned(),
            withholding_default: m.withholding_default,
            default_payment_terms: self.terms.into(),
            invoice_number_format: m.invoice_number_format.clone(),
            bank_accounts: serde_json::from_str(&m.bank_accounts).unwrap_or_default(),
            late_interest_rate_bp: m.late_interest_bp,
            email_signature: m.email_signature.clone(),
            dunning_policy: crate::dunning::policy(m),
            version: m.version,
            created_at: rfc3339(m.created_at),
            updated_at: rfc3339(m.updated_at),
        }
    }
}

/// Loads a company's settings.
pub async fn load(app: &App, company_id: i64) -> Result<CompanySettings, AppError> {
    let m = company::Entity::find_by_id(company_id).one(app.db.conn()).await?.ok_or(AppError::NotFound("company"))?;
    Ok(CompanySettings::from_model(m))
}

/// Today's date in the company's time zone (business dates: issue, due, booking, billing).
pub async fn today(app: &App, company_id: i64) -> Result<chrono::NaiveDate, AppError> {
    let tz = load(app, company_id).await?.model.time_zone;
    Ok(crate::clock::today_in(app.clock.as_ref(), &tz))
}

/// Every company id and name, for operator commands.
pub async fn list_all(app: &App) -> Result<Vec<company::Model>, AppError> {
    Ok(company::Entity::find().all(app.db.conn()).await?)
}

/// Creates a company with default settings (CLI and first-run setup).
pub async fn create(app: &App, name: &str, registration_number: Option<&str>) -> Result<CompanySettings, AppError> {
    let mut c = Checker::default();
    let name = c.required_text("name", Some(name.to_owned()), limits::NAME);
    let reg = registration_number
        .filter(|r| !r.is_empty())
        .and_then(|r| c.parse("registration_number", r.parse::<RegistrationNumber>()));
    let (name, reg) = c.finish(|| (name.unwrap_or_default(), reg))?;
    let now = db_now(app.clock.as_ref());
    let tx = app.db.begin_write().await?;
    let am = company::ActiveModel {
        name: Set(name),
        registration_number: Set(reg.map(|r| r.to_string())),
        time_zone: Set("Asia/Tokyo".into()),
        fiscal_year_start_month: Set(1),
        tax_rounding: Set(RoundingMode::default().code().into()),
        withholding_default: Set(false),
        default_payment_terms: Set(serde_json::to_string(&PaymentTerms::default())?),
        invoice_number_format: Set(InvoiceNumberFormat::default().to_string()),
        bank_accounts: Set("[]".into()),
        version: Set(1),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    };
    let model = am.insert(&*tx).await?;
    let ctx = Ctx::system(model.id);
    let settings = CompanySettings::from_model(model);
    audit::append(
        app,
        &tx,
        &ctx,
        AuditEntry {
            action: "company.created",
            target_type: "company",
            target_id: Some(settings.model.id),
            changes: json!({"after": serde_json::to_value(settings.view())?}),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(settings)
}

/// `PUT /api/v1/company`: every field `GET` returns; read-only ones are ignored. An absent
/// field keeps its value; `null` clears it or restores its default.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CompanyUpdate {
    /// Issuer name (required, not null).
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>)]
    pub name: Option<Option<String>>,
    /// 郵便番号.
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>)]
    pub postal_code: Option<Option<String>>,
    /// Address.
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>)]
    pub address: Option<Option<String>>,
    /// Phone.
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>)]
    pub phone: Option<Option<String>>,
    /// 登録番号.
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>)]
    pub registration_number: Option<Option<String>>,
    /// IANA time zone.
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>)]
    pub time_zone: Option<Option<String>>,
    /// 1–12.
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<i64>)]
    pub fiscal_year_start_month: Option<Option<i64>>,
    /// `truncate`, `round`, `ceil`.
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>)]
    pub tax_rounding: Option<Option<String>>,
    /// Default withholding flag.
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<bool>)]
    pub withholding_default: Option<Option<bool>>,
    /// Default terms.
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<PaymentTermsDto>)]
    pub default_payment_terms: Option<Option<PaymentTermsDto>>,
    /// Number format.
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>)]
    pub invoice_number_format: Option<Option<String>>,
    /// 振込先.
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<Vec<BankAccount>>)]
    pub bank_accounts: Option<Option<Vec<BankAccount>>>,
    /// Basis points per year, 0–14600 (`null`: the legal 300).
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<i64>)]
    pub late_interest_rate_bp: Option<Option<i64>>,
    /// Signature under e-mails.
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>)]
    pub email_signature: Option<Option<String>>,
    /// Dunning levels (`null`: the defaults).
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<Vec<invoicepilot_domain::dunning::DunningLevel>>)]
    pub dunning_policy: Option<Option<Vec<invoicepilot_domain::dunning::DunningLevel>>>,
    /// Read-only, ignored.
    #[serde(default)]
    #[schema(value_type = Option<i64>, read_only)]
    pub id: Option<serde_json::Value>,
    /// Read-only, ignored (use If-Match).
    #[serde(default)]
    #[schema(value_type = Option<i64>, read_only)]
    pub version: Option<serde_json::Value>,
    /// Read-only, ignored.
    #[serde(default)]
    #[schema(value_type = Option<bool>, read_only)]
    pub registration_number_valid: Option<serde_json::Value>,
    /// Read-only, ignored.
    #[serde(default)]
    #[schema(value_type = Option<String>, read_only)]
    pub created_at: Option<serde_json::Value>,
    /// Read-only, ignored.
    #[serde(default)]
    #[schema(value_type = Option<String>, read_only)]
    pub updated_at: Option<serde_json::Value>,
}

/// Changes the company's settings (owner/admin; If-Match required).
pub async fn update(
    app: &App,
    ctx: &Ctx,
    if_match: Option<i64>,
    input: CompanyUpdate,
) -> Result<CompanyView, AppError> {
    ctx.require(Permission::ManageCompany)?;
    let expected = if_match.ok_or(AppError::PreconditionRequired)?;
    let current = load(app, ctx.company_id).await?;
    let m = current.model.clone();
    let mut c = Checker::default();
    let mut am: company::ActiveModel = m.clone().into();
    if let Some(v) = input.name
        && let Some(n) = c.required_text("name", v, limits::NAME)
    {
        am.name = Set(n);
    }
    if let Some(v) = input.postal_code {
        am.postal_code = Set(c.text("postal_code", v, limits::POSTAL_CODE));
    }
    if let Some(v) = input.address {
        am.address = Set(c.text("address", v, limits::ADDRESS));
    }
    if let Some(v) = input.phone {
        am.phone = Set(c.text("phone", v, limits::PHONE));
    }
    if let Some(v) = input.registration_number {
        let v = v.filter(|s| !s.trim().is_empty());
        am.registration_number = Set(v
            .and_then(|s| c.parse("registration_number", s.trim().parse::<RegistrationNumber>()))
            .map(|r| r.to_string()));
    }
    if let Some(v) = input.time_zone {
        let tz = v.unwrap_or_else(|| "Asia/Tokyo".into());
        if tz.parse::<chrono_tz::Tz>().is_err() {
            c.push("time_zone", "invalid", "time_zone must be an IANA zone such as Asia/Tokyo");
        }
        am.time_zone = Set(tz);
    }
    if let Some(v) = input.fiscal_year_start_month {
        let month = v.unwrap_or(1);
        if !(1..=12).contains(&month) {
            c.push("fiscal_year_start_month", "out_of_range", "fiscal_year_start_month must be 1–12");
        }
        am.fiscal_year_start_month = Set(month as i32);
    }
    if let Some(v) = input.tax_rounding {
        let mode = v.unwrap_or_else(|| "truncate".into());
        if let Some(mode) = c.parse("tax_rounding", mode.parse::<RoundingMode>()) {
            am.tax_rounding = Set(mode.code().into());
        }
    }
    if let Some(v) = input.withholding_default {
        am.withholding_default = Set(v.unwrap_or(false));
    }
    if let Some(v) = input.default_payment_terms {
        let terms = match v {
            None => Some(PaymentTerms::default()),
            Some(dto) => dto.check(&mut c, "default_payment_terms"),
        };
        if let Some(t) = terms {
            am.default_payment_terms = Set(serde_json::to_string(&t)?);
        }
    }
    if let Some(v) = input.invoice_number_format {
        let f = v.unwrap_or_else(|| InvoiceNumberFormat::default().to_string());
        if let Some(f) = c.parse("invoice_number_format", f.parse::<InvoiceNumberFormat>()) {
            am.invoice_number_format = Set(f.to_string());
        }
    }
    if let Some(v) = input.late_interest_rate_bp {
        let bp = v.unwrap_or(i64::from(invoicepilot_domain::dunning::LEGAL_RATE_BP));
        if !(0..=14_600).contains(&bp) {
            c.push("late_interest_rate_bp", "out_of_range", "late_interest_rate_bp must be 0–14600 (0–146%)");
        }
        am.late_interest_bp = Set(bp.clamp(0, 14_600) as i32);
    }
    if let Some(v) = input.email_signature {
        am.email_signature = Set(c.text("email_signature", v, limits::NOTES));
    }
    if let Some(v) = input.dunning_policy {
        match v {
            None => am.dunning_policy = Set(None),
            Some(levels) => match invoicepilot_domain::dunning::validate(&levels) {
                Ok(()) if levels.len() <= 10 => am.dunning_policy = Set(Some(serde_json::to_string(&levels)?)),
                Ok(()) => c.push("dunning_policy", "too_long", "at most 10 levels"),
                Err(e) => c.push("dunning_policy", "invalid", e.to_string()),
            },
        }
    }
    if let Some(v) = input.bank_accounts {
        let accounts = v.unwrap_or_default();
        if accounts.len() > limits::BANK_ACCOUNTS {
            c.push("bank_accounts", "too_long", "at most 10 bank accounts");
        }
        for (i, a) in accounts.iter().enumerate() {
            a.check(&mut c, &format!("bank_accounts[{i}]"));
        }
        am.bank_accounts = Set(serde_json::to_string(&accounts)?);
    }
    c.finish(|| ())?;
    let now = db_now(app.clock.as_ref());
    am.version = Set(m.version + 1);
    am.updated_at = Set(now);
    let tx = app.db.begin_write().await?;
    let res = company::Entity::update_many()
        .set(am)
        .filter(company::Column::Id.eq(ctx.company_id))
        .filter(company::Column::Version.eq(expected))
        .exec(&*tx)
        .await?;
    if res.rows_affected == 0 {
        let now_version = company::Entity::find_by_id(ctx.company_id).one(&*tx).await?.map(|c| c.version).unwrap_or(0);
        return Err(AppError::VersionMismatch { current: now_version });
    }
    let updated = company::Entity::find_by_id(ctx.company_id).one(&*tx).await?.ok_or(AppError::NotFound("company"))?;
    let after = CompanySettings::from_model(updated);
    audit::append(
        app,
        &tx,
        ctx,
        AuditEntry {
            action: "company.updated",
            target_type: "company",
            target_id: Some(ctx.company_id),
            changes: crate::customers::diff(
                &serde_json::to_value(current.view())?,
                &serde_json::to_value(after.view())?,
            ),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(after.view())
}
