//! Subcommands. Each opens the database, calls `app`, and prints what `API.md` fixes.

use crate::config::Settings;
use anyhow::{Context, anyhow, bail};
use clap::{Parser, Subcommand};
use invoicepilot_app::{App, numbering};
use invoicepilot_domain::Role;
use invoicepilot_store::Db;
use invoicepilot_store::connect::ConnectSettings;
use invoicepilot_store::migration::{Migrator, MigratorTrait};
use std::io::{BufRead, IsTerminal};

/// Self-hosted invoicing for Japanese small businesses.
#[derive(Debug, Parser)]
#[command(name = "invoicepilot", version, about)]
pub struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Serves the web UI and the JSON API, with a worker and the scheduler in-process.
    Serve {
        /// Address to listen on.
        #[arg(long, default_value = "127.0.0.1")]
        host: String,
        /// Port to listen on.
        #[arg(long, default_value_t = 8000)]
        port: u16,
        /// Serve only: no in-process worker or scheduler (run `worker` processes instead).
        #[arg(long)]
        no_worker: bool,
    },
    /// Runs background jobs (e-mail, PDFs, dunning, alerts) until stopped.
    Worker(crate::process::WorkerArgs),
    /// Inspects and manages the job queue.
    Queue {
        #[command(subcommand)]
        action: crate::process::QueueCmd,
    },
    /// Applies pending database migrations (after a `pre-migrate_…` backup when there is data).
    Migrate {
        /// Only list the pending migrations.
        #[arg(long)]
        dry_run: bool,
        /// Skip the backup before migrating.
        #[arg(long)]
        no_backup: bool,
    },
    /// Writes a consistent backup; prints its path as the last line.
    Backup {
        /// Folder to write to (default: STORAGE_PATH/backups, where retention applies).
        #[arg(long)]
        output: Option<std::path::PathBuf>,
    },
    /// Restores a backup in place (verify, maintenance on, safety backup, restore, check, maintenance off).
    Restore {
        /// The backup file.
        file: std::path::PathBuf,
        /// Do not ask for confirmation.
        #[arg(long)]
        yes: bool,
    },
    /// Turns maintenance mode on for every instance.
    Down {
        /// A secret: opening /__maintenance/SECRET lets a browser through.
        #[arg(long)]
        secret: Option<String>,
        /// Seconds clients are told to wait (Retry-After).
        #[arg(long, default_value_t = 60)]
        retry: u64,
        /// What the maintenance page says.
        #[arg(long)]
        message: Option<String>,
    },
    /// Turns maintenance mode off.
    Up,
    /// Checks configuration, database, migrations, storage, disk, SMTP and clock.
    Doctor,
    /// The application key.
    Key {
        #[command(subcommand)]
        action: KeyCmd,
    },
    /// Database maintenance.
    Db {
        #[command(subcommand)]
        action: crate::ops::DbCmd,
    },
    /// The audit trail of one record.
    Audit {
        /// `invoice:123`, `payment:7`, `customer:3`, `company:1` …
        #[arg(long)]
        target: String,
        /// At most this many entries (newest first).
        #[arg(long, default_value_t = 50)]
        limit: u64,
        /// One JSON array on stdout.
        #[arg(long)]
        json: bool,
    },
    /// Companies.
    Company {
        #[command(subcommand)]
        action: CompanyCmd,
    },
    /// Users.
    User {
        #[command(subcommand)]
        action: UserCmd,
    },
    /// API tokens.
    Token {
        #[command(subcommand)]
        action: TokenCmd,
    },
    /// Verifies invariants and the audit chain; non-zero exit on a violation.
    Check {
        /// Only this company.
        #[arg(long)]
        company: Option<i64>,
        /// One JSON object on stdout.
        #[arg(long)]
        json: bool,
    },
    /// Invoice number counters.
    Numbering {
        #[command(subcommand)]
        action: NumberingCmd,
    },
    /// Bank statements: import and match.
    Bank {
        #[command(subcommand)]
        action: crate::bank::BankCmd,
    },
    /// Development tools (refused when APP_ENV=production).
    Dev {
        #[command(subcommand)]
        action: crate::dev::DevCmd,
    },
}

#[derive(Debug, Subcommand)]
enum KeyCmd {
    /// Writes a new APP_KEY to .env when it has none.
    Generate {
        /// Replace an existing key.
        #[arg(long)]
        force: bool,
    },
}

impl Cli {
    /// True for `doctor`, which runs even when the configuration does not load.
    pub fn is_doctor(&self) -> bool {
        matches!(self.command, Command::Doctor)
    }

    /// `Some(force)` for `key generate`.
    pub fn key_generate(&self) -> Option<bool> {
        match self.command {
            Command::Key { action: KeyCmd::Generate { force } } => Some(force),
            _ => None,
        }
    }
}

#[derive(Debug, Subcommand)]
enum CompanyCmd {
    /// Creates a company; prints its id.
    Create {
        /// Issuer name.
        #[arg(long)]
        name: String,
        /// 登録番号 (T + 13 digits).
        #[arg(long)]
        registration_number: Option<String>,
    },
}

#[derive(Debug, Subcommand)]
enum UserCmd {
    /// Creates a user with a role in a company (password: one line on stdin, or a prompt).
    Create {
        /// Login e-mail.
        #[arg(long)]
        email: String,
        /// Company id.
        #[arg(long)]
        company: i64,
        /// owner, admin, accountant or viewer.
        #[arg(long)]
        role: String,
    },
}

#[derive(Debug, Subcommand)]
enum TokenCmd {
    /// Creates an API token; prints only the token.
    Create {
        /// The user's e-mail.
        #[arg(long)]
        email: String,
        /// Company id (needed when the user belongs to several).
        #[arg(long)]
        company: Option<i64>,
        /// A label for the token.
        #[arg(long, default_value = "cli")]
        name: String,
    },
}

#[derive(Debug, Subcommand)]
enum NumberingCmd {
    /// Lists every counter with its next number.
    Show {
        /// Only this company.
        #[arg(long)]
        company: Option<i64>,
    },
    /// Sets the next number of a counter (never backwards, never at or below an issued one).
    SetNext {
        /// Document series (`I` = invoices).
        #[arg(long)]
        series: String,
        /// Period the number format prints (`2026`); empty for formats without one.
        #[arg(long, default_value = "")]
        period: String,
        /// Company id (needed when there are several).
        #[arg(long)]
        company: Option<i64>,
        /// The next number.
        next: i64,
    },
}

pub(crate) async fn open(settings: &Settings) -> anyhow::Result<Db> {
    let url = settings.database().map_err(|e| anyhow!(e))?;
    let cs = ConnectSettings {
        max_connections: settings.db_max_connections.max(1),
        sqlite_synchronous_full: !settings.sqlite_synchronous.eq_ignore_ascii_case("normal"),
        ..Default::default()
    };
    Ok(Db::connect(&url, &cs).await?)
}

/// Opens the database and makes sure its schema is current: a fresh database is migrated
/// at once; one with pending migrations is refused so that `migrate` (with its backup)
/// stays an operator's decision.
pub(crate) async fn open_migrated(settings: &Settings) -> anyhow::Result<Db> {
    let mut db = open(settings).await?;
    let applied = Migrator::get_applied_migrations(db.conn()).await.map(|v| v.len()).unwrap_or(0);
    let pending = Migrator::get_pending_migrations(db.conn()).await?.len();
    if pending > 0 {
        if applied == 0 {
            db = db.migrate().await.context("migrating the new database")?;
            tracing::info!(database = db.masked_url(), "created the database schema");
        } else {
            bail!("the database has {pending} pending migration(s); run `invoicepilot migrate` first");
        }
    }
    Ok(db)
}

pub(crate) async fn single_company(app: &App, company: Option<i64>) -> anyhow::Result<i64> {
    if let Some(c) = company {
        return Ok(c);
    }
    let all = invoicepilot_app::company::list_all(app).await?;
    match all.as_slice() {
        [one] => Ok(one.id),
        [] => bail!("no company exists yet; run `invoicepilot company create --name …`"),
        _ => bail!("there are several companies; pass --company ID"),
    }
}

fn read_password() -> anyhow::Result<String> {
    let stdin = std::io::stdin();
    let password = if stdin.is_terminal() {
        let first = rpassword::prompt_password("Password: ")?;
        let again = rpassword::prompt_password("Repeat: ")?;
        if first != again {
            bail!("the passwords differ");
        }
        first
    } else {
        let mut line = String::new();
        stdin.lock().read_line(&mut line)?;
        line.trim_end_matches(['\r', '\n']).to_owned()
    };
    if password.is_empty() {
        bail!("no password given on stdin");
    }
    Ok(password)
}

/// Runs one command.
pub async fn run(cli: Cli, settings: Settings) -> anyhow::Result<()> {
    match cli.command {
        Command::Serve { host, port, no_worker } => crate::process::serve(settings, host, port, no_worker).await,
        Command::Worker(args) => crate::process::worker(settings, args).await,
        Command::Queue { action } => crate::process::queue(settings, action).await,
        Command::Migrate { dry_run, no_backup } => crate::ops::migrate(&settings, dry_run, no_backup).await,
        Command::Backup { output } => crate::ops::backup(&settings, output).await,
        Command::Restore { file, yes } => crate::ops::restore(&settings, file, yes).await,
        Command::Down { secret, retry, message } => crate::ops::down(&settings, secret, retry, message).await,
        Command::Up => crate::ops::up(&settings).await,
        Command::Db { action } => crate::ops::db(&settings, action).await,
        Command::Audit { target, limit, json } => crate::ops::audit(&settings, &target, limit, json).await,
        Command::Doctor | Command::Key { .. } => bail!("doctor and key run before the settings are loaded"),
        Command::Company { action: CompanyCmd::Create { name, registration_number } } => {
            let app = App::new(open_migrated(&settings).await?);
            let c = invoicepilot_app::company::create(&app, &name, registration_number.as_deref())
                .await
                .map_err(describe)?;
            println!("{}", c.model.id);
            Ok(())
        }
        Command::User { action: UserCmd::Create { email, company, role } } => {
            let role: Role = role.parse().map_err(|e: String| anyhow!(e))?;
            let password = read_password()?;
            let app = App::new(open_migrated(&settings).await?);
            let u = invoicepilot_app::accounts::create_user(&app, &email, &password, company, role)
                .await
                .map_err(describe)?;
            println!("{}", u.id);
            Ok(())
        }
        Command::Token { action: TokenCmd::Create { email, company, name } } => {
            let app = App::new(open_migrated(&settings).await?);
            let token =
                invoicepilot_app::accounts::create_token(&app, &email, company, &name).await.map_err(describe)?;
            println!("{token}");
            Ok(())
        }
        Command::Check { company, json } => crate::ops::check(&settings, company, json).await,
        Command::Bank { action } => crate::bank::run(&settings, action).await,
        Command::Dev { action } => crate::dev::run(&settings, action).await,
        Command::Numbering { action: NumberingCmd::Show { company } } => {
            let app = App::new(open_migrated(&settings).await?);
            let counters = numbering::show(&app, company).await.map_err(describe)?;
            println!("{:<8} {:<6} {:<8} {:>10} {:>12}", "company", "series", "period", "next", "last_issued");
            for c in &counters {
                let last = c.last_issued.map(|v| v.to_string()).unwrap_or_else(|| "-".into());
                let period = if c.period.is_empty() { "-" } else { &c.period };
                println!("{:<8} {:<6} {:<8} {:>10} {:>12}", c.company_id, c.series, period, c.next, last);
            }
            Ok(())
        }
        Command::Numbering { action: NumberingCmd::SetNext { series, period, company, next } } => {
            let app = App::new(open_migrated(&settings).await?);
            let company = single_company(&app, company).await?;
            let c = numbering::set_next(&app, &invoicepilot_app::Ctx::system(company), &series, &period, next)
                .await
                .map_err(describe)?;
            println!("{}", serde_json::to_string(&c)?);
            Ok(())
        }
    }
}

/// Turns an app error into one readable line, field errors included.
pub(crate) fn describe(e: invoicepilot_app::AppError) -> anyhow::Error {
    match e {
        invoicepilot_app::AppError::Validation(errs) => {
            anyhow!(errs.iter().map(|f| format!("{}: {}", f.field, f.message)).collect::<Vec<_>>().join("; "))
        }
        other => anyhow!(other),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn verify_cli() {
        Cli::command().debug_assert();
    }
}
