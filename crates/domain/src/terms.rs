//! Payment terms (締め日・支払日) and due dates.

use crate::calendar::{BusinessCalendar, Shift};
use chrono::{Datelike, Months, NaiveDate};
use serde::{Deserialize, Serialize};

/// A day of the month in payment terms: 1–28, or 31 meaning the month's last day (月末).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "u32", into = "u32")]
pub struct DayOfMonth(u32);

impl DayOfMonth {
    /// 月末.
    pub const END_OF_MONTH: DayOfMonth = DayOfMonth(31);

    /// 1–28, or 31 for the last day.
    pub fn new(day: u32) -> Option<DayOfMonth> {
        (matches!(day, 1..=28 | 31)).then_some(DayOfMonth(day))
    }

    /// The raw value (31 = end of month).
    pub fn get(self) -> u32 {
        self.0
    }

    /// This day in the given month.
    pub fn in_month(self, year: i32, month: u32) -> NaiveDate {
        if self.0 == 31 {
            last_day_of_month(year, month)
        } else {
            NaiveDate::from_ymd_opt(year, month, self.0).expect("days 1–28 exist in every month")
        }
    }
}

impl TryFrom<u32> for DayOfMonth {
    type Error = String;
    fn try_from(v: u32) -> Result<Self, Self::Error> {
        DayOfMonth::new(v).ok_or_else(|| format!("day must be 1–28 or 31 (end of month), got {v}"))
    }
}

impl From<DayOfMonth> for u32 {
    fn from(d: DayOfMonth) -> u32 {
        d.0
    }
}

/// The last day of a month.
pub fn last_day_of_month(year: i32, month: u32) -> NaiveDate {
    let first = NaiveDate::from_ymd_opt(year, month, 1).expect("valid month");
    (first + Months::new(1)).pred_opt().expect("has a previous day")
}

/// What happens to a due date that is not a business day.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum HolidayRule {
    /// 前営業日.
    PreviousBusinessDay,
    /// 翌営業日.
    NextBusinessDay,
    /// Keep the date.
    None,
}

/// 締め日 / 支払月 / 支払日 / holiday rule, e.g. 月末締め翌月末払い = `{31, 1, 31, next}`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct PaymentTerms {
    /// 締め日.
    pub closing_day: DayOfMonth,
    /// Months from the closing month to the payment month (0–3).
    pub months_after: u32,
    /// 支払日.
    pub payment_day: DayOfMonth,
    /// Shift when the due date is closed.
    pub holiday_rule: HolidayRule,
}

/// Why terms were refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TermsError {
    /// months_after outside 0–3.
    #[error("months_after must be 0–3")]
    MonthsAfter,
    /// Paying in the closing month before the closing day.
    #[error("with months_after 0 the payment day must not be before the closing day")]
    PaymentBeforeClosing,
}

impl Default for PaymentTerms {
    /// 月末締め翌月末払い, next business day.
    fn default() -> Self {
        PaymentTerms {
            closing_day: DayOfMonth::END_OF_MONTH,
            months_after: 1,
            payment_day: DayOfMonth::END_OF_MONTH,
            holiday_rule: HolidayRule::NextBusinessDay,
        }
    }
}

impl PaymentTerms {
    /// Checks the combination (each day is already valid by type).
    pub fn validate(&self) -> Result<(), TermsError> {
        if self.months_after > 3 {
            return Err(TermsError::MonthsAfter);
        }
        if self.months_after == 0 && self.payment_day.get() < self.closing_day.get() {
            return Err(TermsError::PaymentBeforeClosing);
        }
        Ok(())
    }

    /// The closing date: the first date on or after `issue_date` whose day is the closing day.
    pub fn closing_date(&self, issue_date: NaiveDate) -> NaiveDate {
        let this_month = self.closing_day.in_month(issue_date.year(), issue_date.month());
        if this_month >= issue_date {
            this_month
        } else {
            let next = issue_date.with_day(1).expect("day 1 exists") + Months::new(1);
            self.closing_day.in_month(next.year(), next.month())
        }
    }

    /// The closing period (締め期間) that ends on the closing date on or after `date`: from
    /// the day after the previous closing date to that closing date, both included.
    pub fn closing_period(&self, date: NaiveDate) -> (NaiveDate, NaiveDate) {
        let end = self.closing_date(date);
        let prev_month = end.with_day(1).expect("day 1 exists") - Months::new(1);
        let prev = self.closing_day.in_month(prev_month.year(), prev_month.month());
        (prev + chrono::Duration::days(1), end)
    }

    /// The last closing date on or before `today`.
    pub fn latest_closing(&self, today: NaiveDate) -> NaiveDate {
        let c = self.closing_date(today);
        if c == today {
            return c;
        }
        let prev_month = c.with_day(1).expect("day 1 exists") - Months::new(1);
        self.closing_day.in_month(prev_month.year(), prev_month.month())
    }

    /// The due date for an invoice issued on `issue_date`.
    pub fn due_date(&self, issue_date: NaiveDate, calendar: &BusinessCalendar) -> NaiveDate {
        let closing = self.closing_date(issue_date);
        let pay_month = closing.with_day(1).expect("day 1 exists") + Months::new(self.months_after);
        let due = self.payment_day.in_month(pay_month.year(), pay_month.month());
        match self.holiday_rule {
            HolidayRule::PreviousBusinessDay => calendar.shift(due, Shift::Previous),
            HolidayRule::NextBusinessDay => calendar.shift(due, Shift::Next),
            HolidayRule::None => due,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn closing_periods_run_from_the_day_after_the_previous_closing() {
        let d = |y, m, day| NaiveDate::from_ymd_opt(y, m, day).unwrap();
        let month_end = PaymentTerms::default();
        assert_eq!(month_end.closing_period(d(2026, 11, 30)), (d(2026, 11, 1), d(2026, 11, 30)));
        assert_eq!(month_end.closing_period(d(2026, 11, 12)), (d(2026, 11, 1), d(2026, 11, 30)));
        assert_eq!(month_end.latest_closing(d(2026, 12, 4)), d(2026, 11, 30));
        assert_eq!(month_end.latest_closing(d(2026, 11, 30)), d(2026, 11, 30));
        let twentieth = PaymentTerms { closing_day: DayOfMonth::new(20).unwrap(), ..PaymentTerms::default() };
        assert_eq!(twentieth.closing_period(d(2026, 11, 20)), (d(2026, 10, 21), d(2026, 11, 20)));
        assert_eq!(twentieth.closing_period(d(2026, 11, 21)), (d(2026, 11, 21), d(2026, 12, 20)));
        assert_eq!(twentieth.latest_closing(d(2026, 12, 4)), d(2026, 11, 20));
        assert_eq!(twentieth.closing_period(d(2027, 1, 5)), (d(2026, 12, 21), d(2027, 1, 20)));
    }
    use proptest::prelude::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    fn terms(closing: u32, months: u32, pay: u32, rule: HolidayRule) -> PaymentTerms {
        PaymentTerms {
            closing_day: DayOfMonth::new(closing).unwrap(),
            months_after: months,
            payment_day: DayOfMonth::new(pay).unwrap(),
            holiday_rule: rule,
        }
    }

    /// 月末締め翌月末払い.
    #[test]
    fn end_of_month_closing_paid_end_of_next_month() {
        let cal = BusinessCalendar::default();
        let next = terms(31, 1, 31, HolidayRule::NextBusinessDay);
        let prev = terms(31, 1, 31, HolidayRule::PreviousBusinessDay);
        // 2026-11-30 is Monday: no shift.
        assert_eq!(next.due_date(d(2026, 10, 15), &cal), d(2026, 11, 30));
        // 2027-01-31 is Sunday.
        assert_eq!(next.due_date(d(2026, 12, 1), &cal), d(2027, 2, 1));
        assert_eq!(prev.due_date(d(2026, 12, 1), &cal), d(2027, 1, 29));
        // 2026-02-28 is Saturday; February's last day.
        assert_eq!(next.due_date(d(2026, 1, 31), &cal), d(2026, 3, 2));
        assert_eq!(prev.due_date(d(2026, 1, 31), &cal), d(2026, 2, 27));
        // 2026-05-31 is Sunday.
        assert_eq!(next.due_date(d(2026, 4, 10), &cal), d(2026, 6, 1));
        assert_eq!(prev.due_date(d(2026, 4, 10), &cal), d(2026, 5, 29));
        // No shift at all.
        assert_eq!(terms(31, 1, 31, HolidayRule::None).due_date(d(2026, 12, 1), &cal), d(2027, 1, 31));
    }

    /// 20日締め翌月10日払い.
    #[test]
    fn twentieth_closing_paid_tenth_of_next_month() {
        let cal = BusinessCalendar::default();
        let next = terms(20, 1, 10, HolidayRule::NextBusinessDay);
        let prev = terms(20, 1, 10, HolidayRule::PreviousBusinessDay);
        // Issued on the 20th: closes the same day, paid 10th of next month.
        assert_eq!(next.due_date(d(2026, 4, 20), &cal), d(2026, 5, 11)); // 5/10 Sunday
        assert_eq!(prev.due_date(d(2026, 4, 20), &cal), d(2026, 5, 8));
        // Issued on the 21st: closes next month.
        assert_eq!(next.due_date(d(2026, 4, 21), &cal), d(2026, 6, 10)); // Wednesday
        // 2026-12-20 closes; 2027-01-10 is Sunday, 1/11 成人の日.
        assert_eq!(next.due_date(d(2026, 12, 5), &cal), d(2027, 1, 12));
        assert_eq!(prev.due_date(d(2026, 12, 5), &cal), d(2027, 1, 8));
        // 2026-10-10 is Saturday, 10/12 スポーツの日.
        assert_eq!(next.due_date(d(2026, 9, 1), &cal), d(2026, 10, 13));
        assert_eq!(prev.due_date(d(2026, 9, 1), &cal), d(2026, 10, 9));
    }

    #[test]
    fn validation() {
        assert_eq!(DayOfMonth::new(29), None);
        assert_eq!(DayOfMonth::new(0), None);
        assert!(terms(31, 4, 31, HolidayRule::None).validate().is_err());
        assert!(terms(20, 0, 10, HolidayRule::None).validate().is_err());
        assert!(terms(15, 0, 31, HolidayRule::None).validate().is_ok());
    }

    proptest! {
        #[test]
        fn due_date_never_before_closing(days in 0i64..3650, c in 1u32..=29, m in 0u32..=3, p in 1u32..=29) {
            let c = if c == 29 { 31 } else { c };
            let p = if p == 29 { 31 } else { p };
            let t = terms(c, m, p, HolidayRule::None);
            prop_assume!(t.validate().is_ok());
            let issue = d(2024, 1, 1) + chrono::Duration::days(days);
            let closing = t.closing_date(issue);
            prop_assert!(closing >= issue);
            prop_assert!(closing - issue < chrono::Duration::days(31));
            prop_assert!(t.due_date(issue, &BusinessCalendar::default()) >= closing);
        }
    }
}
