//! Form and query fields as plain name/value pairs: a browser form never fails to parse
//! (a wrong value becomes a field message on the page, not a bare 422), and repeated names
//! (invoice line rows) keep their order.

use super::failure::UiError;
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;

/// Name/value pairs of an urlencoded body or query string.
#[derive(Debug, Default, Clone)]
pub struct Fields(pub Vec<(String, String)>);

impl Fields {
    /// Parses `a=1&b=2`.
    pub fn parse(raw: &str) -> Fields {
        Fields(form_urlencoded::parse(raw.as_bytes()).into_owned().collect())
    }

    /// The first value of `name`.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.0.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str())
    }

    /// The first value of `name`, trimmed, `None` when empty.
    pub fn text(&self, name: &str) -> Option<String> {
        self.get(name).map(str::trim).filter(|s| !s.is_empty()).map(str::to_owned)
    }

    /// The value as typed (empty when absent).
    pub fn raw(&self, name: &str) -> String {
        self.get(name).unwrap_or_default().to_owned()
    }

    /// Every value of `name`, in order.
    pub fn all(&self, name: &str) -> Vec<&str> {
        self.0.iter().filter(|(k, _)| k == name).map(|(_, v)| v.as_str()).collect()
    }

    /// True when a checkbox named `name` was sent checked.
    pub fn checked(&self, name: &str) -> bool {
        self.all(name).iter().any(|v| *v == "on" || *v == "true" || *v == "1")
    }

    /// The query string of these fields (for "next page" and CSV links).
    pub fn to_query(&self, skip: &[&str]) -> String {
        let mut s = form_urlencoded::Serializer::new(String::new());
        for (k, v) in &self.0 {
            if !v.is_empty() && !skip.contains(&k.as_str()) {
                s.append_pair(k, v);
            }
        }
        s.finish()
    }
}

/// An urlencoded request body.
pub struct FormFields(pub Fields);

impl<S: Send + Sync> FromRequest<S> for FormFields {
    type Rejection = UiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let bytes = axum::body::Bytes::from_request(req, state)
            .await
            .map_err(|_| UiError::BadRequest("送信内容を読み取れませんでした。".into()))?;
        let text = std::str::from_utf8(&bytes)
            .map_err(|_| UiError::BadRequest("送信内容の文字コードが正しくありません。".into()))?;
        Ok(FormFields(Fields::parse(text)))
    }
}

/// The query string.
pub struct QueryFields(pub Fields);

impl<S: Send + Sync> FromRequestParts<S> for QueryFields {
    type Rejection = UiError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(QueryFields(Fields::parse(parts.uri.query().unwrap_or(""))))
    }
}

/// A positive numeric path id; anything else is a 404 page.
pub struct PathId(pub i64);

impl<S: Send + Sync> FromRequestParts<S> for PathId {
    type Rejection = UiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let axum::extract::Path(raw) =
            axum::extract::Path::<String>::from_request_parts(parts, state).await.map_err(|_| UiError::NotFound)?;
        raw.parse::<i64>().ok().filter(|v| *v > 0).map(PathId).ok_or(UiError::NotFound)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn repeated_names_keep_their_order() {
        let f = Fields::parse("description=a&description=%E5%93%81&q=+x+&empty=");
        assert_eq!(f.all("description"), vec!["a", "品"]);
        assert_eq!(f.text("q").as_deref(), Some("x"));
        assert_eq!(f.text("empty"), None);
        assert_eq!(f.to_query(&["q"]), "description=a&description=%E5%93%81");
    }
}
