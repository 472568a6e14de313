//! The append-only audit log. Each row carries the SHA-256 of the previous row of its
//! company, over a canonical serialisation, so `check` can prove nothing was changed or
//! removed.

use crate::App;
use crate::clock::{db_now, rfc3339};
use crate::context::Ctx;
use crate::error::AppError;
use crate::pagination::{Page, PageRequest};
use crate::sql::{insert_ignore, stmt};
use invoicepilot_domain::Permission;
use invoicepilot_store::WriteTx;
use invoicepilot_store::entity::{audit_head, audit_log};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, DbBackend, DbErr, EntityTrait, QueryFilter, QueryOrder, QuerySelect,
};
use serde::Serialize;
use serde_json::{Map, Value, json};
use sha2::{Digest, Sha256};
use utoipa::ToSchema;

/// The hash that precedes a company's first row.
pub const GENESIS_HASH: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// What a change did, before it is chained.
#[derive(Debug, Clone)]
pub struct AuditEntry {
    /// e.g. `invoice.issued`.
    pub action: &'static str,
    /// e.g. `invoice`.
    pub target_type: &'static str,
    /// The target's id.
    pub target_id: Option<i64>,
    /// Before/after of what changed.
    pub changes: Value,
}

/// Sorts object keys recursively so the same data always serialises to the same bytes.
pub fn canonical(v: &Value) -> Value {
    match v {
        Value::Object(m) => {
            let mut keys: Vec<_> = m.keys().cloned().collect();
            keys.sort();
            let mut out = Map::new();
            for k in keys {
                out.insert(k.clone(), canonical(&m[&k]));
            }
            Value::Object(out)
        }
        Value::Array(a) => Value::Array(a.iter().map(canonical).collect()),
        other => other.clone(),
    }
}

/// The hash of a row: SHA-256 over the previous hash and the row's canonical JSON.
pub fn row_hash(row: &audit_log::Model) -> String {
    let changes: Value = serde_json::from_str(&row.changes).unwrap_or(Value::String(row.changes.clone()));
    let body = canonical(&json!({
        "action": row.action,
        "actor": row.actor,
        "at": rfc3339(row.at),
        "changes": changes,
        "company_id": row.company_id,
        "request_id": row.request_id,
        "seq": row.seq,
        "target_id": row.target_id,
        "target_type": row.target_type,
    }));
    let mut h = Sha256::new();
    h.update(row.prev_hash.as_bytes());
    h.update(b"\n");
    h.update(body.to_string().as_bytes());
    hex::encode(h.finalize())
}

/// Appends one row inside the caller's transaction. Takes the company's chain-head lock,
/// so call it late in the transaction.
pub async fn append(app: &App, tx: &WriteTx, ctx: &Ctx, entry: AuditEntry) -> Result<(), AppError> {
    append_many(app, tx, ctx, vec![entry]).await
}

/// Appends rows in order inside the caller's transaction: one head bump and one multi-row
/// insert for all of them (bulk writers such as `dev seed`).
pub async fn append_many(app: &App, tx: &WriteTx, ctx: &Ctx, entries: Vec<AuditEntry>) -> Result<(), AppError> {
    if entries.is_empty() {
        return Ok(());
    }
    let n = entries.len() as i64;
    let b = app.db.db_backend();
    // PostgreSQL and SQLite return the bumped head in the same statement; MySQL reads it back.
    let returning = if b == DbBackend::MySql { "" } else { " RETURNING seq, last_hash" };
    let bump = || {
        stmt(
            b,
            &format!("UPDATE audit_heads SET seq = seq + ? WHERE company_id = ?{returning}"),
            vec![n.into(), ctx.company_id.into()],
        )
    };
    let run_bump = || async {
        if returning.is_empty() {
            let changed = tx.execute_raw(bump()).await?.rows_affected() > 0;
            if !changed {
                return Ok::<_, DbErr>(None);
            }
            tx.query_one_raw(stmt(
                b,
                "SELECT seq, last_hash FROM audit_heads WHERE company_id = ?",
                vec![ctx.company_id.into()],
            ))
            .await
        } else {
            tx.query_one_raw(bump()).await
        }
    };
    let head = match run_bump().await? {
        Some(h) => h,
        None => {
            let sql = insert_ignore(b, "audit_heads", &["company_id", "seq", "last_hash"], &["company_id"]);
            tx.execute_raw(stmt(b, &sql, vec![ctx.company_id.into(), 0i64.into(), GENESIS_HASH.into()])).await?;
            run_bump().await?.ok_or_else(|| AppError::Internal("audit head vanished".into()))?
        }
    };
    let last_seq: i64 = head.try_get("", "seq")?;
    let mut prev_hash: String = head.try_get("", "last_hash")?;
    let at = db_now(app.clock.as_ref());
    let actor = ctx.actor.audit_name();
    let mut rows = Vec::with_capacity(entries.len());
    for (seq, entry) in (last_seq - n + 1..).zip(entries) {
        let mut row = audit_log::Model {
            id: 0,
            company_id: ctx.company_id,
            seq,
            at,
            actor: actor.clone(),
            action: entry.action.to_owned(),
            target_type: entry.target_type.to_owned(),
            target_id: entry.target_id,
            changes: canonical(&entry.changes).to_string(),
            request_id: ctx.request_id.clone(),
            prev_hash: std::mem::take(&mut prev_hash),
            hash: String::new(),
        };
        row.hash = row_hash(&row);
        prev_hash = row.hash.clone();
        rows.push(audit_log::ActiveModel {
            company_id: Set(row.company_id),
            seq: Set(row.seq),
            at: Set(row.at),
            actor: Set(row.actor),
            action: Set(row.action),
            target_type: Set(row.target_type),
            target_id: Set(row.target_id),
            changes: Set(row.changes),
            request_id: Set(row.request_id),
            prev_hash: Set(row.prev_hash),
            hash: Set(row.hash),
            ..Default::default()
        });
    }
    // 11 values a row: well inside every engine's bound-parameter limit.
    while !rows.is_empty() {
        let rest = rows.split_off(rows.len().min(2000));
        audit_log::Entity::insert_many(std::mem::replace(&mut rows, rest)).exec_without_returning(&**tx).await?;
    }
    tx.execute_raw(stmt(
        b,
        "UPDATE audit_heads SET last_hash = ? WHERE company_id = ?",
        vec![prev_hash.into(), ctx.company_id.into()],
    ))
    .await?;
    Ok(())
}

/// An audit row as the API shows it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct AuditLogView {
    /// Row id.
    pub id: i64,
    /// When (RFC 3339 UTC).
    pub at: String,
    /// User id or `system`.
    pub actor: String,
    /// e.g. `invoice.issued`.
    pub action: String,
    /// e.g. `invoice`.
    pub target_type: String,
    /// The target's id.
    pub target_id: Option<i64>,
    /// Before/after of what changed.
    #[schema(value_type = Object)]
    pub changes: Value,
    /// The request that made the change.
    pub request_id: Option<String>,
    /// This row's chain hash.
    pub hash: String,
}

impl From<audit_log::Model> for AuditLogView {
    fn from(m: audit_log::Model) -> Self {
        AuditLogView {
            id: m.id,
            at: rfc3339(m.at),
            actor: m.actor,
            action: m.action,
            target_type: m.target_type,
            target_id: m.target_id,
            changes: serde_json::from_str(&m.changes).unwrap_or(Value::Null),
            request_id: m.request_id,
            hash: m.hash,
        }
    }
}

/// Filters of the audit list.
#[derive(Debug, Default, Clone)]
pub struct AuditFilter {
    /// Only rows about this kind of target.
    pub target_type: Option<String>,
    /// Only rows about this target.
    pub target_id: Option<i64>,
    /// Only this action.
    pub action: Option<String>,
}

/// Lists audit rows of the company, newest first.
pub async fn list(
    app: &App,
    ctx: &Ctx,
    filter: AuditFilter,
    page: PageRequest,
) -> Result<Page<AuditLogView>, AppError> {
    ctx.require(Permission::ReadAudit)?;
    let mut q = audit_log::Entity::find().filter(audit_log::Column::CompanyId.eq(ctx.company_id));
    if let Some(t) = filter.target_type {
        q = q.filter(audit_log::Column::TargetType.eq(t));
    }
    if let Some(id) = filter.target_id {
        q = q.filter(audit_log::Column::TargetId.eq(id));
    }
    if let Some(a) = filter.action {
        q = q.filter(audit_log::Column::Action.eq(a));
    }
    if let Some(before) = page.before_id {
        q = q.filter(audit_log::Column::Id.lt(before));
    }
    let rows = q.order_by_desc(audit_log::Column::Id).limit(page.limit + 1).all(app.db.conn()).await?;
    Ok(Page::from_rows(rows, page.limit, |r| r.id, AuditLogView::from))
}

/// Who last changed a target and when, for the "changed by someone else" message.
#[derive(Debug, Clone)]
pub struct LastChange {
    /// The actor's e-mail, or `system`.
    pub who: String,
    /// When (RFC 3339 UTC).
    pub at: String,
}

/// The newest audit row of a target, with the actor's e-mail resolved.
pub async fn last_change(
    app: &App,
    company_id: i64,
    target_type: &str,
    target_id: i64,
) -> Result<Option<LastChange>, AppError> {
    let row = audit_log::Entity::find()
        .filter(audit_log::Column::CompanyId.eq(company_id))
        .filter(audit_log::Column::TargetType.eq(target_type))
        .filter(audit_log::Column::TargetId.eq(target_id))
        .order_by_desc(audit_log::Column::Id)
        .one(app.db.conn())
        .await?;
    let Some(row) = row else { return Ok(None) };
    let mut names = actor_labels(app, [row.actor.as_str()]).await?;
    let who = names.remove(&row.actor).unwrap_or(row.actor);
    Ok(Some(LastChange { who, at: rfc3339(row.at) }))
}

/// Audit actors as people read them: a user id becomes the user's e-mail; `system` stays.
pub async fn actor_labels<'a>(
    app: &App,
    actors: impl IntoIterator<Item = &'a str>,
) -> Result<std::collections::HashMap<String, String>, AppError> {
    let actors: Vec<&str> = actors.into_iter().collect();
    let ids: Vec<i64> = actors.iter().filter_map(|a| a.parse().ok()).collect();
    let users = invoicepilot_store::entity::user::Entity::find()
        .filter(invoicepilot_store::entity::user::Column::Id.is_in(ids))
        .all(app.db.conn())
        .await?;
    Ok(actors
        .into_iter()
        .map(|a| {
            let label = match a.parse::<i64>() {
                Ok(id) => {
                    users.iter().find(|u| u.id == id).map(|u| u.email.clone()).unwrap_or_else(|| format!("#{id}"))
                }
                Err(_) => a.to_owned(),
            };
            (a.to_owned(), label)
        })
        .collect())
}

/// A break in a company's chain.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ChainViolation {
    /// The company.
    pub company_id: i64,
    /// The sequence number where it broke.
    pub seq: i64,
    /// What is wrong.
    pub problem: String,
}

/// Walks a company's chain and reports every row whose hash or link does not hold.
pub async fn verify_chain(app: &App, company_id: i64) -> Result<Vec<ChainViolation>, AppError> {
    // The head first: rows and head change in one transaction, so every row up to the head
    // read here is visible to the read of the rows that follows, however busy the company.
    // Rows appended in between are checked as links of the chain, not against this head.
    let head = audit_head::Entity::find_by_id(company_id).one(app.db.conn()).await?;
    let rows = audit_log::Entity::find()
        .filter(audit_log::Column::CompanyId.eq(company_id))
        .order_by_asc(audit_log::Column::Seq)
        .all(app.db.conn())
        .await?;
    let mut violations = Vec::new();
    let mut prev = GENESIS_HASH.to_owned();
    let mut expected_seq = 1;
    let mut hash_at_head = None;
    for row in rows {
        let v = |problem: String| ChainViolation { company_id, seq: row.seq, problem };
        if row.seq != expected_seq {
            violations.push(v(format!("expected sequence {expected_seq}, found {}", row.seq)));
        }
        if row.prev_hash != prev {
            violations.push(v("previous-hash link does not match the preceding row".into()));
        }
        if row_hash(&row) != row.hash {
            violations.push(v("row content does not match its hash".into()));
        }
        if head.as_ref().is_some_and(|h| h.seq == row.seq) {
            hash_at_head = Some(row.hash.clone());
        }
        prev = row.hash.clone();
        expected_seq = row.seq + 1;
    }
    // Rows removed from the end leave no gap behind them; the head remembers the last one.
    if let Some(head) = head {
        let last_seq = expected_seq - 1;
        let matches = if head.seq == 0 { true } else { hash_at_head.as_deref() == Some(head.last_hash.as_str()) };
        if last_seq < head.seq || !matches {
            violations.push(ChainViolation {
                company_id,
                seq: head.seq,
                problem: format!("the chain head records sequence {} but the log ends at {last_seq}", head.seq),
            });
        }
    }
    Ok(violations)
}

/// The audit trail of one target across companies, newest first (`invoicepilot audit`).
pub async fn history(app: &App, target_type: &str, target_id: i64, limit: u64) -> Result<Vec<AuditLogView>, AppError> {
    let rows = audit_log::Entity::find()
        .filter(audit_log::Column::TargetType.eq(target_type))
        .filter(audit_log::Column::TargetId.eq(target_id))
        .order_by_desc(audit_log::Column::Id)
        .limit(limit)
        .all(app.db.conn())
        .await?;
    Ok(rows.into_iter().map(AuditLogView::from).collect())
}
