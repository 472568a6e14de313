//! Rounding of a fraction to whole yen, by the company's chosen mode.

use serde::{Deserialize, Serialize};
use std::str::FromStr;

/// How a fractional yen amount becomes whole yen (端数処理).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
pub enum RoundingMode {
    /// 切り捨て: drop the fraction (the common default).
    #[default]
    #[serde(rename = "truncate")]
    Truncate,
    /// 四捨五入: half up.
    #[serde(rename = "round")]
    HalfUp,
    /// 切り上げ: any fraction makes the next yen.
    #[serde(rename = "ceil")]
    Ceil,
}

impl RoundingMode {
    /// The code used in the API and the database.
    pub fn code(self) -> &'static str {
        match self {
            RoundingMode::Truncate => "truncate",
            RoundingMode::HalfUp => "round",
            RoundingMode::Ceil => "ceil",
        }
    }

    /// Divides `numerator / denominator` (denominator > 0) and rounds the quotient.
    ///
    /// Negative amounts (discount lines) are rounded on their magnitude, so a discount is
    /// treated exactly like the charge it mirrors: −2.5 truncates to −2, rounds to −3.
    pub fn div(self, numerator: i128, denominator: i128) -> i128 {
        debug_assert!(denominator > 0);
        let negative = numerator < 0;
        let n = numerator.unsigned_abs();
        let d = denominator as u128;
        let q = n / d;
        let r = n % d;
        let magnitude = match self {
            RoundingMode::Truncate => q,
            RoundingMode::HalfUp => {
                if r * 2 >= d {
                    q + 1
                } else {
                    q
                }
            }
            RoundingMode::Ceil => {
                if r > 0 {
                    q + 1
                } else {
                    q
                }
            }
        } as i128;
        if negative { -magnitude } else { magnitude }
    }
}

impl FromStr for RoundingMode {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "truncate" => Ok(RoundingMode::Truncate),
            "round" => Ok(RoundingMode::HalfUp),
            "ceil" => Ok(RoundingMode::Ceil),
            other => Err(format!("unknown rounding mode {other:?}")),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::RoundingMode::*;

    #[test]
    fn rounds_positive_fractions() {
        assert_eq!(Truncate.div(21689 * 10, 100), 2168);
        assert_eq!(HalfUp.div(21689 * 10, 100), 2169);
        assert_eq!(Ceil.div(21689 * 10, 100), 2169);
        assert_eq!(HalfUp.div(25, 10), 3);
        assert_eq!(HalfUp.div(24, 10), 2);
        assert_eq!(Ceil.div(20, 10), 2);
    }

    #[test]
    fn rounds_negative_amounts_on_their_magnitude() {
        assert_eq!(Truncate.div(-25, 10), -2);
        assert_eq!(HalfUp.div(-25, 10), -3);
        assert_eq!(Ceil.div(-21, 10), -3);
    }
}
