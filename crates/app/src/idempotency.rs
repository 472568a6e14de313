//! `Idempotency-Key`: the same key and body replays the first response for 24 hours.

use crate::App;
use crate::clock::db_now;
use crate::error::AppError;
use chrono::Duration;
use invoicepilot_store::entity::idempotency_key;
use sea_orm::{ActiveModelTrait, ActiveValue::Set, ColumnTrait, EntityTrait, QueryFilter, SqlErr};
use sha2::{Digest, Sha256};

/// How long a key is remembered.
pub const RETENTION_HOURS: i64 = 24;

/// What to do with a request that carries a key.
#[derive(Debug)]
pub enum Claim {
    /// First time: run it, then call [`complete`] or [`release`] with this row id.
    Proceed(i64),
    /// Seen with the same body: send this response again.
    Replay {
        /// HTTP status.
        status: u16,
        /// Body bytes.
        body: String,
    },
}

/// Fingerprint of a request: method, path and body.
pub fn fingerprint(method: &str, path: &str, body: &[u8]) -> String {
    let mut h = Sha256::new();
    h.update(method.as_bytes());
    h.update(b" ");
    h.update(path.as_bytes());
    h.update(b"\n");
    h.update(body);
    hex::encode(h.finalize())
}

/// Claims a key for a request, or tells how to answer a repeat.
pub async fn claim(
    app: &App,
    company_id: i64,
    token_id: i64,
    key: &str,
    request_hash: &str,
) -> Result<Claim, AppError> {
    if key.is_empty() || key.len() > 255 || !key.chars().all(|c| c.is_ascii_graphic()) {
        return Err(AppError::field("Idempotency-Key", "invalid", "the key must be 1–255 visible ASCII characters"));
    }
    let now = db_now(app.clock.as_ref());
    for _ in 0..2 {
        let row = idempotency_key::ActiveModel {
            company_id: Set(company_id),
            token_id: Set(token_id),
            idem_key: Set(key.to_owned()),
            request_hash: Set(request_hash.to_owned()),
            state: Set("in_flight".into()),
            response_status: Set(None),
            response_body: Set(None),
            created_at: Set(now),
            ..Default::default()
        };
        match row.insert(app.db.conn()).await {
            Ok(m) => return Ok(Claim::Proceed(m.id)),
            Err(e) if matches!(e.sql_err(), Some(SqlErr::UniqueConstraintViolation(_))) => {}
            Err(e) => return Err(e.into()),
        }
        let existing = idempotency_key::Entity::find()
            .filter(idempotency_key::Column::CompanyId.eq(company_id))
            .filter(idempotency_key::Column::TokenId.eq(token_id))
            .filter(idempotency_key::Column::IdemKey.eq(key))
            .one(app.db.conn())
            .await?;
        let Some(existing) = existing else { continue };
        if existing.created_at < now - Duration::hours(RETENTION_HOURS) {
            idempotency_key::Entity::delete_by_id(existing.id).exec(app.db.conn()).await?;
            continue;
        }
        if existing.request_hash != request_hash {
            return Err(AppError::field(
                "Idempotency-Key",
                "reused",
                "this Idempotency-Key was used with a different request body",
            ));
        }
        return match (existing.state.as_str(), existing.response_status, existing.response_body) {
            ("done", Some(status), Some(body)) => Ok(Claim::Replay { status: status as u16, body }),
            _ => Err(AppError::IdempotencyInFlight),
        };
    }
    Err(AppError::IdempotencyInFlight)
}

/// Stores the response of a claimed request.
pub async fn complete(app: &App, id: i64, status: u16, body: &str) -> Result<(), AppError> {
    let am = idempotency_key::ActiveModel {
        id: sea_orm::ActiveValue::Unchanged(id),
        state: Set("done".into()),
        response_status: Set(Some(status as i32)),
        response_body: Set(Some(body.to_owned())),
        ..Default::default()
    };
    am.update(app.db.conn()).await?;
    Ok(())
}

/// Forgets a claim whose request failed on the server side, so the client may retry.
pub async fn release(app: &App, id: i64) -> Result<(), AppError> {
    idempotency_key::Entity::delete_by_id(id).exec(app.db.conn()).await?;
    Ok(())
}
