//! The core schema: companies, users, tokens, customers, invoices, numbering, payments,
//! idempotency keys and the audit log.

use super::cols::{fk, index, long_text, table, ts, ts_null};
use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

/// Creates the core tables.
#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        let b = m.get_database_backend();

        m.create_table(
            table(b, "companies")
                .col(big_pk_auto("id"))
                .col(string_len("name", 200))
                .col(string_len_null("postal_code", 10))
                .col(string_len_null("address", 500))
                .col(string_len_null("phone", 30))
                .col(string_len_null("registration_number", 14))
                .col(string_len("time_zone", 64))
                .col(integer("fiscal_year_start_month"))
                .col(string_len("tax_rounding", 10))
                .col(boolean("withholding_default"))
                .col(text("default_payment_terms"))
                .col(string_len("invoice_number_format", 40))
                .col(text("bank_accounts"))
                .col(big_integer("version"))
                .col(ts(b, "created_at"))
                .col(ts(b, "updated_at"))
                .to_owned(),
        )
        .await?;

        m.create_table(
            table(b, "users")
                .col(big_pk_auto("id"))
                .col(string_len_uniq("email", 254))
                .col(string_len_null("name", 200))
                .col(string_len("password_hash", 255))
                .col(ts(b, "created_at"))
                .to_owned(),
        )
        .await?;

        m.create_table(
            table(b, "memberships")
                .col(big_pk_auto("id"))
                .col(big_integer("user_id"))
                .col(big_integer("company_id"))
                .col(string_len("role", 20))
                .col(ts(b, "created_at"))
                .foreign_key(&mut fk("fk_memberships_user", "memberships", "user_id", "users", true))
                .foreign_key(&mut fk("fk_memberships_company", "memberships", "company_id", "companies", true))
                .to_owned(),
        )
        .await?;
        m.create_index(index("ux_memberships_user_company", "memberships", &["user_id", "company_id"], true)).await?;

        m.create_table(
            table(b, "api_tokens")
                .col(big_pk_auto("id"))
                .col(big_integer("company_id"))
                .col(big_integer("user_id"))
                .col(string_len("name", 100))
                .col(string_len_uniq("token_hash", 64))
                .col(ts(b, "created_at"))
                .col(ts_null(b, "last_used_at"))
                .col(ts_null(b, "revoked_at"))
                .foreign_key(&mut fk("fk_api_tokens_user", "api_tokens", "user_id", "users", true))
                .foreign_key(&mut fk("fk_api_tokens_company", "api_tokens", "company_id", "companies", true))
                .to_owned(),
        )
        .await?;

        m.create_table(
            table(b, "customers")
                .col(big_pk_auto("id"))
                .col(big_integer("company_id"))
                .col(string_len("name", 200))
                .col(string_len_null("name_kana", 200))
                .col(string_len("honorific", 4))
                .col(string_len_null("email", 254))
                .col(string_len_null("postal_code", 10))
                .col(string_len_null("address", 500))
                .col(string_len_null("registration_number", 14))
                .col(text_null("payment_terms"))
                .col(big_integer("version"))
                .col(ts(b, "created_at"))
                .col(ts(b, "updated_at"))
                .foreign_key(&mut fk("fk_customers_company", "customers", "company_id", "companies", false))
                .to_owned(),
        )
        .await?;
        m.create_index(index("ix_customers_company_id", "customers", &["company_id", "id"], false)).await?;

        m.create_table(
            table(b, "invoices")
                .col(big_pk_auto("id"))
                .col(big_integer("company_id"))
                .col(big_integer("customer_id"))
                .col(string_len("status", 20))
                .col(string_len_null("number", 60))
                .col(string_len_null("number_series", 16))
                .col(string_len_null("number_period", 8))
                .col(big_integer_null("number_seq"))
                .col(date("issue_date"))
                .col(date_null("due_date"))
                .col(string_len("currency", 3))
                .col(boolean("prices_include_tax"))
                .col(boolean("withholding"))
                .col(text_null("notes"))
                .col(big_integer("subtotal"))
                .col(big_integer("tax_total"))
                .col(big_integer("total"))
                .col(big_integer("withholding_tax"))
                .col(big_integer("amount_due"))
                .col(big_integer("amount_paid"))
                .col(big_integer("balance"))
                .col(text("tax_breakdown"))
                .col(string_len("customer_name", 200))
                .col(long_text(b, "issuer_snapshot", true))
                .col(long_text(b, "customer_snapshot", true))
                .col(text_null("void_reason"))
                .col(ts_null(b, "voided_at"))
                .col(big_integer("version"))
                .col(ts(b, "created_at"))
                .col(ts(b, "updated_at"))
                .col(ts_null(b, "issued_at"))
                .foreign_key(&mut fk("fk_invoices_company", "invoices", "company_id", "companies", false))
                .foreign_key(&mut fk("fk_invoices_customer", "invoices", "customer_id", "customers", false))
                .to_owned(),
        )
        .await?;
        m.create_index(index("ux_invoices_company_number", "invoices", &["company_id", "number"], true)).await?;
        m.create_index(index("ix_invoices_company_id", "invoices", &["company_id", "id"], false)).await?;
        m.create_index(index("ix_invoices_company_status", "invoices", &["company_id", "status", "id"], false)).await?;
        m.create_index(index("ix_invoices_company_customer", "invoices", &["company_id", "customer_id", "id"], false))
            .await?;
        m.create_index(index("ix_invoices_company_issue_date", "invoices", &["company_id", "issue_date", "id"], false))
            .await?;
        m.create_index(index("ix_invoices_company_total", "invoices", &["company_id", "total", "id"], false)).await?;
        m.create_index(index("ix_invoices_company_due", "invoices", &["company_id", "due_date", "id"], false)).await?;

        m.create_table(
            table(b, "invoice_lines")
                .col(big_pk_auto("id"))
                .col(big_integer("company_id"))
                .col(big_integer("invoice_id"))
                .col(integer("position"))
                .col(string_len("description", 500))
                .col(big_integer("quantity_scaled"))
                .col(string_len("unit", 20))
                .col(big_integer("unit_price"))
                .col(string_len("tax_rate", 16))
                .col(big_integer("amount"))
                .foreign_key(&mut fk("fk_invoice_lines_invoice", "invoice_lines", "invoice_id", "invoices", true))
                .to_owned(),
        )
        .await?;
        m.create_index(index("ix_invoice_lines_invoice", "invoice_lines", &["invoice_id", "position"], false)).await?;

        m.create_table(
            table(b, "number_counters")
                .col(big_integer("company_id"))
                .col(string_len("series", 16))
                .col(string_len("period", 8))
                .col(big_integer("next_value"))
                .col(ts(b, "updated_at"))
                .primary_key(Index::create().col("company_id").col("series").col("period"))
                .foreign_key(&mut fk("fk_number_counters_company", "number_counters", "company_id", "companies", false))
                .to_owned(),
        )
        .await?;

        m.create_table(
            table(b, "payments")
                .col(big_pk_auto("id"))
                .col(big_integer("company_id"))
                .col(big_integer("customer_id"))
                .col(big_integer("amount"))
                .col(date("received_on"))
                .col(string_len("method", 20))
                .col(string_len_null("reference", 200))
                .col(string_len_null("payer_name", 200))
                .col(big_integer("unallocated"))
                .col(big_integer_null("reverses_payment_id"))
                .col(big_integer_null("reversed_by_payment_id"))
                .col(big_integer("version"))
                .col(ts(b, "created_at"))
                .foreign_key(&mut fk("fk_payments_company", "payments", "company_id", "companies", false))
                .foreign_key(&mut fk("fk_payments_customer", "payments", "customer_id", "customers", false))
                .to_owned(),
        )
        .await?;
        m.create_index(index("ix_payments_company_id", "payments", &["company_id", "id"], false)).await?;

        m.create_table(
            table(b, "payment_allocations")
                .col(big_pk_auto("id"))
                .col(big_integer("company_id"))
                .col(big_integer("payment_id"))
                .col(big_integer("invoice_id"))
                .col(big_integer("amount"))
                .col(ts(b, "created_at"))
                .foreign_key(&mut fk("fk_allocations_payment", "payment_allocations", "payment_id", "payments", false))
                .foreign_key(&mut fk("fk_allocations_invoice", "payment_allocations", "invoice_id", "invoices", false))
                .to_owned(),
        )
        .await?;
        m.create_index(index("ix_allocations_payment", "payment_allocations", &["payment_id"], false)).await?;
        m.create_index(index("ix_allocations_invoice", "payment_allocations", &["invoice_id"], false)).await?;

        m.create_table(
            table(b, "customer_credits")
                .col(big_pk_auto("id"))
                .col(big_integer("company_id"))
                .col(big_integer("customer_id"))
                .col(big_integer_null("payment_id"))
                .col(big_integer("amount"))
                .col(string_len("reason", 40))
                .col(ts(b, "created_at"))
                .foreign_key(&mut fk("fk_credits_customer", "customer_credits", "customer_id", "customers", false))
                .to_owned(),
        )
        .await?;
        m.create_index(index("ix_credits_customer", "customer_credits", &["company_id", "customer_id"], false)).await?;

        m.create_table(
            table(b, "idempotency_keys")
                .col(big_pk_auto("id"))
                .col(big_integer("company_id"))
                .col(big_integer("token_id"))
                .col(string_len("idem_key", 255))
                .col(string_len("request_hash", 64))
                .col(string_len("state", 16))
                .col(integer_null("response_status"))
                .col(long_text(b, "response_body", true))
                .col(ts(b, "created_at"))
                .to_owned(),
        )
        .await?;
        m.create_index(index("ux_idempotency", "idempotency_keys", &["company_id", "token_id", "idem_key"], true))
            .await?;

        m.create_table(
            table(b, "audit_logs")
                .col(big_pk_auto("id"))
                .col(big_integer("company_id"))
                .col(big_integer("seq"))
                .col(ts(b, "at"))
                .col(string_len("actor", 40))
                .col(string_len("action", 60))
                .col(string_len("target_type", 40))
                .col(big_integer_null("target_id"))
                .col(long_text(b, "changes", false))
                .col(string_len_null("request_id", 64))
                .col(string_len("prev_hash", 64))
                .col(string_len("hash", 64))
                .to_owned(),
        )
        .await?;
        m.create_index(index("ux_audit_company_seq", "audit_logs", &["company_id", "seq"], true)).await?;
        m.create_index(index(
            "ix_audit_target",
            "audit_logs",
            &["company_id", "target_type", "target_id", "id"],
            false,
        ))
        .await?;

        m.create_table(
            table(b, "audit_heads")
                .col(big_integer("company_id").primary_key())
                .col(big_integer("seq"))
                .col(string_len("last_hash", 64))
                .to_owned(),
        )
        .await?;

        m.create_table(
            table(b, "app_settings").col(string_len("name", 100).primary_key()).col(text("value")).to_owned(),
        )
        .await?;
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for t in [
            "app_settings",
            "audit_heads",
            "audit_logs",
            "idempotency_keys",
            "customer_credits",
            "payment_allocations",
            "payments",
            "number_counters",
            "invoice_lines",
            "invoices",
            "customers",
            "api_tokens",
            "memberships",
            "users",
            "companies",
        ] {
            m.drop_table(Table::drop().table(t).if_exists().to_owned()).await?;
        }
        Ok(())
    }
}
