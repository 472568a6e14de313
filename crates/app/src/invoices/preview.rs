//! The editor's live figures: the lines typed so far, priced with the company's rounding,
//! without saving anything. Lines not yet complete are left out and named.

use super::input::LineInputDto;
use crate::App;
use crate::company;
use crate::context::Ctx;
use crate::error::AppError;
use invoicepilot_domain::{
    InvoiceTotals, LineInput, Permission, Quantity, TaxRate, Yen, compute_totals, money::MAX_AMOUNT,
};

/// The figures of an unsaved invoice.
#[derive(Debug, Clone)]
pub struct Preview {
    /// Per line: its amount, or `None` while the line is incomplete or invalid.
    pub line_amounts: Vec<Option<Yen>>,
    /// The totals of the complete lines.
    pub totals: InvoiceTotals,
    /// 1-based numbers of the lines left out.
    pub incomplete: Vec<usize>,
}

fn parse_line(l: &LineInputDto) -> Option<LineInput> {
    let quantity: Quantity = match &l.quantity {
        Some(super::QuantityValue::Text(s)) => s.trim().parse().ok()?,
        Some(super::QuantityValue::Number(n)) => n.to_string().parse().ok()?,
        None => return None,
    };
    let unit_price = l.unit_price.filter(|p| p.unsigned_abs() <= MAX_AMOUNT as u64)?;
    let rate: TaxRate = l.tax_rate.as_deref()?.parse().ok()?;
    Some(LineInput { quantity, unit_price: Yen(unit_price), rate })
}

/// Prices `lines` as the company would; never writes.
pub async fn preview(
    app: &App,
    ctx: &Ctx,
    lines: &[LineInputDto],
    prices_include_tax: bool,
    withholding: bool,
) -> Result<Preview, AppError> {
    ctx.require(Permission::ManageInvoices)?;
    let settings = company::load(app, ctx.company_id).await?;
    let parsed: Vec<Option<LineInput>> = lines.iter().map(parse_line).collect();
    let complete: Vec<LineInput> = parsed.iter().flatten().copied().collect();
    let totals = compute_totals(&complete, prices_include_tax, settings.rounding, withholding)
        .map_err(|e| AppError::field("lines", "invalid", e.to_string()))?;
    let mut amounts = totals.line_amounts.iter().copied();
    let line_amounts = parsed.iter().map(|p| p.as_ref().and_then(|_| amounts.next())).collect();
    let incomplete =
        parsed.iter().enumerate().filter(|(i, p)| p.is_none() && !is_blank(&lines[*i])).map(|(i, _)| i + 1).collect();
    Ok(Preview { line_amounts, totals, incomplete })
}

/// A row the user has not started typing in.
pub fn is_blank(l: &LineInputDto) -> bool {
    l.description.as_deref().is_none_or(|s| s.trim().is_empty())
        && l.unit_price.is_none()
        && match &l.quantity {
            None => true,
            Some(super::QuantityValue::Text(s)) => s.trim().is_empty(),
            Some(super::QuantityValue::Number(_)) => false,
        }
}
