//! Money in integer yen.

use serde::{Deserialize, Serialize};
use std::fmt;

/// An amount in Japanese yen; yen have no minor unit, so this is an exact integer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Yen(pub i64);

/// Largest amount the system accepts anywhere (one trillion yen): keeps every product
/// with a quantity or a rate far inside `i64`/`i128`.
pub const MAX_AMOUNT: i64 = 1_000_000_000_000;

impl Yen {
    /// Zero yen.
    pub const ZERO: Yen = Yen(0);

    /// The raw integer.
    pub fn get(self) -> i64 {
        self.0
    }

    /// Sum that reports overflow instead of wrapping.
    pub fn checked_add(self, other: Yen) -> Option<Yen> {
        self.0.checked_add(other.0).map(Yen)
    }

    /// Difference that reports overflow instead of wrapping.
    pub fn checked_sub(self, other: Yen) -> Option<Yen> {
        self.0.checked_sub(other.0).map(Yen)
    }

    /// Formats as Japanese documents print it: `¥1,234,567`.
    pub fn display_jp(self) -> String {
        let digits = self.0.unsigned_abs().to_string();
        let mut out = String::with_capacity(digits.len() + 4);
        for (i, ch) in digits.chars().enumerate() {
            if i > 0 && (digits.len() - i).is_multiple_of(3) {
                out.push(',');
            }
            out.push(ch);
        }
        if self.0 < 0 { format!("-¥{out}") } else { format!("¥{out}") }
    }
}

impl fmt::Display for Yen {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.display_jp())
    }
}

impl std::ops::Add for Yen {
    type Output = Yen;
    fn add(self, rhs: Yen) -> Yen {
        Yen(self.0 + rhs.0)
    }
}

impl std::ops::Sub for Yen {
    type Output = Yen;
    fn sub(self, rhs: Yen) -> Yen {
        Yen(self.0 - rhs.0)
    }
}

impl std::iter::Sum for Yen {
    fn sum<I: Iterator<Item = Yen>>(iter: I) -> Yen {
        Yen(iter.map(|y| y.0).sum())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn displays_with_thousands_separators() {
        assert_eq!(Yen(0).display_jp(), "¥0");
        assert_eq!(Yen(999).display_jp(), "¥999");
        assert_eq!(Yen(1000).display_jp(), "¥1,000");
        assert_eq!(Yen(30682).display_jp(), "¥30,682");
        assert_eq!(Yen(1234567).display_jp(), "¥1,234,567");
        assert_eq!(Yen(-15315).display_jp(), "-¥15,315");
    }

    #[test]
    fn checked_arithmetic_reports_overflow() {
        assert_eq!(Yen(i64::MAX).checked_add(Yen(1)), None);
        assert_eq!(Yen(5).checked_sub(Yen(7)), Some(Yen(-2)));
    }
}
