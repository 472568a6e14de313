//! Recurring invoices: monthly periods, the day each period's invoice is made (day N or
//! month end), every N months, and which periods are due after a pause — each once, at
//! most a year's worth in one run.

use chrono::{Datelike, NaiveDate};
use std::fmt;
use std::str::FromStr;

/// `day_of_month` value meaning the month's last day.
pub const MONTH_END: u32 = 31;
/// Most periods one run creates for a schedule (a long downtime catches up over runs,
/// never in a flood).
pub const MAX_CATCH_UP: usize = 12;

/// A calendar month, `2026-12`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Period {
    /// Year.
    pub year: i32,
    /// 1–12.
    pub month: u32,
}

impl Period {
    /// The month `n` months later.
    pub fn plus_months(self, n: u32) -> Period {
        let idx = self.year as i64 * 12 + (self.month as i64 - 1) + n as i64;
        Period { year: (idx.div_euclid(12)) as i32, month: (idx.rem_euclid(12) + 1) as u32 }
    }

    /// The month of `d`.
    pub fn of(d: NaiveDate) -> Period {
        Period { year: d.year(), month: d.month() }
    }

    /// Day `day` of the month (31: the last day; 29–30 in a shorter month: its last day).
    pub fn day(self, day: u32) -> NaiveDate {
        let first = NaiveDate::from_ymd_opt(self.year, self.month, 1).expect("valid month");
        let last = self.plus_months(1).first() - chrono::Duration::days(1);
        if day >= MONTH_END {
            last
        } else {
            NaiveDate::from_ymd_opt(self.year, self.month, day).unwrap_or(last).max(first)
        }
    }

    fn first(self) -> NaiveDate {
        NaiveDate::from_ymd_opt(self.year, self.month, 1).expect("valid month")
    }

    /// Replaces `{YYYY}`, `{M}` and `{MM}` in `text` with this period (`{YYYY}年{M}月分`).
    pub fn render(self, text: &str) -> String {
        text.replace("{YYYY}", &self.year.to_string())
            .replace("{MM}", &format!("{:02}", self.month))
            .replace("{M}", &self.month.to_string())
    }
}

impl fmt::Display for Period {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}", self.year, self.month)
    }
}

impl FromStr for Period {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        let bad = || format!("{s:?} is not a month (YYYY-MM)");
        let (y, m) = s.split_once('-').ok_or_else(bad)?;
        if y.len() != 4 || m.len() != 2 {
            return Err(bad());
        }
        let (year, month): (i32, u32) = (y.parse().map_err(|_| bad())?, m.parse().map_err(|_| bad())?);
        if !(1..=12).contains(&month) || !(2000..=2999).contains(&year) {
            return Err(bad());
        }
        Ok(Period { year, month })
    }
}

/// How often a schedule bills.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Recurrence {
    /// 1–28, or 31 for the month's last day.
    pub day_of_month: u32,
    /// Every this many months (1–12).
    pub interval_months: u32,
    /// The last period billed, if the schedule ends.
    pub end: Option<Period>,
}

impl Recurrence {
    /// The periods from `next` whose billing day is on or before `today`, in order, at most
    /// [`MAX_CATCH_UP`].
    pub fn due(&self, next: Period, today: NaiveDate) -> Vec<Period> {
        let mut out = Vec::new();
        let mut p = next;
        while out.len() < MAX_CATCH_UP && p.day(self.day_of_month) <= today && self.end.is_none_or(|e| p <= e) {
            out.push(p);
            p = p.plus_months(self.interval_months.max(1));
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(s: &str) -> Period {
        s.parse().unwrap()
    }

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn periods_add_months_across_years_and_print_as_the_api_takes_them() {
        assert_eq!(p("2026-11").plus_months(3), p("2027-02"));
        assert_eq!(p("2026-12").plus_months(12).to_string(), "2027-12");
        assert!("2026-13".parse::<Period>().is_err());
        assert!("2026-1".parse::<Period>().is_err());
        assert!("26-01".parse::<Period>().is_err());
    }

    #[test]
    fn the_billing_day_is_day_n_or_the_months_end() {
        assert_eq!(p("2027-02").day(31), d(2027, 2, 28));
        assert_eq!(p("2028-02").day(31), d(2028, 2, 29));
        assert_eq!(p("2026-11").day(25), d(2026, 11, 25));
        assert_eq!(p("2026-12").day(1), d(2026, 12, 1));
    }

    #[test]
    fn period_text_fills_year_and_month() {
        assert_eq!(p("2026-04").render("{YYYY}年{M}月分 保守料"), "2026年4月分 保守料");
        assert_eq!(p("2026-04").render("{YYYY}/{MM}"), "2026/04");
    }

    #[test]
    fn after_a_pause_each_missed_period_is_due_once_and_never_a_flood() {
        let monthly = Recurrence { day_of_month: 31, interval_months: 1, end: None };
        // Next is September; on 2026-12-04 September, October and November are due.
        assert_eq!(monthly.due(p("2026-09"), d(2026, 12, 4)), vec![p("2026-09"), p("2026-10"), p("2026-11")]);
        assert!(monthly.due(p("2026-12"), d(2026, 12, 30)).is_empty());
        assert_eq!(monthly.due(p("2026-12"), d(2026, 12, 31)), vec![p("2026-12")]);
        // Years down: a year's worth per run.
        assert_eq!(monthly.due(p("2020-01"), d(2026, 12, 4)).len(), MAX_CATCH_UP);
        // Quarterly on the 10th, ending in March.
        let quarterly = Recurrence { day_of_month: 10, interval_months: 3, end: Some(p("2027-03")) };
        assert_eq!(quarterly.due(p("2026-09"), d(2027, 6, 30)), vec![p("2026-09"), p("2026-12"), p("2027-03")]);
    }
}
