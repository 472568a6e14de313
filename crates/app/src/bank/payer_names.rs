//! The payer names remembered for a customer (besides its `name_kana`): listed, added by
//! hand, forgotten.

use super::matcher::remember_in;
use crate::App;
use crate::audit::{self, AuditEntry};
use crate::clock::rfc3339;
use crate::context::Ctx;
use crate::customers;
use crate::error::AppError;
use invoicepilot_domain::Permission;
use invoicepilot_store::entity::customer_payer_name;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};
use serde::{Deserialize, Serialize};
use serde_json::json;
use utoipa::ToSchema;

/// A remembered payer name.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct PayerNameView {
    /// Id.
    pub id: i64,
    /// The customer.
    pub customer_id: i64,
    /// Normalised (half-width kana, no legal form or spaces): what matching compares.
    pub name: String,
    /// As the bank printed it (or as typed).
    pub raw: String,
    /// Remembered (RFC 3339).
    pub created_at: String,
}

/// Body of `POST /customers/{id}/payer-names`.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PayerNameInput {
    /// The name as the bank prints it (required), e.g. `ｶ)ｱｵﾔﾏｼﾖｳｼﾞ`.
    pub name: Option<String>,
}

/// `GET /customers/{id}/payer-names`.
pub async fn payer_names(app: &App, ctx: &Ctx, customer_id: i64) -> Result<Vec<PayerNameView>, AppError> {
    ctx.require(Permission::Read)?;
    customers::find(app.db.conn(), ctx.company_id, customer_id).await?;
    Ok(customer_payer_name::Entity::find()
        .filter(customer_payer_name::Column::CompanyId.eq(ctx.company_id))
        .filter(customer_payer_name::Column::CustomerId.eq(customer_id))
        .order_by_asc(customer_payer_name::Column::Id)
        .all(app.db.conn())
        .await?
        .into_iter()
        .map(|n| PayerNameView {
            id: n.id,
            customer_id: n.customer_id,
            name: n.name,
            raw: n.raw,
            created_at: rfc3339(n.created_at),
        })
        .collect())
}

/// `POST /customers/{id}/payer-names`: remembers a name (once; normalised).
pub async fn add_payer_name(
    app: &App,
    ctx: &Ctx,
    customer_id: i64,
    input: PayerNameInput,
) -> Result<Vec<PayerNameView>, AppError> {
    ctx.require(Permission::ManagePayments)?;
    let mut c = crate::input::Checker::default();
    let raw = c.required_text("name", input.name, 200);
    let normalised = raw.as_deref().map(invoicepilot_domain::bank::payer_name::normalise).unwrap_or_default();
    if raw.is_some() && normalised.is_empty() {
        c.push("name", "invalid", "nothing of the name is left to compare once normalised");
    }
    c.finish(|| ())?;
    customers::find(app.db.conn(), ctx.company_id, customer_id).await?;
    let tx = app.db.begin_write().await?;
    remember_in(app, &tx, ctx, customer_id, raw.as_deref().unwrap_or_default()).await?;
    tx.commit().await?;
    payer_names(app, ctx, customer_id).await
}

/// `DELETE /payer-names/{id}`: forgets a remembered name; returns its customer.
pub async fn forget_payer_name(app: &App, ctx: &Ctx, id: i64) -> Result<i64, AppError> {
    ctx.require(Permission::ManagePayments)?;
    let n = customer_payer_name::Entity::find_by_id(id)
        .filter(customer_payer_name::Column::CompanyId.eq(ctx.company_id))
        .one(app.db.conn())
        .await?
        .ok_or(AppError::NotFound("payer name"))?;
    let tx = app.db.begin_write().await?;
    customer_payer_name::Entity::delete_by_id(id).exec(&*tx).await?;
    audit::append(
        app,
        &tx,
        ctx,
        AuditEntry {
            action: "customer.payer_name_forgotten",
            target_type: "customer",
            target_id: Some(n.customer_id),
            changes: json!({"payer_name": n.raw, "normalised": n.name}),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(n.customer_id)
}
