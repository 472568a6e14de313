//! The `failed_jobs` table.

use sea_orm::entity::prelude::*;

/// A job that used up its attempts or failed permanently, with every error.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize, serde::Deserialize)]
#[sea_orm(table_name = "failed_jobs")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub job_id: i64,
    pub queue: String,
    pub job_type: String,
    pub company_id: Option<i64>,
    #[sea_orm(column_type = "Text")]
    pub payload: String,
    pub attempts: i32,
    #[sea_orm(column_type = "Text")]
    pub errors: String,
    pub created_at: DateTime,
    pub failed_at: DateTime,
}

/// No navigable relations.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
