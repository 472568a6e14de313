//! Connecting, and the write-transaction discipline of each backend.

use crate::url::DatabaseUrl;
use sea_orm::{
    ConnectOptions, Database, DatabaseConnection, DatabaseTransaction, DbBackend, DbErr, SqliteTransactionMode,
    TransactionOptions, TransactionTrait,
};
use std::ops::Deref;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::{Mutex, OwnedMutexGuard};

/// Which database engine is behind a connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    /// Embedded SQLite.
    Sqlite,
    /// PostgreSQL 15+.
    Postgres,
    /// MySQL 8 / MariaDB 10.6+.
    MySql,
}

/// Failure to reach or set up the database, with the masked URL in the message.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The URL itself is wrong.
    #[error("DATABASE_URL {url} is invalid: {reason}")]
    BadUrl {
        /// Masked URL.
        url: String,
        /// Why.
        reason: String,
    },
    /// The server did not accept a connection.
    #[error("cannot connect to database {url}: {reason}")]
    Unreachable {
        /// Masked URL.
        url: String,
        /// Why, as the driver says.
        reason: String,
    },
    /// The server or file could not be opened.
    #[error("cannot connect to database {url}: {source}")]
    Connect {
        /// Masked URL.
        url: String,
        /// Driver error.
        #[source]
        source: DbErr,
    },
    /// Any other database error.
    #[error(transparent)]
    Db(#[from] DbErr),
}

/// The application's database handle.
#[derive(Clone, Debug)]
pub struct Db {
    conn: DatabaseConnection,
    backend: Backend,
    masked_url: String,
    url: DatabaseUrl,
    settings: ConnectSettings,
    /// SQLite has one writer: serialising writers in-process queues them fairly instead of
    /// letting them spin in SQLite's busy handler.
    write_lock: Option<Arc<Mutex<()>>>,
}

/// Options for opening the database.
#[derive(Debug, Clone)]
pub struct ConnectSettings {
    /// Pool size.
    pub max_connections: u32,
    /// SQLite `synchronous=FULL` (default, durable across power loss) or `NORMAL`.
    pub sqlite_synchronous_full: bool,
    /// How long a request waits for a connection before it is answered 503: long enough to
    /// ride out a busy moment, short enough that a stopped server is reported, not hung on.
    pub acquire_timeout: Duration,
}

impl Default for ConnectSettings {
    fn default() -> Self {
        ConnectSettings { max_connections: 16, sqlite_synchronous_full: true, acquire_timeout: Duration::from_secs(10) }
    }
}

impl Db {
    /// Opens a connection pool for `url` and checks that it answers.
    pub async fn connect(url: &DatabaseUrl, settings: &ConnectSettings) -> Result<Db, StoreError> {
        let masked_url = url.masked();
        let (conn_url, backend) = match url {
            DatabaseUrl::Sqlite(path) => {
                if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
                    std::fs::create_dir_all(parent).map_err(|e| StoreError::BadUrl {
                        url: masked_url.clone(),
                        reason: format!("cannot create folder {}: {e}", parent.display()),
                    })?;
                }
                (format!("sqlite://{}", path.display()), Backend::Sqlite)
            }
            DatabaseUrl::Postgres(u) => (u.clone(), Backend::Postgres),
            DatabaseUrl::MySql(u) => (u.clone(), Backend::MySql),
        };
        probe(url, &masked_url).await?;
        let mut opts = ConnectOptions::new(conn_url);
        opts.max_connections(settings.max_connections)
            .min_connections(0)
            .connect_timeout(Duration::from_secs(5))
            .acquire_timeout(settings.acquire_timeout)
            .sqlx_logging(false);
        let full = settings.sqlite_synchronous_full;
        opts.map_sqlx_sqlite_opts(move |o| {
            use sqlx::sqlite::{SqliteJournalMode, SqliteSynchronous};
            o.create_if_missing(true)
                .journal_mode(SqliteJournalMode::Wal)
                .synchronous(if full { SqliteSynchronous::Full } else { SqliteSynchronous::Normal })
                .foreign_keys(true)
                .busy_timeout(Duration::from_secs(30))
        });
        let conn =
            Database::connect(opts).await.map_err(|source| StoreError::Connect { url: masked_url.clone(), source })?;
        conn.ping().await.map_err(|source| StoreError::Connect { url: masked_url.clone(), source })?;
        let write_lock = (backend == Backend::Sqlite).then(|| Arc::new(Mutex::new(())));
        Ok(Db { conn, backend, masked_url, url: url.clone(), settings: settings.clone(), write_lock })
    }

    /// Applies the pending migrations and opens a fresh pool: SQLite connections that
    /// prepared statements before an `ALTER TABLE` keep the old column list in sqlx's
    /// statement cache, so a changed schema is only used through new connections.
    pub async fn migrate(self) -> Result<Db, StoreError> {
        use crate::migration::{Migrator, MigratorTrait};
        Migrator::up(&self.conn, None)
            .await
            .map_err(|source| StoreError::Connect { url: self.masked_url.clone(), source })?;
        let (url, settings) = (self.url.clone(), self.settings.clone());
        let _ = self.conn.close().await;
        Db::connect(&url, &settings).await
    }

    /// The connection pool, for reads.
    pub fn conn(&self) -> &DatabaseConnection {
        &self.conn
    }

    /// The engine.
    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// The URL with its password masked.
    pub fn masked_url(&self) -> &str {
        &self.masked_url
    }

    /// The SeaORM backend enum, for building statements.
    pub fn db_backend(&self) -> DbBackend {
        self.conn.get_database_backend()
    }

    /// True when the database answers.
    pub async fn ping(&self) -> bool {
        self.conn.ping().await.is_ok()
    }

    /// The engine's name and version, e.g. `PostgreSQL 16.4`.
    pub async fn server_version(&self) -> Result<String, DbErr> {
        use sea_orm::ConnectionTrait;
        let (sql, name) = match self.backend {
            Backend::Sqlite => ("SELECT sqlite_version() AS v", "SQLite"),
            Backend::Postgres => ("SELECT current_setting('server_version') AS v", "PostgreSQL"),
            Backend::MySql => ("SELECT VERSION() AS v", "MySQL"),
        };
        let row = self.conn.query_one_raw(sea_orm::Statement::from_string(self.db_backend(), sql)).await?;
        let v: String = row.map(|r| r.try_get("", "v")).transpose()?.unwrap_or_default();
        let name = if v.to_ascii_lowercase().contains("mariadb") { "MariaDB" } else { name };
        Ok(format!("{name} {}", v.split('-').next().unwrap_or(&v)))
    }

    /// Starts a write transaction. On SQLite it is `BEGIN IMMEDIATE` after taking the
    /// in-process writer lock, so a transaction that reads first never has to upgrade its
    /// lock (the upgrade fails at once with SQLITE_BUSY under concurrency).
    pub async fn begin_write(&self) -> Result<WriteTx, DbErr> {
        let guard = match &self.write_lock {
            Some(lock) => Some(lock.clone().lock_owned().await),
            None => None,
        };
        let options = TransactionOptions {
            sqlite_transaction_mode: (self.backend == Backend::Sqlite).then_some(SqliteTransactionMode::Immediate),
            ..Default::default()
        };
        let tx = self.conn.begin_with_options(options).await?;
        Ok(WriteTx { tx, _guard: guard, backend: self.backend })
    }

    /// Closes the pool.
    pub async fn close(self) {
        let _ = self.conn.close().await;
    }
}

/// One direct connection attempt, so that a wrong or unreachable server is reported at
/// once with its cause instead of after the pool's acquire timeout.
async fn probe(url: &DatabaseUrl, masked_url: &str) -> Result<(), StoreError> {
    use sqlx::Connection;
    let fail = |reason: String| StoreError::Unreachable { url: masked_url.to_owned(), reason };
    let attempt = async {
        match url {
            DatabaseUrl::Sqlite(_) => Ok(()),
            DatabaseUrl::Postgres(u) => sqlx::PgConnection::connect(u).await.map(|c| drop(c.close())),
            DatabaseUrl::MySql(u) => sqlx::MySqlConnection::connect(u).await.map(|c| drop(c.close())),
        }
    };
    match tokio::time::timeout(Duration::from_secs(10), attempt).await {
        Ok(Ok(())) => Ok(()),
        Ok(Err(e)) => Err(fail(e.to_string().replace('\n', " "))),
        Err(_) => Err(fail("no answer within 10 s".into())),
    }
}

/// A write transaction; rolls back when dropped without [`WriteTx::commit`].
pub struct WriteTx {
    tx: DatabaseTransaction,
    _guard: Option<OwnedMutexGuard<()>>,
    backend: Backend,
}

impl WriteTx {
    /// Commits.
    pub async fn commit(self) -> Result<(), DbErr> {
        self.tx.commit().await
    }

    /// The engine, for the few statements that differ.
    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// `FOR UPDATE` where the engine has row locks; SQLite's transaction already holds the
    /// database write lock.
    pub fn lock_suffix(&self) -> &'static str {
        match self.backend {
            Backend::Sqlite => "",
            Backend::Postgres | Backend::MySql => " FOR UPDATE",
        }
    }
}

impl Deref for WriteTx {
    type Target = DatabaseTransaction;
    fn deref(&self) -> &DatabaseTransaction {
        &self.tx
    }
}
