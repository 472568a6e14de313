//! Password login with throttling whose counters are database rows, so every instance
//! sees them: 5 failures for one e-mail (known or not) within 15 minutes, or 20 from one
//! address, lock further attempts — a correct password included — until the window passes.

use crate::App;
use crate::accounts::verify_password;
use crate::clock::db_now;
use crate::error::AppError;
use chrono::Duration;
use invoicepilot_store::entity::{login_attempt, user};
use sea_orm::{ActiveModelTrait, ActiveValue::Set, ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder};
use std::sync::OnceLock;

/// Failures per e-mail before the lock.
pub const MAX_PER_EMAIL: u64 = 5;
/// Failures per client address before the lock.
pub const MAX_PER_IP: u64 = 20;
/// The counting window, in minutes.
pub const WINDOW_MINUTES: i64 = 15;

/// What a login attempt came to.
#[derive(Debug)]
pub enum LoginOutcome {
    /// Right password, not locked.
    Success(user::Model),
    /// Unknown e-mail or wrong password (indistinguishable on purpose).
    Invalid,
    /// Too many failures; try again after this many seconds.
    Throttled(u64),
}

/// A hash to verify against when the e-mail is unknown, so both cases cost the same time.
fn dummy_hash() -> &'static str {
    static HASH: OnceLock<String> = OnceLock::new();
    HASH.get_or_init(|| crate::accounts::hash_password("dummy password for timing").unwrap_or_default())
}

/// Checks the throttle, then the password; records the attempt.
pub async fn attempt(app: &App, email: &str, password: &str, ip: &str) -> Result<LoginOutcome, AppError> {
    let email_key: String = email.trim().to_lowercase().chars().take(254).collect();
    let ip: String = ip.chars().take(64).collect();
    let now = db_now(app.clock.as_ref());
    let since = now - Duration::minutes(WINDOW_MINUTES);
    let conn = app.db.conn();

    let last_success = login_attempt::Entity::find()
        .filter(login_attempt::Column::EmailKey.eq(&email_key))
        .filter(login_attempt::Column::Succeeded.eq(true))
        .filter(login_attempt::Column::At.gte(since))
        .order_by_desc(login_attempt::Column::At)
        .one(conn)
        .await?
        .map(|a| a.at);
    let email_failures = login_attempt::Entity::find()
        .filter(login_attempt::Column::EmailKey.eq(&email_key))
        .filter(login_attempt::Column::Succeeded.eq(false))
        .filter(login_attempt::Column::At.gte(last_success.unwrap_or(since).max(since)));
    let ip_failures = login_attempt::Entity::find()
        .filter(login_attempt::Column::Ip.eq(&ip))
        .filter(login_attempt::Column::Succeeded.eq(false))
        .filter(login_attempt::Column::At.gte(since));
    for (query, max) in [(email_failures, MAX_PER_EMAIL), (ip_failures, MAX_PER_IP)] {
        if query.clone().count(conn).await? >= max {
            let oldest = query.order_by_asc(login_attempt::Column::At).one(conn).await?.map(|a| a.at).unwrap_or(now);
            let free_at = oldest + Duration::minutes(WINDOW_MINUTES);
            return Ok(LoginOutcome::Throttled((free_at - now).num_seconds().max(1) as u64));
        }
    }

    let found = user::Entity::find().filter(user::Column::Email.eq(&email_key)).one(conn).await?;
    let ok = match &found {
        Some(u) => verify_password(password, &u.password_hash),
        None => {
            let _ = verify_password(password, dummy_hash());
            false
        }
    };
    login_attempt::ActiveModel {
        email_key: Set(email_key),
        ip: Set(ip),
        succeeded: Set(ok),
        at: Set(now),
        ..Default::default()
    }
    .insert(conn)
    .await?;
    Ok(match (ok, found) {
        (true, Some(u)) => LoginOutcome::Success(u),
        _ => LoginOutcome::Invalid,
    })
}
