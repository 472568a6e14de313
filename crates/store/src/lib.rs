//! Database layer: connection to SQLite, PostgreSQL or MySQL/MariaDB from one URL, the
//! migrations (written once for all three), and the SeaORM entities.

pub mod backup;
pub mod connect;
pub mod entity;
pub mod migration;
mod url;

pub use connect::{Backend, ConnectSettings, Db, StoreError, WriteTx};
pub use url::{DatabaseUrl, mask_password};
