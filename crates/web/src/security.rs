//! Security headers on every response.

use axum::extract::{Request, State};
use axum::http::{HeaderName, HeaderValue, header};
use axum::middleware::Next;
use axum::response::Response;

/// No inline scripts, nothing framed, no plugins, no `<base>`; assets only from this origin.
pub const CONTENT_SECURITY_POLICY: &str = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; \
     object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'";

/// Whether the public URL is https (then HSTS and `Secure` cookies apply).
#[derive(Debug, Clone, Copy)]
pub struct Https(pub bool);

impl Https {
    /// From `APP_URL`.
    pub fn from_app_url(app_url: Option<&str>) -> Https {
        Https(app_url.is_some_and(|u| u.trim().to_ascii_lowercase().starts_with("https://")))
    }
}

/// Adds the headers, keeping any a handler set on purpose.
pub async fn headers(State(https): State<Https>, req: Request, next: Next) -> Response {
    let mut resp = next.run(req).await;
    let h = resp.headers_mut();
    let mut set = |name: HeaderName, value: &'static str| {
        h.entry(name).or_insert(HeaderValue::from_static(value));
    };
    set(header::CONTENT_SECURITY_POLICY, CONTENT_SECURITY_POLICY);
    set(header::X_CONTENT_TYPE_OPTIONS, "nosniff");
    set(header::REFERRER_POLICY, "no-referrer");
    set(header::X_FRAME_OPTIONS, "DENY");
    set(HeaderName::from_static("cross-origin-opener-policy"), "same-origin");
    if https.0 {
        set(header::STRICT_TRANSPORT_SECURITY, "max-age=31536000; includeSubDomains");
    }
    resp
}
