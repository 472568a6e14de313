//! The `companies` table.

use sea_orm::entity::prelude::*;

/// One row of `companies`.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize, serde::Deserialize)]
#[sea_orm(table_name = "companies")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub name: String,
    pub postal_code: Option<String>,
    pub address: Option<String>,
    pub phone: Option<String>,
    pub registration_number: Option<String>,
    pub time_zone: String,
    pub fiscal_year_start_month: i32,
    pub tax_rounding: String,
    pub withholding_default: bool,
    #[sea_orm(column_type = "Text")]
    pub default_payment_terms: String,
    pub invoice_number_format: String,
    #[sea_orm(column_type = "Text")]
    pub bank_accounts: String,
    pub version: i64,
    pub created_at: DateTime,
    pub updated_at: DateTime,
    /// SHA-256 of the company seal (角印) in `blobs`, if one is set.
    pub seal_sha256: Option<String>,
    /// Dunning levels as JSON (`null` = the defaults).
    #[sea_orm(column_type = "Text", nullable)]
    pub dunning_policy: Option<String>,
    /// Late-payment interest per year in basis points (300 = the 3% legal rate).
    pub late_interest_bp: i32,
    /// Signature under e-mails.
    #[sea_orm(column_type = "Text", nullable)]
    pub email_signature: Option<String>,
}

/// No navigable relations: queries join explicitly.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
