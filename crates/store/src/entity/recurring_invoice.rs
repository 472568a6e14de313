//! The `recurring_invoices` table.

use sea_orm::entity::prelude::*;

/// A schedule that makes one invoice per period.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize, serde::Deserialize)]
#[sea_orm(table_name = "recurring_invoices")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub company_id: i64,
    pub customer_id: i64,
    pub name: String,
    /// `active` or `paused`.
    pub status: String,
    /// 1–28, or 31 for month end.
    pub day_of_month: i32,
    pub interval_months: i32,
    /// `YYYY-MM`: the next period to bill.
    pub next_period: String,
    pub end_period: Option<String>,
    /// `draft`, `issue` or `issue_and_send`.
    pub mode: String,
    /// The invoice to make (JSON: lines with `{YYYY}`/`{M}` placeholders, notes, flags).
    #[sea_orm(column_type = "Text")]
    pub template: String,
    pub version: i32,
    pub created_at: DateTime,
    pub updated_at: DateTime,
}

/// No navigable relations.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
