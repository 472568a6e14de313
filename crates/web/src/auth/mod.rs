//! Browser authentication: database-backed sessions (any instance serves any user) and
//! axum-login over the users table.

mod backend;
mod store;

pub use backend::{Backend, BackendError, Credentials, SessionUser};
pub use store::DbSessionStore;

use crate::security::Https;
use invoicepilot_app::App;
use tower_sessions::cookie::SameSite;
use tower_sessions::{Expiry, SessionManagerLayer};

/// The session cookie: `HttpOnly`, `SameSite=Lax`, and over https `Secure` with the
/// `__Host-` prefix (bound to this exact origin).
pub fn session_layer(app: &App, https: Https) -> SessionManagerLayer<DbSessionStore> {
    let name = if https.0 { "__Host-invoicepilot_session" } else { "invoicepilot_session" };
    SessionManagerLayer::new(DbSessionStore::new(app.clone()))
        .with_name(name)
        .with_http_only(true)
        .with_same_site(SameSite::Lax)
        .with_secure(https.0)
        .with_path("/")
        .with_expiry(Expiry::OnInactivity(time::Duration::hours(8)))
}

/// The login layer on top of the sessions.
pub fn auth_layer(app: &App, https: Https) -> axum_login::AuthManagerLayer<Backend, DbSessionStore> {
    axum_login::AuthManagerLayerBuilder::new(Backend::new(app.clone()), session_layer(app, https)).build()
}
