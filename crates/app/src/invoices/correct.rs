//! 修正 (corrected invoices, `japan-rules.md` §1.8): an issued invoice is never edited; a
//! correction is a new draft copied from it and linked to it, and issuing that draft voids
//! the original in the same transaction with the link back. Both stay, both are audited.

use super::draft::{create_draft_in, lock_invoice};
use super::input::InvoiceInput;
use super::view::{InvoiceView, LineView};
use crate::App;
use crate::audit::{self, AuditEntry};
use crate::clock::db_now;
use crate::context::Ctx;
use crate::error::AppError;
use invoicepilot_domain::{InvoiceStatus, Permission};
use invoicepilot_store::WriteTx;
use invoicepilot_store::entity::invoice;
use sea_orm::{ActiveValue::Set, ColumnTrait, EntityTrait, QueryFilter};
use serde_json::json;

/// Why `original` cannot be corrected now, if it cannot.
fn refusal(original: &invoice::Model) -> Option<String> {
    let id = original.id;
    match original.status.parse::<InvoiceStatus>() {
        Ok(InvoiceStatus::Draft) => Some(format!("invoice {id} is a draft: edit it instead")),
        Ok(InvoiceStatus::Void) => Some(format!("invoice {id} is void")),
        _ if original.amount_paid != 0 => {
            Some(format!("invoice {id} has payments allocated: reverse them before correcting it"))
        }
        _ if original.amount_credited != 0 => {
            Some(format!("invoice {id} has credit notes: a correction would count them twice"))
        }
        _ if original.corrected_by_invoice_id.is_some() => Some(format!("invoice {id} is already corrected")),
        _ => None,
    }
}

/// `POST /invoices/{id}/correct`: a new draft with the original's lines and terms, linked
/// to it; 409 for drafts, void, paid or credited invoices and when a correction is pending.
pub async fn start_correction(app: &App, ctx: &Ctx, id: i64) -> Result<InvoiceView, AppError> {
    ctx.require(Permission::ManageInvoices)?;
    let original = super::get(app, ctx, id).await?;
    let row = invoice::Entity::find_by_id(id)
        .filter(invoice::Column::CompanyId.eq(ctx.company_id))
        .one(app.db.conn())
        .await?
        .ok_or(AppError::NotFound("invoice"))?;
    if let Some(why) = refusal(&row) {
        return Err(AppError::Conflict(why));
    }
    let pending = invoice::Entity::find()
        .filter(invoice::Column::CompanyId.eq(ctx.company_id))
        .filter(invoice::Column::CorrectsInvoiceId.eq(id))
        .filter(invoice::Column::Status.eq(InvoiceStatus::Draft.code()))
        .one(app.db.conn())
        .await?;
    if let Some(p) = pending {
        return Err(AppError::Conflict(format!("invoice {id} already has a correction draft: invoice {}", p.id)));
    }
    let input = InvoiceInput {
        customer_id: Some(original.customer_id),
        issue_date: Some(original.issue_date.clone()),
        due_date: original.due_date.clone(),
        prices_include_tax: Some(original.prices_include_tax),
        withholding: Some(original.withholding),
        notes: original.notes.clone(),
        lines: Some(original.lines.iter().map(LineView::as_input).collect()),
        id: None,
        version: None,
    };
    let draft = create_draft_in(app, ctx, input, Some(id)).await?;
    let tx = app.db.begin_write().await?;
    audit::append(
        app,
        &tx,
        ctx,
        AuditEntry {
            action: "invoice.correction_started",
            target_type: "invoice",
            target_id: Some(id),
            changes: json!({"correction_invoice_id": draft.id}),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(draft)
}

/// Inside the issuing transaction of a correction: voids the original with the link, or
/// refuses (409) when it took a payment or another correction meanwhile.
pub(super) async fn supersede_in(
    app: &App,
    tx: &WriteTx,
    ctx: &Ctx,
    original_id: i64,
    corrected_by: i64,
    new_number: &str,
) -> Result<(), AppError> {
    let original = lock_invoice(tx, ctx, original_id).await?;
    if let Some(why) = refusal(&original) {
        return Err(AppError::Conflict(format!("the correction cannot be issued: {why}")));
    }
    let now = db_now(app.clock.as_ref());
    let reason = format!("修正: {new_number} に差し替え");
    invoice::Entity::update_many()
        .set(invoice::ActiveModel {
            status: Set(InvoiceStatus::Void.code().into()),
            void_reason: Set(Some(reason.clone())),
            voided_at: Set(Some(now)),
            balance: Set(0),
            corrected_by_invoice_id: Set(Some(corrected_by)),
            version: Set(original.version + 1),
            updated_at: Set(now),
            ..Default::default()
        })
        .filter(invoice::Column::Id.eq(original_id))
        .exec(&**tx)
        .await?;
    audit::append(
        app,
        tx,
        ctx,
        AuditEntry {
            action: "invoice.voided",
            target_type: "invoice",
            target_id: Some(original_id),
            changes: json!({"before": {"status": original.status, "balance": original.balance},
                            "after": {"status": "void", "balance": 0, "corrected_by_invoice_id": corrected_by},
                            "reason": reason}),
        },
    )
    .await?;
    Ok(())
}
