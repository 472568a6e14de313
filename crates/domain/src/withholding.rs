//! 源泉徴収 (withholding income tax incl. 復興特別所得税) on fees paid to individuals.

use crate::money::Yen;

/// Withholding on `amount` (excluding consumption tax), truncated to the yen:
/// ≤ ¥1,000,000: 10.21%; above: 20.42% of the excess + ¥102,100.
pub fn withholding_tax(amount: Yen) -> Yen {
    let a = amount.get() as i128;
    if a <= 0 {
        return Yen::ZERO;
    }
    let tax = if a <= 1_000_000 { a * 1021 / 10_000 } else { (a - 1_000_000) * 2042 / 10_000 + 102_100 };
    Yen(tax as i64)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// japan-rules.md §3.2 worked examples.
    #[test]
    fn worked_examples() {
        assert_eq!(withholding_tax(Yen(150_000)), Yen(15_315));
        assert_eq!(withholding_tax(Yen(1_000_000)), Yen(102_100));
        assert_eq!(withholding_tax(Yen(1_333_333)), Yen(170_166));
        assert_eq!(withholding_tax(Yen(1_500_000)), Yen(204_200));
        assert_eq!(withholding_tax(Yen(111_370)), Yen(11_370));
        assert_eq!(withholding_tax(Yen(0)), Yen(0));
    }

    proptest! {
        #[test]
        fn monotonic_and_below_rate(a in 0i64..10_000_000_000) {
            let w = withholding_tax(Yen(a)).get();
            prop_assert!(w <= a * 2042 / 10_000 + 1);
            prop_assert!(withholding_tax(Yen(a + 1)).get() >= w);
        }
    }
}
