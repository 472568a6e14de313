//! The `recurring_runs` table.

use sea_orm::entity::prelude::*;

/// The invoice a schedule made for one period (unique per schedule and period).
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize, serde::Deserialize)]
#[sea_orm(table_name = "recurring_runs")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub company_id: i64,
    pub schedule_id: i64,
    pub period: String,
    pub invoice_id: i64,
    pub created_at: DateTime,
}

/// No navigable relations.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
