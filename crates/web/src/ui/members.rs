//! ユーザーと権限: the company's members, adding one (a new account or an existing one) and
//! changing roles. Only an owner makes owners; the last owner stays.

use super::customers::messages;
use super::failure::UiError;
use super::form::{FormFields, PathId};
use super::session::{Chrome, Signed};
use askama::Template;
use askama_web::WebTemplate;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use invoicepilot_app::AppError;
use invoicepilot_app::members::{self, Member};
use invoicepilot_domain::Role;

/// `GET /settings/users`.
#[derive(Template, WebTemplate)]
#[template(path = "users.html")]
pub struct UsersPage {
    pub chrome: Chrome,
    pub members: Vec<Member>,
    pub roles: Vec<(&'static str, &'static str)>,
    pub email: String,
    pub role: String,
    pub errors: Vec<String>,
}

async fn page(s: &Signed, email: String, role: String, errors: Vec<String>) -> Result<UsersPage, UiError> {
    Ok(UsersPage {
        chrome: s.chrome.clone_at("users"),
        members: members::list(&s.app, &s.ctx).await?,
        roles: Role::ALL.iter().map(|r| (r.code(), r.label_ja())).collect(),
        email,
        role,
        errors,
    })
}

/// `GET /settings/users`.
pub async fn list(s: Signed) -> Result<Response, UiError> {
    Ok(page(&s, String::new(), Role::Accountant.code().into(), vec![]).await?.into_response())
}

fn refused(e: AppError) -> Result<Vec<String>, UiError> {
    match e {
        AppError::Validation(errs) => Ok(messages(&errs)),
        AppError::Conflict(_) => Ok(vec!["会社の最後のオーナーの権限は変更できません。".into()]),
        AppError::Forbidden => Ok(vec!["オーナーの権限を付与・変更できるのはオーナーだけです。".into()]),
        e => Err(e.into()),
    }
}

/// `POST /settings/users`: `email`, `password` (new accounts only), `role`.
pub async fn add(s: Signed, FormFields(f): FormFields) -> Result<Response, UiError> {
    let (email, role_code) = (f.raw("email"), f.raw("role"));
    let Ok(role) = role_code.parse::<Role>() else {
        let p = page(&s, email, role_code, vec!["権限を選んでください。".into()]).await?;
        return Ok((StatusCode::UNPROCESSABLE_ENTITY, p).into_response());
    };
    match members::add(&s.app, &s.ctx, &email, &f.raw("password"), role).await {
        Ok(_) => Ok(Redirect::to("/settings/users").into_response()),
        Err(e) => {
            let status =
                if matches!(e, AppError::Forbidden) { StatusCode::FORBIDDEN } else { StatusCode::UNPROCESSABLE_ENTITY };
            let errors = refused(e)?;
            Ok((status, page(&s, email, role_code, errors).await?).into_response())
        }
    }
}

/// `POST /settings/users/{id}/role`: takes effect on the member's next request.
pub async fn set_role(s: Signed, PathId(id): PathId, FormFields(f): FormFields) -> Result<Response, UiError> {
    let Ok(role) = f.raw("role").parse::<Role>() else {
        let p = page(&s, String::new(), String::new(), vec!["権限を選んでください。".into()]).await?;
        return Ok((StatusCode::UNPROCESSABLE_ENTITY, p).into_response());
    };
    match members::set_role(&s.app, &s.ctx, id, role).await {
        Ok(_) => Ok(Redirect::to("/settings/users").into_response()),
        Err(AppError::NotFound(_)) => Err(UiError::NotFound),
        Err(e) => {
            let status = match e {
                AppError::Forbidden => StatusCode::FORBIDDEN,
                AppError::Conflict(_) => StatusCode::CONFLICT,
                _ => StatusCode::UNPROCESSABLE_ENTITY,
            };
            let errors = refused(e)?;
            Ok((status, page(&s, String::new(), String::new(), errors).await?).into_response())
        }
    }
}
