//! Pages outside the signed-in frame: login, first-run setup and messages.

use super::i18n::Lang;
use askama::Template;
use askama_web::WebTemplate;

/// `GET /login`.
#[derive(Template, WebTemplate)]
#[template(path = "login.html")]
pub struct LoginPage {
    /// Message above the form.
    pub error: Option<&'static str>,
    /// The e-mail typed before (never the password).
    pub email: String,
}

/// A message or error page.
#[derive(Template, WebTemplate)]
#[template(path = "message.html")]
pub struct MessagePage {
    /// Title.
    pub heading: String,
    /// Text.
    pub message: String,
    /// Request id, for support.
    pub request_id: Option<String>,
    /// Language of the fixed words.
    pub lang: Lang,
}

/// `GET /setup`: the first company and its owner.
#[derive(Template, WebTemplate)]
#[template(path = "setup.html")]
pub struct SetupPage {
    /// The one-time token, carried in the form.
    pub token: String,
    /// As typed.
    pub company_name: String,
    /// As typed.
    pub registration_number: String,
    /// As typed.
    pub email: String,
    /// Messages.
    pub errors: Vec<String>,
}

/// `GET /forgot`; after the request, the same confirmation for every address.
#[derive(Template, WebTemplate)]
#[template(path = "forgot.html")]
pub struct ForgotPage {
    /// True after the form was sent.
    pub sent: bool,
}

/// `GET /reset`.
#[derive(Template, WebTemplate)]
#[template(path = "reset.html")]
pub struct ResetPage {
    /// The token, carried in the form.
    pub token: String,
    /// Messages.
    pub errors: Vec<String>,
}
