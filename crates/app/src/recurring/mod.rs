//! Recurring invoices (定期請求): a schedule bills a customer every N months on day N or
//! at month end, with `{YYYY}年{M}月分` period text, as a draft or issued (and sent). The
//! scheduler runs every hour; each (schedule, period) is billed once however many
//! instances run, and a downtime is caught up period by period (`run.rs`).

mod run;

pub use run::{RECURRING_RUN, RecurringRunJob, RunSummary, run_company};

use crate::App;
use crate::audit::{self, AuditEntry};
use crate::clock::{db_now, rfc3339};
use crate::context::Ctx;
use crate::customers;
use crate::error::AppError;
use crate::input::Checker;
use crate::invoices::{InvoiceInput, LineInputDto, QuantityValue, validate};
use crate::pagination::{Page, PageRequest};
use invoicepilot_domain::recurrence::{MONTH_END, Period};
use invoicepilot_domain::{Permission, limits};
use invoicepilot_store::entity::recurring_invoice;
use sea_orm::{ActiveModelTrait, ActiveValue::Set, ColumnTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
use serde::{Deserialize, Serialize};
use serde_json::json;
use utoipa::ToSchema;

/// One line of the invoice a schedule makes; `{YYYY}`, `{M}`, `{MM}` name the period.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, PartialEq, Eq)]
pub struct TemplateLine {
    /// 品目 (`{YYYY}年{M}月分 保守料`).
    pub description: String,
    /// Decimal string.
    pub quantity: String,
    /// 単位.
    pub unit: String,
    /// 単価.
    pub unit_price: i64,
    /// Rate code.
    pub tax_rate: String,
}

/// The stored invoice template.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
struct Template {
    prices_include_tax: bool,
    withholding: Option<bool>,
    notes: Option<String>,
    lines: Vec<TemplateLine>,
}

/// Body of `POST`/`PUT /api/v1/recurring-invoices`.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RecurringInput {
    /// The customer billed (required).
    #[schema(required = true, nullable = false)]
    pub customer_id: Option<i64>,
    /// A name for the schedule (default: the first line's description).
    pub name: Option<String>,
    /// 1–28, or 31 for the month's last day (required).
    #[schema(required = true, nullable = false)]
    pub day_of_month: Option<i64>,
    /// Every this many months, 1–12 (default 1).
    pub interval_months: Option<i64>,
    /// First period billed, `YYYY-MM` (required).
    #[schema(required = true, nullable = false)]
    pub start_period: Option<String>,
    /// Last period billed, `YYYY-MM` (optional).
    pub end_period: Option<String>,
    /// `draft` (default), `issue`, or `issue_and_send`.
    pub mode: Option<String>,
    /// `active` (default) or `paused`.
    pub status: Option<String>,
    /// Unit prices include tax (default false).
    pub prices_include_tax: Option<bool>,
    /// 源泉徴収 (default: the company's).
    pub withholding: Option<bool>,
    /// 備考, with period placeholders.
    pub notes: Option<String>,
    /// Lines as on invoices, with period placeholders (at least one).
    pub lines: Option<Vec<LineInputDto>>,
    /// Read-only, ignored.
    #[serde(default)]
    #[schema(value_type = Option<i64>, read_only)]
    pub id: Option<serde_json::Value>,
    /// Read-only, ignored (use If-Match).
    #[serde(default)]
    #[schema(value_type = Option<i64>, read_only)]
    pub version: Option<serde_json::Value>,
}

/// A schedule as the API shows it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct RecurringView {
    /// Id.
    pub id: i64,
    /// Customer.
    pub customer_id: i64,
    /// Name.
    pub name: String,
    /// `active` or `paused`.
    pub status: String,
    /// 1–28 or 31 (month end).
    pub day_of_month: i64,
    /// Months between invoices.
    pub interval_months: i64,
    /// The next period to bill (`YYYY-MM`).
    pub next_period: String,
    /// The last period billed, if the schedule ends.
    pub end_period: Option<String>,
    /// `draft`, `issue` or `issue_and_send`.
    pub mode: String,
    /// Unit prices include tax.
    pub prices_include_tax: bool,
    /// 源泉徴収 (null: the company's default).
    pub withholding: Option<bool>,
    /// 備考 template.
    pub notes: Option<String>,
    /// Line templates.
    pub lines: Vec<TemplateLine>,
    /// Optimistic-lock version.
    pub version: i64,
    /// Created.
    pub created_at: String,
    /// Last changed.
    pub updated_at: String,
}

fn view(m: recurring_invoice::Model) -> RecurringView {
    let t: Template = serde_json::from_str(&m.template).unwrap_or_default();
    RecurringView {
        id: m.id,
        customer_id: m.customer_id,
        name: m.name,
        status: m.status,
        day_of_month: m.day_of_month as i64,
        interval_months: m.interval_months as i64,
        next_period: m.next_period,
        end_period: m.end_period,
        mode: m.mode,
        prices_include_tax: t.prices_include_tax,
        withholding: t.withholding,
        notes: t.notes,
        lines: t.lines,
        version: m.version as i64,
        created_at: rfc3339(m.created_at),
        updated_at: rfc3339(m.updated_at),
    }
}

/// The invoice request of `template` for `period`, billed on `issue_date`.
fn invoice_input(customer_id: i64, t: &Template, period: Period, issue_date: chrono::NaiveDate) -> InvoiceInput {
    InvoiceInput {
        customer_id: Some(customer_id),
        issue_date: Some(issue_date.to_string()),
        due_date: None,
        prices_include_tax: Some(t.prices_include_tax),
        withholding: t.withholding,
        notes: t.notes.as_deref().map(|n| period.render(n)),
        lines: Some(
            t.lines
                .iter()
                .map(|l| LineInputDto {
                    description: Some(period.render(&l.description)),
                    quantity: Some(QuantityValue::Text(l.quantity.clone())),
                    unit: Some(l.unit.clone()),
                    unit_price: Some(l.unit_price),
                    tax_rate: Some(l.tax_rate.clone()),
                    amount: None,
                })
                .collect(),
        ),
        id: None,
        version: None,
    }
}

async fn checked(app: &App, ctx: &Ctx, input: RecurringInput) -> Result<recurring_invoice::ActiveModel, AppError> {
    let settings = crate::company::load(app, ctx.company_id).await?;
    let mut c = Checker::default();
    let customer_id = c.required("customer_id", input.customer_id);
    let day = c.required("day_of_month", input.day_of_month);
    if day.is_some_and(|d| !((1..=28).contains(&d) || d == MONTH_END as i64)) {
        c.push("day_of_month", "out_of_range", "day_of_month is 1–28, or 31 for the month's last day");
    }
    let interval = input.interval_months.unwrap_or(1);
    if !(1..=12).contains(&interval) {
        c.push("interval_months", "out_of_range", "interval_months is 1–12");
    }
    let start =
        c.required("start_period", input.start_period).and_then(|s| c.parse("start_period", s.parse::<Period>()));
    let end = input.end_period.and_then(|s| c.parse("end_period", s.parse::<Period>()));
    if let (Some(s), Some(e)) = (start, end)
        && e < s
    {
        c.push("end_period", "invalid", "end_period must not be before start_period");
    }
    let mode = input.mode.unwrap_or_else(|| "draft".into());
    if !["draft", "issue", "issue_and_send"].contains(&mode.as_str()) {
        c.push("mode", "invalid", "mode is draft, issue or issue_and_send");
    }
    let status = input.status.unwrap_or_else(|| "active".into());
    if !["active", "paused"].contains(&status.as_str()) {
        c.push("status", "invalid", "status is active or paused");
    }
    let notes = c.text("notes", input.notes, limits::NOTES);
    let lines_in = c.required("lines", input.lines).unwrap_or_default();
    if lines_in.is_empty() {
        c.push("lines", "required", "a schedule needs at least one line");
    }
    let template = Template {
        prices_include_tax: input.prices_include_tax.unwrap_or(false),
        withholding: input.withholding,
        notes,
        lines: vec![],
    };
    // Priced once now, as the first period's invoice, so a schedule never fails later on
    // what could have been refused today.
    let probe = InvoiceInput {
        customer_id: Some(customer_id.unwrap_or(0)),
        issue_date: None,
        due_date: None,
        prices_include_tax: Some(template.prices_include_tax),
        withholding: template.withholding,
        notes: None,
        lines: Some(lines_in),
        id: None,
        version: None,
    };
    let valid = match validate(probe, &settings, chrono::NaiveDate::default()) {
        Ok(v) => Some(v),
        Err(AppError::Validation(errs)) => {
            for e in errs.into_iter().filter(|e| e.field.starts_with("lines")) {
                c.push(e.field, &e.code, e.message);
            }
            None
        }
        Err(e) => return Err(e),
    };
    let name = c.text("name", input.name, 200);
    c.finish(|| ())?;
    let lines: Vec<TemplateLine> = valid
        .map(|v| {
            v.lines
                .iter()
                .map(|l| TemplateLine {
                    description: l.description.clone(),
                    quantity: l.quantity.to_string(),
                    unit: l.unit.clone(),
                    unit_price: l.unit_price.get(),
                    tax_rate: l.rate.code().into(),
                })
                .collect()
        })
        .unwrap_or_default();
    let customer_id = customer_id.unwrap_or_default();
    customers::find(app.db.conn(), ctx.company_id, customer_id).await.map_err(customers::as_field_error)?;
    let name = name.unwrap_or_else(|| lines.first().map(|l| l.description.clone()).unwrap_or_default());
    let template = Template { lines, ..template };
    Ok(recurring_invoice::ActiveModel {
        customer_id: Set(customer_id),
        name: Set(name.chars().take(200).collect()),
        status: Set(status),
        day_of_month: Set(day.unwrap_or(1) as i32),
        interval_months: Set(interval as i32),
        next_period: Set(start.map(|s| s.to_string()).unwrap_or_default()),
        end_period: Set(end.map(|e| e.to_string())),
        mode: Set(mode),
        template: Set(serde_json::to_string(&template)?),
        ..Default::default()
    })
}

/// `POST /recurring-invoices`.
pub async fn create(app: &App, ctx: &Ctx, input: RecurringInput) -> Result<RecurringView, AppError> {
    ctx.require(Permission::ManageInvoices)?;
    let mut am = checked(app, ctx, input).await?;
    let now = db_now(app.clock.as_ref());
    am.company_id = Set(ctx.company_id);
    am.version = Set(1);
    am.created_at = Set(now);
    am.updated_at = Set(now);
    let tx = app.db.begin_write().await?;
    let m = am.insert(&*tx).await?;
    let v = view(m);
    audit::append(
        app,
        &tx,
        ctx,
        AuditEntry {
            action: "recurring.created",
            target_type: "recurring_invoice",
            target_id: Some(v.id),
            changes: json!({"after": serde_json::to_value(&v)?}),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(v)
}

async fn load(app: &App, ctx: &Ctx, id: i64) -> Result<recurring_invoice::Model, AppError> {
    recurring_invoice::Entity::find_by_id(id)
        .filter(recurring_invoice::Column::CompanyId.eq(ctx.company_id))
        .one(app.db.conn())
        .await?
        .ok_or(AppError::NotFound("recurring invoice"))
}

/// `PUT /recurring-invoices/{id}` (If-Match): replaces the schedule; `start_period` becomes
/// the next period to bill (periods already billed stay billed once).
pub async fn update(
    app: &App,
    ctx: &Ctx,
    id: i64,
    if_match: Option<i64>,
    input: RecurringInput,
) -> Result<RecurringView, AppError> {
    ctx.require(Permission::ManageInvoices)?;
    let before = load(app, ctx, id).await?;
    let expected = if_match.ok_or(AppError::PreconditionRequired)?;
    let mut am = checked(app, ctx, input).await?;
    am.version = Set(expected as i32 + 1);
    am.updated_at = Set(db_now(app.clock.as_ref()));
    let tx = app.db.begin_write().await?;
    let res = recurring_invoice::Entity::update_many()
        .set(am)
        .filter(recurring_invoice::Column::Id.eq(id))
        .filter(recurring_invoice::Column::Version.eq(expected as i32))
        .exec(&*tx)
        .await?;
    if res.rows_affected == 0 {
        return Err(AppError::VersionMismatch { current: before.version as i64 });
    }
    let after =
        recurring_invoice::Entity::find_by_id(id).one(&*tx).await?.ok_or(AppError::NotFound("recurring invoice"))?;
    let (bv, av) = (view(before), view(after));
    audit::append(
        app,
        &tx,
        ctx,
        AuditEntry {
            action: "recurring.updated",
            target_type: "recurring_invoice",
            target_id: Some(id),
            changes: customers::diff(&serde_json::to_value(&bv)?, &serde_json::to_value(&av)?),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(av)
}

/// `GET /recurring-invoices/{id}`.
pub async fn get(app: &App, ctx: &Ctx, id: i64) -> Result<RecurringView, AppError> {
    ctx.require(Permission::Read)?;
    Ok(view(load(app, ctx, id).await?))
}

/// `GET /recurring-invoices`, newest first.
pub async fn list(app: &App, ctx: &Ctx, page: PageRequest) -> Result<Page<RecurringView>, AppError> {
    ctx.require(Permission::Read)?;
    let mut q = recurring_invoice::Entity::find().filter(recurring_invoice::Column::CompanyId.eq(ctx.company_id));
    if let Some(before) = page.before_id {
        q = q.filter(recurring_invoice::Column::Id.lt(before));
    }
    let rows = q.order_by_desc(recurring_invoice::Column::Id).limit(page.limit + 1).all(app.db.conn()).await?;
    Ok(Page::from_rows(rows, page.limit, |r| r.id, view))
}
