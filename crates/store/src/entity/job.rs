//! The `jobs` table.

use sea_orm::entity::prelude::*;

/// A queued or running job (the outbox: inserted in the transaction of the change it belongs to).
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize, serde::Deserialize)]
#[sea_orm(table_name = "jobs")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub queue: String,
    pub job_type: String,
    pub company_id: Option<i64>,
    #[sea_orm(column_type = "Text")]
    pub payload: String,
    pub state: String,
    pub attempts: i32,
    pub max_attempts: i32,
    pub available_at: DateTime,
    pub reserved_by: Option<String>,
    pub reserved_until: Option<DateTime>,
    #[sea_orm(column_type = "Text")]
    pub errors: String,
    pub created_at: DateTime,
}

/// No navigable relations.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
