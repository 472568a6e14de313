//! Importing a statement file: parse it whole (any bad record rejects the file, naming the
//! record and field), store the file and each transaction once, then match the new
//! incoming transfers.

use super::matcher::{Book, Booking, book};
use super::view::{StatementView, TransactionStatus};
use crate::App;
use crate::audit::{self, AuditEntry};
use crate::clock::db_now;
use crate::context::Ctx;
use crate::documents::{put_blob, sha256_hex};
use crate::error::{AppError, FieldError};
use crate::pagination::{Page, PageRequest};
use crate::sql::{insert_ignore, stmt};
use chrono::NaiveDate;
use invoicepilot_domain::Permission;
use invoicepilot_domain::bank::csv_statement::{self, CsvPreset, PRESETS};
use invoicepilot_domain::bank::matching::{MatchDecision, Transfer, decide};
use invoicepilot_domain::bank::zengin::{self, BankAccountRef, BankTransaction, ZenginKind};
use invoicepilot_store::entity::{bank_statement, bank_transaction};
use sea_orm::{ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder};
use serde::Serialize;
use serde_json::json;
use std::str::FromStr;
use utoipa::ToSchema;

/// Largest statement file accepted (a year of a busy account is a few MiB).
pub const MAX_STATEMENT_BYTES: usize = 20 * 1024 * 1024;

/// How to read a statement file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ImportFormat {
    /// 全銀協 fixed-length when it looks like it, else the CSV preset whose headers it has.
    Auto,
    /// 全銀協 01 or 03.
    Zengin,
    /// A CSV export read with this preset.
    Csv(&'static CsvPreset),
}

impl FromStr for ImportFormat {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "auto" | "" => Ok(ImportFormat::Auto),
            "zengin" => Ok(ImportFormat::Zengin),
            other => PRESETS.iter().find(|p| p.id == other).map(ImportFormat::Csv).ok_or_else(|| {
                let ids: Vec<&str> = PRESETS.iter().map(|p| p.id).collect();
                format!("unknown format {other:?}: expected auto, zengin or one of {}", ids.join(", "))
            }),
        }
    }
}

/// A file to import.
#[derive(Debug, Clone)]
pub struct StatementImport {
    /// The file as uploaded.
    pub bytes: Vec<u8>,
    /// How to read it.
    pub format: ImportFormat,
    /// Its name, for the record.
    pub file_name: Option<String>,
}

/// What an import did, counting statement transactions (`API.md` command-line contract).
#[derive(Debug, Clone, Copy, Default, Serialize, ToSchema, PartialEq, Eq)]
pub struct ImportSummary {
    /// Transactions stored now.
    pub imported: i64,
    /// Transactions already stored from this or an earlier file.
    pub duplicates: i64,
    /// Incoming transfers booked automatically (however many invoices each paid).
    pub matched: i64,
    /// Incoming transfers with candidates waiting for a person.
    pub suggested: i64,
    /// Incoming transfers nothing fits.
    pub unmatched: i64,
}

/// The statement an import stored (or found) and its summary.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ImportOutcome {
    /// The statement.
    pub statement_id: i64,
    /// The counts.
    #[serde(flatten)]
    pub summary: ImportSummary,
    /// True when this very file had been imported before (nothing was stored).
    #[serde(skip)]
    pub known_file: bool,
}

/// A parsed file: its format code, the accounts its headers name, its transactions with
/// the account each belongs to.
struct Parsed {
    format: String,
    accounts: Vec<BankAccountRef>,
    rows: Vec<(String, BankTransaction)>,
}

fn account_key(a: &BankAccountRef) -> String {
    format!("{}-{}-{}-{}", a.bank_code, a.branch_code, a.account_type, a.account_number)
}

/// The records a parser refused, `(line, field, why)`, as field errors `line[N].field`.
fn bad_records(errs: impl Iterator<Item = (usize, String, String)>) -> AppError {
    AppError::Validation(
        errs.map(|(line, field, message)| {
            FieldError::new(format!("line[{line}].{field}"), "invalid", format!("line {line}, {field}: {message}"))
        })
        .collect(),
    )
}

fn parse(bytes: &[u8], format: ImportFormat, today: NaiveDate) -> Result<Parsed, AppError> {
    let zengin = match format {
        ImportFormat::Zengin => true,
        ImportFormat::Csv(_) => false,
        ImportFormat::Auto => zengin::looks_like_zengin(bytes),
    };
    if zengin {
        let statements = zengin::parse(bytes, today)
            .map_err(|errs| bad_records(errs.into_iter().map(|e| (e.record, e.field.to_owned(), e.message))))?;
        let kind = statements.first().map(|s| s.kind);
        let format = match kind {
            Some(ZenginKind::AccountStatement) => "zengin_03",
            _ => "zengin_01",
        };
        let mut rows = Vec::new();
        let mut accounts = Vec::new();
        for s in statements {
            let key = account_key(&s.account);
            rows.extend(s.transactions.into_iter().map(|t| (key.clone(), t)));
            accounts.push(s.account);
        }
        return Ok(Parsed { format: format.into(), accounts, rows });
    }
    let preset = match format {
        ImportFormat::Csv(p) => p,
        _ => csv_statement::detect(bytes).ok_or_else(|| {
            AppError::Validation(vec![FieldError::new(
                "file",
                "unknown_format",
                "neither a 全銀協 fixed-length file nor a CSV with the headers of a known bank (choose the format)",
            )])
        })?,
    };
    let rows = csv_statement::parse(bytes, preset, today)
        .map_err(|errs| bad_records(errs.into_iter().map(|e| (e.line, e.field, e.message))))?;
    Ok(Parsed {
        format: preset.id.into(),
        accounts: vec![],
        rows: rows.into_iter().map(|t| (String::new(), t)).collect(),
    })
}

/// The key that makes a transaction unique in a company, whatever file it came in.
fn dedupe_key(account: &str, t: &BankTransaction) -> String {
    sha256_hex(
        format!("{account}|{}|{}|{}|{}", t.booked_on, t.reference.trim(), t.amount, if t.cancelled { "c" } else { "" })
            .as_bytes(),
    )
}

fn clip(s: &str, n: usize) -> String {
    s.trim().chars().take(n).collect()
}

/// Imports a statement file and matches its new incoming transfers.
pub async fn import_statement(app: &App, ctx: &Ctx, input: StatementImport) -> Result<ImportOutcome, AppError> {
    ctx.require(Permission::ManagePayments)?;
    if input.bytes.is_empty() {
        return Err(AppError::Validation(vec![FieldError::new("file", "required", "the file is empty")]));
    }
    if input.bytes.len() > MAX_STATEMENT_BYTES {
        return Err(AppError::Validation(vec![FieldError::new(
            "file",
            "too_large",
            format!("statement files are limited to {} MiB", MAX_STATEMENT_BYTES / 1024 / 1024),
        )]));
    }
    let today = crate::company::today(app, ctx.company_id).await?;
    let parsed = parse(&input.bytes, input.format, today)?;
    let sha = sha256_hex(&input.bytes);
    // This very file again: every transaction in it is a duplicate, nothing is stored.
    let known = |found: bank_statement::Model| ImportOutcome {
        statement_id: found.id,
        summary: ImportSummary { duplicates: parsed.rows.len() as i64, ..Default::default() },
        known_file: true,
    };
    if let Some(found) = find_statement(app.db.conn(), ctx.company_id, &sha).await? {
        return Ok(known(found));
    }
    let stored = match store(app, ctx, &input, &parsed, &sha).await {
        Ok(s) => s,
        Err(e) => {
            // The same file imported concurrently: the other import stored it.
            if let Some(found) = find_statement(app.db.conn(), ctx.company_id, &sha).await? {
                return Ok(known(found));
            }
            return Err(e);
        }
    };
    let mut summary = ImportSummary {
        imported: stored.imported,
        duplicates: parsed.rows.len() as i64 - stored.imported,
        ..Default::default()
    };
    let fresh = bank_transaction::Entity::find()
        .filter(bank_transaction::Column::StatementId.eq(stored.id))
        .filter(bank_transaction::Column::Status.eq(TransactionStatus::Unmatched.code()))
        .order_by_asc(bank_transaction::Column::BookedOn)
        .order_by_asc(bank_transaction::Column::Id)
        .all(app.db.conn())
        .await?;
    let mut book_of = Book::load(app.db.conn(), ctx.company_id).await?;
    for t in fresh {
        match match_one(app, ctx, &mut book_of, &t).await? {
            TransactionStatus::Matched => summary.matched += 1,
            TransactionStatus::Suggested => summary.suggested += 1,
            _ => summary.unmatched += 1,
        }
    }
    Ok(ImportOutcome { statement_id: stored.id, summary, known_file: false })
}

/// Decides one stored transfer: books it when certain, else stores the candidates.
pub(super) async fn match_one(
    app: &App,
    ctx: &Ctx,
    book_of: &mut Book,
    t: &bank_transaction::Model,
) -> Result<TransactionStatus, AppError> {
    let transfer = Transfer { amount: t.amount, payer_name: &t.payer_name, reference: &t.edi };
    let candidates = match decide(&transfer, &book_of.payers, &book_of.open) {
        MatchDecision::Apply(c) => {
            let booking = Booking {
                customer_id: c.customer_id,
                allocations: Some(c.allocations.clone()),
                fee: c.fee,
                fee_booking: book_of.booking(c.customer_id),
                reason: c.reason.code().into(),
                remember_name: false,
            };
            match book(app, ctx, t, &booking).await {
                Ok(_) => {
                    book_of.settle(&c);
                    return Ok(TransactionStatus::Matched);
                }
                // Balances moved under us (a payment recorded meanwhile): a person decides.
                Err(AppError::Conflict(_) | AppError::Validation(_)) => vec![c],
                Err(e) => return Err(e),
            }
        }
        MatchDecision::Suggest(all) => all,
        MatchDecision::Unmatched => vec![],
    };
    if candidates.is_empty() {
        return Ok(TransactionStatus::Unmatched);
    }
    let views: Vec<_> = candidates.iter().take(5).map(|c| book_of.suggestion(c)).collect();
    bank_transaction::Entity::update_many()
        .col_expr(
            bank_transaction::Column::Status,
            sea_orm::sea_query::Expr::value(TransactionStatus::Suggested.code()),
        )
        .col_expr(
            bank_transaction::Column::Suggestions,
            sea_orm::sea_query::Expr::value(serde_json::to_string(&views)?),
        )
        .filter(bank_transaction::Column::Id.eq(t.id))
        .filter(bank_transaction::Column::Version.eq(t.version))
        .exec(app.db.conn())
        .await?;
    Ok(TransactionStatus::Suggested)
}

async fn find_statement<C: ConnectionTrait>(
    conn: &C,
    company_id: i64,
    sha: &str,
) -> Result<Option<bank_statement::Model>, AppError> {
    Ok(bank_statement::Entity::find()
        .filter(bank_statement::Column::CompanyId.eq(company_id))
        .filter(bank_statement::Column::Sha256.eq(sha))
        .one(conn)
        .await?)
}

/// The stored statement and how many of its transactions were new.
struct Stored {
    id: i64,
    imported: i64,
}

/// Stores the file, the statement and its new transactions in one transaction.
async fn store(app: &App, ctx: &Ctx, input: &StatementImport, parsed: &Parsed, sha: &str) -> Result<Stored, AppError> {
    let tx = app.db.begin_write().await?;
    let b = tx.get_database_backend();
    let now = db_now(app.clock.as_ref());
    let content_type = if parsed.format.starts_with("csv") { "text/csv" } else { "application/octet-stream" };
    let (blob_id, _) = put_blob(app, &*tx, ctx.company_id, content_type, &input.bytes).await?;
    let account = match parsed.accounts.as_slice() {
        [] => None,
        [one] => Some(serde_json::to_string(one)?),
        many => Some(serde_json::to_string(many)?),
    };
    let statement = bank_statement::ActiveModel {
        company_id: Set(ctx.company_id),
        sha256: Set(sha.to_owned()),
        blob_id: Set(blob_id),
        format: Set(parsed.format.clone()),
        file_name: Set(input.file_name.as_deref().map(|n| clip(n, 255)).filter(|n| !n.is_empty())),
        account: Set(account),
        period_from: Set(parsed.rows.iter().map(|(_, t)| t.booked_on).min()),
        period_to: Set(parsed.rows.iter().map(|(_, t)| t.booked_on).max()),
        transactions: Set(parsed.rows.len() as i32),
        imported: Set(0),
        duplicates: Set(0),
        imported_by: Set(match ctx.actor {
            crate::Actor::User(id) => Some(id),
            crate::Actor::System => None,
        }),
        created_at: Set(now),
        ..Default::default()
    }
    .insert(&*tx)
    .await?;
    let sql = insert_ignore(
        b,
        "bank_transactions",
        &[
            "company_id",
            "statement_id",
            "dedupe_key",
            "account",
            "bank_reference",
            "booked_on",
            "amount",
            "payer_name",
            "edi",
            "description",
            "status",
            "version",
            "created_at",
            "updated_at",
        ],
        &["company_id", "dedupe_key"],
    );
    let mut imported = 0i64;
    let mut cancellations = Vec::new();
    for (account, t) in &parsed.rows {
        let status = if t.cancelled {
            TransactionStatus::Cancelled
        } else if t.amount < 0 {
            TransactionStatus::Outgoing
        } else {
            TransactionStatus::Unmatched
        };
        let description = Some(clip(&t.description, 1000)).filter(|d| !d.is_empty());
        let res = tx
            .execute_raw(stmt(
                b,
                &sql,
                vec![
                    ctx.company_id.into(),
                    statement.id.into(),
                    dedupe_key(account, t).into(),
                    clip(account, 64).into(),
                    clip(&t.reference, 64).into(),
                    t.booked_on.into(),
                    t.amount.into(),
                    clip(&t.payer_name, 255).into(),
                    clip(&t.edi, 128).into(),
                    description.into(),
                    status.code().into(),
                    1i32.into(),
                    now.into(),
                    now.into(),
                ],
            ))
            .await?;
        if res.rows_affected() > 0 {
            imported += 1;
            if t.cancelled {
                cancellations.push((account.clone(), t));
            }
        }
    }
    // 取消: the notification the bank withdrew is not a payment, unless it was booked
    // already (then a person undoes the match; it stays in the 未消込 view as matched).
    for (account, t) in cancellations {
        bank_transaction::Entity::update_many()
            .col_expr(
                bank_transaction::Column::Status,
                sea_orm::sea_query::Expr::value(TransactionStatus::Cancelled.code()),
            )
            .filter(bank_transaction::Column::CompanyId.eq(ctx.company_id))
            .filter(bank_transaction::Column::Account.eq(clip(&account, 64)))
            .filter(bank_transaction::Column::BankReference.eq(clip(&t.reference, 64)))
            .filter(bank_transaction::Column::Amount.eq(t.amount))
            .filter(
                bank_transaction::Column::Status
                    .is_in([TransactionStatus::Unmatched.code(), TransactionStatus::Suggested.code()]),
            )
            .exec(&*tx)
            .await?;
    }
    let duplicates = parsed.rows.len() as i64 - imported;
    bank_statement::Entity::update_many()
        .col_expr(bank_statement::Column::Imported, sea_orm::sea_query::Expr::value(imported as i32))
        .col_expr(bank_statement::Column::Duplicates, sea_orm::sea_query::Expr::value(duplicates as i32))
        .filter(bank_statement::Column::Id.eq(statement.id))
        .exec(&*tx)
        .await?;
    audit::append(
        app,
        &tx,
        ctx,
        AuditEntry {
            action: "bank_statement.imported",
            target_type: "bank_statement",
            target_id: Some(statement.id),
            changes: json!({"format": parsed.format, "sha256": sha, "file_name": input.file_name,
                            "transactions": parsed.rows.len(), "imported": imported, "duplicates": duplicates}),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(Stored { id: statement.id, imported })
}

/// `GET /bank-statements`, newest first.
pub async fn list_statements(app: &App, ctx: &Ctx, page: PageRequest) -> Result<Page<StatementView>, AppError> {
    ctx.require(Permission::Read)?;
    let mut q = bank_statement::Entity::find().filter(bank_statement::Column::CompanyId.eq(ctx.company_id));
    if let Some(before) = page.before_id {
        q = q.filter(bank_statement::Column::Id.lt(before));
    }
    use sea_orm::QuerySelect;
    let rows = q.order_by_desc(bank_statement::Column::Id).limit(page.limit + 1).all(app.db.conn()).await?;
    Ok(Page::from_rows(rows, page.limit, |r| r.id, StatementView::from))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_are_named_as_the_cli_takes_them() {
        assert_eq!("auto".parse::<ImportFormat>(), Ok(ImportFormat::Auto));
        assert_eq!("zengin".parse::<ImportFormat>(), Ok(ImportFormat::Zengin));
        assert!(matches!("csv:mufg".parse::<ImportFormat>(), Ok(ImportFormat::Csv(p)) if p.id == "csv:mufg"));
        let err = "csv:nope".parse::<ImportFormat>().unwrap_err();
        assert!(err.contains("csv:anser"), "{err}");
    }
}
