//! Helpers that turn request values into validated values, collecting field errors.

use crate::error::{AppError, FieldError};
use chrono::NaiveDate;
use serde::{Deserialize, Deserializer};

/// Collects field errors while a request is checked.
#[derive(Debug, Default)]
pub struct Checker {
    errors: Vec<FieldError>,
}

impl Checker {
    /// Records an error.
    pub fn push(&mut self, field: impl Into<String>, code: &str, message: impl Into<String>) {
        self.errors.push(FieldError::new(field, code, message));
    }

    /// A required value, or a `required` error.
    pub fn required<T>(&mut self, field: &str, v: Option<T>) -> Option<T> {
        if v.is_none() {
            self.push(field, "required", format!("{field} is required"));
        }
        v
    }

    /// Trimmed text within `max` characters; empty becomes `None`.
    pub fn text(&mut self, field: &str, v: Option<String>, max: usize) -> Option<String> {
        let v = v.map(|s| s.trim().to_owned()).filter(|s| !s.is_empty())?;
        if v.chars().count() > max {
            self.push(field, "too_long", format!("{field} may have at most {max} characters"));
            return None;
        }
        if v.chars().any(|c| c.is_control() && c != '\n' && c != '\r' && c != '\t') {
            self.push(field, "invalid", format!("{field} contains control characters"));
            return None;
        }
        Some(v)
    }

    /// Required, non-empty text within `max` characters.
    pub fn required_text(&mut self, field: &str, v: Option<String>, max: usize) -> Option<String> {
        let present = v.as_ref().is_some_and(|s| !s.trim().is_empty());
        if !present {
            self.push(field, "required", format!("{field} is required"));
            return None;
        }
        self.text(field, v, max)
    }

    /// A `YYYY-MM-DD` date.
    pub fn date(&mut self, field: &str, v: Option<&str>) -> Option<NaiveDate> {
        let s = v?;
        match NaiveDate::parse_from_str(s, "%Y-%m-%d") {
            Ok(d) if s.len() == 10 => Some(d),
            _ => {
                self.push(field, "invalid", format!("{field} must be a date YYYY-MM-DD"));
                None
            }
        }
    }

    /// A parsed value, or the parser's message as an `invalid` error.
    pub fn parse<T, E: std::fmt::Display>(&mut self, field: &str, r: Result<T, E>) -> Option<T> {
        match r {
            Ok(v) => Some(v),
            Err(e) => {
                self.push(field, "invalid", e.to_string());
                None
            }
        }
    }

    /// True when nothing failed so far.
    pub fn is_ok(&self) -> bool {
        self.errors.is_empty()
    }

    /// `Ok(value)` when no error was recorded, else 422 with every error.
    pub fn finish<T>(self, value: impl FnOnce() -> T) -> Result<T, AppError> {
        if self.errors.is_empty() { Ok(value()) } else { Err(AppError::Validation(self.errors)) }
    }
}

/// Deserialises a field that distinguishes absent (`None`) from `null` (`Some(None)`).
pub fn double_option<'de, T, D>(d: D) -> Result<Option<Option<T>>, D::Error>
where
    T: Deserialize<'de>,
    D: Deserializer<'de>,
{
    Option::<T>::deserialize(d).map(Some)
}
