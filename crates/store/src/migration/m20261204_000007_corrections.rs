//! Corrected invoices (修正): a new document links to the one it corrects, which links back
//! once it is void.

use super::cols::index;
use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

/// Adds `invoices.corrects_invoice_id` and `invoices.corrected_by_invoice_id`.
#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for c in ["corrects_invoice_id", "corrected_by_invoice_id"] {
            m.alter_table(Table::alter().table("invoices").add_column(big_integer_null(c)).to_owned()).await?;
        }
        m.create_index(index("ix_invoices_corrects", "invoices", &["corrects_invoice_id"], false)).await?;
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_index(Index::drop().name("ix_invoices_corrects").table("invoices").to_owned()).await?;
        for c in ["corrected_by_invoice_id", "corrects_invoice_id"] {
            m.alter_table(Table::alter().table("invoices").drop_column(c).to_owned()).await?;
        }
        Ok(())
    }
}
