//! Indexes for a company with a million invoices (chosen from `EXPLAIN` on each backend; see
//! `docs/performance.md`): the 電帳法 search by issue date *and* amount is answered from one
//! index without reading rows, and the dunning scan finds a company's earlier notices
//! without reading every company's.

use super::cols::index;
use sea_orm_migration::prelude::*;

/// Widens the issue-date index by `total`; indexes `dunning_notices` by company.
#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_index(index(
            "ix_invoices_company_issue_date_total",
            "invoices",
            &["company_id", "issue_date", "total", "id"],
            false,
        ))
        .await?;
        // Its prefix is the new index's: every query it served, the new one serves.
        m.drop_index(Index::drop().name("ix_invoices_company_issue_date").table("invoices").to_owned()).await?;
        m.create_index(index("ix_dunning_notices_company", "dunning_notices", &["company_id", "invoice_id"], false))
            .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_index(Index::drop().name("ix_dunning_notices_company").table("dunning_notices").to_owned()).await?;
        m.create_index(index("ix_invoices_company_issue_date", "invoices", &["company_id", "issue_date", "id"], false))
            .await?;
        m.drop_index(Index::drop().name("ix_invoices_company_issue_date_total").table("invoices").to_owned()).await
    }
}
