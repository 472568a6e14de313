//! The tables a backup carries, in an order that satisfies every foreign key when restored
//! front to back (and deleted back to front). Left out on purpose: sessions, login attempts
//! and idempotency keys (short-lived), password resets (a restore must not revive links),
//! job run statistics and worker registrations (this installation's runtime), and
//! `app_settings` (maintenance flag, restart signal, alert states of the running system).

use super::{BackupError, PartWriter};
use crate::entity;
use sea_orm::sea_query::{Expr, SimpleExpr};
use sea_orm::{
    ColumnTrait, ColumnType, ConnectionTrait, DatabaseTransaction, EntityTrait, IdenStatic, Iterable, PaginatorTrait,
    PrimaryKeyToColumn, QueryOrder, QuerySelect, Select,
};
use std::collections::{HashMap, HashSet};

/// The columns each table has in the database (an older schema than this binary's, before
/// `migrate`, lacks some).
pub type PresentColumns = HashMap<String, HashSet<String>>;

/// Reads which tables and columns exist.
pub async fn present_columns(conn: &DatabaseTransaction) -> Result<PresentColumns, BackupError> {
    use sea_orm::DbBackend;
    let b = conn.get_database_backend();
    let sql = match b {
        DbBackend::Sqlite => {
            "SELECT m.name AS t, p.name AS c FROM sqlite_master m JOIN pragma_table_info(m.name) p \
                              WHERE m.type = 'table'"
        }
        DbBackend::Postgres => {
            "SELECT table_name::text AS t, column_name::text AS c FROM information_schema.columns \
                                WHERE table_schema = current_schema()"
        }
        _ => {
            "SELECT CAST(table_name AS CHAR) AS t, CAST(column_name AS CHAR) AS c FROM information_schema.columns \
              WHERE table_schema = DATABASE()"
        }
    };
    let mut out = PresentColumns::new();
    for r in conn.query_all_raw(sea_orm::Statement::from_string(b, sql)).await? {
        let t: String = r.try_get("", "t")?;
        let c: String = r.try_get("", "c")?;
        out.entry(t).or_default().insert(c);
    }
    Ok(out)
}

/// What a column the database does not have yet reads as: NULL when nullable, else the
/// type's zero (the defaults the additive migrations give new columns).
fn stand_in(def: &sea_orm::ColumnDef) -> SimpleExpr {
    if def.is_null() {
        return Expr::cust("NULL");
    }
    match def.get_column_type() {
        ColumnType::Boolean => Expr::val(false),
        ColumnType::String(_) | ColumnType::Text | ColumnType::Char(_) => Expr::val(""),
        ColumnType::Timestamp | ColumnType::DateTime | ColumnType::TimestampWithTimeZone => {
            Expr::val(chrono::NaiveDateTime::default())
        }
        ColumnType::Date => Expr::val(chrono::NaiveDate::default()),
        ColumnType::Binary(_) | ColumnType::VarBinary(_) | ColumnType::Blob => Expr::val(Vec::<u8>::new()),
        _ => Expr::val(0i64),
    }
}

/// `SELECT` of every column of `E`, standing in for the ones `present` lacks.
fn select_present<E: EntityTrait>(present: Option<&HashSet<String>>) -> Select<E> {
    let Some(present) = present else { return E::find() };
    let mut q = E::find().select_only();
    for c in E::Column::iter() {
        if present.contains(c.as_str()) {
            q = q.column(c);
        } else {
            q = q.column_as(stand_in(&c.def()), c.as_str());
        }
    }
    q
}

/// One table's backup operations.
#[async_trait::async_trait]
pub trait Table: Send + Sync {
    /// The table's name.
    fn name(&self) -> &'static str;
    /// Writes every row (ordered by primary key) to `part`; `present` lists the columns
    /// the database has (`None`: the table is missing, nothing is written).
    async fn dump(
        &self,
        conn: &DatabaseTransaction,
        part: &mut PartWriter,
        present: Option<&HashSet<String>>,
    ) -> Result<(), BackupError>;
    /// Inserts rows read from a backup.
    async fn load(&self, conn: &DatabaseTransaction, rows: Vec<serde_json::Value>) -> Result<(), BackupError>;
    /// Deletes every row.
    async fn wipe(&self, conn: &DatabaseTransaction) -> Result<(), BackupError>;
    /// Counts the rows.
    async fn count(&self, conn: &DatabaseTransaction) -> Result<u64, BackupError>;
}

macro_rules! table {
    ($ty:ident, $name:literal, $module:ident) => {
        struct $ty;

        #[async_trait::async_trait]
        impl Table for $ty {
            fn name(&self) -> &'static str {
                $name
            }

            async fn dump(
                &self,
                conn: &DatabaseTransaction,
                part: &mut PartWriter,
                present: Option<&HashSet<String>>,
            ) -> Result<(), BackupError> {
                let Some(present) = present else { return Ok(()) };
                let mut q = select_present::<entity::$module::Entity>(Some(present));
                for pk in entity::$module::PrimaryKey::iter() {
                    q = q.order_by_asc(pk.into_column());
                }
                // One streamed query, not pages: OFFSET pagination rereads every earlier
                // row for each page, which a million-invoice table cannot afford.
                let mut rows = q.stream(conn).await?;
                while let Some(r) = futures::TryStreamExt::try_next(&mut rows).await? {
                    let v = serde_json::to_value(&r).map_err(|e| BackupError::Corrupt(e.to_string()))?;
                    part.row(&v)?;
                }
                Ok(())
            }

            async fn load(&self, conn: &DatabaseTransaction, rows: Vec<serde_json::Value>) -> Result<(), BackupError> {
                use sea_orm::{ActiveModelTrait, IntoActiveModel};
                if rows.is_empty() {
                    return Ok(());
                }
                let mut models = Vec::with_capacity(rows.len());
                for v in rows {
                    let m: entity::$module::Model =
                        serde_json::from_value(v).map_err(|e| BackupError::Corrupt(format!("{} row: {e}", $name)))?;
                    models.push(m.into_active_model().reset_all());
                }
                entity::$module::Entity::insert_many(models).exec_without_returning(conn).await?;
                Ok(())
            }

            async fn wipe(&self, conn: &DatabaseTransaction) -> Result<(), BackupError> {
                entity::$module::Entity::delete_many().exec(conn).await?;
                Ok(())
            }

            async fn count(&self, conn: &DatabaseTransaction) -> Result<u64, BackupError> {
                Ok(entity::$module::Entity::find().count(conn).await?)
            }
        }
    };
}

table!(Companies, "companies", company);
table!(Users, "users", user);
table!(Memberships, "memberships", membership);
table!(ApiTokens, "api_tokens", api_token);
table!(Customers, "customers", customer);
table!(Invoices, "invoices", invoice);
table!(InvoiceLines, "invoice_lines", invoice_line);
table!(NumberCounters, "number_counters", number_counter);
table!(Payments, "payments", payment);
table!(PaymentAllocations, "payment_allocations", payment_allocation);
table!(CustomerCredits, "customer_credits", customer_credit);
table!(AuditHeads, "audit_heads", audit_head);
table!(AuditLogs, "audit_logs", audit_log);
table!(Blobs, "blobs", blob);
table!(InvoiceDocuments, "invoice_documents", invoice_document);
table!(Deliveries, "deliveries", delivery);
table!(DunningNotices, "dunning_notices", dunning_notice);
table!(Jobs, "jobs", job);
table!(FailedJobs, "failed_jobs", failed_job);
table!(JobKeys, "job_keys", job_key);
table!(ScheduledRuns, "scheduled_runs", scheduled_run);
table!(CustomerPayerNames, "customer_payer_names", customer_payer_name);
table!(BankStatements, "bank_statements", bank_statement);
table!(BankTransactions, "bank_transactions", bank_transaction);
table!(CreditNotes, "credit_notes", credit_note);
table!(Quotes, "quotes", quote);
table!(RecurringInvoices, "recurring_invoices", recurring_invoice);
table!(RecurringRuns, "recurring_runs", recurring_run);

/// Every backed-up table, in restore order.
pub static BACKED_UP: &[&dyn Table] = &[
    &Companies,
    &Users,
    &Memberships,
    &ApiTokens,
    &Customers,
    &Invoices,
    &InvoiceLines,
    &NumberCounters,
    &Payments,
    &PaymentAllocations,
    &CustomerCredits,
    &AuditHeads,
    &AuditLogs,
    &Blobs,
    &InvoiceDocuments,
    &Deliveries,
    &DunningNotices,
    &Jobs,
    &FailedJobs,
    &JobKeys,
    &ScheduledRuns,
    &CustomerPayerNames,
    &BankStatements,
    &BankTransactions,
    &CreditNotes,
    &Quotes,
    &RecurringInvoices,
    &RecurringRuns,
];

/// Tables of the schema a backup leaves out on purpose.
pub const NOT_BACKED_UP: &[&str] = &[
    "sessions",
    "login_attempts",
    "idempotency_keys",
    "password_resets",
    "job_runs",
    "workers",
    "app_settings",
    "seaql_migrations",
];

/// Names of the backed-up tables.
pub fn table_names() -> Vec<&'static str> {
    BACKED_UP.iter().map(|t| t.name()).collect()
}
