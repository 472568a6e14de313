//! 売上げに係る対価の返還等 (credit notes, `japan-rules.md` §1.7, §1.9): how a returned
//! amount divides over the rates of the sale it returns, and when a document is owed.

use crate::money::Yen;
use crate::rounding::RoundingMode;
use crate::tax::RateTotal;
use serde::{Deserialize, Serialize};
use std::str::FromStr;

/// Under this amount including tax no 適格返還請求書 is required (消法57の4③, 消令70の9③二);
/// the adjustment is recorded all the same.
pub const DOCUMENT_THRESHOLD: i64 = 10_000;

/// The shortfall taken as a deducted 振込手数料 when the customer sets none: a global cap as
/// §5.5 suggests, above every interbank fee the large banks charge.
pub const DEFAULT_FEE_TOLERANCE: i64 = 1_000;

/// True when a 返還等 of `total` (including tax) needs its own document.
pub fn document_required(total: Yen) -> bool {
    total.get() >= DOCUMENT_THRESHOLD
}

/// What a credit note is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CreditKind {
    /// 返品.
    Return,
    /// 値引き (also 割戻し).
    Discount,
    /// The 振込手数料 a customer deducted, booked as 売上値引.
    TransferFee,
}

impl CreditKind {
    /// The API and database code.
    pub fn code(self) -> &'static str {
        match self {
            CreditKind::Return => "return",
            CreditKind::Discount => "discount",
            CreditKind::TransferFee => "transfer_fee",
        }
    }

    /// 返品 / 値引き / 振込手数料.
    pub fn label_ja(self) -> &'static str {
        match self {
            CreditKind::Return => "返品",
            CreditKind::Discount => "値引き",
            CreditKind::TransferFee => "振込手数料",
        }
    }
}

impl FromStr for CreditKind {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "return" => Ok(CreditKind::Return),
            "discount" => Ok(CreditKind::Discount),
            "transfer_fee" => Ok(CreditKind::TransferFee),
            _ => Err("expected return, discount or transfer_fee".into()),
        }
    }
}

/// How a deducted transfer fee is booked, per customer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FeeBooking {
    /// 売上値引 at the rates of the invoice paid (a credit note; no document under ¥10,000).
    #[default]
    Discount,
    /// 支払手数料, the seller's own expense: the invoice counts as paid in full.
    Expense,
}

impl FeeBooking {
    /// The API and database code.
    pub fn code(self) -> &'static str {
        match self {
            FeeBooking::Discount => "discount",
            FeeBooking::Expense => "expense",
        }
    }
}

impl FromStr for FeeBooking {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "discount" => Ok(FeeBooking::Discount),
            "expense" => Ok(FeeBooking::Expense),
            _ => Err("expected discount or expense".into()),
        }
    }
}

/// Divides `amount` (including tax) over the rates of `sale` in proportion to each rate's
/// amount including tax, so that a discount on 8% goods is an 8% discount; the parts add up
/// to `amount` exactly (largest remainder), and each part's tax is rounded once, inclusive:
/// `round(part × r / (100 + r))`.
pub fn split_by_rate(amount: Yen, sale: &[RateTotal], mode: RoundingMode) -> Vec<RateTotal> {
    let weights: Vec<i128> = sale.iter().map(|r| r.amount_including_tax.get().max(0) as i128).collect();
    let whole: i128 = weights.iter().sum();
    if amount.get() <= 0 || whole == 0 {
        return vec![];
    }
    let a = amount.get() as i128;
    let mut parts: Vec<i128> = weights.iter().map(|w| a * w / whole).collect();
    let mut left = a - parts.iter().sum::<i128>();
    let mut order: Vec<usize> = (0..weights.len()).collect();
    order.sort_by_key(|&i| (std::cmp::Reverse((a * weights[i]) % whole), i));
    for i in order {
        if left == 0 {
            break;
        }
        if weights[i] > 0 {
            parts[i] += 1;
            left -= 1;
        }
    }
    sale.iter()
        .zip(parts)
        .filter(|(_, p)| *p > 0)
        .map(|(r, p)| {
            let pct = r.rate.percent();
            let tax = if pct == 0 { 0 } else { mode.div(p * pct, 100 + pct) };
            RateTotal {
                rate: r.rate,
                taxable_amount: Yen((p - tax) as i64),
                tax: Yen(tax as i64),
                amount_including_tax: Yen(p as i64),
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tax::TaxRate;

    fn rate(rate: TaxRate, incl: i64) -> RateTotal {
        RateTotal { rate, taxable_amount: Yen(0), tax: Yen(0), amount_including_tax: Yen(incl) }
    }

    #[test]
    fn a_fee_on_a_single_rate_sale_takes_that_rate() {
        let got = split_by_rate(Yen(440), &[rate(TaxRate::Reduced8, 10_800)], RoundingMode::Truncate);
        assert_eq!(got.len(), 1);
        assert_eq!(got[0].rate, TaxRate::Reduced8);
        // 440 × 8 / 108 = 32.59 → 32.
        assert_eq!((got[0].taxable_amount.get(), got[0].tax.get(), got[0].amount_including_tax.get()), (408, 32, 440));
    }

    #[test]
    fn mixed_rates_share_the_amount_in_proportion_and_add_up_exactly() {
        let sale = [rate(TaxRate::Standard10, 22_000), rate(TaxRate::Reduced8, 10_800)];
        let got = split_by_rate(Yen(660), &sale, RoundingMode::Truncate);
        let sum: i64 = got.iter().map(|r| r.amount_including_tax.get()).sum();
        assert_eq!(sum, 660);
        // 660 × 22000 / 32800 = 442.68 → 443 (largest remainder), 660 − 443 = 217.
        assert_eq!(got[0].amount_including_tax.get(), 443);
        assert_eq!(got[1].amount_including_tax.get(), 217);
        assert_eq!(got[0].tax.get(), 40); // 443 × 10 / 110 = 40.27
        assert_eq!(got[1].tax.get(), 16); // 217 × 8 / 108 = 16.07
    }

    #[test]
    fn untaxed_categories_carry_no_tax_and_rounding_mode_is_the_companys() {
        let sale = [rate(TaxRate::Standard10, 1_100), rate(TaxRate::Exempt, 1_100)];
        let got = split_by_rate(Yen(101), &sale, RoundingMode::Ceil);
        assert_eq!(got.iter().map(|r| r.amount_including_tax.get()).sum::<i64>(), 101);
        let exempt = got.iter().find(|r| r.rate == TaxRate::Exempt).unwrap();
        assert_eq!(exempt.tax.get(), 0);
        let ten = got.iter().find(|r| r.rate == TaxRate::Standard10).unwrap();
        assert_eq!(ten.tax.get(), (ten.amount_including_tax.get() * 10 + 109) / 110);
    }

    #[test]
    fn nothing_to_split_gives_nothing() {
        assert!(split_by_rate(Yen(0), &[rate(TaxRate::Standard10, 100)], RoundingMode::Truncate).is_empty());
        assert!(split_by_rate(Yen(100), &[], RoundingMode::Truncate).is_empty());
    }

    #[test]
    fn the_document_threshold_is_ten_thousand_yen_including_tax() {
        assert!(!document_required(Yen(9_999)));
        assert!(document_required(Yen(10_000)));
    }
}
