//! Who is using a page: the signed-in user, the company chosen in their session and their
//! role there, read fresh on every request (a downgraded role applies at once), checked
//! against the route table.

use super::access::{self, Access};
use super::failure::UiError;
use super::form::FormFields;
use super::i18n::Lang;
use crate::AppState;
use crate::auth::Backend;
use axum::extract::{FromRequestParts, MatchedPath};
use axum::http::request::Parts;
use axum::response::{IntoResponse, Redirect, Response};
use invoicepilot_app::{Actor, App, Ctx, dashboard};
use invoicepilot_domain::{Permission, Role};
use invoicepilot_store::entity::user;
use sea_orm::EntityTrait;

/// The session key of the chosen company.
pub const COMPANY_KEY: &str = "company_id";

/// The frame every signed-in page shares: navigation, company switcher, language.
#[derive(Clone)]
pub struct Chrome {
    /// The current company.
    pub company_name: String,
    /// Other companies of the user, for the switcher.
    pub companies: Vec<(i64, String)>,
    /// The current company's id.
    pub company_id: i64,
    /// Who is signed in.
    pub user_email: String,
    /// Their role here.
    pub role: Role,
    /// UI language.
    pub lang: Lang,
    /// Which navigation entry is current.
    pub current: &'static str,
    /// The path and query of this page, for returning after the language switch.
    pub path: String,
}

impl Chrome {
    /// `text` in the user's language (Japanese is the source text).
    pub fn t(&self, text: &'static str) -> &'static str {
        self.lang.t(text)
    }

    /// True when the role holds `p` (to hide buttons the user may not use).
    pub fn can(&self, p: &str) -> bool {
        let p = match p {
            "customers" => Permission::ManageCustomers,
            "invoices" => Permission::ManageInvoices,
            "payments" => Permission::ManagePayments,
            "company" => Permission::ManageCompany,
            "users" => Permission::ManageUsers,
            "audit" => Permission::ReadAudit,
            _ => Permission::Read,
        };
        self.role.can(p)
    }

    /// The chrome for the navigation entry `current`.
    pub fn at(mut self, current: &'static str) -> Chrome {
        self.current = current;
        self
    }

    /// A copy for the navigation entry `current`.
    pub fn clone_at(&self, current: &'static str) -> Chrome {
        self.clone().at(current)
    }

    /// True when the user belongs to more than one company (the switcher shows).
    pub fn has_other_companies(&self) -> bool {
        self.companies.len() > 1
    }
}

/// A signed-in request allowed by the route table.
pub struct Signed {
    /// The use-cases.
    pub app: App,
    /// Company, actor, role, request id.
    pub ctx: Ctx,
    /// Page frame.
    pub chrome: Chrome,
    /// The session (company switching).
    pub session: tower_sessions::Session,
    /// The user's id.
    pub user_id: i64,
}

impl FromRequestParts<AppState> for Signed {
    type Rejection = UiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let method = parts.method.as_str().to_owned();
        let path = parts.extensions.get::<MatchedPath>().map(|p| p.as_str().to_owned()).unwrap_or_default();
        let Some(needed) = access::lookup(&method, &path) else {
            tracing::error!(%method, %path, "route missing from the UI permission table; refused");
            return Err(UiError::Forbidden);
        };
        let auth = axum_login::AuthSession::<Backend>::from_request_parts(parts, state)
            .await
            .map_err(|_| UiError::Internal("auth session missing".into()))?;
        let Some(user) = auth.user else { return Err(UiError::SignIn) };
        let memberships = dashboard::memberships(&state.app, user.id).await?;
        let chosen: Option<i64> = auth.session.get(COMPANY_KEY).await.ok().flatten();
        let current = chosen
            .and_then(|c| memberships.iter().find(|(id, _, _)| *id == c))
            .or_else(|| memberships.first())
            .cloned();
        let Some((company_id, company_name, role)) = current else { return Err(UiError::NoCompany) };
        let locale = user::Entity::find_by_id(user.id)
            .one(state.app.db.conn())
            .await
            .map_err(invoicepilot_app::AppError::from)?
            .map(|u| u.locale)
            .unwrap_or_default();
        let lang = Lang::from_code(&locale);
        if let Access::Needs(p) = needed
            && !role.can(p)
        {
            return Err(UiError::Forbidden.in_lang(lang));
        }
        let ctx =
            Ctx { company_id, actor: Actor::User(user.id), role, request_id: crate::request_id::of(&parts.headers) };
        let chrome = Chrome {
            company_name,
            companies: memberships.into_iter().map(|(id, name, _)| (id, name)).collect(),
            company_id,
            user_email: user.email.clone(),
            role,
            lang,
            current: "",
            path: if parts.method == axum::http::Method::GET {
                parts.uri.path_and_query().map(|p| p.as_str().to_owned()).unwrap_or_else(|| "/".into())
            } else {
                "/".into()
            },
        };
        Ok(Signed { app: state.app.clone(), ctx, chrome, session: auth.session, user_id: user.id })
    }
}

/// `POST /switch-company`: chooses another of the user's companies for this session.
pub async fn switch_company(s: Signed, FormFields(f): FormFields) -> Result<Response, UiError> {
    let wanted: i64 = f.get("company_id").and_then(|v| v.parse().ok()).ok_or(UiError::NotFound)?;
    if !s.chrome.companies.iter().any(|(id, _)| *id == wanted) {
        return Err(UiError::NotFound);
    }
    s.session.insert(COMPANY_KEY, wanted).await.map_err(|e| UiError::Internal(e.to_string()))?;
    Ok(Redirect::to("/").into_response())
}

/// `POST /language`: stores the user's UI language and returns to the page they were on.
pub async fn switch_language(s: Signed, FormFields(f): FormFields) -> Result<Response, UiError> {
    let lang = if f.get("lang") == Some("en") { "en" } else { "ja" };
    invoicepilot_app::members::set_locale(&s.app, s.user_id, lang).await?;
    Ok(Redirect::to(&local_path(f.get("back"))).into_response())
}

/// A same-site path to return to: only `/…`, never `//host` or a scheme (no open redirect).
pub fn local_path(back: Option<&str>) -> String {
    match back {
        Some(p) if p.starts_with('/') && !p.starts_with("//") && !p.contains('\\') && !p.contains("://") => {
            p.to_owned()
        }
        _ => "/".to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::local_path;

    #[test]
    fn only_local_paths_are_followed() {
        assert_eq!(local_path(Some("/invoices?status=paid")), "/invoices?status=paid");
        assert_eq!(local_path(Some("//evil.example/")), "/");
        assert_eq!(local_path(Some("https://evil.example/")), "/");
        assert_eq!(local_path(Some("/\\evil.example")), "/");
        assert_eq!(local_path(None), "/");
    }
}
