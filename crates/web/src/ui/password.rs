//! Forgotten passwords: `/forgot` asks for the address and answers the same for every
//! address; `/reset?token=…` sets a new password once, and signs the user in.

use super::failure::UiError;
use super::form::{FormFields, QueryFields};
use super::pages::{ForgotPage, ResetPage};
use crate::auth::Backend;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use invoicepilot_app::{AppError, password_reset};

type AuthSession = axum_login::AuthSession<Backend>;

/// `GET /forgot`.
pub async fn form() -> Response {
    ForgotPage { sent: false }.into_response()
}

/// `POST /forgot` with `email`: the same answer whether or not the address is known.
pub async fn submit(State(state): State<crate::AppState>, FormFields(f): FormFields) -> Result<Response, UiError> {
    if let Err(e) = password_reset::request(&state.app, &f.raw("email")).await {
        tracing::error!(error = %e, "password reset request failed");
    }
    Ok(ForgotPage { sent: true }.into_response())
}

/// `GET /reset?token=…`.
pub async fn reset_form(
    State(state): State<crate::AppState>,
    QueryFields(q): QueryFields,
) -> Result<Response, UiError> {
    let token = q.raw("token");
    match password_reset::check(&state.app, &token).await? {
        Some(_) => Ok(ResetPage { token, errors: vec![] }.into_response()),
        None => Err(UiError::Conflict(
            "このリンクは無効か、有効期限（60分）が切れています。もう一度お手続きください。".into(),
        )),
    }
}

/// `POST /reset` with `token`, `password`, `password_again`.
pub async fn reset(
    State(state): State<crate::AppState>,
    mut auth: AuthSession,
    FormFields(f): FormFields,
) -> Result<Response, UiError> {
    let token = f.raw("token");
    if f.raw("password") != f.raw("password_again") {
        let page = ResetPage { token, errors: vec!["確認用のパスワードが一致しません。".into()] };
        return Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response());
    }
    match password_reset::complete(&state.app, &token, &f.raw("password")).await {
        Ok(user) => {
            if auth.user.is_some() {
                let _ = auth.logout().await;
            }
            if auth.login(&user.into()).await.is_ok() {
                let _ = auth.session.cycle_id().await;
                return Ok(Redirect::to("/").into_response());
            }
            Ok(Redirect::to("/login").into_response())
        }
        Err(AppError::Validation(_)) => {
            let page =
                ResetPage { token, errors: vec!["パスワードは12文字以上にしてください。".into()] };
            Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
        }
        Err(AppError::Forbidden) => Err(UiError::Conflict(
            "このリンクは無効か、有効期限（60分）が切れています。もう一度お手続きください。".into(),
        )),
        Err(e) => Err(e.into()),
    }
}
