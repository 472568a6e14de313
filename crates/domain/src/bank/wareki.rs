//! Two-digit-year dates of bank files. 全銀協 formats write 和暦 `YYMMDD` (令和8年6月6日 =
//! `080606`); a few banks write 西暦 instead. Both read the same bytes, so a date is read as
//! 令和 unless that lands more than five years after `today`, when it is read as 西暦
//! (`260606` is 2026-06-06, not 令和26年 = 2044). This holds for every date of this decade and
//! the next; the choice is recorded in `docs/decisions.md`.

use chrono::{Datelike, NaiveDate};

/// 令和元年 is 2019.
const REIWA_OFFSET: i32 = 2018;

/// Reads `YYMMDD`; `None` when it is not a date (or is all zeros, meaning "none").
pub fn yymmdd(s: &str, today: NaiveDate) -> Option<NaiveDate> {
    if s.len() != 6 || !s.bytes().all(|b| b.is_ascii_digit()) || s == "000000" {
        return None;
    }
    let yy: i32 = s[0..2].parse().ok()?;
    let mm: u32 = s[2..4].parse().ok()?;
    let dd: u32 = s[4..6].parse().ok()?;
    let reiwa = NaiveDate::from_ymd_opt(REIWA_OFFSET + yy, mm, dd);
    match reiwa {
        Some(d) if yy >= 1 && d.year() <= today.year() + 5 => Some(d),
        _ => NaiveDate::from_ymd_opt(2000 + yy, mm, dd),
    }
}

/// Reads `YYYYMMDD`, `YYYY/MM/DD`, `YYYY-MM-DD`, `YYYY年M月D日` and 和暦 `R8.6.6`,
/// `令和8年6月6日`, `R080606`, `H31.4.30` — the spellings of bank CSV exports.
pub fn any(s: &str, today: NaiveDate) -> Option<NaiveDate> {
    let t = s.trim().trim_matches('"');
    if t.is_empty() {
        return None;
    }
    let (era_start, rest) = if let Some(r) =
        t.strip_prefix("令和").or_else(|| t.strip_prefix('R')).or_else(|| t.strip_prefix('r'))
    {
        (Some(REIWA_OFFSET), r)
    } else if let Some(r) = t.strip_prefix("平成").or_else(|| t.strip_prefix('H')).or_else(|| t.strip_prefix('h')) {
        (Some(1988), r)
    } else {
        (None, t)
    };
    let parts: Vec<&str> = rest.split(['/', '-', '.', '年', '月', '日']).filter(|p| !p.is_empty()).collect();
    // Fixed-width digit runs are sliced by byte: anything but ASCII digits is no date.
    let digits_only = |p: &str| p.bytes().all(|b| b.is_ascii_digit());
    let (y, m, d): (i32, u32, u32) = match parts.as_slice() {
        [digits] if !digits_only(digits) => return None,
        [y, m, d] => (y.parse().ok()?, m.parse().ok()?, d.parse().ok()?),
        [digits] if digits.len() == 8 && era_start.is_none() => {
            (digits[0..4].parse().ok()?, digits[4..6].parse().ok()?, digits[6..8].parse().ok()?)
        }
        [digits] if digits.len() == 6 && era_start.is_some() => {
            (digits[0..2].parse().ok()?, digits[2..4].parse().ok()?, digits[4..6].parse().ok()?)
        }
        [digits] if digits.len() == 6 => return yymmdd(digits, today),
        _ => return None,
    };
    let year = match era_start {
        Some(offset) => offset + y,
        None if y < 100 => return yymmdd(&format!("{y:02}{m:02}{d:02}"), today),
        None => y,
    };
    NaiveDate::from_ymd_opt(year, m, d)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn zengin_dates_are_reiwa_unless_that_is_far_ahead() {
        let today = d(2026, 12, 4);
        assert_eq!(yymmdd("080606", today), Some(d(2026, 6, 6)), "令和8年");
        assert_eq!(yymmdd("010501", today), Some(d(2019, 5, 1)), "令和元年");
        assert_eq!(yymmdd("261130", today), Some(d(2026, 11, 30)), "西暦 2026: 令和26年 would be 2044");
        assert_eq!(yymmdd("000000", today), None);
        assert_eq!(yymmdd("081332", today), None);
        assert_eq!(yymmdd("08 606", today), None);
    }

    /// Found by the fuzz target: eight bytes that are not eight digits.
    #[test]
    fn multi_byte_text_of_a_dates_length_is_no_date() {
        let today = d(2026, 12, 4);
        assert_eq!(any("日付日付", today), None);
        assert_eq!(any("R日付", today), None);
        assert_eq!(any("２０２６１１３０", today), None);
    }

    #[test]
    fn csv_spellings() {
        let today = d(2026, 12, 4);
        for s in [
            "2026/11/30",
            "2026-11-30",
            "20261130",
            "2026年11月30日",
            "R8.11.30",
            "令和8年11月30日",
            "R081130",
            "\"2026/11/30\"",
        ] {
            assert_eq!(any(s, today), Some(d(2026, 11, 30)), "{s}");
        }
        assert_eq!(any("H31.4.30", today), Some(d(2019, 4, 30)));
        assert_eq!(any("2026/2/30", today), None);
        assert_eq!(any("", today), None);
        assert_eq!(any("yesterday", today), None);
    }
}
