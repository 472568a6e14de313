//! 適格請求書発行事業者の登録番号: `T` + 13 digits.

use std::fmt;
use std::str::FromStr;

/// A registration number of the right shape; whether its check digit matches is kept as a
/// flag, because NTA numbers of sole proprietors are not confirmed to follow the 法人番号
/// check digit, so a mismatch is a warning, not a rejection.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct RegistrationNumber(String);

/// The string is not `T` followed by 13 digits.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("registration number must be \"T\" followed by 13 digits")]
pub struct MalformedRegistrationNumber;

impl RegistrationNumber {
    /// The number as printed, e.g. `T7120001168421`.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// True when the first digit is the 法人番号 check digit of the other twelve.
    pub fn check_digit_valid(&self) -> bool {
        let digits: Vec<u32> = self.0[1..].chars().filter_map(|c| c.to_digit(10)).collect();
        check_digit(&digits[1..]) == digits[0]
    }
}

/// 法人番号 check digit: 9 − (Σ Pn × Qn mod 9), P1 the rightmost base digit,
/// Qn = 1 for odd n and 2 for even n (NTA checkdigit.pdf).
fn check_digit(base: &[u32]) -> u32 {
    let sum: u32 = base.iter().rev().enumerate().map(|(i, d)| d * if i % 2 == 0 { 1 } else { 2 }).sum();
    9 - sum % 9
}

impl FromStr for RegistrationNumber {
    type Err = MalformedRegistrationNumber;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let b = s.as_bytes();
        if b.len() == 14 && b[0] == b'T' && b[1..].iter().all(u8::is_ascii_digit) {
            Ok(RegistrationNumber(s.to_owned()))
        } else {
            Err(MalformedRegistrationNumber)
        }
    }
}

impl fmt::Display for RegistrationNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn valid(s: &str) -> bool {
        s.parse::<RegistrationNumber>().unwrap().check_digit_valid()
    }

    /// Test vectors of japan-rules.md §1.2.
    #[test]
    fn published_numbers_have_valid_check_digits() {
        assert!(valid("T5835678256246"));
        assert!(valid("T1180301018771"));
        assert!(valid("T7000012050002"));
        assert!(valid("T7120001168421"));
        assert!(valid("T9011101097073"));
    }

    #[test]
    fn wrong_check_digit_is_flagged_not_rejected() {
        assert!(!valid("T2835678256246"));
    }

    #[test]
    fn malformed_numbers_are_rejected() {
        for s in ["", "T123", "7120001168421", "t7120001168421", "T712000116842X", "T71200011684210", "Ｔ7120001168421"]
        {
            assert!(s.parse::<RegistrationNumber>().is_err(), "{s}");
        }
    }
}
