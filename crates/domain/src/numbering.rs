//! Invoice number formats such as `I-{YYYY}-{NNNN}` and the counter period they imply.

use chrono::{Datelike, NaiveDate};
use std::fmt;
use std::str::FromStr;

/// Which period a format's counter runs over: what the format prints.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NumberPeriod {
    /// `{YYYY}`: the calendar year of the issue date.
    CalendarYear,
    /// `{FY}`: the fiscal year, named by the year in which it starts.
    FiscalYear,
    /// Neither: one running counter.
    None,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Part {
    Literal(String),
    Year,
    FiscalYear,
    Sequence(usize),
}

/// A parsed, valid invoice number format.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InvoiceNumberFormat {
    source: String,
    parts: Vec<Part>,
}

/// Why a format string was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FormatError {
    /// No `{N…}` token.
    #[error("the format needs exactly one sequence token such as {{NNNN}}")]
    NoSequence,
    /// More than one `{N…}` token.
    #[error("the format may contain only one sequence token")]
    SeveralSequences,
    /// Both `{YYYY}` and `{FY}`, or one of them twice.
    #[error("the format may contain at most one period token ({{YYYY}} or {{FY}})")]
    SeveralPeriods,
    /// An unknown `{…}` token or a stray brace.
    #[error("unknown token {0:?}; allowed: {{YYYY}}, {{FY}}, {{NNNN}}")]
    UnknownToken(String),
    /// Longer than 40 characters, empty, or with characters unfit for a document number.
    #[error("the format must be 1–40 printable characters without spaces")]
    BadLiteral,
}

impl FromStr for InvoiceNumberFormat {
    type Err = FormatError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        if s.is_empty() || s.chars().count() > 40 || s.chars().any(|c| c.is_whitespace() || c.is_control()) {
            return Err(FormatError::BadLiteral);
        }
        let mut parts = Vec::new();
        let mut rest = s;
        let mut literal = String::new();
        while let Some(ch) = rest.chars().next() {
            if ch == '{' {
                let end = rest.find('}').ok_or_else(|| FormatError::UnknownToken(rest.to_owned()))?;
                let token = &rest[1..end];
                let part = match token {
                    "YYYY" => Part::Year,
                    "FY" => Part::FiscalYear,
                    t if !t.is_empty() && t.chars().all(|c| c == 'N') => Part::Sequence(t.len()),
                    _ => return Err(FormatError::UnknownToken(rest[..=end].to_owned())),
                };
                if !literal.is_empty() {
                    parts.push(Part::Literal(std::mem::take(&mut literal)));
                }
                parts.push(part);
                rest = &rest[end + 1..];
            } else if ch == '}' {
                return Err(FormatError::UnknownToken("}".into()));
            } else {
                literal.push(ch);
                rest = &rest[ch.len_utf8()..];
            }
        }
        if !literal.is_empty() {
            parts.push(Part::Literal(literal));
        }
        let sequences = parts.iter().filter(|p| matches!(p, Part::Sequence(_))).count();
        let periods = parts.iter().filter(|p| matches!(p, Part::Year | Part::FiscalYear)).count();
        match sequences {
            0 => return Err(FormatError::NoSequence),
            1 => {}
            _ => return Err(FormatError::SeveralSequences),
        }
        if periods > 1 {
            return Err(FormatError::SeveralPeriods);
        }
        Ok(InvoiceNumberFormat { source: s.to_owned(), parts })
    }
}

impl Default for InvoiceNumberFormat {
    fn default() -> Self {
        "I-{YYYY}-{NNNN}".parse().expect("default format is valid")
    }
}

impl fmt::Display for InvoiceNumberFormat {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.source)
    }
}

/// The fiscal year (named by its starting year) that contains `date`.
pub fn fiscal_year(date: NaiveDate, start_month: u32) -> i32 {
    if date.month() >= start_month { date.year() } else { date.year() - 1 }
}

impl InvoiceNumberFormat {
    /// Which period the counter of this format runs over.
    pub fn period(&self) -> NumberPeriod {
        if self.parts.contains(&Part::Year) {
            NumberPeriod::CalendarYear
        } else if self.parts.contains(&Part::FiscalYear) {
            NumberPeriod::FiscalYear
        } else {
            NumberPeriod::None
        }
    }

    /// The counter key of the period an issue date falls in (`"2026"`, or `""` for none).
    pub fn period_key(&self, issue_date: NaiveDate, fiscal_start_month: u32) -> String {
        match self.period() {
            NumberPeriod::CalendarYear => issue_date.year().to_string(),
            NumberPeriod::FiscalYear => fiscal_year(issue_date, fiscal_start_month).to_string(),
            NumberPeriod::None => String::new(),
        }
    }

    /// Renders the number for `sequence` issued on `issue_date`.
    pub fn render(&self, issue_date: NaiveDate, fiscal_start_month: u32, sequence: i64) -> String {
        let mut out = String::new();
        for part in &self.parts {
            match part {
                Part::Literal(s) => out.push_str(s),
                Part::Year => out.push_str(&format!("{:04}", issue_date.year())),
                Part::FiscalYear => out.push_str(&format!("{:04}", fiscal_year(issue_date, fiscal_start_month))),
                Part::Sequence(width) => out.push_str(&format!("{sequence:0width$}", width = *width)),
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn default_format_renders_calendar_years() {
        let f = InvoiceNumberFormat::default();
        assert_eq!(f.render(d(2026, 11, 30), 1, 1), "I-2026-0001");
        assert_eq!(f.render(d(2026, 11, 30), 1, 12345), "I-2026-12345");
        assert_eq!(f.period_key(d(2026, 12, 31), 4), "2026");
        assert_eq!(f.period_key(d(2027, 1, 1), 4), "2027");
    }

    #[test]
    fn fiscal_years_start_in_their_month() {
        let f: InvoiceNumberFormat = "INV{FY}-{NNNNNN}".parse().unwrap();
        assert_eq!(f.period(), NumberPeriod::FiscalYear);
        assert_eq!(f.render(d(2027, 3, 31), 4, 7), "INV2026-000007");
        assert_eq!(f.render(d(2027, 4, 1), 4, 7), "INV2027-000007");
        assert_eq!(f.period_key(d(2027, 3, 31), 4), "2026");
    }

    #[test]
    fn formats_without_a_period_run_one_counter() {
        let f: InvoiceNumberFormat = "No.{NNN}".parse().unwrap();
        assert_eq!(f.period(), NumberPeriod::None);
        assert_eq!(f.period_key(d(2026, 1, 1), 1), "");
        assert_eq!(f.render(d(2026, 1, 1), 1, 42), "No.042");
    }

    #[test]
    fn bad_formats_are_refused() {
        assert_eq!("I-{YYYY}".parse::<InvoiceNumberFormat>(), Err(FormatError::NoSequence));
        assert_eq!("{NN}-{NN}".parse::<InvoiceNumberFormat>(), Err(FormatError::SeveralSequences));
        assert_eq!("{YYYY}{FY}{NN}".parse::<InvoiceNumberFormat>(), Err(FormatError::SeveralPeriods));
        assert!(matches!("{MM}{NN}".parse::<InvoiceNumberFormat>(), Err(FormatError::UnknownToken(_))));
        assert!(matches!("{NN".parse::<InvoiceNumberFormat>(), Err(FormatError::UnknownToken(_))));
        assert_eq!("I {NN}".parse::<InvoiceNumberFormat>(), Err(FormatError::BadLiteral));
    }

    proptest! {
        #[test]
        fn distinct_sequences_give_distinct_numbers(a in 1i64..1_000_000, b in 1i64..1_000_000, width in 1usize..8) {
            let f: InvoiceNumberFormat = format!("I-{{YYYY}}-{{{}}}", "N".repeat(width)).parse().unwrap();
            let date = d(2026, 6, 1);
            prop_assert_eq!(a == b, f.render(date, 1, a) == f.render(date, 1, b));
        }
    }
}
