//! The application key: `APP_KEY` when set, otherwise one generated on first use and kept in
//! `app_settings`, so nothing refuses to start without it. It keys the HMACs of values the
//! server hands out and must recognise (the maintenance bypass cookie).

use crate::App;
use crate::error::AppError;
use crate::sql::{insert_ignore, stmt};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use invoicepilot_store::entity::app_setting;
use rand::RngCore;
use sea_orm::{ConnectionTrait, EntityTrait};
use sha2::Sha256;

/// The `app_settings` row of a generated key.
pub const SETTING: &str = "app_key";

/// A new random key in the `.env` form: `base64:` and 32 random bytes.
pub fn generate() -> String {
    let mut b = [0u8; 32];
    rand::rng().fill_bytes(&mut b);
    format!("base64:{}", STANDARD.encode(b))
}

/// The key's bytes: `base64:…` is decoded, anything else is used as it is.
pub fn decode(raw: &str) -> Vec<u8> {
    match raw.strip_prefix("base64:").map(|b| STANDARD.decode(b.trim())) {
        Some(Ok(bytes)) => bytes,
        _ => raw.as_bytes().to_vec(),
    }
}

/// The key in force: the configured one, or the stored one (created when absent; the first
/// writer wins when two processes start at once).
pub async fn app_key(app: &App) -> Result<Vec<u8>, AppError> {
    if let Some(k) = app.config.app_key.as_deref().filter(|k| !k.trim().is_empty()) {
        return Ok(decode(k));
    }
    if let Some(row) = app_setting::Entity::find_by_id(SETTING.to_owned()).one(app.db.conn()).await? {
        return Ok(decode(&row.value));
    }
    let tx = app.db.begin_write().await?;
    let sql = insert_ignore(tx.get_database_backend(), "app_settings", &["name", "value"], &["name"]);
    tx.execute_raw(stmt(tx.get_database_backend(), &sql, vec![SETTING.into(), generate().into()])).await?;
    tx.commit().await?;
    let row = app_setting::Entity::find_by_id(SETTING.to_owned())
        .one(app.db.conn())
        .await?
        .ok_or_else(|| AppError::Internal("the generated application key was not stored".into()))?;
    Ok(decode(&row.value))
}

/// HMAC-SHA256 of `message` under `key`, hex.
pub fn sign(key: &[u8], message: &str) -> String {
    use hmac::Mac;
    let mut mac = hmac::Hmac::<Sha256>::new_from_slice(key).expect("HMAC takes keys of any length");
    mac.update(message.as_bytes());
    hex::encode(mac.finalize().into_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_keys_decode_to_32_random_bytes() {
        let (a, b) = (generate(), generate());
        assert_ne!(a, b);
        assert!(a.starts_with("base64:"));
        assert_eq!(decode(&a).len(), 32);
        assert_eq!(decode("plain-secret"), b"plain-secret");
    }

    #[test]
    fn signatures_depend_on_key_and_message() {
        let s = sign(b"k1", "m");
        assert_eq!(s.len(), 64);
        assert_ne!(s, sign(b"k2", "m"));
        assert_ne!(s, sign(b"k1", "n"));
        assert_eq!(s, sign(b"k1", "m"));
    }
}
