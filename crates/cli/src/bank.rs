//! `invoicepilot bank import`: a statement file from disk, matched like an upload.

use crate::commands::{open_migrated, single_company};
use crate::config::Settings;
use anyhow::{Context, anyhow};
use clap::Subcommand;
use invoicepilot_app::bank::{ImportFormat, StatementImport, import_statement};
use invoicepilot_app::{App, AppError, Ctx};
use std::path::PathBuf;

/// `bank …` subcommands.
#[derive(Debug, Subcommand)]
pub enum BankCmd {
    /// Imports a 全銀協 (01/03) or CSV statement and matches its transfers; prints
    /// `{"imported","duplicates","matched","suggested","unmatched"}` as the last line.
    Import {
        /// The statement file.
        file: PathBuf,
        /// Company id (needed when there are several).
        #[arg(long)]
        company: Option<i64>,
        /// `auto`, `zengin`, `csv:anser`, `csv:mufg` or `csv:sbi`.
        #[arg(long, default_value = "auto")]
        format: String,
    },
}

/// Runs a `bank` subcommand.
pub async fn run(settings: &Settings, action: BankCmd) -> anyhow::Result<()> {
    match action {
        BankCmd::Import { file, company, format } => {
            let format: ImportFormat = format.parse().map_err(|m: String| anyhow!(m))?;
            let bytes = std::fs::read(&file).with_context(|| format!("reading {}", file.display()))?;
            let app = App::new(open_migrated(settings).await?);
            let company = single_company(&app, company).await?;
            let input = StatementImport {
                bytes,
                format,
                file_name: file.file_name().map(|n| n.to_string_lossy().into_owned()),
            };
            let out = import_statement(&app, &Ctx::system(company), input).await.map_err(|e| match e {
                // Every bad record, by line and field, on one line.
                AppError::Validation(errs) => anyhow!(
                    "{} was not imported: {}",
                    file.display(),
                    errs.iter().map(|f| f.message.as_str()).collect::<Vec<_>>().join("; ")
                ),
                other => crate::commands::describe(other),
            })?;
            println!("{}", serde_json::to_string(&out.summary)?);
            Ok(())
        }
    }
}
