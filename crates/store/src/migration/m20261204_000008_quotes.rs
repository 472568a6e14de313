//! Quotes (見積書): their own numbered series, lines kept with the quote, and the invoice
//! draft an accepted quote became.

use super::cols::{fk, index, long_text, table, ts, ts_null};
use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

/// Creates `quotes`.
#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        let b = m.get_database_backend();
        m.create_table(
            table(b, "quotes")
                .col(big_pk_auto("id"))
                .col(big_integer("company_id"))
                .col(big_integer("customer_id"))
                .col(string_len("status", 16))
                .col(string_len_null("number", 64))
                .col(string_len_null("number_series", 16))
                .col(string_len_null("number_period", 16))
                .col(big_integer_null("number_seq"))
                .col(date("issue_date"))
                .col(date("valid_until"))
                .col(boolean("prices_include_tax"))
                .col(string_len_null("subject", 200))
                .col(text_null("notes"))
                .col(long_text(b, "lines", false))
                .col(long_text(b, "tax_breakdown", false))
                .col(big_integer("subtotal"))
                .col(big_integer("tax_total"))
                .col(big_integer("total"))
                .col(string_len("customer_name", 200))
                .col(long_text(b, "issuer_snapshot", true))
                .col(long_text(b, "customer_snapshot", true))
                .col(big_integer_null("invoice_id"))
                .col(integer("version"))
                .col(ts(b, "created_at"))
                .col(ts(b, "updated_at"))
                .col(ts_null(b, "sent_at"))
                .col(ts_null(b, "decided_at"))
                .foreign_key(&mut fk("fk_quotes_company", "quotes", "company_id", "companies", false))
                .foreign_key(&mut fk("fk_quotes_customer", "quotes", "customer_id", "customers", false))
                .to_owned(),
        )
        .await?;
        m.create_index(index("ix_quotes_company", "quotes", &["company_id", "id"], false)).await?;
        m.create_index(index("ux_quotes_number", "quotes", &["company_id", "number"], true)).await?;
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_table(Table::drop().table("quotes").if_exists().to_owned()).await?;
        Ok(())
    }
}
