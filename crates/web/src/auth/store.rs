//! tower-sessions store on the application database.

use invoicepilot_app::App;
use invoicepilot_store::entity::session;
use sea_orm::{ActiveValue::Set, EntityTrait, sea_query::OnConflict};
use tower_sessions::session::{Id, Record};
use tower_sessions::session_store::{self, SessionStore};

/// Sessions as rows of `sessions`: id, JSON data, expiry.
#[derive(Clone)]
pub struct DbSessionStore {
    app: App,
}

impl std::fmt::Debug for DbSessionStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("DbSessionStore")
    }
}

impl DbSessionStore {
    /// A store on the app's database.
    pub fn new(app: App) -> DbSessionStore {
        DbSessionStore { app }
    }
}

fn backend(e: impl std::fmt::Display) -> session_store::Error {
    session_store::Error::Backend(e.to_string())
}

fn naive(t: time::OffsetDateTime) -> chrono::NaiveDateTime {
    chrono::DateTime::from_timestamp(t.unix_timestamp(), t.nanosecond()).unwrap_or_default().naive_utc()
}

fn row(record: &Record) -> session_store::Result<session::ActiveModel> {
    Ok(session::ActiveModel {
        id: Set(record.id.to_string()),
        data: Set(serde_json::to_string(&record.data).map_err(|e| session_store::Error::Encode(e.to_string()))?),
        expiry_date: Set(naive(record.expiry_date)),
    })
}

#[async_trait::async_trait]
impl SessionStore for DbSessionStore {
    async fn create(&self, record: &mut Record) -> session_store::Result<()> {
        // Ids are 128 random bits; on the impossible collision, draw again.
        loop {
            match session::Entity::insert(row(record)?).exec_without_returning(self.app.db.conn()).await {
                Ok(_) => return Ok(()),
                Err(e) if matches!(e.sql_err(), Some(sea_orm::SqlErr::UniqueConstraintViolation(_))) => {
                    record.id = Id::default();
                }
                Err(e) => return Err(backend(e)),
            }
        }
    }

    async fn save(&self, record: &Record) -> session_store::Result<()> {
        session::Entity::insert(row(record)?)
            .on_conflict(
                OnConflict::column(session::Column::Id)
                    .update_columns([session::Column::Data, session::Column::ExpiryDate])
                    .to_owned(),
            )
            .exec_without_returning(self.app.db.conn())
            .await
            .map_err(backend)?;
        Ok(())
    }

    async fn load(&self, id: &Id) -> session_store::Result<Option<Record>> {
        let Some(m) = session::Entity::find_by_id(id.to_string()).one(self.app.db.conn()).await.map_err(backend)?
        else {
            return Ok(None);
        };
        let expiry = time::OffsetDateTime::from_unix_timestamp(m.expiry_date.and_utc().timestamp()).map_err(backend)?;
        if expiry <= time::OffsetDateTime::now_utc() {
            return Ok(None);
        }
        let data = serde_json::from_str(&m.data).map_err(|e| session_store::Error::Decode(e.to_string()))?;
        Ok(Some(Record { id: *id, data, expiry_date: expiry }))
    }

    async fn delete(&self, id: &Id) -> session_store::Result<()> {
        session::Entity::delete_by_id(id.to_string()).exec(self.app.db.conn()).await.map_err(backend)?;
        Ok(())
    }
}
