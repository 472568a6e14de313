//! Indexes for a company with a million invoices (chosen from `EXPLAIN` on each backend; see
//! `docs/performance.md`): the 電帳法 search by issue date *and* amount is answered from one
//! index without reading rows (month sales too, with `status`), the dashboard's sums of open
//! invoices come from an index by status and due date, and the dunning scan finds a company's earlier notices
//! without reading every company's.

use super::cols::index;
use sea_orm_migration::prelude::*;

/// Widens the issue-date index by `total` and `status`; indexes open invoices by due date and
/// `dunning_notices` by company.
#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_index(index(
            "ix_invoices_company_issue_date_total",
            "invoices",
            &["company_id", "issue_date", "total", "status", "id"],
            false,
        ))
        .await?;
        // The open invoices' sums of the dashboard and its oldest overdue, from the index alone.
        m.create_index(index(
            "ix_invoices_company_open",
            "invoices",
            &["company_id", "status", "due_date", "balance", "id"],
            false,
        ))
        .await?;
        // Its prefix is the new index's: every query it served, the new one serves.
        m.drop_index(Index::drop().name("ix_invoices_company_issue_date").table("invoices").to_owned()).await?;
        // The amount index carries the issue date too, so a date-and-amount search stays
        // inside an index whichever of the two ranges the planner starts from.
        m.create_index(index(
            "ix_invoices_company_total_issue_date",
            "invoices",
            &["company_id", "total", "issue_date", "id"],
            false,
        ))
        .await?;
        m.drop_index(Index::drop().name("ix_invoices_company_total").table("invoices").to_owned()).await?;
        m.create_index(index("ix_dunning_notices_company", "dunning_notices", &["company_id", "invoice_id"], false))
            .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_index(Index::drop().name("ix_invoices_company_open").table("invoices").to_owned()).await?;
        m.drop_index(Index::drop().name("ix_dunning_notices_company").table("dunning_notices").to_owned()).await?;
        m.create_index(index("ix_invoices_company_total", "invoices", &["company_id", "total", "id"], false)).await?;
        m.drop_index(Index::drop().name("ix_invoices_company_total_issue_date").table("invoices").to_owned()).await?;
        m.create_index(index("ix_invoices_company_issue_date", "invoices", &["company_id", "issue_date", "id"], false))
            .await?;
        m.drop_index(Index::drop().name("ix_invoices_company_issue_date_total").table("invoices").to_owned()).await
    }
}
