//! Password reset: a 256-bit token, stored hashed, usable once within 60 minutes, mailed as a
//! link built from `APP_URL` (never from a request's Host header). Asking for an unknown
//! address looks exactly like asking for a known one.

use crate::App;
use crate::accounts::{hash_password, token_hash};
use crate::audit::{self, AuditEntry};
use crate::clock::db_now;
use crate::context::Ctx;
use crate::error::AppError;
use crate::mail::{Recipients, purpose};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::Duration;
use invoicepilot_store::entity::{membership, password_reset, user};
use rand::RngCore;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter, sea_query::Expr,
};
use serde_json::json;

/// How long a link works.
pub const VALID_MINUTES: i64 = 60;
/// Links per user per hour; more requests are answered the same but send nothing.
pub const MAX_PER_HOUR: u64 = 3;

/// Queues a reset mail for `email` when such a user exists (and has not asked too often).
/// Always `Ok`: the caller answers the same in every case.
pub async fn request(app: &App, email: &str) -> Result<(), AppError> {
    let email = email.trim().to_lowercase();
    let Some(u) = user::Entity::find().filter(user::Column::Email.eq(&email)).one(app.db.conn()).await? else {
        // The same work as for a known address, so timing says nothing either.
        let _ = token_hash(&email);
        return Ok(());
    };
    let now = db_now(app.clock.as_ref());
    let recent = password_reset::Entity::find()
        .filter(password_reset::Column::UserId.eq(u.id))
        .filter(password_reset::Column::CreatedAt.gte(now - Duration::hours(1)))
        .count(app.db.conn())
        .await?;
    if recent >= MAX_PER_HOUR {
        return Ok(());
    }
    // Deliveries belong to a company; use the user's first.
    let Some(m) = membership::Entity::find().filter(membership::Column::UserId.eq(u.id)).one(app.db.conn()).await?
    else {
        return Ok(());
    };
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    let token = URL_SAFE_NO_PAD.encode(bytes);
    let tx = app.db.begin_write().await?;
    password_reset::ActiveModel {
        user_id: Set(u.id),
        token_hash: Set(token_hash(&token)),
        expires_at: Set(now + Duration::minutes(VALID_MINUTES)),
        used_at: Set(None),
        created_at: Set(now),
        ..Default::default()
    }
    .insert(&*tx)
    .await?;
    let recipients = Recipients { to: vec![u.email.clone()], cc: vec![] };
    // The token rides in the job (deleted when the job ends) so the link can be mailed.
    crate::mail::create_delivery(
        app,
        &*tx,
        m.company_id,
        None,
        purpose::PASSWORD_RESET,
        &recipients,
        json!({"token": token}),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// The user a valid, unused, unexpired token belongs to.
pub async fn check(app: &App, token: &str) -> Result<Option<i64>, AppError> {
    if token.is_empty() || token.len() > 100 {
        return Ok(None);
    }
    let now = db_now(app.clock.as_ref());
    let row = password_reset::Entity::find()
        .filter(password_reset::Column::TokenHash.eq(token_hash(token)))
        .filter(password_reset::Column::UsedAt.is_null())
        .filter(password_reset::Column::ExpiresAt.gt(now))
        .one(app.db.conn())
        .await?;
    Ok(row.map(|r| r.user_id))
}

/// Sets a new password with a token, once; every outstanding token of the user dies with it,
/// and so do the user's sessions (they are bound to the password hash).
pub async fn complete(app: &App, token: &str, password: &str) -> Result<user::Model, AppError> {
    if password.chars().count() < 12 {
        return Err(AppError::field("password", "too_short", "the password needs at least 12 characters"));
    }
    let hash = hash_password(password)?;
    let now = db_now(app.clock.as_ref());
    let tx = app.db.begin_write().await?;
    // Expiry and single use are checked in the very statement that spends the token.
    let spent = password_reset::Entity::update_many()
        .col_expr(password_reset::Column::UsedAt, Expr::value(Some(now)))
        .filter(password_reset::Column::TokenHash.eq(token_hash(token)))
        .filter(password_reset::Column::UsedAt.is_null())
        .filter(password_reset::Column::ExpiresAt.gt(now))
        .exec(&*tx)
        .await?;
    if spent.rows_affected != 1 {
        return Err(AppError::Forbidden);
    }
    let reset = password_reset::Entity::find()
        .filter(password_reset::Column::TokenHash.eq(token_hash(token)))
        .one(&*tx)
        .await?
        .ok_or(AppError::Forbidden)?;
    password_reset::Entity::update_many()
        .col_expr(password_reset::Column::UsedAt, Expr::value(Some(now)))
        .filter(password_reset::Column::UserId.eq(reset.user_id))
        .filter(password_reset::Column::UsedAt.is_null())
        .exec(&*tx)
        .await?;
    let u = user::Entity::find_by_id(reset.user_id).one(&*tx).await?.ok_or(AppError::Forbidden)?;
    let mut am: user::ActiveModel = u.into();
    am.password_hash = Set(hash);
    let u = am.update(&*tx).await?;
    for m in membership::Entity::find().filter(membership::Column::UserId.eq(u.id)).all(&*tx).await? {
        audit::append(
            app,
            &tx,
            &Ctx::system(m.company_id),
            AuditEntry {
                action: "user.password_reset",
                target_type: "user",
                target_id: Some(u.id),
                changes: json!({"after": {"email": u.email}}),
            },
        )
        .await?;
    }
    tx.commit().await?;
    Ok(u)
}
