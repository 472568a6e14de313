//! The `invoices` table.

use sea_orm::entity::prelude::*;

/// One row of `invoices`.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize, serde::Deserialize)]
#[sea_orm(table_name = "invoices")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub company_id: i64,
    pub customer_id: i64,
    pub status: String,
    pub number: Option<String>,
    pub number_series: Option<String>,
    pub number_period: Option<String>,
    pub number_seq: Option<i64>,
    pub issue_date: Date,
    pub due_date: Option<Date>,
    pub currency: String,
    pub prices_include_tax: bool,
    pub withholding: bool,
    #[sea_orm(column_type = "Text", nullable)]
    pub notes: Option<String>,
    pub subtotal: i64,
    pub tax_total: i64,
    pub total: i64,
    pub withholding_tax: i64,
    pub amount_due: i64,
    pub amount_paid: i64,
    pub balance: i64,
    #[sea_orm(column_type = "Text")]
    pub tax_breakdown: String,
    pub customer_name: String,
    #[sea_orm(column_type = "Text", nullable)]
    pub issuer_snapshot: Option<String>,
    #[sea_orm(column_type = "Text", nullable)]
    pub customer_snapshot: Option<String>,
    #[sea_orm(column_type = "Text", nullable)]
    pub void_reason: Option<String>,
    pub voided_at: Option<DateTime>,
    pub version: i64,
    pub created_at: DateTime,
    pub updated_at: DateTime,
    pub issued_at: Option<DateTime>,
    /// No reminders for this invoice while set.
    pub dunning_hold: bool,
    /// The last send of the invoice as the API shows it (`{status, sent_at, to, error}`).
    #[sea_orm(column_type = "Text", nullable)]
    pub delivery: Option<String>,
    /// Σ credit notes against it (balance = amount_due − amount_paid − amount_credited).
    pub amount_credited: i64,
    /// The invoice this one corrects (修正).
    pub corrects_invoice_id: Option<i64>,
    /// The invoice that corrected this one (then void).
    pub corrected_by_invoice_id: Option<i64>,
    /// For a 合計請求書: the closing period it covers (`2026-10-21..2026-11-20`).
    pub summary_period: Option<String>,
}

/// No navigable relations: queries join explicitly.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
