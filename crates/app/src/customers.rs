//! Customers (取引先).

use crate::App;
use crate::audit::{self, AuditEntry};
use crate::clock::{db_now, rfc3339};
use crate::company::PaymentTermsDto;
use crate::context::Ctx;
use crate::error::AppError;
use crate::input::Checker;
use crate::pagination::{Page, PageRequest};
use invoicepilot_domain::{Email, PaymentTerms, Permission, RegistrationNumber, limits};
use invoicepilot_store::entity::{customer, customer_credit, invoice};
use sea_orm::sea_query::{Expr, ExprTrait, Func};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, Condition, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder,
    QuerySelect,
};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};
use utoipa::ToSchema;

/// Body of `POST`/`PUT /api/v1/customers`.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CustomerInput {
    /// Name (required).
    #[schema(required = true, nullable = false)]
    pub name: Option<String>,
    /// Katakana reading; also recognises the payer of bank transfers.
    pub name_kana: Option<String>,
    /// `御中` (default) or `様`.
    pub honorific: Option<String>,
    /// Invoice e-mail address.
    #[schema(format = Email)]
    pub email: Option<String>,
    /// 郵便番号.
    pub postal_code: Option<String>,
    /// Address.
    pub address: Option<String>,
    /// `T` + 13 digits.
    pub registration_number: Option<String>,
    /// Own terms; `null` = the company's default.
    pub payment_terms: Option<PaymentTermsDto>,
    /// No payment reminders to this customer (default false).
    pub dunning_hold: Option<bool>,
    /// Largest shortfall of a bank transfer taken as the 振込手数料 the customer deducted,
    /// 0–9,999 yen (`null`: 1,000).
    pub transfer_fee_tolerance: Option<i64>,
    /// How such a fee is booked: `discount` (売上値引, default) or `expense` (支払手数料).
    pub transfer_fee_booking: Option<String>,
    /// Read-only, ignored.
    #[serde(default)]
    #[schema(value_type = Option<i64>, read_only)]
    pub id: Option<Value>,
    /// Read-only, ignored (use If-Match).
    #[serde(default)]
    #[schema(value_type = Option<i64>, read_only)]
    pub version: Option<Value>,
}

/// A customer as the API shows it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CustomerView {
    /// Id.
    pub id: i64,
    /// Name.
    pub name: String,
    /// Katakana reading.
    pub name_kana: Option<String>,
    /// `御中` or `様`.
    pub honorific: String,
    /// E-mail.
    pub email: Option<String>,
    /// 郵便番号.
    pub postal_code: Option<String>,
    /// Address.
    pub address: Option<String>,
    /// 登録番号.
    pub registration_number: Option<String>,
    /// `false` when the check digit does not match, `null` when empty.
    pub registration_number_valid: Option<bool>,
    /// Own terms, or `null` for the company's default.
    pub payment_terms: Option<PaymentTermsDto>,
    /// No payment reminders to this customer.
    pub dunning_hold: bool,
    /// Own transfer-fee tolerance, or `null` for the default (1,000 yen).
    pub transfer_fee_tolerance: Option<i64>,
    /// `discount` or `expense`, or `null` for the default (`discount`).
    pub transfer_fee_booking: Option<String>,
    /// Unused over-payments (customer credit).
    pub credit_balance: i64,
    /// Optimistic-lock version.
    pub version: i64,
    /// Created (RFC 3339).
    pub created_at: String,
    /// Last changed (RFC 3339).
    pub updated_at: String,
}

struct ValidCustomer {
    name: String,
    name_kana: Option<String>,
    honorific: String,
    email: Option<String>,
    postal_code: Option<String>,
    address: Option<String>,
    registration_number: Option<String>,
    payment_terms: Option<String>,
    dunning_hold: bool,
    transfer_fee_tolerance: Option<i64>,
    transfer_fee_booking: Option<String>,
}

impl ValidCustomer {
    /// The editable columns, set; the caller adds keys, version and timestamps.
    fn into_active_model(self) -> customer::ActiveModel {
        customer::ActiveModel {
            name: Set(self.name),
            name_kana: Set(self.name_kana),
            honorific: Set(self.honorific),
            email: Set(self.email),
            postal_code: Set(self.postal_code),
            address: Set(self.address),
            registration_number: Set(self.registration_number),
            payment_terms: Set(self.payment_terms),
            dunning_hold: Set(self.dunning_hold),
            transfer_fee_tolerance: Set(self.transfer_fee_tolerance),
            transfer_fee_booking: Set(self.transfer_fee_booking),
            ..Default::default()
        }
    }
}

fn validate(input: CustomerInput) -> Result<ValidCustomer, AppError> {
    let mut c = Checker::default();
    let name = c.required_text("name", input.name, limits::NAME);
    let name_kana = c.text("name_kana", input.name_kana, limits::NAME_KANA);
    let honorific = match input.honorific.as_deref().map(str::trim) {
        None | Some("") | Some("御中") => "御中".to_owned(),
        Some("様") => "様".to_owned(),
        Some(_) => {
            c.push("honorific", "invalid", "honorific must be 御中 or 様");
            String::new()
        }
    };
    // A blank address is refused rather than read as none: `null` says none, and "" is not
    // an address (the UI turns its empty field into `null` itself).
    if input.email.as_deref().is_some_and(|e| e.trim().is_empty()) {
        c.push("email", "invalid", "email is empty: send null for no address");
    }
    let email =
        c.text("email", input.email, 254).and_then(|e| c.parse("email", e.parse::<Email>())).map(|e| e.to_string());
    let postal_code = c.text("postal_code", input.postal_code, limits::POSTAL_CODE);
    let address = c.text("address", input.address, limits::ADDRESS);
    let registration_number = c
        .text("registration_number", input.registration_number, 14)
        .and_then(|r| c.parse("registration_number", r.parse::<RegistrationNumber>()))
        .map(|r| r.to_string());
    let terms = input.payment_terms.as_ref().and_then(|t| t.check(&mut c, "payment_terms"));
    let payment_terms = terms.map(|t| serde_json::to_string(&t)).transpose()?;
    let tolerance = input.transfer_fee_tolerance;
    if tolerance.is_some_and(|t| !(0..invoicepilot_domain::credit::DOCUMENT_THRESHOLD).contains(&t)) {
        c.push("transfer_fee_tolerance", "out_of_range", "a transfer-fee tolerance is between 0 and 9,999 yen");
    }
    let booking = input
        .transfer_fee_booking
        .as_deref()
        .and_then(|b| c.parse("transfer_fee_booking", b.parse::<invoicepilot_domain::credit::FeeBooking>()))
        .map(|b| b.code().to_owned());
    c.finish(|| ValidCustomer {
        name: name.unwrap_or_default(),
        name_kana,
        honorific,
        email,
        postal_code,
        address,
        registration_number,
        payment_terms,
        dunning_hold: input.dunning_hold.unwrap_or(false),
        transfer_fee_tolerance: tolerance,
        transfer_fee_booking: booking,
    })
}

/// The customer's stored terms, if it has its own.
pub fn terms_of(m: &customer::Model) -> Option<PaymentTerms> {
    m.payment_terms.as_deref().and_then(|t| serde_json::from_str(t).ok())
}

fn view(m: customer::Model, credit_balance: i64) -> CustomerView {
    CustomerView {
        registration_number_valid: m
            .registration_number
            .as_deref()
            .and_then(|r| r.parse::<RegistrationNumber>().ok())
            .map(|r| r.check_digit_valid()),
        payment_terms: terms_of(&m).map(Into::into),
        id: m.id,
        name: m.name,
        name_kana: m.name_kana,
        honorific: m.honorific,
        email: m.email,
        postal_code: m.postal_code,
        address: m.address,
        transfer_fee_tolerance: m.transfer_fee_tolerance,
        transfer_fee_booking: m.transfer_fee_booking,
        registration_number: m.registration_number,
        dunning_hold: m.dunning_hold,
        credit_balance,
        version: m.version,
        created_at: rfc3339(m.created_at),
        updated_at: rfc3339(m.updated_at),
    }
}

/// Before/after of the fields that differ between two JSON objects.
pub fn diff(before: &Value, after: &Value) -> Value {
    let (mut b, mut a) = (Map::new(), Map::new());
    if let (Some(bo), Some(ao)) = (before.as_object(), after.as_object()) {
        for (k, av) in ao {
            if matches!(k.as_str(), "updated_at" | "version") {
                continue;
            }
            let bv = bo.get(k).unwrap_or(&Value::Null);
            if bv != av {
                b.insert(k.clone(), bv.clone());
                a.insert(k.clone(), av.clone());
            }
        }
    }
    json!({"before": b, "after": a})
}

/// A customer's credit balance.
pub async fn credit_balance<C: sea_orm::ConnectionTrait>(
    conn: &C,
    company_id: i64,
    customer_id: i64,
) -> Result<i64, AppError> {
    let rows = customer_credit::Entity::find()
        .filter(customer_credit::Column::CompanyId.eq(company_id))
        .filter(customer_credit::Column::CustomerId.eq(customer_id))
        .all(conn)
        .await?;
    Ok(rows.iter().map(|r| r.amount).sum())
}

/// Finds a customer of the company.
pub async fn find<C: sea_orm::ConnectionTrait>(
    conn: &C,
    company_id: i64,
    id: i64,
) -> Result<customer::Model, AppError> {
    customer::Entity::find_by_id(id)
        .filter(customer::Column::CompanyId.eq(company_id))
        .one(conn)
        .await?
        .ok_or(AppError::NotFound("customer"))
}

/// A missing customer named in an input is a validation error of `customer_id`; any other
/// error (the database being away, say) stays what it is.
pub fn as_field_error(e: AppError) -> AppError {
    match e {
        AppError::NotFound(_) => AppError::field("customer_id", "not_found", "no such customer in this company"),
        other => other,
    }
}

/// `GET /customers/{id}`.
pub async fn get(app: &App, ctx: &Ctx, id: i64) -> Result<CustomerView, AppError> {
    ctx.require(Permission::Read)?;
    let m = find(app.db.conn(), ctx.company_id, id).await?;
    let credit = credit_balance(app.db.conn(), ctx.company_id, id).await?;
    Ok(view(m, credit))
}

/// `GET /customers?q=`.
pub async fn list(app: &App, ctx: &Ctx, q: Option<String>, page: PageRequest) -> Result<Page<CustomerView>, AppError> {
    ctx.require(Permission::Read)?;
    let mut query = customer::Entity::find().filter(customer::Column::CompanyId.eq(ctx.company_id));
    if let Some(q) = q.map(|s| s.trim().to_lowercase()).filter(|s| !s.is_empty()) {
        let pattern = format!("%{}%", escape_like(&q));
        let like = |col: customer::Column| {
            Expr::expr(Func::lower(Expr::col(col)))
                .like(sea_orm::sea_query::LikeExpr::new(pattern.clone()).escape('\\'))
        };
        query = query.filter(
            Condition::any()
                .add(like(customer::Column::Name))
                .add(like(customer::Column::NameKana))
                .add(like(customer::Column::Email)),
        );
    }
    if let Some(before) = page.before_id {
        query = query.filter(customer::Column::Id.lt(before));
    }
    let rows = query.order_by_desc(customer::Column::Id).limit(page.limit + 1).all(app.db.conn()).await?;
    let mut out = Page::from_rows(rows, page.limit, |r| r.id, |m| view(m, 0));
    for c in &mut out.items {
        c.credit_balance = credit_balance(app.db.conn(), ctx.company_id, c.id).await?;
    }
    Ok(out)
}

/// Escapes `%`, `_` and `\` for a LIKE pattern with `\` as escape character.
pub fn escape_like(s: &str) -> String {
    s.replace('\\', "\\\\").replace('%', "\\%").replace('_', "\\_")
}

/// `POST /customers`.
pub async fn create(app: &App, ctx: &Ctx, input: CustomerInput) -> Result<CustomerView, AppError> {
    ctx.require(Permission::ManageCustomers)?;
    let v = validate(input)?;
    let now = db_now(app.clock.as_ref());
    let tx = app.db.begin_write().await?;
    let mut am = v.into_active_model();
    am.company_id = Set(ctx.company_id);
    am.version = Set(1);
    am.created_at = Set(now);
    am.updated_at = Set(now);
    let m = am.insert(&*tx).await?;
    let out = view(m, 0);
    audit::append(
        app,
        &tx,
        ctx,
        AuditEntry {
            action: "customer.created",
            target_type: "customer",
            target_id: Some(out.id),
            changes: json!({"after": serde_json::to_value(&out)?}),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(out)
}

/// `PUT /customers/{id}` (If-Match required): replaces every field.
pub async fn update(
    app: &App,
    ctx: &Ctx,
    id: i64,
    if_match: Option<i64>,
    input: CustomerInput,
) -> Result<CustomerView, AppError> {
    ctx.require(Permission::ManageCustomers)?;
    let before = find(app.db.conn(), ctx.company_id, id).await?;
    let expected = if_match.ok_or(AppError::PreconditionRequired)?;
    let v = validate(input)?;
    let tx = app.db.begin_write().await?;
    let mut am = v.into_active_model();
    am.version = Set(expected + 1);
    am.updated_at = Set(db_now(app.clock.as_ref()));
    let res = customer::Entity::update_many()
        .set(am)
        .filter(customer::Column::Id.eq(id))
        .filter(customer::Column::CompanyId.eq(ctx.company_id))
        .filter(customer::Column::Version.eq(expected))
        .exec(&*tx)
        .await?;
    if res.rows_affected == 0 {
        let current = find(&*tx, ctx.company_id, id).await?;
        return Err(AppError::VersionMismatch { current: current.version });
    }
    let after = find(&*tx, ctx.company_id, id).await?;
    let credit = credit_balance(&*tx, ctx.company_id, id).await?;
    let (bv, av) = (view(before, credit), view(after, credit));
    audit::append(
        app,
        &tx,
        ctx,
        AuditEntry {
            action: "customer.updated",
            target_type: "customer",
            target_id: Some(id),
            changes: diff(&serde_json::to_value(&bv)?, &serde_json::to_value(&av)?),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(av)
}

/// `DELETE /customers/{id}` (If-Match required): only customers without invoices.
pub async fn delete(app: &App, ctx: &Ctx, id: i64, if_match: Option<i64>) -> Result<(), AppError> {
    ctx.require(Permission::ManageCustomers)?;
    let before = find(app.db.conn(), ctx.company_id, id).await?;
    let expected = if_match.ok_or(AppError::PreconditionRequired)?;
    if before.version != expected {
        return Err(AppError::VersionMismatch { current: before.version });
    }
    let tx = app.db.begin_write().await?;
    let invoices = invoice::Entity::find()
        .filter(invoice::Column::CompanyId.eq(ctx.company_id))
        .filter(invoice::Column::CustomerId.eq(id))
        .count(&*tx)
        .await?;
    let payments = invoicepilot_store::entity::payment::Entity::find()
        .filter(invoicepilot_store::entity::payment::Column::CustomerId.eq(id))
        .count(&*tx)
        .await?;
    if invoices > 0 || payments > 0 {
        return Err(AppError::Conflict("the customer has invoices or payments and cannot be deleted".into()));
    }
    let res = customer::Entity::delete_many()
        .filter(customer::Column::Id.eq(id))
        .filter(customer::Column::CompanyId.eq(ctx.company_id))
        .filter(customer::Column::Version.eq(expected))
        .exec(&*tx)
        .await?;
    if res.rows_affected == 0 {
        let current = find(&*tx, ctx.company_id, id).await?;
        return Err(AppError::VersionMismatch { current: current.version });
    }
    audit::append(
        app,
        &tx,
        ctx,
        AuditEntry {
            action: "customer.deleted",
            target_type: "customer",
            target_id: Some(id),
            changes: json!({"before": serde_json::to_value(view(before, 0))?}),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(())
}
