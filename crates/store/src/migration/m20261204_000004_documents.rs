//! Stored files in the database (so every instance serves them and backups carry them):
//! content-addressed blobs per company, the documents of invoices (the frozen PDF), and the
//! company seal.

use super::cols::{fk, index, long_blob, table, ts};
use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

/// Creates `blobs` and `invoice_documents`; adds `companies.seal_sha256`.
#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        let b = m.get_database_backend();
        m.create_table(
            table(b, "blobs")
                .col(big_pk_auto("id"))
                .col(big_integer("company_id"))
                .col(string_len("sha256", 64))
                .col(string_len("content_type", 64))
                .col(big_integer("size"))
                .col(long_blob(b, "bytes"))
                .col(ts(b, "created_at"))
                .foreign_key(&mut fk("fk_blobs_company", "blobs", "company_id", "companies", false))
                .to_owned(),
        )
        .await?;
        m.create_index(index("ux_blobs_company_sha", "blobs", &["company_id", "sha256"], true)).await?;
        m.create_table(
            table(b, "invoice_documents")
                .col(big_pk_auto("id"))
                .col(big_integer("company_id"))
                .col(big_integer("invoice_id"))
                .col(string_len("kind", 32))
                .col(big_integer("blob_id"))
                .col(string_len("sha256", 64))
                .col(ts(b, "created_at"))
                .foreign_key(&mut fk(
                    "fk_invoice_documents_company",
                    "invoice_documents",
                    "company_id",
                    "companies",
                    false,
                ))
                .foreign_key(&mut fk(
                    "fk_invoice_documents_invoice",
                    "invoice_documents",
                    "invoice_id",
                    "invoices",
                    false,
                ))
                .foreign_key(&mut fk("fk_invoice_documents_blob", "invoice_documents", "blob_id", "blobs", false))
                .to_owned(),
        )
        .await?;
        m.create_index(index("ux_invoice_documents_kind", "invoice_documents", &["invoice_id", "kind"], true)).await?;
        m.create_index(index("ix_invoice_documents_company", "invoice_documents", &["company_id"], false)).await?;
        m.alter_table(Table::alter().table("companies").add_column(string_len_null("seal_sha256", 64)).to_owned())
            .await?;
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.alter_table(Table::alter().table("companies").drop_column("seal_sha256").to_owned()).await?;
        m.drop_table(Table::drop().table("invoice_documents").if_exists().to_owned()).await?;
        m.drop_table(Table::drop().table("blobs").if_exists().to_owned()).await?;
        Ok(())
    }
}
