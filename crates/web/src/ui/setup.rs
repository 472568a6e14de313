//! First run: while no user exists, `serve` prints a one-time URL; its page creates the
//! first company and its owner and signs the owner in.

use super::failure::UiError;
use super::form::{FormFields, QueryFields};
use super::pages::SetupPage;
use crate::auth::Backend;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use invoicepilot_app::members::{self, SetupInput};
use invoicepilot_app::{App, AppError};

type AuthSession = axum_login::AuthSession<Backend>;

async fn check(app: &App, token: &str) -> Result<(), UiError> {
    if members::setup_token_valid(app, token).await? { Ok(()) } else { Err(UiError::NotFound) }
}

/// `GET /setup?token=…`: the form, only with the current setup token and while no user exists.
pub async fn form(
    axum::extract::State(state): axum::extract::State<crate::AppState>,
    QueryFields(q): QueryFields,
) -> Result<Response, UiError> {
    let token = q.raw("token");
    check(&state.app, &token).await?;
    Ok(SetupPage {
        token,
        company_name: String::new(),
        registration_number: String::new(),
        email: String::new(),
        errors: vec![],
    }
    .into_response())
}

/// `POST /setup`: creates the company and the owner, burns the token, signs the owner in.
pub async fn submit(
    axum::extract::State(state): axum::extract::State<crate::AppState>,
    mut auth: AuthSession,
    FormFields(f): FormFields,
) -> Result<Response, UiError> {
    let token = f.raw("token");
    check(&state.app, &token).await?;
    let mut page = SetupPage {
        token: token.clone(),
        company_name: f.raw("company_name"),
        registration_number: f.raw("registration_number"),
        email: f.raw("email"),
        errors: vec![],
    };
    let input = SetupInput {
        company_name: f.raw("company_name").trim().to_owned(),
        registration_number: f.text("registration_number"),
        email: f.raw("email"),
        password: f.raw("password"),
    };
    match members::complete_setup(&state.app, &token, input).await {
        Ok(user) => {
            if let Err(e) = auth.login(&user.into()).await {
                tracing::error!(error = %e, "session could not be saved after setup");
                return Ok(Redirect::to("/login").into_response());
            }
            Ok(Redirect::to("/").into_response())
        }
        Err(AppError::Validation(errs)) => {
            page.errors = super::customers::messages(&errs);
            Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
        }
        Err(e) => Err(e.into()),
    }
}
