//! The `blobs` table.

use sea_orm::entity::prelude::*;

/// A stored file of a company, addressed by its SHA-256 (stored once however often used).
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize, serde::Deserialize)]
#[sea_orm(table_name = "blobs")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub company_id: i64,
    pub sha256: String,
    pub content_type: String,
    pub size: i64,
    #[sea_orm(column_type = "Blob")]
    #[serde(with = "crate::backup::base64_bytes")]
    pub bytes: Vec<u8>,
    pub created_at: DateTime,
}

/// No navigable relations.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
