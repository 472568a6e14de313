//! The `deliveries` table.

use sea_orm::entity::prelude::*;

/// One e-mail to send or sent: recipients, Message-ID, status and the last SMTP reply.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize, serde::Deserialize)]
#[sea_orm(table_name = "deliveries")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub company_id: i64,
    pub invoice_id: Option<i64>,
    pub purpose: String,
    pub job_id: Option<i64>,
    pub status: String,
    #[sea_orm(column_type = "Text")]
    pub recipients: String,
    pub message_id: String,
    #[sea_orm(column_type = "Text", nullable)]
    pub error: Option<String>,
    pub attempts: i32,
    pub queued_at: DateTime,
    pub sent_at: Option<DateTime>,
    pub updated_at: DateTime,
}

/// No navigable relations.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
