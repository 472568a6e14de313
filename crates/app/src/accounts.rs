//! Users, memberships and API tokens.

use crate::App;
use crate::clock::db_now;
use crate::context::{Actor, Ctx};
use crate::error::AppError;
use argon2::password_hash::{PasswordHasher, SaltString};
use argon2::{Argon2, PasswordHash, PasswordVerifier};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use invoicepilot_domain::{Email, Role};
use invoicepilot_store::entity::{api_token, company, membership, user};
use rand::RngCore;
use sea_orm::{ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};
use sha2::{Digest, Sha256};

/// Prefix that makes InvoicePilot tokens recognisable (e.g. by secret scanners).
pub const TOKEN_PREFIX: &str = "ip_";

/// Creates a user (or adds a membership to an existing one) with a role in a company.
pub async fn create_user(
    app: &App,
    email: &str,
    password: &str,
    company_id: i64,
    role: Role,
) -> Result<user::Model, AppError> {
    let email: Email = email.parse().map_err(|_| AppError::field("email", "invalid", "not a valid e-mail address"))?;
    let email = email.as_str().to_lowercase();
    if password.chars().count() < 12 {
        return Err(AppError::field("password", "too_short", "the password needs at least 12 characters"));
    }
    company::Entity::find_by_id(company_id).one(app.db.conn()).await?.ok_or(AppError::NotFound("company"))?;
    let hash = hash_password(password)?;
    let now = db_now(app.clock.as_ref());
    let tx = app.db.begin_write().await?;
    let existing = user::Entity::find().filter(user::Column::Email.eq(&email)).one(&*tx).await?;
    let u = match existing {
        Some(u) => {
            let mut am: user::ActiveModel = u.into();
            am.password_hash = Set(hash);
            am.update(&*tx).await?
        }
        None => {
            user::ActiveModel {
                email: Set(email),
                name: Set(None),
                password_hash: Set(hash),
                created_at: Set(now),
                locale: Set("ja".into()),
                ..Default::default()
            }
            .insert(&*tx)
            .await?
        }
    };
    let member = membership::Entity::find()
        .filter(membership::Column::UserId.eq(u.id))
        .filter(membership::Column::CompanyId.eq(company_id))
        .one(&*tx)
        .await?;
    match member {
        Some(m) => {
            let mut am: membership::ActiveModel = m.into();
            am.role = Set(role.code().into());
            am.update(&*tx).await?;
        }
        None => {
            membership::ActiveModel {
                user_id: Set(u.id),
                company_id: Set(company_id),
                role: Set(role.code().into()),
                created_at: Set(now),
                ..Default::default()
            }
            .insert(&*tx)
            .await?;
        }
    }
    let ctx = Ctx::system(company_id);
    crate::audit::append(
        app,
        &tx,
        &ctx,
        crate::audit::AuditEntry {
            action: "user.membership_set",
            target_type: "user",
            target_id: Some(u.id),
            changes: serde_json::json!({"after": {"email": u.email, "role": role.code()}}),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(u)
}

/// argon2id hash of a password.
pub fn hash_password(password: &str) -> Result<String, AppError> {
    let mut bytes = [0u8; 16];
    rand::rng().fill_bytes(&mut bytes);
    let salt = SaltString::encode_b64(&bytes).map_err(|e| AppError::Internal(format!("salt: {e}")))?;
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| AppError::Internal(format!("password hashing failed: {e}")))
}

/// True when `password` matches the stored hash.
pub fn verify_password(password: &str, hash: &str) -> bool {
    PasswordHash::new(hash).is_ok_and(|h| Argon2::default().verify_password(password.as_bytes(), &h).is_ok())
}

/// SHA-256 of a token: tokens carry 256 bits of randomness, so a fast hash is safe and lets
/// every request look the token up by its hash.
pub fn token_hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

/// Creates an API token for a user in a company; returns the token (shown once).
pub async fn create_token(app: &App, email: &str, company_id: Option<i64>, name: &str) -> Result<String, AppError> {
    let email = email.trim().to_lowercase();
    let u = user::Entity::find()
        .filter(user::Column::Email.eq(&email))
        .one(app.db.conn())
        .await?
        .ok_or(AppError::NotFound("user"))?;
    let memberships = membership::Entity::find().filter(membership::Column::UserId.eq(u.id)).all(app.db.conn()).await?;
    let m = match company_id {
        Some(c) => memberships.into_iter().find(|m| m.company_id == c).ok_or(AppError::NotFound("membership"))?,
        None if memberships.len() == 1 => memberships.into_iter().next().ok_or(AppError::NotFound("membership"))?,
        None if memberships.is_empty() => return Err(AppError::NotFound("membership")),
        None => {
            return Err(AppError::field(
                "company",
                "required",
                "the user belongs to several companies; pass --company",
            ));
        }
    };
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    let token = format!("{TOKEN_PREFIX}{}", URL_SAFE_NO_PAD.encode(bytes));
    let tx = app.db.begin_write().await?;
    let t = api_token::ActiveModel {
        company_id: Set(m.company_id),
        user_id: Set(u.id),
        name: Set(name.chars().take(100).collect()),
        token_hash: Set(token_hash(&token)),
        created_at: Set(db_now(app.clock.as_ref())),
        last_used_at: Set(None),
        revoked_at: Set(None),
        ..Default::default()
    }
    .insert(&*tx)
    .await?;
    let ctx = Ctx { company_id: m.company_id, actor: Actor::User(u.id), role: Role::Owner, request_id: None };
    crate::audit::append(
        app,
        &tx,
        &ctx,
        crate::audit::AuditEntry {
            action: "token.created",
            target_type: "api_token",
            target_id: Some(t.id),
            changes: serde_json::json!({"after": {"name": t.name, "user_id": u.id}}),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(token)
}

struct TokenRow {
    id: i64,
    user_id: i64,
    company_id: i64,
}

/// Who a bearer token speaks for.
#[derive(Debug, Clone)]
pub struct Principal {
    /// Token row id (scopes idempotency keys and rate limits).
    pub token_id: i64,
    /// The user.
    pub user_id: i64,
    /// The company the token belongs to.
    pub company_id: i64,
    /// The user's current role there (a demoted user's tokens lose rights at once).
    pub role: Role,
}

/// Resolves a bearer token; `Unauthorized` for unknown, revoked or orphaned tokens.
pub async fn authenticate(app: &App, token: &str) -> Result<Principal, AppError> {
    if !token.starts_with(TOKEN_PREFIX) || token.len() > 200 {
        return Err(AppError::Unauthorized);
    }
    // One round trip: the token and the owner's current role in the token's company.
    let b = app.db.db_backend();
    let row = app
        .db
        .conn()
        .query_one_raw(crate::sql::stmt(
            b,
            "SELECT t.id, t.user_id, t.company_id, m.role FROM api_tokens t \
             JOIN memberships m ON m.user_id = t.user_id AND m.company_id = t.company_id \
             WHERE t.token_hash = ? AND t.revoked_at IS NULL",
            vec![token_hash(token).into()],
        ))
        .await?
        .ok_or(AppError::Unauthorized)?;
    let role: String = row.try_get("", "role")?;
    let role: Role = role.parse().map_err(|_| AppError::Unauthorized)?;
    let t = TokenRow {
        id: row.try_get("", "id")?,
        user_id: row.try_get("", "user_id")?,
        company_id: row.try_get("", "company_id")?,
    };
    Ok(Principal { token_id: t.id, user_id: t.user_id, company_id: t.company_id, role })
}
