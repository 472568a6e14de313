//! The `job_keys` table.

use sea_orm::entity::prelude::*;

/// A unique job key, kept after its job finished so the job is never enqueued again.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize, serde::Deserialize)]
#[sea_orm(table_name = "job_keys")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub unique_key: String,
    pub job_type: String,
    pub job_id: i64,
    pub created_at: DateTime,
}

/// No navigable relations.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
