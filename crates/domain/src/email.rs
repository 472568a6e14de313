//! E-mail addresses.

use std::fmt;
use std::str::FromStr;

/// An e-mail address as SMTP carries it (RFC 5321 `Mailbox`, ASCII): a dot-atom local part
/// of RFC 5322 `atext`, a domain of LDH labels with at least one dot, ≤ 254 characters.
/// Quoted local parts and address literals are refused: no invoice mail goes to them, and
/// a typo that happens to parse as one would only fail at sending time.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Email(String);

/// The address is not plausible.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("not a valid e-mail address")]
pub struct InvalidEmail;

/// RFC 5322 `atext`.
fn is_atext(c: char) -> bool {
    c.is_ascii_alphanumeric() || "!#$%&'*+-/=?^_`{|}~".contains(c)
}

/// A dot-atom: atoms of `atext` joined by single dots.
fn is_dot_atom(s: &str) -> bool {
    !s.is_empty() && s.split('.').all(|atom| !atom.is_empty() && atom.chars().all(is_atext))
}

/// A host name of letters, digits and inner hyphens, two labels at least.
fn is_domain(s: &str) -> bool {
    let labels: Vec<&str> = s.split('.').collect();
    labels.len() >= 2
        && s.len() <= 253
        && labels.iter().all(|l| {
            (1..=63).contains(&l.len())
                && l.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
                && !l.starts_with('-')
                && !l.ends_with('-')
        })
}

impl FromStr for Email {
    type Err = InvalidEmail;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let s = s.trim();
        let (local, domain) = s.split_once('@').ok_or(InvalidEmail)?;
        let ok = s.len() <= 254 && local.len() <= 64 && is_dot_atom(local) && is_domain(domain);
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
        for good in ["keiri@example.co.jp", "a.b+invoice@mail-1.example.com", "o'neil@x.jp", "  t@x.jp "] {
            assert!(good.parse::<Email>().is_ok(), "{good}");
        }
        for bad in [
            "",
            "a",
            "a@b",
            "@example.com",
            "a b@example.com",
            "a@example.com.",
            "a@b,c.com",
            "a@@example.com",
            "a..b@example.com",
            ".a@example.com",
            "(a)@example.com",
            "\"a b\"@example.com",
            "a@[127.0.0.1]",
            "a@-x.example.com",
            "経理@example.jp",
            "a@例え.jp",
        ] {
            assert!(bad.parse::<Email>().is_err(), "{bad}");
        }
    }
}
