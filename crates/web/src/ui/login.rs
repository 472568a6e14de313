//! Sign-in and sign-out. Failures read the same for known and unknown e-mails; the throttle
//! answers 429 with `Retry-After`.

use super::failure::page;
use super::pages::LoginPage;
use crate::auth::{Backend, BackendError, Credentials};
use axum::extract::{ConnectInfo, Form};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use std::net::SocketAddr;

type AuthSession = axum_login::AuthSession<Backend>;

const BAD_LOGIN: &str = "メールアドレスまたはパスワードが正しくありません。";
const THROTTLED: &str = "ログインの失敗が続いたため、しばらくログインできません。時間をおいて再度お試しください。";

/// `GET /login`.
pub async fn form(auth: AuthSession) -> Response {
    if auth.user.is_some() {
        return Redirect::to("/").into_response();
    }
    LoginPage { error: None, email: String::new() }.into_response()
}

/// The login form's fields.
#[derive(Deserialize)]
pub struct LoginForm {
    email: String,
    password: String,
}

/// `POST /login`: on success the session id is replaced (axum-login cycles it).
pub async fn submit(
    mut auth: AuthSession,
    axum::extract::State(state): axum::extract::State<crate::AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    Form(form): Form<LoginForm>,
) -> Response {
    let email = form.email.trim().to_owned();
    let ip = crate::client_ip::client_ip(peer.ip(), &headers, &state.config.trusted_proxies);
    let creds = Credentials { email: email.clone(), password: form.password, ip: ip.to_string() };
    match auth.authenticate(creds).await {
        Ok(Some(user)) => match relogin(&mut auth, &user).await {
            Ok(()) => Redirect::to("/").into_response(),
            Err(e) => {
                tracing::error!(error = %e, "session could not be saved");
                page(StatusCode::INTERNAL_SERVER_ERROR, &headers, "エラーが発生しました", "ログインに失敗しました。")
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
            page(StatusCode::INTERNAL_SERVER_ERROR, &headers, "エラーが発生しました", "ログインに失敗しました。")
        }
    }
}

/// Signs `user` in under a new session id. A session that was already signed in (perhaps
/// as someone else) is ended first, so nothing of it — the chosen company included — carries
/// over; and because axum-login cycles the id only for sessions it never saw signed in, the
/// id is cycled here every time.
async fn relogin(auth: &mut AuthSession, user: &crate::auth::SessionUser) -> Result<(), axum_login::Error<Backend>> {
    if auth.user.is_some() {
        auth.logout().await?;
    }
    auth.login(user).await?;
    auth.session.cycle_id().await?;
    Ok(())
}

/// `POST /logout`: deletes the session row, so the old cookie is worthless from now on.
pub async fn logout(mut auth: AuthSession) -> Response {
    if let Err(e) = auth.logout().await {
        tracing::error!(error = %e, "logout failed");
    }
    Redirect::to("/login").into_response()
}
