//! SeaORM entities, one file per table. Timestamps are UTC `NaiveDateTime` (portable
//! across the three engines); JSON documents are canonical text.

pub mod api_token;
pub mod app_setting;
pub mod audit_head;
pub mod audit_log;
pub mod bank_statement;
pub mod bank_transaction;
pub mod blob;
pub mod company;
pub mod credit_note;
pub mod customer;
pub mod customer_credit;
pub mod customer_payer_name;
pub mod delivery;
pub mod dunning_notice;
pub mod failed_job;
pub mod idempotency_key;
pub mod invoice;
pub mod invoice_document;
pub mod invoice_line;
pub mod job;
pub mod job_key;
pub mod job_run;
pub mod login_attempt;
pub mod membership;
pub mod number_counter;
pub mod password_reset;
pub mod payment;
pub mod payment_allocation;
pub mod quote;
pub mod recurring_invoice;
pub mod recurring_run;
pub mod scheduled_run;
pub mod session;
pub mod user;
pub mod worker;
