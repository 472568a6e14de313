//! The `quotes` table.

use sea_orm::entity::prelude::*;

/// A 見積書 and where it stands.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize, serde::Deserialize)]
#[sea_orm(table_name = "quotes")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub company_id: i64,
    pub customer_id: i64,
    /// `draft`, `sent`, `accepted`, `declined` (`expired` is a sent quote past `valid_until`).
    pub status: String,
    /// `Q-2026-0001` from the moment it is sent.
    pub number: Option<String>,
    pub number_series: Option<String>,
    pub number_period: Option<String>,
    pub number_seq: Option<i64>,
    pub issue_date: Date,
    pub valid_until: Date,
    pub prices_include_tax: bool,
    pub subject: Option<String>,
    #[sea_orm(column_type = "Text", nullable)]
    pub notes: Option<String>,
    /// JSON lines as the invoice API shows them.
    #[sea_orm(column_type = "Text")]
    pub lines: String,
    #[sea_orm(column_type = "Text")]
    pub tax_breakdown: String,
    pub subtotal: i64,
    pub tax_total: i64,
    pub total: i64,
    pub customer_name: String,
    #[sea_orm(column_type = "Text", nullable)]
    pub issuer_snapshot: Option<String>,
    #[sea_orm(column_type = "Text", nullable)]
    pub customer_snapshot: Option<String>,
    /// The invoice draft it became when accepted.
    pub invoice_id: Option<i64>,
    pub version: i32,
    pub created_at: DateTime,
    pub updated_at: DateTime,
    pub sent_at: Option<DateTime>,
    pub decided_at: Option<DateTime>,
}

/// No navigable relations.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
