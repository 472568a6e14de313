//! Maintenance mode: a row in `app_settings`, so every instance obeys it. While it is on,
//! the UI answers 503 with a maintenance page and the API 503 with a problem body (both with
//! `Retry-After`); `/health` keeps answering; a bypass secret lets an administrator in.

use crate::App;
use crate::accounts::token_hash;
use crate::clock::{db_now, rfc3339};
use crate::error::AppError;
use invoicepilot_store::entity::app_setting;
use sea_orm::{ActiveValue::Set, EntityTrait, sea_query::OnConflict};
use serde::{Deserialize, Serialize};

/// The `app_settings` key.
pub const KEY: &str = "maintenance";

/// Maintenance mode as stored.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct Maintenance {
    /// Since when (RFC 3339 UTC).
    pub since: String,
    /// Seconds clients are told to wait (`Retry-After`).
    pub retry_after: u64,
    /// What the maintenance page says, if anything special.
    pub message: Option<String>,
    /// SHA-256 of the bypass secret.
    pub secret_sha256: Option<String>,
}

impl Maintenance {
    /// True when `secret` is the bypass secret.
    pub fn bypassed_by(&self, secret: &str) -> bool {
        self.secret_sha256.as_deref().is_some_and(|h| !secret.is_empty() && h == token_hash(secret))
    }
}

/// Turns maintenance mode on (or updates it).
pub async fn down(
    app: &App,
    retry_after: u64,
    message: Option<String>,
    secret: Option<&str>,
) -> Result<Maintenance, AppError> {
    let m = Maintenance {
        since: rfc3339(db_now(app.clock.as_ref())),
        retry_after,
        message: message.filter(|m| !m.trim().is_empty()),
        secret_sha256: secret.filter(|s| !s.is_empty()).map(token_hash),
    };
    let tx = app.db.begin_write().await?;
    app_setting::Entity::insert(app_setting::ActiveModel {
        name: Set(KEY.into()),
        value: Set(serde_json::to_string(&m)?),
    })
    .on_conflict(OnConflict::column(app_setting::Column::Name).update_column(app_setting::Column::Value).to_owned())
    .exec_without_returning(&*tx)
    .await?;
    tx.commit().await?;
    Ok(m)
}

/// Turns maintenance mode off; false when it was not on.
pub async fn up(app: &App) -> Result<bool, AppError> {
    let tx = app.db.begin_write().await?;
    let res = app_setting::Entity::delete_by_id(KEY.to_owned()).exec(&*tx).await?;
    tx.commit().await?;
    Ok(res.rows_affected > 0)
}

/// The current state.
pub async fn current(app: &App) -> Result<Option<Maintenance>, AppError> {
    let row = app_setting::Entity::find_by_id(KEY.to_owned()).one(app.db.conn()).await?;
    Ok(row.and_then(|r| serde_json::from_str(&r.value).ok()))
}
