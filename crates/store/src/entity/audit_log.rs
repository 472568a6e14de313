//! The `audit_logs` table.

use sea_orm::entity::prelude::*;

/// One row of `audit_logs`.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize, serde::Deserialize)]
#[sea_orm(table_name = "audit_logs")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub company_id: i64,
    pub seq: i64,
    pub at: DateTime,
    pub actor: String,
    pub action: String,
    pub target_type: String,
    pub target_id: Option<i64>,
    #[sea_orm(column_type = "Text")]
    pub changes: String,
    pub request_id: Option<String>,
    pub prev_hash: String,
    pub hash: String,
}

/// No navigable relations: queries join explicitly.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
