//! The `invoice_documents` table.

use sea_orm::entity::prelude::*;

/// A document of an issued invoice (its PDF), written once and never replaced.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize, serde::Deserialize)]
#[sea_orm(table_name = "invoice_documents")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub company_id: i64,
    pub invoice_id: i64,
    pub kind: String,
    pub blob_id: i64,
    pub sha256: String,
    pub created_at: DateTime,
}

/// No navigable relations.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
