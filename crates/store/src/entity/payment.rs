//! The `payments` table.

use sea_orm::entity::prelude::*;

/// One row of `payments`.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize, serde::Deserialize)]
#[sea_orm(table_name = "payments")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub company_id: i64,
    pub customer_id: i64,
    pub amount: i64,
    pub received_on: Date,
    pub method: String,
    pub reference: Option<String>,
    pub payer_name: Option<String>,
    pub unallocated: i64,
    pub reverses_payment_id: Option<i64>,
    pub reversed_by_payment_id: Option<i64>,
    pub version: i64,
    pub created_at: DateTime,
}

/// No navigable relations: queries join explicitly.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
