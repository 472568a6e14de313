//! Japanese national holidays (国民の祝日に関する法律) and the bank business-day calendar.
//!
//! Computed from the law's rules rather than a bundled table, so that any year works:
//! fixed days, Happy Mondays, the equinox formulas, 振替休日 (Art. 3②), 国民の休日 (Art. 3③),
//! and the one-off days set by special laws (2019 accession, 2020/2021 Olympic moves).

use chrono::{Datelike, Duration, NaiveDate, Weekday};
use std::collections::{BTreeMap, BTreeSet};

fn ymd(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).expect("valid calendar date")
}

/// The `n`-th given weekday of a month (1-based).
fn nth_weekday(y: i32, m: u32, weekday: Weekday, n: u32) -> NaiveDate {
    NaiveDate::from_weekday_of_month_opt(y, m, weekday, n as u8).expect("month has that weekday")
}

/// 春分日 (March), by the formula valid for 1980–2099 (fixed officially a year ahead by NAOJ).
pub fn vernal_equinox_day(y: i32) -> u32 {
    let n = (y - 1980) as i64;
    ((20_843_100 + 242_194 * n).div_euclid(1_000_000) - n.div_euclid(4)) as u32
}

/// 秋分日 (September), by the formula valid for 1980–2099.
pub fn autumnal_equinox_day(y: i32) -> u32 {
    let n = (y - 1980) as i64;
    ((23_248_800 + 242_194 * n).div_euclid(1_000_000) - n.div_euclid(4)) as u32
}

/// The 国民の祝日 themselves (Art. 2 and special laws), before 振替休日 and 国民の休日.
fn base_holidays(y: i32) -> BTreeMap<NaiveDate, &'static str> {
    let mut h = BTreeMap::new();
    let mut add = |d: NaiveDate, name: &'static str| {
        h.insert(d, name);
    };
    add(ymd(y, 1, 1), "元日");
    add(if y >= 2000 { nth_weekday(y, 1, Weekday::Mon, 2) } else { ymd(y, 1, 15) }, "成人の日");
    if y >= 1967 {
        add(ymd(y, 2, 11), "建国記念の日");
    }
    match y {
        ..=1988 => add(ymd(y, 4, 29), "天皇誕生日"),
        1989..=2018 => add(ymd(y, 12, 23), "天皇誕生日"),
        2019 => {}
        _ => add(ymd(y, 2, 23), "天皇誕生日"),
    }
    add(ymd(y, 3, vernal_equinox_day(y)), "春分の日");
    match y {
        ..=1988 => {}
        1989..=2006 => add(ymd(y, 4, 29), "みどりの日"),
        _ => add(ymd(y, 4, 29), "昭和の日"),
    }
    add(ymd(y, 5, 3), "憲法記念日");
    if y >= 2007 {
        add(ymd(y, 5, 4), "みどりの日");
    }
    add(ymd(y, 5, 5), "こどもの日");
    match y {
        ..=1995 => {}
        1996..=2002 => add(ymd(y, 7, 20), "海の日"),
        2020 => add(ymd(y, 7, 23), "海の日"),
        2021 => add(ymd(y, 7, 22), "海の日"),
        _ => add(nth_weekday(y, 7, Weekday::Mon, 3), "海の日"),
    }
    match y {
        ..=2015 => {}
        2020 => add(ymd(y, 8, 10), "山の日"),
        2021 => add(ymd(y, 8, 8), "山の日"),
        _ => add(ymd(y, 8, 11), "山の日"),
    }
    if y >= 1966 {
        add(if y >= 2003 { nth_weekday(y, 9, Weekday::Mon, 3) } else { ymd(y, 9, 15) }, "敬老の日");
    }
    add(ymd(y, 9, autumnal_equinox_day(y)), "秋分の日");
    match y {
        ..=1965 => {}
        1966..=1999 => add(ymd(y, 10, 10), "体育の日"),
        2000..=2019 => add(nth_weekday(y, 10, Weekday::Mon, 2), "体育の日"),
        2020 => add(ymd(y, 7, 24), "スポーツの日"),
        2021 => add(ymd(y, 7, 23), "スポーツの日"),
        _ => add(nth_weekday(y, 10, Weekday::Mon, 2), "スポーツの日"),
    }
    add(ymd(y, 11, 3), "文化の日");
    add(ymd(y, 11, 23), "勤労感謝の日");
    // One-off holidays by special law.
    match y {
        1959 => add(ymd(y, 4, 10), "皇太子明仁親王の結婚の儀"),
        1989 => add(ymd(y, 2, 24), "昭和天皇の大喪の礼"),
        1990 => add(ymd(y, 11, 12), "即位礼正殿の儀"),
        1993 => add(ymd(y, 6, 9), "皇太子徳仁親王の結婚の儀"),
        2019 => {
            add(ymd(y, 5, 1), "天皇の即位の日");
            add(ymd(y, 10, 22), "即位礼正殿の儀");
        }
        _ => {}
    }
    h
}

/// Every holiday of year `y` with its name, in date order.
pub fn holidays_in(y: i32) -> Vec<(NaiveDate, &'static str)> {
    let base = base_holidays(y);
    let mut all = base.clone();
    // Art. 3②: a 祝日 on a Sunday makes the next non-祝日 day a holiday (from 2007; from
    // 1973-04-12 to 2006 it was simply the next day).
    for (&d, _) in base.iter().filter(|(d, _)| d.weekday() == Weekday::Sun) {
        if d < ymd(1973, 4, 12) {
            continue;
        }
        let mut next = d + Duration::days(1);
        if y >= 2007 {
            while base.contains_key(&next) {
                next += Duration::days(1);
            }
        }
        all.entry(next).or_insert("振替休日");
    }
    // Art. 3③ (from 1985-12-27): a day between two 祝日 is a holiday itself.
    if y >= 1986 {
        for (&d, _) in base.iter() {
            let between = d + Duration::days(1);
            let after = d + Duration::days(2);
            let sunday_excluded = y < 2007 && between.weekday() == Weekday::Sun;
            if !base.contains_key(&between) && base.contains_key(&after) && !sunday_excluded {
                all.entry(between).or_insert("国民の休日");
            }
        }
    }
    all.into_iter().filter(|(d, _)| d.year() == y).collect()
}

/// The holiday name of a date, when it is a national holiday.
pub fn holiday_name(date: NaiveDate) -> Option<&'static str> {
    holidays_in(date.year()).into_iter().find(|(d, _)| *d == date).map(|(_, n)| n)
}

/// Bank business days: not Saturday, Sunday, a national holiday, 12/31–1/3, or an extra
/// closing day the company declared.
#[derive(Debug, Clone, Default)]
pub struct BusinessCalendar {
    extra_closed: BTreeSet<NaiveDate>,
}

/// Which way a due date moves when it is not a business day.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shift {
    /// 前営業日.
    Previous,
    /// 翌営業日.
    Next,
}

impl BusinessCalendar {
    /// The national calendar plus the company's own closing days.
    pub fn with_extra_closed_days(days: impl IntoIterator<Item = NaiveDate>) -> Self {
        BusinessCalendar { extra_closed: days.into_iter().collect() }
    }

    /// True when banks are open on `date`.
    pub fn is_business_day(&self, date: NaiveDate) -> bool {
        let year_end = matches!((date.month(), date.day()), (12, 31) | (1, 1..=3));
        !matches!(date.weekday(), Weekday::Sat | Weekday::Sun)
            && !year_end
            && !self.extra_closed.contains(&date)
            && holiday_name(date).is_none()
    }

    /// `date` itself if a business day, else the nearest business day in `direction`.
    pub fn shift(&self, date: NaiveDate, direction: Shift) -> NaiveDate {
        let step = match direction {
            Shift::Previous => Duration::days(-1),
            Shift::Next => Duration::days(1),
        };
        let mut d = date;
        // A run of closed days is never longer than a few weeks; the bound keeps a
        // pathological extra-closed list from looping forever.
        for _ in 0..400 {
            if self.is_business_day(d) {
                return d;
            }
            d += step;
        }
        date
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dates(y: i32) -> Vec<String> {
        holidays_in(y).into_iter().map(|(d, _)| d.format("%m-%d").to_string()).collect()
    }

    /// The official lists (内閣府「国民の祝日」) for 2025–2027.
    #[test]
    fn holidays_2025_to_2027_match_the_official_list() {
        assert_eq!(
            dates(2025),
            [
                "01-01", "01-13", "02-11", "02-23", "02-24", "03-20", "04-29", "05-03", "05-04", "05-05", "05-06",
                "07-21", "08-11", "09-15", "09-23", "10-13", "11-03", "11-23", "11-24"
            ]
        );
        assert_eq!(
            dates(2026),
            [
                "01-01", "01-12", "02-11", "02-23", "03-20", "04-29", "05-03", "05-04", "05-05", "05-06", "07-20",
                "08-11", "09-21", "09-22", "09-23", "10-12", "11-03", "11-23"
            ]
        );
        assert_eq!(
            dates(2027),
            [
                "01-01", "01-11", "02-11", "02-23", "03-21", "03-22", "04-29", "05-03", "05-04", "05-05", "07-19",
                "08-11", "09-20", "09-23", "10-11", "11-03", "11-23"
            ]
        );
    }

    #[test]
    fn named_substitute_and_citizens_holidays() {
        assert_eq!(holiday_name(ymd(2025, 2, 24)), Some("振替休日"));
        assert_eq!(holiday_name(ymd(2026, 5, 6)), Some("振替休日"));
        assert_eq!(holiday_name(ymd(2026, 9, 22)), Some("国民の休日"));
        assert_eq!(holiday_name(ymd(2026, 9, 23)), Some("秋分の日"));
        assert_eq!(holiday_name(ymd(2026, 9, 24)), None);
    }

    /// The special-law years 2019–2021.
    #[test]
    fn special_law_years() {
        let y2019 = dates(2019);
        for d in ["04-29", "04-30", "05-01", "05-02", "05-03", "05-06", "10-22"] {
            assert!(y2019.contains(&d.to_string()), "2019-{d}");
        }
        assert!(!y2019.contains(&"12-23".to_string()));
        assert!(!y2019.contains(&"02-23".to_string()));
        let y2020 = dates(2020);
        for d in ["07-23", "07-24", "08-10", "02-24"] {
            assert!(y2020.contains(&d.to_string()), "2020-{d}");
        }
        for d in ["07-20", "08-11", "10-12"] {
            assert!(!y2020.contains(&d.to_string()), "2020-{d}");
        }
        let y2021 = dates(2021);
        for d in ["07-22", "07-23", "08-08", "08-09"] {
            assert!(y2021.contains(&d.to_string()), "2021-{d}");
        }
        for d in ["07-19", "08-11", "10-11"] {
            assert!(!y2021.contains(&d.to_string()), "2021-{d}");
        }
    }

    #[test]
    fn equinoxes() {
        let got: Vec<_> = (2024..=2028).map(|y| (vernal_equinox_day(y), autumnal_equinox_day(y))).collect();
        assert_eq!(got, [(20, 22), (20, 23), (20, 23), (21, 23), (20, 22)]);
    }

    #[test]
    fn business_days_skip_weekends_holidays_and_year_end() {
        let cal = BusinessCalendar::default();
        assert!(cal.is_business_day(ymd(2026, 12, 30)));
        assert!(!cal.is_business_day(ymd(2026, 12, 31)));
        assert!(!cal.is_business_day(ymd(2027, 1, 2)));
        assert!(!cal.is_business_day(ymd(2027, 1, 3)));
        assert!(cal.is_business_day(ymd(2027, 1, 4)));
        assert!(!cal.is_business_day(ymd(2026, 11, 28))); // Saturday
        assert!(!cal.is_business_day(ymd(2026, 11, 23))); // 勤労感謝の日
        assert_eq!(cal.shift(ymd(2026, 12, 31), Shift::Next), ymd(2027, 1, 4));
        assert_eq!(cal.shift(ymd(2026, 12, 31), Shift::Previous), ymd(2026, 12, 30));
        // Silver week 2026: 9/19 Sat … 9/23 Wed.
        assert_eq!(cal.shift(ymd(2026, 9, 19), Shift::Next), ymd(2026, 9, 24));
        assert_eq!(cal.shift(ymd(2026, 9, 23), Shift::Previous), ymd(2026, 9, 18));
    }

    #[test]
    fn extra_closed_days_are_not_business_days() {
        let cal = BusinessCalendar::with_extra_closed_days([ymd(2026, 8, 13)]);
        assert!(!cal.is_business_day(ymd(2026, 8, 13)));
        assert_eq!(cal.shift(ymd(2026, 8, 13), Shift::Next), ymd(2026, 8, 14));
    }
}
