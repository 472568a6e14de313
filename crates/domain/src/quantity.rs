//! Quantities: non-negative decimals such as `"1.5"` hours, exact to four places.

use std::fmt;
use std::str::FromStr;

/// Fractional digits a quantity may carry.
pub const QUANTITY_SCALE_DIGITS: u32 = 4;
const SCALE: i64 = 10_i64.pow(QUANTITY_SCALE_DIGITS);
/// Largest quantity accepted (one billion units).
const MAX_UNITS: i64 = 1_000_000_000;

/// A non-negative decimal quantity, stored as ten-thousandths so arithmetic is exact.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Quantity(i64);

/// Why a quantity string was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum QuantityError {
    /// Not a plain decimal number.
    #[error("quantity must be a decimal number such as \"1\" or \"1.5\"")]
    Malformed,
    /// Below zero.
    #[error("quantity must not be negative")]
    Negative,
    /// More than four digits after the point.
    #[error("quantity may have at most 4 digits after the decimal point")]
    TooPrecise,
    /// Larger than the system accepts.
    #[error("quantity is too large")]
    TooLarge,
}

impl Quantity {
    /// Builds a quantity from ten-thousandths (as stored).
    pub fn from_scaled(scaled: i64) -> Option<Quantity> {
        (0..=MAX_UNITS * SCALE).contains(&scaled).then_some(Quantity(scaled))
    }

    /// A whole number of units.
    pub fn from_units(units: i64) -> Option<Quantity> {
        units.checked_mul(SCALE).and_then(Quantity::from_scaled)
    }

    /// The stored representation, in ten-thousandths.
    pub fn scaled(self) -> i64 {
        self.0
    }

    /// Denominator of [`Quantity::scaled`].
    pub fn scale() -> i64 {
        SCALE
    }
}

impl FromStr for Quantity {
    type Err = QuantityError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let s = s.trim();
        if let Some(rest) = s.strip_prefix('-') {
            // One sign only, parsed once: a run of signs used to recurse twice per sign
            // (exponential time; found by the fuzz target).
            if rest.starts_with(['-', '+']) {
                return Err(QuantityError::Malformed);
            }
            return match rest.parse::<Quantity>() {
                Ok(q) if q.scaled() != 0 => Err(QuantityError::Negative),
                Ok(_) => Ok(Quantity(0)),
                Err(_) => Err(QuantityError::Malformed),
            };
        }
        let s = s.strip_prefix('+').unwrap_or(s);
        let (int_part, frac_part) = match s.split_once('.') {
            Some((i, f)) => (i, f),
            None => (s, ""),
        };
        if int_part.is_empty() && frac_part.is_empty() {
            return Err(QuantityError::Malformed);
        }
        if !int_part.chars().all(|c| c.is_ascii_digit())
            || !frac_part.chars().all(|c| c.is_ascii_digit())
            || (s.contains('.') && frac_part.is_empty() && int_part.is_empty())
        {
            return Err(QuantityError::Malformed);
        }
        let frac_trimmed = frac_part.trim_end_matches('0');
        if frac_trimmed.len() > QUANTITY_SCALE_DIGITS as usize {
            return Err(QuantityError::TooPrecise);
        }
        let int_trimmed = int_part.trim_start_matches('0');
        if int_trimmed.len() > 10 {
            return Err(QuantityError::TooLarge);
        }
        let units: i64 =
            if int_trimmed.is_empty() { 0 } else { int_trimmed.parse().map_err(|_| QuantityError::TooLarge)? };
        let mut frac: i64 = 0;
        for (i, ch) in frac_trimmed.chars().enumerate() {
            frac += (ch as i64 - '0' as i64) * 10_i64.pow(QUANTITY_SCALE_DIGITS - 1 - i as u32);
        }
        let scaled = units.checked_mul(SCALE).and_then(|v| v.checked_add(frac)).ok_or(QuantityError::TooLarge)?;
        Quantity::from_scaled(scaled).ok_or(QuantityError::TooLarge)
    }
}

impl fmt::Display for Quantity {
    /// Canonical form: no trailing zeros (`"1.5"`, `"3"`).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let units = self.0 / SCALE;
        let frac = self.0 % SCALE;
        if frac == 0 {
            write!(f, "{units}")
        } else {
            let digits = format!("{frac:0width$}", width = QUANTITY_SCALE_DIGITS as usize);
            write!(f, "{units}.{}", digits.trim_end_matches('0'))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Found by the fuzz target: each `-` doubled the work.
    #[test]
    fn a_run_of_signs_is_refused_at_once() {
        let many = format!("{}1", "-".repeat(64));
        assert_eq!(many.parse::<Quantity>(), Err(QuantityError::Malformed));
        assert_eq!("-+1".parse::<Quantity>(), Err(QuantityError::Malformed));
        assert_eq!("--1".parse::<Quantity>(), Err(QuantityError::Malformed));
        assert_eq!("-1".parse::<Quantity>(), Err(QuantityError::Negative));
        assert_eq!("-0.0".parse::<Quantity>().map(|q| q.scaled()), Ok(0));
    }
    use proptest::prelude::*;

    #[test]
    fn parses_plain_decimals() {
        assert_eq!("1".parse::<Quantity>().unwrap().scaled(), 10_000);
        assert_eq!("1.5".parse::<Quantity>().unwrap().scaled(), 15_000);
        assert_eq!("0.0001".parse::<Quantity>().unwrap().scaled(), 1);
        assert_eq!("2.50".parse::<Quantity>().unwrap().to_string(), "2.5");
        assert_eq!(".5".parse::<Quantity>().unwrap().to_string(), "0.5");
        assert_eq!("0".parse::<Quantity>().unwrap().to_string(), "0");
    }

    #[test]
    fn refuses_bad_quantities() {
        assert_eq!("-1".parse::<Quantity>(), Err(QuantityError::Negative));
        assert_eq!("abc".parse::<Quantity>(), Err(QuantityError::Malformed));
        assert_eq!("".parse::<Quantity>(), Err(QuantityError::Malformed));
        assert_eq!(".".parse::<Quantity>(), Err(QuantityError::Malformed));
        assert_eq!("1e3".parse::<Quantity>(), Err(QuantityError::Malformed));
        assert_eq!("1.00001".parse::<Quantity>(), Err(QuantityError::TooPrecise));
        assert_eq!("99999999999".parse::<Quantity>(), Err(QuantityError::TooLarge));
        assert_eq!("1,5".parse::<Quantity>(), Err(QuantityError::Malformed));
    }

    proptest! {
        #[test]
        fn display_round_trips(scaled in 0i64..=1_000_000_000 * 10_000) {
            let q = Quantity::from_scaled(scaled).unwrap();
            prop_assert_eq!(q.to_string().parse::<Quantity>().unwrap(), q);
        }
    }
}
