//! Browser sessions (shared by every instance) and login attempts (throttling counters).

use super::cols::{index, long_text, table, ts};
use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

/// Creates `sessions` and `login_attempts`.
#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        let b = m.get_database_backend();
        m.create_table(
            table(b, "sessions")
                .col(string_len("id", 64).primary_key())
                .col(long_text(b, "data", false))
                .col(ts(b, "expiry_date"))
                .to_owned(),
        )
        .await?;
        m.create_index(index("ix_sessions_expiry", "sessions", &["expiry_date"], false)).await?;
        m.create_table(
            table(b, "login_attempts")
                .col(big_pk_auto("id"))
                .col(string_len("email_key", 254))
                .col(string_len("ip", 64))
                .col(boolean("succeeded"))
                .col(ts(b, "at"))
                .to_owned(),
        )
        .await?;
        m.create_index(index("ix_login_attempts_email", "login_attempts", &["email_key", "at"], false)).await?;
        m.create_index(index("ix_login_attempts_ip", "login_attempts", &["ip", "at"], false)).await?;
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_table(Table::drop().table("login_attempts").if_exists().to_owned()).await?;
        m.drop_table(Table::drop().table("sessions").if_exists().to_owned()).await?;
        Ok(())
    }
}
