//! The `bank_transactions` table.

use sea_orm::entity::prelude::*;

/// One incoming transfer of a statement and what became of it.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize, serde::Deserialize)]
#[sea_orm(table_name = "bank_transactions")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub company_id: i64,
    pub statement_id: i64,
    /// SHA-256 of account, date, bank reference and amount: the same transaction in two
    /// files (overlapping periods) is stored once.
    pub dedupe_key: String,
    pub account: String,
    pub bank_reference: String,
    pub booked_on: Date,
    pub amount: i64,
    pub payer_name: String,
    pub edi: String,
    #[sea_orm(column_type = "Text", nullable)]
    pub description: Option<String>,
    /// `unmatched`, `suggested`, `matched`, `ignored`, `cancelled`.
    pub status: String,
    pub customer_id: Option<i64>,
    pub payment_id: Option<i64>,
    /// The 振込手数料 booked as the seller's expense (a payment of method `other`).
    pub fee_payment_id: Option<i64>,
    /// The 振込手数料 booked as 値引 (a credit note without a document).
    pub credit_note_id: Option<i64>,
    pub match_reason: Option<String>,
    /// Candidates for a person, JSON, best first.
    #[sea_orm(column_type = "Text", nullable)]
    pub suggestions: Option<String>,
    pub version: i32,
    pub created_at: DateTime,
    pub updated_at: DateTime,
}

/// No navigable relations.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
