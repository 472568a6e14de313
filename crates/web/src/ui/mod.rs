//! The server-rendered UI (Japanese, with an English switch per user). Cookie sessions live
//! here only; the JSON API stays bearer-token based and outside CSRF checks. Every route is
//! registered from [`routes`] and its access is looked up in [`access::UI_ROUTES`].

pub mod access;
mod adjustments;
mod assets;
mod bank;
mod conflict;
mod customers;
mod dashboard;
mod exports;
mod failure;
mod form;
mod i18n;
mod invoice_detail;
mod invoice_editor;
mod invoices;
mod login;
mod members;
mod pages;
mod password;
mod payments;
mod queue;
mod quotes;
mod recurring;
mod session;
mod settings;
mod setup;
mod tokens;

use crate::AppState;
use crate::auth;
use crate::security::Https;
use axum::Router;
use axum::routing::{MethodRouter, get, post};
use tower_http::csrf::CsrfLayer;

pub use failure::UiError;
pub use i18n::Lang;

/// Every UI route: method, path pattern and handler.
fn routes() -> Vec<(&'static str, &'static str, MethodRouter<AppState>)> {
    vec![
        ("GET", "/", get(dashboard::show)),
        ("GET", "/login", get(login::form)),
        ("POST", "/login", post(login::submit)),
        ("POST", "/logout", post(login::logout)),
        ("GET", "/forgot", get(password::form)),
        ("POST", "/forgot", post(password::submit)),
        ("GET", "/reset", get(password::reset_form)),
        ("POST", "/reset", post(password::reset)),
        ("GET", "/setup", get(setup::form)),
        ("POST", "/setup", post(setup::submit)),
        ("GET", "/static/app.css", get(assets::stylesheet)),
        ("GET", "/static/htmx.min.js", get(assets::htmx)),
        ("GET", "/static/fonts/BIZUDPGothic-Regular.ttf", get(assets::font_regular)),
        ("GET", "/static/fonts/BIZUDPGothic-Bold.ttf", get(assets::font_bold)),
        ("POST", "/switch-company", post(session::switch_company)),
        ("POST", "/language", post(session::switch_language)),
        ("GET", "/customers", get(customers::list)),
        ("GET", "/customers/new", get(customers::new)),
        ("POST", "/customers", post(customers::create)),
        ("GET", "/customers/{id}/edit", get(customers::edit)),
        ("POST", "/customers/{id}", post(customers::update)),
        ("POST", "/customers/{id}/payer-names", post(customers::add_payer_name)),
        ("POST", "/payer-names/{id}/delete", post(customers::forget_payer_name)),
        ("GET", "/invoices", get(invoices::list)),
        ("GET", "/invoices.csv", get(invoices::csv)),
        ("GET", "/invoices/new", get(invoice_editor::new)),
        ("POST", "/invoices", post(invoice_editor::create)),
        ("POST", "/invoices/preview", post(invoice_editor::preview)),
        ("GET", "/invoices/{id}", get(invoice_detail::show)),
        ("GET", "/invoices/{id}/edit", get(invoice_editor::edit)),
        ("POST", "/invoices/{id}", post(invoice_editor::update)),
        ("POST", "/invoices/{id}/delete", post(invoice_detail::delete)),
        ("POST", "/invoices/{id}/issue", post(invoice_detail::issue)),
        ("POST", "/invoices/{id}/void", post(invoice_detail::void)),
        ("POST", "/invoices/{id}/correct", post(adjustments::correct)),
        ("POST", "/invoices/{id}/credit-notes", post(adjustments::create_credit)),
        ("GET", "/credit-notes", get(adjustments::list)),
        ("GET", "/credit-notes/{id}/pdf", get(adjustments::credit_pdf)),
        ("POST", "/invoices/{id}/send", post(invoice_detail::send)),
        ("POST", "/invoices/{id}/issue-and-send", post(invoice_detail::issue_and_send)),
        ("POST", "/invoices/{id}/dunning-hold", post(invoice_detail::dunning_hold)),
        ("GET", "/invoices/{id}/history", get(invoice_detail::history)),
        ("GET", "/invoices/{id}/pdf", get(invoice_detail::pdf)),
        ("GET", "/payments", get(payments::list)),
        ("GET", "/payments/new", get(payments::new)),
        ("POST", "/payments", post(payments::create)),
        ("POST", "/payments/{id}/reverse", post(payments::reverse)),
        ("GET", "/quotes", get(quotes::list)),
        ("GET", "/quotes/new", get(quotes::new)),
        ("POST", "/quotes", post(quotes::create)),
        ("GET", "/quotes/{id}", get(quotes::show)),
        ("POST", "/quotes/{id}/issue", post(quotes::issue)),
        ("POST", "/quotes/{id}/accept", post(quotes::accept)),
        ("POST", "/quotes/{id}/decline", post(quotes::decline)),
        ("GET", "/quotes/{id}/pdf", get(quotes::pdf)),
        ("GET", "/recurring", get(recurring::show)),
        ("POST", "/recurring", post(recurring::create)),
        ("POST", "/recurring/{id}/toggle", post(recurring::toggle)),
        ("POST", "/invoices/summary", post(recurring::summary)),
        ("GET", "/bank", get(bank::show)),
        ("GET", "/exports", get(exports::show)),
        ("GET", "/exports/journal.csv", get(exports::journal_csv)),
        ("GET", "/exports/payments.csv", get(exports::payments_csv)),
        ("POST", "/bank/import", post(bank::import)),
        ("POST", "/bank/transactions/{id}/accept", post(bank::accept)),
        ("POST", "/bank/transactions/{id}/assign", post(bank::assign)),
        ("POST", "/bank/transactions/{id}/ignore", post(bank::ignore)),
        ("POST", "/bank/transactions/{id}/unmatch", post(bank::unmatch)),
        ("GET", "/settings", get(settings::show)),
        ("POST", "/settings", post(settings::update)),
        ("POST", "/settings/numbering", post(settings::set_next_number)),
        ("POST", "/settings/seal", post(settings::upload_seal)),
        ("POST", "/settings/seal/delete", post(settings::remove_seal)),
        ("GET", "/settings/seal.png", get(settings::seal_image)),
        ("GET", "/settings/users", get(members::list)),
        ("POST", "/settings/users", post(members::add)),
        ("POST", "/settings/users/{id}/role", post(members::set_role)),
        ("GET", "/queue", get(queue::show)),
        ("POST", "/queue/retry-all", post(queue::retry_all)),
        ("POST", "/queue/failed/{id}/retry", post(queue::retry)),
        ("POST", "/queue/failed/{id}/forget", post(queue::forget)),
        ("GET", "/tokens", get(tokens::list)),
        ("POST", "/tokens", post(tokens::create)),
        ("POST", "/tokens/{id}/revoke", post(tokens::revoke)),
    ]
}

/// Method and path of every registered UI route (the role-matrix test compares them with
/// the access table both ways).
pub fn registered_routes() -> Vec<(&'static str, &'static str)> {
    routes().into_iter().map(|(m, p, _)| (m, p)).collect()
}

/// The UI routes with sessions, CSRF protection (Origin / Sec-Fetch-Site checks) and
/// friendly failure pages.
pub fn router(state: &AppState) -> Router<AppState> {
    let https = Https::from_app_url(state.config.app_url.as_deref());
    let mut csrf = CsrfLayer::new();
    if let Some(origin) = state.config.app_url.as_deref().and_then(origin_of) {
        match csrf.clone().add_trusted_origin(&origin) {
            Ok(c) => csrf = c,
            Err(e) => tracing::warn!(%origin, error = %e, "APP_URL is not usable as a trusted origin"),
        }
    }
    let mut router = Router::new();
    for (_, path, handler) in routes() {
        router = router.route(path, handler);
    }
    router.layer(axum::middleware::from_fn(failure::render)).layer(auth::auth_layer(&state.app, https)).layer(csrf)
}

/// `scheme://host[:port]` of a URL.
fn origin_of(url: &str) -> Option<String> {
    let (scheme, rest) = url.trim().split_once("://")?;
    let host = rest.split('/').next().filter(|h| !h.is_empty())?;
    Some(format!("{}://{}", scheme.to_ascii_lowercase(), host.to_ascii_lowercase()))
}

/// A UI 404 page for paths no route knows (the API keeps its problem bodies).
pub fn not_found_page(headers: &axum::http::HeaderMap) -> axum::response::Response {
    failure::page(
        axum::http::StatusCode::NOT_FOUND,
        headers,
        "見つかりません",
        "お探しのページは見つかりませんでした。",
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every registered route is in the access table and every table entry is registered.
    #[test]
    fn routes_and_access_table_agree() {
        let registered = registered_routes();
        for (m, p) in &registered {
            assert!(access::lookup(m, p).is_some(), "{m} {p} is routed but missing from UI_ROUTES");
        }
        for (m, p, _) in access::UI_ROUTES {
            assert!(registered.contains(&(*m, *p)), "{m} {p} is in UI_ROUTES but not routed");
        }
    }

    #[test]
    fn origins_drop_paths_and_case() {
        assert_eq!(origin_of("HTTPS://Keiri.Example.jp/app/").as_deref(), Some("https://keiri.example.jp"));
        assert_eq!(origin_of("http://127.0.0.1:8000").as_deref(), Some("http://127.0.0.1:8000"));
        assert_eq!(origin_of("nonsense"), None);
    }
}
