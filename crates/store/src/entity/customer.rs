//! The `customers` table.

use sea_orm::entity::prelude::*;

/// One row of `customers`.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize, serde::Deserialize)]
#[sea_orm(table_name = "customers")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub company_id: i64,
    pub name: String,
    pub name_kana: Option<String>,
    pub honorific: String,
    pub email: Option<String>,
    pub postal_code: Option<String>,
    pub address: Option<String>,
    pub registration_number: Option<String>,
    #[sea_orm(column_type = "Text", nullable)]
    pub payment_terms: Option<String>,
    pub version: i64,
    pub created_at: DateTime,
    pub updated_at: DateTime,
    /// No reminders for this customer while set.
    pub dunning_hold: bool,
    /// Largest shortfall taken as the 振込手数料 the customer deducted; `None`: the default.
    pub transfer_fee_tolerance: Option<i64>,
    /// `discount` (値引, the default) or `expense` (当方負担の支払手数料); `None`: discount.
    pub transfer_fee_booking: Option<String>,
}

/// No navigable relations: queries join explicitly.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
