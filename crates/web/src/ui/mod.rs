//! The server-rendered UI (Japanese): login, logout and the dashboard so far. Cookie
//! sessions live here only; the JSON API stays bearer-token based and outside CSRF checks.

mod pages;

use crate::AppState;
use crate::auth::{self, Backend, BackendError, Credentials};
use crate::security::Https;
use axum::Router;
use axum::extract::{ConnectInfo, Form, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use invoicepilot_app::{Actor, Ctx, dashboard};
use pages::{DashboardPage, LoginPage, MessagePage};
use serde::Deserialize;
use std::net::SocketAddr;
use tower_http::csrf::CsrfLayer;

type AuthSession = axum_login::AuthSession<Backend>;

const BAD_LOGIN: &str = "メールアドレスまたはパスワードが正しくありません。";
const THROTTLED: &str = "ログインの失敗が続いたため、しばらくログインできません。時間をおいて再度お試しください。";

/// The UI routes with sessions and CSRF protection (Origin / Sec-Fetch-Site checks).
pub fn router(state: &AppState) -> Router<AppState> {
    let https = Https::from_app_url(state.config.app_url.as_deref());
    let mut csrf = CsrfLayer::new();
    if let Some(origin) = state.config.app_url.as_deref().and_then(origin_of) {
        match csrf.clone().add_trusted_origin(&origin) {
            Ok(c) => csrf = c,
            Err(e) => tracing::warn!(%origin, error = %e, "APP_URL is not usable as a trusted origin"),
        }
    }
    Router::new()
        .route("/", get(home))
        .route("/login", get(login_form).post(login))
        .route("/logout", post(logout))
        .route("/static/app.css", get(stylesheet))
        .route("/static/fonts/BIZUDPGothic-Regular.ttf", get(font_regular))
        .route("/static/fonts/BIZUDPGothic-Bold.ttf", get(font_bold))
        .layer(auth::auth_layer(&state.app, https))
        .layer(csrf)
}

/// `scheme://host[:port]` of a URL.
fn origin_of(url: &str) -> Option<String> {
    let (scheme, rest) = url.trim().split_once("://")?;
    let host = rest.split('/').next().filter(|h| !h.is_empty())?;
    Some(format!("{}://{}", scheme.to_ascii_lowercase(), host.to_ascii_lowercase()))
}

async fn stylesheet() -> Response {
    (
        [
            (header::CONTENT_TYPE, HeaderValue::from_static("text/css; charset=utf-8")),
            (header::CACHE_CONTROL, HeaderValue::from_static("public, max-age=3600")),
        ],
        include_str!("../../static/app.css"),
    )
        .into_response()
}

fn font(bytes: &'static [u8]) -> Response {
    (
        [
            (header::CONTENT_TYPE, HeaderValue::from_static("font/ttf")),
            (header::CACHE_CONTROL, HeaderValue::from_static("public, max-age=31536000, immutable")),
        ],
        bytes,
    )
        .into_response()
}

async fn font_regular() -> Response {
    font(include_bytes!(concat!(env!("CARGO_MANIFEST_DIR"), "/../../assets/fonts/BIZUDPGothic-Regular.ttf")))
}

async fn font_bold() -> Response {
    font(include_bytes!(concat!(env!("CARGO_MANIFEST_DIR"), "/../../assets/fonts/BIZUDPGothic-Bold.ttf")))
}

fn failure(status: StatusCode, headers: &HeaderMap, message: &str) -> Response {
    let page =
        MessagePage {
            heading: "エラー".into(), message: message.into(), request_id: crate::request_id::of(headers)
        };
    (status, page).into_response()
}

async fn home(State(state): State<AppState>, auth: AuthSession, headers: HeaderMap) -> Response {
    let Some(user) = auth.user else { return Redirect::to("/login").into_response() };
    let companies = match dashboard::memberships(&state.app, user.id).await {
        Ok(c) => c,
        Err(_) => return failure(StatusCode::INTERNAL_SERVER_ERROR, &headers, "読み込みに失敗しました。"),
    };
    let Some((company_id, company_name, role)) = companies.into_iter().next() else {
        return failure(
            StatusCode::FORBIDDEN,
            &headers,
            "所属している会社がありません。管理者に招待を依頼してください。",
        );
    };
    let ctx = Ctx { company_id, actor: Actor::User(user.id), role, request_id: crate::request_id::of(&headers) };
    match dashboard::load(&state.app, &ctx).await {
        Ok(d) => DashboardPage::new(&d, company_name, user.email).into_response(),
        Err(invoicepilot_app::AppError::Forbidden) => {
            failure(StatusCode::FORBIDDEN, &headers, "この操作は許可されていません。")
        }
        Err(e) => {
            tracing::error!(error = %e, "dashboard failed");
            failure(StatusCode::INTERNAL_SERVER_ERROR, &headers, "読み込みに失敗しました。")
        }
    }
}

async fn login_form(auth: AuthSession) -> Response {
    if auth.user.is_some() {
        return Redirect::to("/").into_response();
    }
    LoginPage { error: None, email: String::new() }.into_response()
}

/// The login form's fields.
#[derive(Deserialize)]
struct LoginForm {
    email: String,
    password: String,
}

async fn login(
    mut auth: AuthSession,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    Form(form): Form<LoginForm>,
) -> Response {
    let email = form.email.trim().to_owned();
    let creds = Credentials { email: email.clone(), password: form.password, ip: peer.ip().to_string() };
    match auth.authenticate(creds).await {
        Ok(Some(user)) => match auth.login(&user).await {
            Ok(()) => Redirect::to("/").into_response(),
            Err(e) => {
                tracing::error!(error = %e, "session could not be saved");
                failure(StatusCode::INTERNAL_SERVER_ERROR, &headers, "ログインに失敗しました。")
            }
        },
        Ok(None) => (StatusCode::UNAUTHORIZED, LoginPage { error: Some(BAD_LOGIN), email }).into_response(),
        Err(axum_login::Error::Backend(BackendError::Throttled(secs))) => {
            let mut resp = (StatusCode::TOO_MANY_REQUESTS, LoginPage { error: Some(THROTTLED), email }).into_response();
            resp.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from(secs));
            resp
        }
        Err(e) => {
            tracing::error!(error = %e, "login failed");
            failure(StatusCode::INTERNAL_SERVER_ERROR, &headers, "ログインに失敗しました。")
        }
    }
}

async fn logout(mut auth: AuthSession) -> Response {
    // Flushing deletes the session row: the old cookie is worthless from now on.
    if let Err(e) = auth.logout().await {
        tracing::error!(error = %e, "logout failed");
    }
    Redirect::to("/login").into_response()
}
