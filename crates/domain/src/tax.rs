//! Consumption tax under the qualified-invoice rules: one rounding per rate per invoice.

use crate::money::{MAX_AMOUNT, Yen};
use crate::quantity::Quantity;
use crate::rounding::RoundingMode;
use crate::withholding::withholding_tax;
use serde::{Deserialize, Serialize};
use std::str::FromStr;

/// The tax category of a line (税率区分).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum TaxRate {
    /// 10% standard rate.
    #[serde(rename = "10")]
    Standard10,
    /// 8% reduced rate (軽減税率), marked ※ on documents.
    #[serde(rename = "8")]
    Reduced8,
    /// 0% (e.g. export 免税).
    #[serde(rename = "0")]
    Zero,
    /// 非課税.
    #[serde(rename = "exempt")]
    Exempt,
    /// 不課税 / 対象外 (e.g. 立替金).
    #[serde(rename = "out_of_scope")]
    OutOfScope,
}

impl TaxRate {
    /// Every rate, in the order the API lists a breakdown.
    pub const ALL: [TaxRate; 5] =
        [TaxRate::Standard10, TaxRate::Reduced8, TaxRate::Zero, TaxRate::Exempt, TaxRate::OutOfScope];

    /// The API and database code: `"10"`, `"8"`, `"0"`, `"exempt"`, `"out_of_scope"`.
    pub fn code(self) -> &'static str {
        match self {
            TaxRate::Standard10 => "10",
            TaxRate::Reduced8 => "8",
            TaxRate::Zero => "0",
            TaxRate::Exempt => "exempt",
            TaxRate::OutOfScope => "out_of_scope",
        }
    }

    /// The rate in percent, for the categories that carry tax.
    pub fn percent(self) -> i128 {
        match self {
            TaxRate::Standard10 => 10,
            TaxRate::Reduced8 => 8,
            _ => 0,
        }
    }

    /// True for the reduced rate, which documents must mark.
    pub fn is_reduced(self) -> bool {
        self == TaxRate::Reduced8
    }
}

impl FromStr for TaxRate {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        TaxRate::ALL.into_iter().find(|r| r.code() == s).ok_or_else(|| {
            format!("tax_rate must be one of \"10\", \"8\", \"0\", \"exempt\", \"out_of_scope\" (got {s:?})")
        })
    }
}

/// One invoice line as the tax computation needs it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LineInput {
    /// How many units.
    pub quantity: Quantity,
    /// Price of one unit, tax-exclusive or tax-inclusive as the invoice says.
    pub unit_price: Yen,
    /// Tax category.
    pub rate: TaxRate,
}

/// The per-rate figures printed on a qualified invoice.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct RateTotal {
    /// Tax category.
    pub rate: TaxRate,
    /// Amount of this rate excluding tax.
    pub taxable_amount: Yen,
    /// Tax of this rate, rounded once.
    pub tax: Yen,
    /// `taxable_amount + tax`.
    pub amount_including_tax: Yen,
}

/// Every amount of an invoice, derived from its lines.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InvoiceTotals {
    /// Each line's amount (quantity × unit price, rounded to the yen), in line order.
    pub line_amounts: Vec<Yen>,
    /// One entry per rate present, in [`TaxRate::ALL`] order.
    pub breakdown: Vec<RateTotal>,
    /// Σ taxable amounts.
    pub subtotal: Yen,
    /// Σ per-rate tax.
    pub tax_total: Yen,
    /// `subtotal + tax_total`.
    pub total: Yen,
    /// 源泉徴収税額 (zero without withholding).
    pub withholding_tax: Yen,
    /// `total − withholding_tax`.
    pub amount_due: Yen,
}

/// Why a set of lines cannot be totalled.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TotalsError {
    /// A line's amount is beyond what the system accepts.
    #[error("line {0}: amount is too large")]
    LineTooLarge(usize),
    /// The invoice adds up to more than the system accepts.
    #[error("invoice total is too large")]
    TotalTooLarge,
    /// Discount lines took a rate's total below zero.
    #[error("the lines at rate {0} add up to less than zero")]
    NegativeRateTotal(&'static str),
}

/// Line amount = quantity × unit price, rounded to the yen by `mode`.
pub fn line_amount(line: &LineInput, mode: RoundingMode) -> Option<Yen> {
    let raw = line.quantity.scaled() as i128 * line.unit_price.get() as i128;
    let amount = mode.div(raw, Quantity::scale() as i128);
    (amount.abs() <= MAX_AMOUNT as i128).then_some(Yen(amount as i64))
}

/// Computes lines, per-rate tax, totals and withholding of one invoice.
///
/// Tax is computed once per rate from that rate's total (never per line), as the
/// qualified-invoice rules require (新消令70の10): exclusive prices
/// `round(S × r / 100)`, inclusive prices `round(S × r / (100 + r))`.
pub fn compute_totals(
    lines: &[LineInput],
    prices_include_tax: bool,
    mode: RoundingMode,
    withholding: bool,
) -> Result<InvoiceTotals, TotalsError> {
    let mut line_amounts = Vec::with_capacity(lines.len());
    let mut per_rate = [0i128; 5];
    let mut present = [false; 5];
    for (i, line) in lines.iter().enumerate() {
        let amount = line_amount(line, mode).ok_or(TotalsError::LineTooLarge(i))?;
        line_amounts.push(amount);
        let idx = TaxRate::ALL.iter().position(|r| *r == line.rate).unwrap_or(0);
        per_rate[idx] += amount.get() as i128;
        present[idx] = true;
    }
    let mut breakdown = Vec::new();
    for (idx, rate) in TaxRate::ALL.into_iter().enumerate() {
        if !present[idx] {
            continue;
        }
        let sum = per_rate[idx];
        if sum < 0 {
            return Err(TotalsError::NegativeRateTotal(rate.code()));
        }
        if sum > MAX_AMOUNT as i128 {
            return Err(TotalsError::TotalTooLarge);
        }
        let r = rate.percent();
        let (taxable, tax) = if r == 0 {
            (sum, 0)
        } else if prices_include_tax {
            let tax = mode.div(sum * r, 100 + r);
            (sum - tax, tax)
        } else {
            (sum, mode.div(sum * r, 100))
        };
        breakdown.push(RateTotal {
            rate,
            taxable_amount: Yen(taxable as i64),
            tax: Yen(tax as i64),
            amount_including_tax: Yen((taxable + tax) as i64),
        });
    }
    let subtotal: Yen = breakdown.iter().map(|b| b.taxable_amount).sum();
    let tax_total: Yen = breakdown.iter().map(|b| b.tax).sum();
    let total = subtotal + tax_total;
    if total.get() > MAX_AMOUNT {
        return Err(TotalsError::TotalTooLarge);
    }
    let withholding_tax = if withholding { withholding_tax(subtotal) } else { Yen::ZERO };
    Ok(InvoiceTotals {
        line_amounts,
        breakdown,
        subtotal,
        tax_total,
        total,
        withholding_tax,
        amount_due: total - withholding_tax,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn line(qty: &str, price: i64, rate: TaxRate) -> LineInput {
        LineInput { quantity: qty.parse().unwrap(), unit_price: Yen(price), rate }
    }

    /// japan-rules.md §1.4: 3 lines at 10%, 2 at 8%, tax-exclusive, truncation.
    #[test]
    fn worked_example_exclusive() {
        let lines = [
            line("1", 12345, TaxRate::Standard10),
            line("3", 2263, TaxRate::Standard10),
            line("1", 2555, TaxRate::Standard10),
            line("1", 4321, TaxRate::Reduced8),
            line("1", 1999, TaxRate::Reduced8),
        ];
        let t = compute_totals(&lines, false, RoundingMode::Truncate, false).unwrap();
        assert_eq!(t.line_amounts, vec![Yen(12345), Yen(6789), Yen(2555), Yen(4321), Yen(1999)]);
        assert_eq!(t.breakdown.len(), 2);
        assert_eq!(t.breakdown[0].rate, TaxRate::Standard10);
        assert_eq!(t.breakdown[0].taxable_amount, Yen(21689));
        assert_eq!(t.breakdown[0].tax, Yen(2168));
        assert_eq!(t.breakdown[1].rate, TaxRate::Reduced8);
        assert_eq!(t.breakdown[1].taxable_amount, Yen(6320));
        assert_eq!(t.breakdown[1].tax, Yen(505));
        assert_eq!(t.subtotal, Yen(28009));
        assert_eq!(t.tax_total, Yen(2673));
        assert_eq!(t.total, Yen(30682));
        assert_eq!(t.amount_due, Yen(30682));
    }

    /// §1.4, inclusive: 23,857 at 10% and 6,825 at 8% give the same tax.
    #[test]
    fn worked_example_inclusive() {
        let lines = [line("1", 23857, TaxRate::Standard10), line("1", 6825, TaxRate::Reduced8)];
        let t = compute_totals(&lines, true, RoundingMode::Truncate, false).unwrap();
        assert_eq!(t.breakdown[0].tax, Yen(2168));
        assert_eq!(t.breakdown[0].taxable_amount, Yen(23857 - 2168));
        assert_eq!(t.breakdown[0].amount_including_tax, Yen(23857));
        assert_eq!(t.breakdown[1].tax, Yen(505));
        assert_eq!(t.breakdown[1].amount_including_tax, Yen(6825));
        assert_eq!(t.total, Yen(23857 + 6825));
    }

    /// §3.3: 150,000 at 10% with withholding.
    #[test]
    fn freelancer_invoice_with_withholding() {
        let t =
            compute_totals(&[line("1", 150_000, TaxRate::Standard10)], false, RoundingMode::Truncate, true).unwrap();
        assert_eq!(t.tax_total, Yen(15_000));
        assert_eq!(t.total, Yen(165_000));
        assert_eq!(t.withholding_tax, Yen(15_315));
        assert_eq!(t.amount_due, Yen(149_685));
    }

    #[test]
    fn rounding_modes_differ_only_in_the_fraction() {
        let lines = [line("1", 21689, TaxRate::Standard10)];
        let tax = |m| compute_totals(&lines, false, m, false).unwrap().tax_total;
        assert_eq!(tax(RoundingMode::Truncate), Yen(2168));
        assert_eq!(tax(RoundingMode::HalfUp), Yen(2169));
        assert_eq!(tax(RoundingMode::Ceil), Yen(2169));
    }

    #[test]
    fn line_amount_rounds_fractional_quantities() {
        let l = line("1.5", 8801, TaxRate::Standard10); // 13201.5
        assert_eq!(line_amount(&l, RoundingMode::Truncate), Some(Yen(13201)));
        assert_eq!(line_amount(&l, RoundingMode::HalfUp), Some(Yen(13202)));
        assert_eq!(line_amount(&l, RoundingMode::Ceil), Some(Yen(13202)));
    }

    #[test]
    fn untaxed_categories_carry_no_tax() {
        let lines =
            [line("1", 1000, TaxRate::Zero), line("1", 2000, TaxRate::Exempt), line("1", 3000, TaxRate::OutOfScope)];
        let t = compute_totals(&lines, false, RoundingMode::Ceil, false).unwrap();
        assert_eq!(t.tax_total, Yen(0));
        assert_eq!(t.total, Yen(6000));
        let codes: Vec<_> = t.breakdown.iter().map(|b| b.rate.code()).collect();
        assert_eq!(codes, ["0", "exempt", "out_of_scope"]);
    }

    #[test]
    fn discounts_may_not_make_a_rate_negative() {
        let lines = [line("1", 100, TaxRate::Standard10), line("1", -500, TaxRate::Standard10)];
        assert_eq!(
            compute_totals(&lines, false, RoundingMode::Truncate, false),
            Err(TotalsError::NegativeRateTotal("10"))
        );
    }

    #[test]
    fn empty_invoice_is_zero() {
        let t = compute_totals(&[], false, RoundingMode::Truncate, true).unwrap();
        assert!(t.breakdown.is_empty());
        assert_eq!(t.total, Yen(0));
        assert_eq!(t.withholding_tax, Yen(0));
    }

    fn arb_rate() -> impl Strategy<Value = TaxRate> {
        prop::sample::select(TaxRate::ALL.to_vec())
    }

    fn arb_mode() -> impl Strategy<Value = RoundingMode> {
        prop::sample::select(vec![RoundingMode::Truncate, RoundingMode::HalfUp, RoundingMode::Ceil])
    }

    fn arb_line() -> impl Strategy<Value = LineInput> {
        (0i64..=1_000_000, 0i64..=5_000_000, arb_rate()).prop_map(|(q, p, rate)| LineInput {
            quantity: Quantity::from_scaled(q).unwrap(),
            unit_price: Yen(p),
            rate,
        })
    }

    proptest! {
        #[test]
        fn totals_are_consistent(
            lines in prop::collection::vec(arb_line(), 1..=50),
            inclusive in any::<bool>(),
            mode in arb_mode(),
            withholding in any::<bool>(),
        ) {
            let t = compute_totals(&lines, inclusive, mode, withholding).unwrap();
            prop_assert_eq!(t.total, t.subtotal + t.tax_total);
            prop_assert_eq!(t.amount_due, t.total - t.withholding_tax);
            prop_assert_eq!(t.line_amounts.len(), lines.len());
            // Each rate's tax is computed once, from that rate's own total.
            for b in &t.breakdown {
                let sum: i128 = lines.iter().zip(&t.line_amounts)
                    .filter(|(l, _)| l.rate == b.rate)
                    .map(|(_, a)| a.get() as i128).sum();
                let r = b.rate.percent();
                let expected_tax = if r == 0 { 0 } else if inclusive { mode.div(sum * r, 100 + r) } else { mode.div(sum * r, 100) };
                prop_assert_eq!(b.tax.get() as i128, expected_tax);
                prop_assert_eq!(b.amount_including_tax, b.taxable_amount + b.tax);
                if inclusive { prop_assert_eq!(b.amount_including_tax.get() as i128, sum); }
                else { prop_assert_eq!(b.taxable_amount.get() as i128, sum); }
                prop_assert!(b.tax.get() >= 0);
            }
            // One breakdown entry per rate present, in canonical order.
            let codes: Vec<_> = t.breakdown.iter().map(|b| b.rate).collect();
            let mut sorted = codes.clone();
            sorted.sort();
            sorted.dedup();
            prop_assert_eq!(codes, sorted);
        }
    }
}
