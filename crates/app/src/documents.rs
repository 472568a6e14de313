//! Invoice PDFs. An issued invoice's PDF is rendered from the data frozen at issue, stored
//! once with its SHA-256 in the audit log, and served from storage ever after (電帳法: the
//! same document forever). Until it is stored, the same bytes are rendered on demand
//! without writing anything. Drafts render with a 「下書き」 watermark and are never stored.

use crate::App;
use crate::audit::{self, AuditEntry};
use crate::clock::db_now;
use crate::company;
use crate::context::Ctx;
use crate::customers;
use crate::error::AppError;
use crate::invoices::{self, InvoiceView};
use crate::sql::{insert_ignore, stmt};
use invoicepilot_domain::{InvoiceStatus, Permission};
use invoicepilot_pdf::{Addressee, BankAccount, Document, DocumentKind, Issuer, Line, RateTotal};
use invoicepilot_store::entity::{blob, invoice_document};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use std::sync::OnceLock;
use std::time::Duration;
use tokio::sync::Semaphore;

/// The job that renders and stores an issued invoice's PDF.
pub const STORE_PDF: &str = "invoice.store_pdf";

/// `invoice.store_pdf {invoice_id}`, enqueued in the issuing transaction.
pub struct StorePdfJob;

#[async_trait::async_trait]
impl crate::jobs::Job for StorePdfJob {
    fn job_type(&self) -> &'static str {
        STORE_PDF
    }

    async fn run(&self, app: &App, job: &crate::jobs::ClaimedJob) -> Result<(), crate::jobs::JobError> {
        let company = job.company_id.ok_or_else(|| crate::jobs::JobError::Permanent("job without company".into()))?;
        let id = job.payload["invoice_id"]
            .as_i64()
            .ok_or_else(|| crate::jobs::JobError::Permanent("payload without invoice_id".into()))?;
        store_invoice_pdf(app, company, id).await?;
        Ok(())
    }
}

/// The kind of an invoice's own PDF in `invoice_documents`.
pub const INVOICE_PDF: &str = "invoice_pdf";
/// Longest a rendering may take before the request gives up.
pub const RENDER_TIMEOUT: Duration = Duration::from_secs(30);
/// Renderings at a time (each holds a laid-out document in memory).
const CONCURRENT_RENDERS: usize = 2;

/// A PDF ready to send.
#[derive(Debug, Clone)]
pub struct Pdf {
    /// The bytes.
    pub bytes: Vec<u8>,
    /// SHA-256 (hex) of the bytes.
    pub sha256: String,
    /// A file name: `20261130_株式会社青山商事_30682_I-2026-0001.pdf` (the 電帳法 habit of
    /// date, counterparty and amount), or `draft_…` for drafts.
    pub file_name: String,
    /// True when the bytes came from storage.
    pub stored: bool,
}

/// Hex SHA-256.
pub fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

/// `2026年11月1日` from `2026-11-01`.
fn jp_date(iso: &str) -> String {
    chrono::NaiveDate::parse_from_str(iso, "%Y-%m-%d")
        .map(|d| d.format("%Y年%-m月%-d日").to_string())
        .unwrap_or_else(|_| iso.to_owned())
}

fn text(v: &Value, key: &str) -> Option<String> {
    v.get(key).and_then(Value::as_str).map(str::to_owned).filter(|s| !s.trim().is_empty())
}

/// The issuer as a document prints it, from a frozen (or current) snapshot.
fn issuer_of(v: &Value) -> Issuer {
    Issuer {
        name: text(v, "name").unwrap_or_default(),
        postal_code: text(v, "postal_code"),
        address: text(v, "address"),
        phone: text(v, "phone"),
        registration_number: text(v, "registration_number"),
    }
}

/// The addressee as a document prints it, from a frozen (or current) snapshot.
fn addressee_of(v: &Value) -> Addressee {
    Addressee {
        name: text(v, "name").unwrap_or_default(),
        honorific: text(v, "honorific").unwrap_or_else(|| "御中".into()),
        postal_code: text(v, "postal_code"),
        address: text(v, "address"),
    }
}

/// Per-rate totals as a document prints them.
fn rates_of(breakdown: &[crate::invoices::RateTotalView]) -> Vec<RateTotal> {
    breakdown.iter().map(|r| RateTotal { rate: r.rate.clone(), taxable_amount: r.taxable_amount, tax: r.tax }).collect()
}

/// Lines as a document prints them.
fn printed_lines(lines: &[crate::invoices::LineView]) -> Vec<Line> {
    lines
        .iter()
        .map(|l| Line {
            description: l.description.clone(),
            quantity: l.quantity.clone(),
            unit: l.unit.clone(),
            unit_price: l.unit_price,
            amount: l.amount,
            tax_rate: l.tax_rate.clone(),
        })
        .collect()
}

fn lines_of(v: &InvoiceView) -> (Vec<Line>, Vec<RateTotal>) {
    (printed_lines(&v.lines), rates_of(&v.tax_breakdown))
}

fn banks_of(accounts: &Value) -> Vec<BankAccount> {
    let list: Vec<company::BankAccount> = serde_json::from_value(accounts.clone()).unwrap_or_default();
    list.into_iter()
        .map(|b| BankAccount {
            bank_name: b.bank_name,
            bank_code: b.bank_code,
            branch_name: b.branch_name,
            branch_code: b.branch_code,
            account_type: b.account_type,
            account_number: b.account_number,
            account_name_kana: b.account_name_kana,
        })
        .collect()
}

async fn seal(app: &App, company_id: i64, sha: Option<&str>) -> Result<Option<Vec<u8>>, AppError> {
    let Some(sha) = sha else { return Ok(None) };
    let row = blob::Entity::find()
        .filter(blob::Column::CompanyId.eq(company_id))
        .filter(blob::Column::Sha256.eq(sha))
        .one(app.db.conn())
        .await?;
    Ok(row.map(|b| b.bytes))
}

/// The document an invoice states: its frozen issuer and customer once issued, the current
/// ones for a draft.
async fn document_of(app: &App, ctx: &Ctx, v: &InvoiceView) -> Result<Document, AppError> {
    let draft = v.status == InvoiceStatus::Draft.code();
    let (issuer_json, customer_json) = match (&v.issuer, &v.customer, draft) {
        (Some(i), Some(c), false) => (i.clone(), c.clone()),
        _ => {
            let settings = company::load(app, ctx.company_id).await?;
            let c = customers::get(app, ctx, v.customer_id).await?;
            let view = settings.view();
            (
                json!({"name": view.name, "postal_code": view.postal_code, "address": view.address, "phone": view.phone,
                       "registration_number": view.registration_number, "bank_accounts": view.bank_accounts,
                       "seal_sha256": settings.model.seal_sha256}),
                json!({"name": c.name, "honorific": c.honorific, "postal_code": c.postal_code, "address": c.address}),
            )
        }
    };
    let (lines, rates) = lines_of(v);
    let seal_png = seal(app, ctx.company_id, issuer_json.get("seal_sha256").and_then(Value::as_str)).await?;
    // A correction names the document it replaces (修正: identify the original).
    let original = match v.corrects_invoice_id {
        Some(o) => {
            let o = invoices::get(app, ctx, o).await?;
            Some(format!(
                "{}付 請求書 {} を修正したものです（修正前の請求書は無効となります）。",
                jp_date(&o.issue_date),
                o.number.unwrap_or_default()
            ))
        }
        None => None,
    };
    Ok(Document {
        kind: DocumentKind::Invoice,
        number: v.number.clone(),
        issue_date: v.issue_date.clone(),
        due_date: v.due_date.clone(),
        draft,
        issuer: issuer_of(&issuer_json),
        addressee: addressee_of(&customer_json),
        subject: None,
        lines,
        rates,
        subtotal: v.subtotal,
        tax_total: v.tax_total,
        total: v.total,
        withholding_tax: v.withholding.then_some(v.withholding_tax),
        amount_due: v.amount_due,
        prices_include_tax: v.prices_include_tax,
        bank_accounts: issuer_json.get("bank_accounts").map(banks_of).unwrap_or_default(),
        notes: v.notes.clone(),
        original,
        seal_png,
    })
}

fn renders() -> &'static Semaphore {
    static SEM: OnceLock<Semaphore> = OnceLock::new();
    SEM.get_or_init(|| Semaphore::new(CONCURRENT_RENDERS))
}

/// Renders off the async runtime, a few at a time, within [`RENDER_TIMEOUT`]; a panic or a
/// layout failure is an error of this request only.
pub async fn render_bounded(doc: Document) -> Result<Vec<u8>, AppError> {
    let _permit = renders().acquire().await.map_err(|e| AppError::Internal(format!("render queue closed: {e}")))?;
    let task = tokio::task::spawn_blocking(move || invoicepilot_pdf::render(&doc));
    match tokio::time::timeout(RENDER_TIMEOUT, task).await {
        Err(_) => Err(AppError::Internal("PDF rendering took too long".into())),
        Ok(Err(join)) => Err(AppError::Internal(format!("PDF rendering failed: {join}"))),
        Ok(Ok(Err(e))) => Err(AppError::Internal(format!("PDF rendering failed: {e}"))),
        Ok(Ok(Ok(bytes))) => Ok(bytes),
    }
}

fn file_name(v: &InvoiceView) -> String {
    let safe = |s: &str| -> String {
        s.chars().map(|c| if c.is_control() || "/\\:*?\"<>|".contains(c) { '_' } else { c }).take(60).collect()
    };
    match &v.number {
        Some(n) => format!("{}_{}_{}_{}.pdf", v.issue_date.replace('-', ""), safe(&v.customer_name), v.total, safe(n)),
        None => format!("draft_{}_{}.pdf", v.id, safe(&v.customer_name)),
    }
}

async fn stored(app: &App, company_id: i64, invoice_id: i64) -> Result<Option<(String, Vec<u8>)>, AppError> {
    let Some(doc) = invoice_document::Entity::find()
        .filter(invoice_document::Column::CompanyId.eq(company_id))
        .filter(invoice_document::Column::InvoiceId.eq(invoice_id))
        .filter(invoice_document::Column::Kind.eq(INVOICE_PDF))
        .one(app.db.conn())
        .await?
    else {
        return Ok(None);
    };
    let b = blob::Entity::find_by_id(doc.blob_id)
        .one(app.db.conn())
        .await?
        .ok_or_else(|| AppError::Internal(format!("blob {} of invoice {invoice_id} is missing", doc.blob_id)))?;
    Ok(Some((doc.sha256, b.bytes)))
}

/// `GET /invoices/{id}/pdf`: the stored PDF, or the same bytes rendered now; never writes.
pub async fn invoice_pdf(app: &App, ctx: &Ctx, id: i64) -> Result<Pdf, AppError> {
    ctx.require(Permission::Read)?;
    if app.failpoints.hit("documents.invoice_pdf") {
        return Err(AppError::Internal("failpoint documents.invoice_pdf".into()));
    }
    let v = invoices::get(app, ctx, id).await?;
    if v.status != InvoiceStatus::Draft.code()
        && let Some((sha256, bytes)) = stored(app, ctx.company_id, id).await?
    {
        return Ok(Pdf { bytes, sha256, file_name: file_name(&v), stored: true });
    }
    let bytes = render_bounded(document_of(app, ctx, &v).await?).await?;
    Ok(Pdf { sha256: sha256_hex(&bytes), bytes, file_name: file_name(&v), stored: false })
}

/// Stores a blob once per company and content; returns its id.
pub async fn put_blob<C: ConnectionTrait>(
    app: &App,
    conn: &C,
    company_id: i64,
    content_type: &str,
    bytes: &[u8],
) -> Result<(i64, String), AppError> {
    let sha = sha256_hex(bytes);
    let b = conn.get_database_backend();
    let sql = insert_ignore(
        b,
        "blobs",
        &["company_id", "sha256", "content_type", "size", "bytes", "created_at"],
        &["company_id", "sha256"],
    );
    conn.execute_raw(stmt(
        b,
        &sql,
        vec![
            company_id.into(),
            sha.clone().into(),
            content_type.into(),
            (bytes.len() as i64).into(),
            bytes.to_vec().into(),
            db_now(app.clock.as_ref()).into(),
        ],
    ))
    .await?;
    let row = blob::Entity::find()
        .filter(blob::Column::CompanyId.eq(company_id))
        .filter(blob::Column::Sha256.eq(&sha))
        .one(conn)
        .await?
        .ok_or_else(|| AppError::Internal("stored blob not found".into()))?;
    Ok((row.id, sha))
}

/// Renders an issued invoice from its frozen data and stores it, once: a second call finds
/// it stored and returns its hash. The hash goes into the audit log.
pub async fn store_invoice_pdf(app: &App, company_id: i64, invoice_id: i64) -> Result<String, AppError> {
    let ctx = Ctx::system(company_id);
    if let Some((sha, _)) = stored(app, company_id, invoice_id).await? {
        return Ok(sha);
    }
    let v = invoices::get(app, &ctx, invoice_id).await?;
    if v.status == InvoiceStatus::Draft.code() {
        return Err(AppError::Conflict("drafts are never stored".into()));
    }
    let bytes = render_bounded(document_of(app, &ctx, &v).await?).await?;
    let tx = app.db.begin_write().await?;
    let (blob_id, sha) = put_blob(app, &*tx, company_id, "application/pdf", &bytes).await?;
    let b = tx.get_database_backend();
    let sql = insert_ignore(
        b,
        "invoice_documents",
        &["company_id", "invoice_id", "kind", "blob_id", "sha256", "created_at"],
        &["invoice_id", "kind"],
    );
    let res = tx
        .execute_raw(stmt(
            b,
            &sql,
            vec![
                company_id.into(),
                invoice_id.into(),
                INVOICE_PDF.into(),
                blob_id.into(),
                sha.clone().into(),
                db_now(app.clock.as_ref()).into(),
            ],
        ))
        .await?;
    if res.rows_affected() == 0 {
        // Another instance stored it first; theirs stands.
        drop(tx);
        return stored(app, company_id, invoice_id).await?.map(|(s, _)| s).ok_or(AppError::ConcurrentChange);
    }
    audit::append(
        app,
        &tx,
        &ctx,
        AuditEntry {
            action: "invoice.pdf_stored",
            target_type: "invoice",
            target_id: Some(invoice_id),
            changes: json!({"after": {"document": INVOICE_PDF, "sha256": sha, "size": bytes.len(), "number": v.number}}),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(sha)
}

/// `GET /credit-notes/{id}/pdf`: the 適格返還請求書, from the issuer and customer frozen
/// with the invoice it returns against.
pub async fn credit_note_pdf(app: &App, ctx: &Ctx, id: i64) -> Result<Pdf, AppError> {
    ctx.require(Permission::Read)?;
    let note = crate::credit_notes::get(app, ctx, id).await?;
    let inv = invoices::get(app, ctx, note.invoice_id).await?;
    let issuer_json = inv.issuer.clone().unwrap_or_default();
    let customer_json = inv.customer.clone().unwrap_or_default();
    let invoice_number = inv.number.clone().unwrap_or_default();
    let lines: Vec<Line> = note
        .lines
        .iter()
        .map(|l| Line {
            description: l.description.clone(),
            quantity: l.quantity.clone(),
            unit: l.unit.clone(),
            unit_price: l.unit_price,
            amount: l.amount,
            tax_rate: l.tax_rate.clone(),
        })
        .collect();
    let inclusive = lines.iter().map(|l| l.amount).sum::<i64>() == note.total;
    let notes = note.document_omitted.then(|| {
        "返還等の金額が1万円未満のため返還インボイスの交付を要しない取引の記録です（消費税法第57条の4第3項）。"
            .to_owned()
    });
    let doc = Document {
        kind: DocumentKind::CreditNote,
        number: Some(note.number.clone().unwrap_or_else(|| format!("（記録番号 {}）", note.id))),
        issue_date: note.credited_on.clone(),
        due_date: None,
        draft: false,
        issuer: issuer_of(&issuer_json),
        addressee: addressee_of(&customer_json),
        subject: Some(note.reason.clone()),
        lines,
        rates: rates_of(&note.tax_breakdown),
        subtotal: note.subtotal,
        tax_total: note.tax_total,
        total: note.total,
        withholding_tax: None,
        amount_due: note.total,
        prices_include_tax: inclusive,
        bank_accounts: vec![],
        notes,
        original: Some(format!(
            "対象: {}付 請求書 {}（原取引の年月日 {}）",
            jp_date(&inv.issue_date),
            invoice_number,
            jp_date(&note.original_sale_date)
        )),
        seal_png: seal(app, ctx.company_id, issuer_json.get("seal_sha256").and_then(Value::as_str)).await?,
    };
    let bytes = render_bounded(doc).await?;
    let safe: String = invoice_number.chars().filter(|c| c.is_ascii_alphanumeric() || *c == '-').collect();
    let file_name = format!(
        "{}_{}_{}.pdf",
        note.credited_on.replace('-', ""),
        note.number.clone().unwrap_or_else(|| format!("credit-{}", note.id)),
        safe
    );
    Ok(Pdf { sha256: sha256_hex(&bytes), bytes, file_name, stored: false })
}

/// `GET /quotes/{id}/pdf`: the 御見積書 (a draft is marked 「下書き」 and shows the current
/// company and customer details; an issued quote the frozen ones).
pub async fn quote_pdf(app: &App, ctx: &Ctx, id: i64) -> Result<Pdf, AppError> {
    ctx.require(Permission::Read)?;
    let q = crate::quotes::get(app, ctx, id).await?;
    let row = crate::quotes::load(app, ctx, id).await?;
    let parse = |s: &Option<String>| s.as_deref().and_then(|s| serde_json::from_str::<Value>(s).ok());
    let draft = q.status == "draft";
    let (issuer_json, customer_json) = match (parse(&row.issuer_snapshot), parse(&row.customer_snapshot)) {
        (Some(i), Some(c)) => (i, c),
        _ => {
            let settings = company::load(app, ctx.company_id).await?;
            let c = customers::find(app.db.conn(), ctx.company_id, q.customer_id).await?;
            (crate::invoices::issuer_snapshot(&settings), crate::invoices::customer_snapshot(&c))
        }
    };
    let doc = Document {
        kind: DocumentKind::Quote,
        number: q.number.clone(),
        issue_date: q.issue_date.clone(),
        due_date: Some(q.valid_until.clone()),
        draft,
        issuer: issuer_of(&issuer_json),
        addressee: addressee_of(&customer_json),
        subject: q.subject.clone(),
        lines: printed_lines(&q.lines),
        rates: rates_of(&q.tax_breakdown),
        subtotal: q.subtotal,
        tax_total: q.tax_total,
        total: q.total,
        withholding_tax: None,
        amount_due: q.total,
        prices_include_tax: q.prices_include_tax,
        bank_accounts: vec![],
        notes: q.notes.clone(),
        original: None,
        seal_png: seal(app, ctx.company_id, issuer_json.get("seal_sha256").and_then(Value::as_str)).await?,
    };
    let bytes = render_bounded(doc).await?;
    let file_name = match &q.number {
        Some(n) => format!("{}_見積書_{}.pdf", q.issue_date.replace('-', ""), n),
        None => format!("draft_quote_{}.pdf", q.id),
    };
    Ok(Pdf { sha256: sha256_hex(&bytes), bytes, file_name, stored: false })
}
