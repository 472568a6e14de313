//! The maintenance gate: while `invoicepilot down` is in force (a database row every
//! instance reads at most a second old), every request but `/health`, `/metrics` and the
//! static assets gets 503 with `Retry-After` — a Japanese page for the UI, a problem body
//! for the API — unless it carries the bypass cookie, which `/__maintenance/{secret}` sets.
//! The cookie holds an HMAC (under the application key) of the secret's hash, so neither
//! the secret nor anything stored in the database works as the cookie.

use crate::AppState;
use crate::error::ApiError;
use axum::extract::{Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{Html, IntoResponse, Redirect, Response};
use invoicepilot_app::maintenance::{self, Maintenance};
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// How stale the cached flag may be.
pub const FRESHNESS: Duration = Duration::from_millis(500);
/// The bypass cookie.
pub const COOKIE: &str = "invoicepilot_bypass";

/// The flag, read from the database at most every [`FRESHNESS`].
#[derive(Default)]
pub struct Gate(Mutex<Option<(Instant, Option<Maintenance>)>>, tokio::sync::OnceCell<Vec<u8>>);

impl Gate {
    /// The cookie value that lets a browser through maintenance `m`.
    async fn cookie_value(&self, app: &invoicepilot_app::App, m: &Maintenance) -> Option<String> {
        let hash = m.secret_sha256.as_deref()?;
        let key = self.1.get_or_try_init(|| invoicepilot_app::keys::app_key(app)).await.ok()?;
        Some(invoicepilot_app::keys::sign(key, &format!("maintenance-bypass:{hash}")))
    }

    async fn current(&self, app: &invoicepilot_app::App) -> Option<Maintenance> {
        if let Some((at, m)) = self.0.lock().unwrap_or_else(|e| e.into_inner()).as_ref()
            && at.elapsed() < FRESHNESS
        {
            return m.clone();
        }
        // A database that cannot be read is not a maintenance window; the request fails on
        // its own with 503.
        let m = maintenance::current(app).await.ok().flatten();
        *self.0.lock().unwrap_or_else(|e| e.into_inner()) = Some((Instant::now(), m.clone()));
        m
    }
}

fn exempt(path: &str) -> bool {
    path == "/health" || path == "/metrics" || path.starts_with("/static/")
}

fn has_bypass(req: &Request, expected: Option<&str>) -> bool {
    let Some(expected) = expected else { return false };
    req.headers()
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|c| c.trim().split_once('='))
        .any(|(k, v)| k == COOKIE && v == expected)
}

const PAGE: &str = include_str!("../templates/maintenance_page.html");

fn html_escape(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;").replace('\'', "&#x27;")
}

/// The middleware.
pub async fn middleware(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let path = req.uri().path().to_owned();
    if exempt(&path) {
        return next.run(req).await;
    }
    let Some(m) = state.maintenance.current(&state.app).await else { return next.run(req).await };
    let expected = state.maintenance.cookie_value(&state.app, &m).await;
    if let Some(secret) = path.strip_prefix("/__maintenance/") {
        let Some(value) = expected.filter(|_| m.bypassed_by(secret)) else {
            return StatusCode::NOT_FOUND.into_response();
        };
        let mut resp = Redirect::to("/").into_response();
        let secure =
            if state.config.app_url.as_deref().is_some_and(|u| u.starts_with("https://")) { "; Secure" } else { "" };
        let cookie = format!("{COOKIE}={value}; Path=/; HttpOnly; SameSite=Lax{secure}");
        if let Ok(v) = HeaderValue::from_str(&cookie) {
            resp.headers_mut().insert(header::SET_COOKIE, v);
        }
        return resp;
    }
    if has_bypass(&req, expected.as_deref()) {
        return next.run(req).await;
    }
    let retry = HeaderValue::from(m.retry_after.max(1));
    let mut resp = if path.starts_with("/api/") {
        ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "maintenance",
            "InvoicePilot is down for maintenance; try again later",
        )
        .into_response()
    } else {
        let message = m.message.as_deref().map(html_escape).unwrap_or_else(|| "ただいまメンテナンス中です。".into());
        (StatusCode::SERVICE_UNAVAILABLE, Html(PAGE.replace("{{message}}", &message))).into_response()
    };
    resp.headers_mut().insert(header::RETRY_AFTER, retry);
    resp
}
