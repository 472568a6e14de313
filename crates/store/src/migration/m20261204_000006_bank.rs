//! Bank statements and what matching them needs: the imported files (kept as blobs with
//! their hash), one row per statement transaction with a unique dedupe key, the payer names
//! a person taught the system, per-customer transfer-fee settings; and credit notes
//! (適格返還請求書), which a fee booked as 値引 creates and which reduce an invoice's balance.

use super::cols::{fk, index, long_text, table, ts, ts_null};
use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

/// Creates the bank and credit-note tables; adds the fee settings and `amount_credited`.
#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        let b = m.get_database_backend();
        m.create_table(
            table(b, "bank_statements")
                .col(big_pk_auto("id"))
                .col(big_integer("company_id"))
                .col(string_len("sha256", 64))
                .col(big_integer("blob_id"))
                .col(string_len("format", 32))
                .col(string_len_null("file_name", 255))
                .col(long_text(b, "account", true))
                .col(date_null("period_from"))
                .col(date_null("period_to"))
                .col(integer("transactions"))
                .col(integer("imported"))
                .col(integer("duplicates"))
                .col(big_integer_null("imported_by"))
                .col(ts(b, "created_at"))
                .foreign_key(&mut fk("fk_bank_statements_company", "bank_statements", "company_id", "companies", false))
                .foreign_key(&mut fk("fk_bank_statements_blob", "bank_statements", "blob_id", "blobs", false))
                .to_owned(),
        )
        .await?;
        m.create_index(index("ux_bank_statements_sha", "bank_statements", &["company_id", "sha256"], true)).await?;
        m.create_table(
            table(b, "bank_transactions")
                .col(big_pk_auto("id"))
                .col(big_integer("company_id"))
                .col(big_integer("statement_id"))
                .col(string_len("dedupe_key", 64))
                .col(string_len("account", 64))
                .col(string_len("bank_reference", 64))
                .col(date("booked_on"))
                .col(big_integer("amount"))
                .col(string_len("payer_name", 255))
                .col(string_len("edi", 128))
                .col(text_null("description"))
                .col(string_len("status", 16))
                .col(big_integer_null("customer_id"))
                .col(big_integer_null("payment_id"))
                .col(big_integer_null("fee_payment_id"))
                .col(big_integer_null("credit_note_id"))
                .col(string_len_null("match_reason", 32))
                .col(long_text(b, "suggestions", true))
                .col(integer("version"))
                .col(ts(b, "created_at"))
                .col(ts(b, "updated_at"))
                .foreign_key(&mut fk(
                    "fk_bank_transactions_statement",
                    "bank_transactions",
                    "statement_id",
                    "bank_statements",
                    false,
                ))
                .to_owned(),
        )
        .await?;
        m.create_index(index("ux_bank_transactions_key", "bank_transactions", &["company_id", "dedupe_key"], true))
            .await?;
        m.create_index(index(
            "ix_bank_transactions_queue",
            "bank_transactions",
            &["company_id", "status", "id"],
            false,
        ))
        .await?;
        m.create_table(
            table(b, "customer_payer_names")
                .col(big_pk_auto("id"))
                .col(big_integer("company_id"))
                .col(big_integer("customer_id"))
                .col(string_len("name", 191))
                .col(string_len("raw", 255))
                .col(ts(b, "created_at"))
                .foreign_key(&mut fk(
                    "fk_customer_payer_names_customer",
                    "customer_payer_names",
                    "customer_id",
                    "customers",
                    true,
                ))
                .to_owned(),
        )
        .await?;
        m.create_index(index("ux_customer_payer_names", "customer_payer_names", &["customer_id", "name"], true))
            .await?;
        m.create_index(index("ix_customer_payer_names_company", "customer_payer_names", &["company_id"], false))
            .await?;
        m.create_table(
            table(b, "credit_notes")
                .col(big_pk_auto("id"))
                .col(big_integer("company_id"))
                .col(big_integer("customer_id"))
                .col(big_integer("invoice_id"))
                .col(string_len("kind", 16))
                .col(string_len("status", 16))
                .col(string_len_null("number", 64))
                .col(string_len_null("number_series", 16))
                .col(string_len_null("number_period", 16))
                .col(big_integer_null("number_seq"))
                .col(date("credited_on"))
                .col(date("original_sale_date"))
                .col(text("reason"))
                .col(long_text(b, "lines", false))
                .col(long_text(b, "tax_breakdown", false))
                .col(big_integer("subtotal"))
                .col(big_integer("tax_total"))
                .col(big_integer("total"))
                .col(boolean("document_omitted"))
                .col(big_integer_null("bank_transaction_id"))
                .col(long_text(b, "issuer_snapshot", true))
                .col(long_text(b, "customer_snapshot", true))
                .col(integer("version"))
                .col(ts(b, "created_at"))
                .col(ts_null(b, "issued_at"))
                .foreign_key(&mut fk("fk_credit_notes_invoice", "credit_notes", "invoice_id", "invoices", false))
                .to_owned(),
        )
        .await?;
        m.create_index(index("ix_credit_notes_invoice", "credit_notes", &["invoice_id"], false)).await?;
        m.create_index(index("ix_credit_notes_company", "credit_notes", &["company_id", "id"], false)).await?;
        m.create_index(index("ux_credit_notes_number", "credit_notes", &["company_id", "number"], true)).await?;
        m.alter_table(
            Table::alter().table("invoices").add_column(big_integer("amount_credited").default(0)).to_owned(),
        )
        .await?;
        m.alter_table(
            Table::alter().table("customers").add_column(big_integer_null("transfer_fee_tolerance")).to_owned(),
        )
        .await?;
        m.alter_table(
            Table::alter().table("customers").add_column(string_len_null("transfer_fee_booking", 16)).to_owned(),
        )
        .await?;
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for (t, c) in [
            ("customers", "transfer_fee_booking"),
            ("customers", "transfer_fee_tolerance"),
            ("invoices", "amount_credited"),
        ] {
            m.alter_table(Table::alter().table(t).drop_column(c).to_owned()).await?;
        }
        for t in ["credit_notes", "customer_payer_names", "bank_transactions", "bank_statements"] {
            m.drop_table(Table::drop().table(t).if_exists().to_owned()).await?;
        }
        Ok(())
    }
}
