//! APIトークン: the signed-in user's tokens for the current company. A new token is shown
//! once, on the page that created it; revoking takes effect on the token's next request.

use super::customers::messages;
use super::failure::UiError;
use super::form::{FormFields, PathId};
use super::session::{Chrome, Signed};
use askama::Template;
use askama_web::WebTemplate;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use invoicepilot_app::AppError;
use invoicepilot_app::dashboard::local_time;
use invoicepilot_app::members;

/// A token row (never the secret).
pub struct TokenRow {
    pub id: i64,
    pub name: String,
    pub created_at: String,
    pub revoked_at: Option<String>,
}

/// `GET /tokens`.
#[derive(Template, WebTemplate)]
#[template(path = "tokens.html")]
pub struct TokensPage {
    pub chrome: Chrome,
    pub tokens: Vec<TokenRow>,
    pub created: Option<String>,
    pub errors: Vec<String>,
}

async fn page(s: &Signed, created: Option<String>, errors: Vec<String>) -> Result<TokensPage, UiError> {
    let tz = invoicepilot_app::company::load(&s.app, s.ctx.company_id).await?.model.time_zone;
    let tokens = members::tokens(&s.app, &s.ctx)
        .await?
        .into_iter()
        .map(|t| TokenRow {
            id: t.id,
            name: t.name,
            created_at: local_time(&t.created_at, &tz),
            revoked_at: t.revoked_at.map(|r| local_time(&r, &tz)),
        })
        .collect();
    Ok(TokensPage { chrome: s.chrome.clone_at("tokens"), tokens, created, errors })
}

/// `GET /tokens`.
pub async fn list(s: Signed) -> Result<Response, UiError> {
    Ok(page(&s, None, vec![]).await?.into_response())
}

/// `POST /tokens` with `name`: the answer shows the token this once (not a redirect, so it
/// is never in a URL or the history).
pub async fn create(s: Signed, FormFields(f): FormFields) -> Result<Response, UiError> {
    match members::create_token(&s.app, &s.ctx, &f.raw("name")).await {
        Ok(token) => Ok((StatusCode::CREATED, page(&s, Some(token), vec![]).await?).into_response()),
        Err(AppError::Validation(errs)) => {
            Ok((StatusCode::UNPROCESSABLE_ENTITY, page(&s, None, messages(&errs)).await?).into_response())
        }
        Err(e) => Err(e.into()),
    }
}

/// `POST /tokens/{id}/revoke`.
pub async fn revoke(s: Signed, PathId(id): PathId) -> Result<Response, UiError> {
    members::revoke_token(&s.app, &s.ctx, id).await?;
    Ok(Redirect::to("/tokens").into_response())
}
