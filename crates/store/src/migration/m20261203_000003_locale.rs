//! Each user's UI language (Japanese by default, English on request).

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

/// Adds `users.locale`.
#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.alter_table(Table::alter().table("users").add_column(string_len("locale", 8).default("ja")).to_owned()).await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.alter_table(Table::alter().table("users").drop_column("locale").to_owned()).await
    }
}
