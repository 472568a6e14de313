//! The `invoice_lines` table.

use sea_orm::entity::prelude::*;

/// One row of `invoice_lines`.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize, serde::Deserialize)]
#[sea_orm(table_name = "invoice_lines")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub company_id: i64,
    pub invoice_id: i64,
    pub position: i32,
    pub description: String,
    pub quantity_scaled: i64,
    pub unit: String,
    pub unit_price: i64,
    pub tax_rate: String,
    pub amount: i64,
}

/// No navigable relations: queries join explicitly.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
