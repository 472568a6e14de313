//! The `credit_notes` table.

use sea_orm::entity::prelude::*;

/// A 返還等 against one invoice (適格返還請求書 when a document is issued).
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize, serde::Deserialize)]
#[sea_orm(table_name = "credit_notes")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub company_id: i64,
    pub customer_id: i64,
    pub invoice_id: i64,
    /// `return`, `discount`, `transfer_fee`.
    pub kind: String,
    /// `issued`, `void`.
    pub status: String,
    /// `C-2026-0001`; `None` when the document is omitted (under ¥10,000).
    pub number: Option<String>,
    pub number_series: Option<String>,
    pub number_period: Option<String>,
    pub number_seq: Option<i64>,
    pub credited_on: Date,
    pub original_sale_date: Date,
    #[sea_orm(column_type = "Text")]
    pub reason: String,
    /// What is returned (JSON lines: description, quantity, unit, unit_price, amount, tax_rate).
    #[sea_orm(column_type = "Text")]
    pub lines: String,
    /// Per-rate amounts and tax (JSON, the invoice's `tax_breakdown` shape).
    #[sea_orm(column_type = "Text")]
    pub tax_breakdown: String,
    pub subtotal: i64,
    pub tax_total: i64,
    pub total: i64,
    pub document_omitted: bool,
    pub bank_transaction_id: Option<i64>,
    #[sea_orm(column_type = "Text", nullable)]
    pub issuer_snapshot: Option<String>,
    #[sea_orm(column_type = "Text", nullable)]
    pub customer_snapshot: Option<String>,
    pub version: i32,
    pub created_at: DateTime,
    pub issued_at: Option<DateTime>,
}

/// No navigable relations.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
