//! The `customer_payer_names` table.

use sea_orm::entity::prelude::*;

/// A payer name remembered for a customer (「この名義を記憶する」).
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize, serde::Deserialize)]
#[sea_orm(table_name = "customer_payer_names")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub company_id: i64,
    pub customer_id: i64,
    /// Normalised (`payer_name::normalise`).
    pub name: String,
    /// As the bank printed it.
    pub raw: String,
    pub created_at: DateTime,
}

/// No navigable relations.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
