//! E-mail addresses.

use std::fmt;
use std::str::FromStr;

/// A syntactically plausible e-mail address (local@domain, no spaces, ≤ 254 characters).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Email(String);

/// The address is not plausible.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("not a valid e-mail address")]
pub struct InvalidEmail;

impl FromStr for Email {
    type Err = InvalidEmail;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let s = s.trim();
        let (local, domain) = s.rsplit_once('@').ok_or(InvalidEmail)?;
        let ok = !local.is_empty()
            && local.len() <= 64
            && domain.contains('.')
            && !domain.starts_with('.')
            && !domain.ends_with('.')
            && s.len() <= 254
            && !s.chars().any(|c| c.is_whitespace() || c.is_control() || c == '<' || c == '>' || c == ',');
        if ok { Ok(Email(s.to_owned())) } else { Err(InvalidEmail) }
    }
}

impl Email {
    /// The address.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Email {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_and_refuses() {
        assert!("keiri@example.co.jp".parse::<Email>().is_ok());
        for bad in ["", "a", "a@b", "@example.com", "a b@example.com", "a@example.com.", "a@b,c.com"] {
            assert!(bad.parse::<Email>().is_err(), "{bad}");
        }
    }
}
