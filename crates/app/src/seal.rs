//! The company seal (角印) printed on documents: one PNG per company, stored as a blob.
//! Issued invoices keep the hash of the seal they were issued with, so a later change of
//! seal never changes an issued document.

use crate::App;
use crate::audit::{self, AuditEntry};
use crate::clock::db_now;
use crate::context::Ctx;
use crate::documents::put_blob;
use crate::error::AppError;
use invoicepilot_domain::Permission;
use invoicepilot_pdf::MAX_SEAL_BYTES;
use invoicepilot_store::entity::{blob, company};
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde_json::json;

const PNG_MAGIC: &[u8] = b"\x89PNG\r\n\x1a\n";

/// Checks an uploaded seal: a PNG (by its bytes, whatever its name says), at most 512 KiB.
pub fn check_png(bytes: &[u8]) -> Result<(), AppError> {
    if bytes.len() > MAX_SEAL_BYTES {
        return Err(AppError::field("seal", "too_long", "the seal image may be at most 512 KiB"));
    }
    if !bytes.starts_with(PNG_MAGIC) || bytes.len() < 33 || &bytes[12..16] != b"IHDR" {
        return Err(AppError::field("seal", "invalid", "the seal must be a PNG image"));
    }
    Ok(())
}

/// Sets (or with `None` removes) the company's seal for documents issued from now on.
pub async fn set(app: &App, ctx: &Ctx, png: Option<&[u8]>) -> Result<Option<String>, AppError> {
    ctx.require(Permission::ManageCompany)?;
    if let Some(bytes) = png {
        check_png(bytes)?;
    }
    let tx = app.db.begin_write().await?;
    let sha = match png {
        Some(bytes) => Some(put_blob(app, &*tx, ctx.company_id, "image/png", bytes).await?.1),
        None => None,
    };
    company::Entity::update_many()
        .col_expr(company::Column::SealSha256, Expr::value(sha.clone()))
        .col_expr(company::Column::Version, Expr::col(company::Column::Version).add(1))
        .col_expr(company::Column::UpdatedAt, Expr::value(db_now(app.clock.as_ref())))
        .filter(company::Column::Id.eq(ctx.company_id))
        .exec(&*tx)
        .await?;
    let action = if sha.is_some() { "company.seal_set" } else { "company.seal_removed" };
    audit::append(
        app,
        &tx,
        ctx,
        AuditEntry {
            action,
            target_type: "company",
            target_id: Some(ctx.company_id),
            changes: json!({"after": {"seal_sha256": sha}}),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(sha)
}

/// The current seal's PNG, if any.
pub async fn current(app: &App, ctx: &Ctx) -> Result<Option<Vec<u8>>, AppError> {
    ctx.require(Permission::Read)?;
    let Some(c) = company::Entity::find_by_id(ctx.company_id).one(app.db.conn()).await? else {
        return Err(AppError::NotFound("company"));
    };
    let Some(sha) = c.seal_sha256 else { return Ok(None) };
    Ok(blob::Entity::find()
        .filter(blob::Column::CompanyId.eq(ctx.company_id))
        .filter(blob::Column::Sha256.eq(sha))
        .one(app.db.conn())
        .await?
        .map(|b| b.bytes))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_real_pngs_pass() {
        let mut png = PNG_MAGIC.to_vec();
        png.extend_from_slice(&[0, 0, 0, 13]);
        png.extend_from_slice(b"IHDR");
        png.extend_from_slice(&[0; 17]);
        assert!(check_png(&png).is_ok());
        assert!(check_png(b"GIF89a....").is_err());
        assert!(check_png(b"<svg xmlns='http://www.w3.org/2000/svg'/>").is_err());
        let mut big = png.clone();
        big.resize(MAX_SEAL_BYTES + 1, 0);
        assert!(check_png(&big).is_err());
    }
}
