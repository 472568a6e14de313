//! The `bank_statements` table.

use sea_orm::entity::prelude::*;

/// One imported statement file; its bytes are a blob, its hash makes a re-import a no-op.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize, serde::Deserialize)]
#[sea_orm(table_name = "bank_statements")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub company_id: i64,
    pub sha256: String,
    pub blob_id: i64,
    /// `zengin_01`, `zengin_03`, `csv:anser`, ...
    pub format: String,
    pub file_name: Option<String>,
    /// The account from the file's header (JSON), when the format names one.
    #[sea_orm(column_type = "Text", nullable)]
    pub account: Option<String>,
    pub period_from: Option<Date>,
    pub period_to: Option<Date>,
    pub transactions: i32,
    pub imported: i32,
    pub duplicates: i32,
    pub imported_by: Option<i64>,
    pub created_at: DateTime,
}

/// No navigable relations.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
