//! Summary invoices (合計請求書) remember the closing period they cover, so a summary draft is
//! never summarised again.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

/// Adds `invoices.summary_period`.
#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.alter_table(Table::alter().table("invoices").add_column(string_len_null("summary_period", 32)).to_owned())
            .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.alter_table(Table::alter().table("invoices").drop_column("summary_period").to_owned()).await
    }
}
