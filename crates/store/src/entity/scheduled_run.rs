//! The `scheduled_runs` table.

use sea_orm::entity::prelude::*;

/// A scheduler slot taken by one instance (unique per task and slot).
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize, serde::Deserialize)]
#[sea_orm(table_name = "scheduled_runs")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub task: String,
    pub slot: DateTime,
    pub job_id: Option<i64>,
    pub created_at: DateTime,
}

/// No navigable relations.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
