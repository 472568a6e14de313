//! Recurring invoices: schedules and one row per (schedule, period) made, unique, so
//! several schedulers and restarts bill each period once.

use super::cols::{fk, index, long_text, table, ts};
use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

/// Creates `recurring_invoices` and `recurring_runs`.
#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        let b = m.get_database_backend();
        m.create_table(
            table(b, "recurring_invoices")
                .col(big_pk_auto("id"))
                .col(big_integer("company_id"))
                .col(big_integer("customer_id"))
                .col(string_len("name", 200))
                .col(string_len("status", 16))
                .col(integer("day_of_month"))
                .col(integer("interval_months"))
                .col(string_len("next_period", 7))
                .col(string_len_null("end_period", 7))
                .col(string_len("mode", 16))
                .col(long_text(b, "template", false))
                .col(integer("version"))
                .col(ts(b, "created_at"))
                .col(ts(b, "updated_at"))
                .foreign_key(&mut fk(
                    "fk_recurring_invoices_customer",
                    "recurring_invoices",
                    "customer_id",
                    "customers",
                    false,
                ))
                .to_owned(),
        )
        .await?;
        m.create_index(index("ix_recurring_invoices_company", "recurring_invoices", &["company_id", "id"], false))
            .await?;
        m.create_table(
            table(b, "recurring_runs")
                .col(big_pk_auto("id"))
                .col(big_integer("company_id"))
                .col(big_integer("schedule_id"))
                .col(string_len("period", 7))
                .col(big_integer("invoice_id"))
                .col(ts(b, "created_at"))
                .foreign_key(&mut fk(
                    "fk_recurring_runs_schedule",
                    "recurring_runs",
                    "schedule_id",
                    "recurring_invoices",
                    true,
                ))
                .to_owned(),
        )
        .await?;
        m.create_index(index("ux_recurring_runs_period", "recurring_runs", &["schedule_id", "period"], true)).await?;
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for t in ["recurring_runs", "recurring_invoices"] {
            m.drop_table(Table::drop().table(t).if_exists().to_owned()).await?;
        }
        Ok(())
    }
}
