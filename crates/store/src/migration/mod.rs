//! Schema migrations, written once with the schema builder and identical in effect on
//! SQLite, PostgreSQL and MySQL/MariaDB. Embedded in the binary.

mod m20261203_000001_core;
mod m20261203_000002_auth;
mod m20261203_000003_locale;
mod m20261204_000004_documents;
mod m20261204_000005_jobs;
mod m20261204_000006_bank;
mod m20261204_000007_corrections;
mod m20261204_000008_quotes;
mod m20261204_000009_recurring;
mod m20261204_000010_summary;
mod m20261204_000011_scale;

pub use sea_orm_migration::MigratorTrait;
use sea_orm_migration::prelude::*;

/// Every migration, in order.
pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m20261203_000001_core::Migration),
            Box::new(m20261203_000002_auth::Migration),
            Box::new(m20261203_000003_locale::Migration),
            Box::new(m20261204_000004_documents::Migration),
            Box::new(m20261204_000005_jobs::Migration),
            Box::new(m20261204_000006_bank::Migration),
            Box::new(m20261204_000007_corrections::Migration),
            Box::new(m20261204_000008_quotes::Migration),
            Box::new(m20261204_000009_recurring::Migration),
            Box::new(m20261204_000010_summary::Migration),
            Box::new(m20261204_000011_scale::Migration),
        ]
    }
}

/// Column and table helpers that pick the right type on each backend.
pub(crate) mod cols {
    use sea_orm::DbBackend;
    use sea_orm_migration::prelude::*;

    /// A UTC timestamp with microseconds (MySQL's DATETIME defaults to whole seconds).
    pub fn ts(backend: DbBackend, name: &'static str) -> ColumnDef {
        let mut c = ColumnDef::new(name);
        match backend {
            DbBackend::MySql => c.custom("DATETIME(6)"),
            _ => c.date_time(),
        };
        c.not_null();
        c
    }

    /// Nullable [`ts`].
    pub fn ts_null(backend: DbBackend, name: &'static str) -> ColumnDef {
        let mut c = ColumnDef::new(name);
        match backend {
            DbBackend::MySql => c.custom("DATETIME(6)"),
            _ => c.date_time(),
        };
        c.null();
        c
    }

    /// Text that may exceed 64 KiB (MySQL's TEXT limit).
    pub fn long_text(backend: DbBackend, name: &'static str, nullable: bool) -> ColumnDef {
        let mut c = ColumnDef::new(name);
        match backend {
            DbBackend::MySql => c.custom("LONGTEXT"),
            _ => c.text(),
        };
        if nullable {
            c.null()
        } else {
            c.not_null()
        };
        c
    }

    /// Binary data of any size (MySQL's BLOB stops at 64 KiB).
    pub fn long_blob(backend: DbBackend, name: &'static str) -> ColumnDef {
        let mut c = ColumnDef::new(name);
        match backend {
            DbBackend::MySql => c.custom("LONGBLOB"),
            DbBackend::Postgres => c.custom("BYTEA"),
            _ => c.custom("BLOB"),
        };
        c.not_null();
        c
    }

    /// A table with utf8mb4 on MySQL (the server default may be latin1).
    pub fn table(backend: DbBackend, name: &'static str) -> TableCreateStatement {
        let mut t = Table::create();
        t.table(name).if_not_exists();
        if backend == DbBackend::MySql {
            t.engine("InnoDB").character_set("utf8mb4").collate("utf8mb4_bin");
        }
        t
    }

    /// An index on `cols` of `table`.
    pub fn index(name: &'static str, table: &'static str, cols: &[&'static str], unique: bool) -> IndexCreateStatement {
        let mut i = Index::create();
        i.name(name).table(table);
        for c in cols {
            i.col(*c);
        }
        if unique {
            i.unique();
        }
        i
    }

    /// A foreign key from `from_table.from_col` to `to_table.id`.
    pub fn fk(
        name: &'static str,
        from_table: &'static str,
        from_col: &'static str,
        to_table: &'static str,
        cascade: bool,
    ) -> ForeignKeyCreateStatement {
        let mut f = ForeignKey::create();
        f.name(name).from(from_table, from_col).to(to_table, "id");
        f.on_delete(if cascade { ForeignKeyAction::Cascade } else { ForeignKeyAction::Restrict });
        f
    }
}
