//! Members of a company (users and roles), each user's API tokens and UI language, and the
//! first-run setup that creates the first company and its owner.

use crate::App;
use crate::accounts::{self, TOKEN_PREFIX};
use crate::audit::{self, AuditEntry};
use crate::clock::{db_now, rfc3339};
use crate::company;
use crate::context::{Actor, Ctx};
use crate::error::AppError;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use invoicepilot_domain::{Email, Permission, Role};
use invoicepilot_store::entity::{api_token, app_setting, membership, user};
use rand::RngCore;
use sea_orm::{ActiveModelTrait, ActiveValue::Set, ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder};
use serde_json::json;

/// A member as the users page shows them.
#[derive(Debug, Clone)]
pub struct Member {
    /// User id.
    pub user_id: i64,
    /// Login e-mail.
    pub email: String,
    /// Role in this company.
    pub role: Role,
}

/// The company's members, by e-mail.
pub async fn list(app: &App, ctx: &Ctx) -> Result<Vec<Member>, AppError> {
    ctx.require(Permission::ManageUsers)?;
    let rows =
        membership::Entity::find().filter(membership::Column::CompanyId.eq(ctx.company_id)).all(app.db.conn()).await?;
    let ids: Vec<i64> = rows.iter().map(|m| m.user_id).collect();
    let users = user::Entity::find().filter(user::Column::Id.is_in(ids)).all(app.db.conn()).await?;
    let mut out: Vec<Member> = rows
        .into_iter()
        .filter_map(|m| {
            let u = users.iter().find(|u| u.id == m.user_id)?;
            Some(Member { user_id: u.id, email: u.email.clone(), role: m.role.parse().ok()? })
        })
        .collect();
    out.sort_by(|a, b| a.email.cmp(&b.email));
    Ok(out)
}

/// Only an owner may make or unmake owners.
fn check_grant(ctx: &Ctx, role: Role) -> Result<(), AppError> {
    if role == Role::Owner && ctx.role != Role::Owner { Err(AppError::Forbidden) } else { Ok(()) }
}

/// Adds a user to the company: an existing account keeps its password; a new one needs one.
pub async fn add(app: &App, ctx: &Ctx, email: &str, password: &str, role: Role) -> Result<Member, AppError> {
    ctx.require(Permission::ManageUsers)?;
    check_grant(ctx, role)?;
    let email: Email =
        email.trim().parse().map_err(|_| AppError::field("email", "invalid", "not a valid e-mail address"))?;
    let email = email.as_str().to_lowercase();
    let existing = user::Entity::find().filter(user::Column::Email.eq(&email)).one(app.db.conn()).await?;
    let u = match existing {
        Some(u) => {
            let member = membership::Entity::find()
                .filter(membership::Column::UserId.eq(u.id))
                .filter(membership::Column::CompanyId.eq(ctx.company_id))
                .one(app.db.conn())
                .await?;
            if member.is_some() {
                return Err(AppError::field("email", "taken", "this user is already a member"));
            }
            let tx = app.db.begin_write().await?;
            membership::ActiveModel {
                user_id: Set(u.id),
                company_id: Set(ctx.company_id),
                role: Set(role.code().into()),
                created_at: Set(db_now(app.clock.as_ref())),
                ..Default::default()
            }
            .insert(&*tx)
            .await?;
            audit::append(app, &tx, ctx, membership_entry(u.id, &u.email, role)).await?;
            tx.commit().await?;
            u
        }
        None => accounts::create_user(app, &email, password, ctx.company_id, role).await?,
    };
    Ok(Member { user_id: u.id, email: u.email, role })
}

fn membership_entry(user_id: i64, email: &str, role: Role) -> AuditEntry {
    AuditEntry {
        action: "user.membership_set",
        target_type: "user",
        target_id: Some(user_id),
        changes: json!({"after": {"email": email, "role": role.code()}}),
    }
}

/// Changes a member's role; effective on their next request. The last owner stays owner.
pub async fn set_role(app: &App, ctx: &Ctx, user_id: i64, role: Role) -> Result<Member, AppError> {
    ctx.require(Permission::ManageUsers)?;
    check_grant(ctx, role)?;
    let tx = app.db.begin_write().await?;
    let m = membership::Entity::find()
        .filter(membership::Column::UserId.eq(user_id))
        .filter(membership::Column::CompanyId.eq(ctx.company_id))
        .one(&*tx)
        .await?
        .ok_or(AppError::NotFound("member"))?;
    let before: Role = m.role.parse().map_err(AppError::Internal)?;
    check_grant(ctx, before)?;
    if before == Role::Owner && role != Role::Owner {
        let owners = membership::Entity::find()
            .filter(membership::Column::CompanyId.eq(ctx.company_id))
            .filter(membership::Column::Role.eq(Role::Owner.code()))
            .count(&*tx)
            .await?;
        if owners <= 1 {
            return Err(AppError::Conflict("the company's last owner cannot be demoted".into()));
        }
    }
    let u = user::Entity::find_by_id(user_id).one(&*tx).await?.ok_or(AppError::NotFound("member"))?;
    let mut am: membership::ActiveModel = m.into();
    am.role = Set(role.code().into());
    am.update(&*tx).await?;
    audit::append(app, &tx, ctx, membership_entry(user_id, &u.email, role)).await?;
    tx.commit().await?;
    Ok(Member { user_id, email: u.email, role })
}

/// Stores a user's UI language (`ja` or `en`).
pub async fn set_locale(app: &App, user_id: i64, locale: &str) -> Result<(), AppError> {
    let locale = if locale == "en" { "en" } else { "ja" };
    let tx = app.db.begin_write().await?;
    user::Entity::update_many()
        .col_expr(user::Column::Locale, sea_orm::sea_query::Expr::value(locale))
        .filter(user::Column::Id.eq(user_id))
        .exec(&*tx)
        .await?;
    tx.commit().await?;
    Ok(())
}

/// One API token as its owner sees it (never the secret).
#[derive(Debug, Clone)]
pub struct TokenView {
    /// Id.
    pub id: i64,
    /// Label.
    pub name: String,
    /// Created (RFC 3339).
    pub created_at: String,
    /// Revoked (RFC 3339).
    pub revoked_at: Option<String>,
}

/// The signed-in user's tokens for the current company, newest first.
pub async fn tokens(app: &App, ctx: &Ctx) -> Result<Vec<TokenView>, AppError> {
    let Actor::User(user_id) = ctx.actor else { return Err(AppError::Forbidden) };
    let rows = api_token::Entity::find()
        .filter(api_token::Column::UserId.eq(user_id))
        .filter(api_token::Column::CompanyId.eq(ctx.company_id))
        .order_by_desc(api_token::Column::Id)
        .all(app.db.conn())
        .await?;
    Ok(rows
        .into_iter()
        .map(|t| TokenView {
            id: t.id,
            name: t.name,
            created_at: rfc3339(t.created_at),
            revoked_at: t.revoked_at.map(rfc3339),
        })
        .collect())
}

/// Creates a token for the signed-in user in the current company; returns it once.
pub async fn create_token(app: &App, ctx: &Ctx, name: &str) -> Result<String, AppError> {
    let Actor::User(user_id) = ctx.actor else { return Err(AppError::Forbidden) };
    let name = name.trim();
    if name.is_empty() || name.chars().count() > 100 {
        return Err(AppError::field("name", "invalid", "give the token a name of 1–100 characters"));
    }
    let u = user::Entity::find_by_id(user_id).one(app.db.conn()).await?.ok_or(AppError::Unauthorized)?;
    accounts::create_token(app, &u.email, Some(ctx.company_id), name).await
}

/// Revokes one of the signed-in user's tokens; the next request with it gets 401.
pub async fn revoke_token(app: &App, ctx: &Ctx, id: i64) -> Result<(), AppError> {
    let Actor::User(user_id) = ctx.actor else { return Err(AppError::Forbidden) };
    let tx = app.db.begin_write().await?;
    let res = api_token::Entity::update_many()
        .col_expr(api_token::Column::RevokedAt, sea_orm::sea_query::Expr::value(db_now(app.clock.as_ref())))
        .filter(api_token::Column::Id.eq(id))
        .filter(api_token::Column::UserId.eq(user_id))
        .filter(api_token::Column::CompanyId.eq(ctx.company_id))
        .filter(api_token::Column::RevokedAt.is_null())
        .exec(&*tx)
        .await?;
    if res.rows_affected == 0 {
        return Err(AppError::NotFound("token"));
    }
    audit::append(
        app,
        &tx,
        ctx,
        AuditEntry { action: "token.revoked", target_type: "api_token", target_id: Some(id), changes: json!({}) },
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

const SETUP_KEY: &str = "setup_token_sha256";

/// True while no user exists (the first-run setup is open).
pub async fn setup_needed(app: &App) -> Result<bool, AppError> {
    Ok(user::Entity::find().count(app.db.conn()).await? == 0)
}

/// A fresh one-time setup token (replacing any earlier one) while no user exists.
pub async fn issue_setup_token(app: &App) -> Result<Option<String>, AppError> {
    if !setup_needed(app).await? {
        return Ok(None);
    }
    let mut bytes = [0u8; 24];
    rand::rng().fill_bytes(&mut bytes);
    let token = URL_SAFE_NO_PAD.encode(bytes);
    let tx = app.db.begin_write().await?;
    app_setting::Entity::delete_by_id(SETUP_KEY.to_owned()).exec(&*tx).await?;
    app_setting::ActiveModel { name: Set(SETUP_KEY.into()), value: Set(accounts::token_hash(&token)) }
        .insert(&*tx)
        .await?;
    tx.commit().await?;
    Ok(Some(token))
}

/// True when `token` is the current setup token and no user exists yet.
pub async fn setup_token_valid(app: &App, token: &str) -> Result<bool, AppError> {
    if token.is_empty() || token.starts_with(TOKEN_PREFIX) || !setup_needed(app).await? {
        return Ok(false);
    }
    let stored = app_setting::Entity::find_by_id(SETUP_KEY.to_owned()).one(app.db.conn()).await?;
    Ok(stored.is_some_and(|s| same_bytes(&s.value, &accounts::token_hash(token))))
}

/// Compares without an early exit, so timing says nothing about how much matched.
fn same_bytes(a: &str, b: &str) -> bool {
    a.len() == b.len() && a.bytes().zip(b.bytes()).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// What the setup form sends.
#[derive(Debug, Clone)]
pub struct SetupInput {
    /// Company name.
    pub company_name: String,
    /// 登録番号, optional.
    pub registration_number: Option<String>,
    /// The owner's e-mail.
    pub email: String,
    /// The owner's password (12+ characters).
    pub password: String,
}

/// Creates the first company and its owner, then burns the setup token.
pub async fn complete_setup(app: &App, token: &str, input: SetupInput) -> Result<user::Model, AppError> {
    if !setup_token_valid(app, token).await? {
        return Err(AppError::Forbidden);
    }
    if input.password.chars().count() < 12 {
        return Err(AppError::field("password", "too_short", "the password needs at least 12 characters"));
    }
    input.email.trim().parse::<Email>().map_err(|_| AppError::field("email", "invalid", "not a valid e-mail"))?;
    let company = company::create(app, &input.company_name, input.registration_number.as_deref()).await?;
    let u = accounts::create_user(app, input.email.trim(), &input.password, company.model.id, Role::Owner).await?;
    let tx = app.db.begin_write().await?;
    app_setting::Entity::delete_by_id(SETUP_KEY.to_owned()).exec(&*tx).await?;
    tx.commit().await?;
    Ok(u)
}
