//! `invoicepilot dev seed`: fills a company with realistic data for development and
//! benchmarks; refuses to run when `APP_ENV=production`.

use crate::commands::{describe, open_migrated};
use crate::config::Settings;
use clap::Subcommand;
use invoicepilot_app::App;
use invoicepilot_app::devtools::seed::{SeedOptions, seed};
use std::sync::Mutex;

/// `dev …` subcommands.
#[derive(Debug, Subcommand)]
pub enum DevCmd {
    /// Generates customers and invoices (with payments, credit notes, voids and audit rows)
    /// in an existing company; prints a one-line JSON summary.
    Seed {
        /// The company to fill.
        #[arg(long)]
        company: i64,
        /// New customers (0: use the company's existing ones).
        #[arg(long, default_value_t = 100)]
        customers: usize,
        /// New invoices.
        #[arg(long, default_value_t = 10_000)]
        invoices: usize,
        /// Random seed (the same seed gives the same data).
        #[arg(long, default_value_t = 1)]
        seed: u64,
    },
}

/// Runs a `dev` subcommand.
pub async fn run(settings: &Settings, action: DevCmd) -> anyhow::Result<()> {
    match action {
        DevCmd::Seed { company, customers, invoices, seed: s } => {
            let environment = std::env::var("APP_ENV").ok();
            if environment.as_deref().is_some_and(|e| e.eq_ignore_ascii_case("production")) {
                // Refused before the database is even opened.
                anyhow::bail!("dev seed does not run when APP_ENV=production");
            }
            let app = App::new(open_migrated(settings).await?);
            let bar = Mutex::new(crate::progress::Bar::new("seed"));
            let opts = SeedOptions { company_id: company, customers, invoices, seed: s, environment };
            let progress = |done: usize, total: usize| {
                if let Ok(b) = bar.lock() {
                    b.step(done, total, "invoices");
                }
            };
            let summary = seed(&app, &opts, &progress).await.map_err(describe)?;
            if let Ok(b) = bar.lock() {
                b.finish();
            }
            println!("{}", serde_json::to_string(&summary)?);
            Ok(())
        }
    }
}
