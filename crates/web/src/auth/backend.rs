//! axum-login backend: users with argon2id passwords, throttled logins.

use invoicepilot_app::App;
use invoicepilot_app::login::{LoginOutcome, attempt};
use invoicepilot_store::entity::user;
use sea_orm::EntityTrait;

/// A signed-in user as the session knows them.
#[derive(Clone)]
pub struct SessionUser {
    /// User id.
    pub id: i64,
    /// Login e-mail.
    pub email: String,
    /// The password hash: changing the password invalidates every session.
    hash: Vec<u8>,
}

impl std::fmt::Debug for SessionUser {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SessionUser").field("id", &self.id).field("email", &self.email).finish_non_exhaustive()
    }
}

impl From<user::Model> for SessionUser {
    fn from(u: user::Model) -> Self {
        SessionUser { id: u.id, email: u.email, hash: u.password_hash.into_bytes() }
    }
}

impl axum_login::AuthUser for SessionUser {
    type Id = i64;

    fn id(&self) -> i64 {
        self.id
    }

    fn session_auth_hash(&self) -> &[u8] {
        &self.hash
    }
}

/// What the login form sends, plus the client's address.
#[derive(Clone)]
pub struct Credentials {
    /// E-mail as typed.
    pub email: String,
    /// Password as typed.
    pub password: String,
    /// Client address, for the per-address throttle.
    pub ip: String,
}

/// Why authentication could not decide.
#[derive(Debug, thiserror::Error)]
pub enum BackendError {
    /// Locked by the throttle for this many seconds.
    #[error("too many failed attempts; retry after {0} s")]
    Throttled(u64),
    /// The database failed.
    #[error("{0}")]
    App(#[from] invoicepilot_app::AppError),
}

/// Users of the application database.
#[derive(Clone)]
pub struct Backend {
    app: App,
}

impl Backend {
    /// A backend on `app`.
    pub fn new(app: App) -> Backend {
        Backend { app }
    }
}

impl axum_login::AuthnBackend for Backend {
    type User = SessionUser;
    type Credentials = Credentials;
    type Error = BackendError;

    async fn authenticate(&self, c: Credentials) -> Result<Option<SessionUser>, BackendError> {
        match attempt(&self.app, &c.email, &c.password, &c.ip).await? {
            LoginOutcome::Success(u) => Ok(Some(u.into())),
            LoginOutcome::Invalid => Ok(None),
            LoginOutcome::Throttled(secs) => Err(BackendError::Throttled(secs)),
        }
    }

    async fn get_user(&self, id: &i64) -> Result<Option<SessionUser>, BackendError> {
        let u =
            user::Entity::find_by_id(*id).one(self.app.db.conn()).await.map_err(invoicepilot_app::AppError::from)?;
        Ok(u.map(Into::into))
    }
}
