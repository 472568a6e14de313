//! The invoice request body and its validation into a priced draft.

use crate::company::CompanySettings;
use crate::error::AppError;
use crate::input::Checker;
use chrono::NaiveDate;
use invoicepilot_domain::{
    BusinessCalendar, InvoiceTotals, LineInput, PaymentTerms, Quantity, TaxRate, Yen, compute_totals, limits,
    money::MAX_AMOUNT,
};
use serde::Deserialize;
use utoipa::ToSchema;

/// A quantity as sent: a decimal string (`"1.5"`) or, leniently, a JSON number.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(untagged)]
pub enum QuantityValue {
    /// `"1.5"`.
    Text(String),
    /// `1.5`.
    #[schema(value_type = f64)]
    Number(serde_json::Number),
}

impl QuantityValue {
    fn as_text(&self) -> String {
        match self {
            QuantityValue::Text(s) => s.clone(),
            QuantityValue::Number(n) => n.to_string(),
        }
    }
}

/// One line of a request.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LineInputDto {
    /// 品目 (required).
    #[schema(required = true, nullable = false)]
    pub description: Option<String>,
    /// Decimal string, ≥ 0, at most 4 decimals (required).
    #[schema(example = "1.5", required = true, nullable = false)]
    pub quantity: Option<QuantityValue>,
    /// 単位: 個, 時間, 式 … (required).
    #[schema(required = true, nullable = false)]
    pub unit: Option<String>,
    /// 単価 in yen (required; negative for a discount line).
    #[schema(required = true, nullable = false)]
    pub unit_price: Option<i64>,
    /// `"10"`, `"8"`, `"0"`, `"exempt"` or `"out_of_scope"` (required).
    #[schema(required = true, nullable = false, value_type = String, pattern = "^(10|8|0|exempt|out_of_scope)$")]
    pub tax_rate: Option<String>,
    /// Read-only, ignored.
    #[serde(default)]
    #[schema(value_type = Option<i64>, read_only)]
    pub amount: Option<serde_json::Value>,
}

/// Body of `POST`/`PUT /api/v1/invoices`.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct InvoiceInput {
    /// The customer (required).
    #[schema(required = true, nullable = false)]
    pub customer_id: Option<i64>,
    /// Default: today in the company's time zone.
    pub issue_date: Option<String>,
    /// Default: from the customer's or company's payment terms.
    pub due_date: Option<String>,
    /// Unit prices include tax (default false).
    pub prices_include_tax: Option<bool>,
    /// 源泉徴収 (default: the company's setting).
    pub withholding: Option<bool>,
    /// 備考.
    pub notes: Option<String>,
    /// The lines (required; may be empty on a draft).
    #[schema(required = true, nullable = false)]
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

/// A validated line.
#[derive(Debug, Clone)]
pub struct ValidLine {
    pub description: String,
    pub quantity: Quantity,
    pub unit: String,
    pub unit_price: Yen,
    pub rate: TaxRate,
}

/// A validated, priced draft.
#[derive(Debug, Clone)]
pub struct ValidDraft {
    pub customer_id: i64,
    pub issue_date: NaiveDate,
    pub explicit_due_date: Option<NaiveDate>,
    pub prices_include_tax: bool,
    pub withholding: bool,
    pub notes: Option<String>,
    pub lines: Vec<ValidLine>,
    pub totals: InvoiceTotals,
}

impl ValidDraft {
    /// The due date: explicit, else from terms.
    pub fn due_date(&self, terms: &PaymentTerms) -> NaiveDate {
        self.explicit_due_date.unwrap_or_else(|| terms.due_date(self.issue_date, &BusinessCalendar::default()))
    }
}

/// Recomputes totals of validated lines with a company's rounding.
pub fn price(
    lines: &[ValidLine],
    inclusive: bool,
    settings: &CompanySettings,
    withholding: bool,
) -> Result<InvoiceTotals, AppError> {
    let inputs: Vec<LineInput> =
        lines.iter().map(|l| LineInput { quantity: l.quantity, unit_price: l.unit_price, rate: l.rate }).collect();
    compute_totals(&inputs, inclusive, settings.rounding, withholding)
        .map_err(|e| AppError::field("lines", "invalid", e.to_string()))
}

/// Checks entered lines, naming each bad field `lines[i].field`.
pub fn validate_lines(c: &mut Checker, lines_in: Vec<LineInputDto>) -> Vec<ValidLine> {
    let mut lines = Vec::with_capacity(lines_in.len());
    for (i, l) in lines_in.into_iter().enumerate() {
        let p = |f: &str| format!("lines[{i}].{f}");
        let description = c.required_text(&p("description"), l.description, limits::DESCRIPTION);
        let quantity = c
            .required(&p("quantity"), l.quantity)
            .and_then(|q| c.parse(&p("quantity"), q.as_text().parse::<Quantity>()));
        let unit = c.required_text(&p("unit"), l.unit, limits::UNIT);
        let unit_price = c.required(&p("unit_price"), l.unit_price);
        // `unsigned_abs`: `i64::MIN.abs()` overflows (a panic in debug, a wrong pass in release).
        if unit_price.is_some_and(|u| u.unsigned_abs() > MAX_AMOUNT as u64) {
            c.push(p("unit_price"), "out_of_range", "unit_price is too large");
        }
        let rate = c.required(&p("tax_rate"), l.tax_rate).and_then(|r| c.parse(&p("tax_rate"), r.parse::<TaxRate>()));
        if let (Some(description), Some(quantity), Some(unit), Some(unit_price), Some(rate)) =
            (description, quantity, unit, unit_price, rate)
        {
            lines.push(ValidLine { description, quantity, unit, unit_price: Yen(unit_price), rate });
        }
    }
    lines
}

/// Validates a request body against the company's settings.
pub fn validate(input: InvoiceInput, settings: &CompanySettings, today: NaiveDate) -> Result<ValidDraft, AppError> {
    let mut c = Checker::default();
    let customer_id = c.required("customer_id", input.customer_id);
    let issue_date = c.date("issue_date", input.issue_date.as_deref()).or(if input.issue_date.is_none() {
        Some(today)
    } else {
        None
    });
    let due = c.date("due_date", input.due_date.as_deref());
    if let (Some(i), Some(d)) = (issue_date, due)
        && d < i
    {
        c.push("due_date", "invalid", "due_date must not be before issue_date");
    }
    let notes = c.text("notes", input.notes, limits::NOTES);
    let lines_in = c.required("lines", input.lines).unwrap_or_default();
    if lines_in.len() > limits::LINES {
        c.push("lines", "too_long", format!("at most {} lines", limits::LINES));
    }
    let lines = validate_lines(&mut c, lines_in);
    let inclusive = input.prices_include_tax.unwrap_or(false);
    let withholding = input.withholding.unwrap_or(settings.model.withholding_default);
    let totals = if c.is_ok() {
        match price(&lines, inclusive, settings, withholding) {
            Ok(t) => Some(t),
            Err(AppError::Validation(errs)) => {
                for e in errs {
                    c.push(e.field, &e.code, e.message);
                }
                None
            }
            Err(e) => return Err(e),
        }
    } else {
        None
    };
    c.finish(|| ValidDraft {
        customer_id: customer_id.unwrap_or_default(),
        issue_date: issue_date.unwrap_or(today),
        explicit_due_date: due,
        prices_include_tax: inclusive,
        withholding,
        notes,
        lines,
        totals: totals.unwrap_or_else(|| InvoiceTotals {
            line_amounts: vec![],
            breakdown: vec![],
            subtotal: Yen::ZERO,
            tax_total: Yen::ZERO,
            total: Yen::ZERO,
            withholding_tax: Yen::ZERO,
            amount_due: Yen::ZERO,
        }),
    })
}
