//! The job queue (outbox) and what rides on it: failed jobs, unique job keys, worker
//! registrations, scheduler slots, e-mail deliveries, dunning notices, password resets; and
//! the settings and flags of dunning.

use super::cols::{fk, index, long_text, table, ts, ts_null};
use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

/// Creates the queue tables; adds dunning columns to companies, customers and invoices.
#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        let b = m.get_database_backend();
        m.create_table(
            table(b, "jobs")
                .col(big_pk_auto("id"))
                .col(string_len("queue", 32))
                .col(string_len("job_type", 64))
                .col(big_integer_null("company_id"))
                .col(long_text(b, "payload", false))
                .col(string_len("state", 16))
                .col(integer("attempts"))
                .col(integer("max_attempts"))
                .col(ts(b, "available_at"))
                .col(string_len_null("reserved_by", 128))
                .col(ts_null(b, "reserved_until"))
                .col(long_text(b, "errors", false))
                .col(ts(b, "created_at"))
                .to_owned(),
        )
        .await?;
        m.create_index(index("ix_jobs_claim", "jobs", &["queue", "state", "available_at"], false)).await?;
        m.create_index(index("ix_jobs_lease", "jobs", &["state", "reserved_until"], false)).await?;
        m.create_index(index("ix_jobs_company", "jobs", &["company_id"], false)).await?;
        m.create_table(
            table(b, "failed_jobs")
                .col(big_pk_auto("id"))
                .col(big_integer("job_id"))
                .col(string_len("queue", 32))
                .col(string_len("job_type", 64))
                .col(big_integer_null("company_id"))
                .col(long_text(b, "payload", false))
                .col(integer("attempts"))
                .col(long_text(b, "errors", false))
                .col(ts(b, "created_at"))
                .col(ts(b, "failed_at"))
                .to_owned(),
        )
        .await?;
        m.create_index(index("ix_failed_jobs_company", "failed_jobs", &["company_id", "id"], false)).await?;
        m.create_table(
            table(b, "job_keys")
                .col(string_len("unique_key", 191).primary_key())
                .col(string_len("job_type", 64))
                .col(big_integer("job_id"))
                .col(ts(b, "created_at"))
                .to_owned(),
        )
        .await?;
        m.create_table(
            table(b, "job_runs")
                .col(big_pk_auto("id"))
                .col(string_len("job_type", 64))
                .col(string_len("outcome", 16))
                .col(integer("millis"))
                .col(ts(b, "finished_at"))
                .to_owned(),
        )
        .await?;
        m.create_index(index("ix_job_runs_finished", "job_runs", &["finished_at"], false)).await?;
        m.create_table(
            table(b, "workers")
                .col(string_len("id", 128).primary_key())
                .col(string_len("host", 128))
                .col(integer("pid"))
                .col(string_len("queue", 32))
                .col(ts(b, "started_at"))
                .col(ts(b, "last_seen_at"))
                .to_owned(),
        )
        .await?;
        m.create_table(
            table(b, "scheduled_runs")
                .col(big_pk_auto("id"))
                .col(string_len("task", 64))
                .col(ts(b, "slot"))
                .col(big_integer_null("job_id"))
                .col(ts(b, "created_at"))
                .to_owned(),
        )
        .await?;
        m.create_index(index("ux_scheduled_runs_slot", "scheduled_runs", &["task", "slot"], true)).await?;
        m.create_table(
            table(b, "deliveries")
                .col(big_pk_auto("id"))
                .col(big_integer("company_id"))
                .col(big_integer_null("invoice_id"))
                .col(string_len("purpose", 32))
                .col(big_integer_null("job_id"))
                .col(string_len("status", 16))
                .col(long_text(b, "recipients", false))
                .col(string_len("message_id", 255))
                .col(text_null("error"))
                .col(integer("attempts"))
                .col(ts(b, "queued_at"))
                .col(ts_null(b, "sent_at"))
                .col(ts(b, "updated_at"))
                .foreign_key(&mut fk("fk_deliveries_company", "deliveries", "company_id", "companies", false))
                .to_owned(),
        )
        .await?;
        m.create_index(index("ix_deliveries_invoice", "deliveries", &["invoice_id", "purpose", "id"], false)).await?;
        m.create_table(
            table(b, "dunning_notices")
                .col(big_pk_auto("id"))
                .col(big_integer("company_id"))
                .col(big_integer("invoice_id"))
                .col(integer("level"))
                .col(big_integer("delivery_id"))
                .col(big_integer("interest"))
                .col(integer("days_late"))
                .col(ts(b, "created_at"))
                .foreign_key(&mut fk("fk_dunning_notices_invoice", "dunning_notices", "invoice_id", "invoices", false))
                .to_owned(),
        )
        .await?;
        m.create_index(index("ux_dunning_notices_level", "dunning_notices", &["invoice_id", "level"], true)).await?;
        m.create_table(
            table(b, "password_resets")
                .col(big_pk_auto("id"))
                .col(big_integer("user_id"))
                .col(string_len("token_hash", 64))
                .col(ts(b, "expires_at"))
                .col(ts_null(b, "used_at"))
                .col(ts(b, "created_at"))
                .foreign_key(&mut fk("fk_password_resets_user", "password_resets", "user_id", "users", true))
                .to_owned(),
        )
        .await?;
        m.create_index(index("ux_password_resets_token", "password_resets", &["token_hash"], true)).await?;
        for (t, c) in [("customers", "dunning_hold"), ("invoices", "dunning_hold")] {
            m.alter_table(Table::alter().table(t).add_column(boolean(c).default(false)).to_owned()).await?;
        }
        m.alter_table(Table::alter().table("invoices").add_column(long_text(b, "delivery", true)).to_owned()).await?;
        m.alter_table(Table::alter().table("companies").add_column(text_null("dunning_policy")).to_owned()).await?;
        m.alter_table(
            Table::alter().table("companies").add_column(integer("late_interest_bp").default(300)).to_owned(),
        )
        .await?;
        m.alter_table(Table::alter().table("companies").add_column(text_null("email_signature")).to_owned()).await?;
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for c in ["email_signature", "late_interest_bp", "dunning_policy"] {
            m.alter_table(Table::alter().table("companies").drop_column(c).to_owned()).await?;
        }
        m.alter_table(Table::alter().table("invoices").drop_column("delivery").to_owned()).await?;
        for t in ["invoices", "customers"] {
            m.alter_table(Table::alter().table(t).drop_column("dunning_hold").to_owned()).await?;
        }
        for t in [
            "password_resets",
            "dunning_notices",
            "deliveries",
            "scheduled_runs",
            "workers",
            "job_runs",
            "job_keys",
            "failed_jobs",
            "jobs",
        ] {
            m.drop_table(Table::drop().table(t).if_exists().to_owned()).await?;
        }
        Ok(())
    }
}
