//! The `invoicepilot` binary: the server and every operations command.

mod bank;
mod commands;
mod config;
mod dev;
mod doctor;
mod logfile;
mod ops;
mod process;
mod progress;

use clap::Parser;
use std::process::ExitCode;

#[tokio::main]
async fn main() -> ExitCode {
    let cli = commands::Cli::parse();
    let loaded = config::Settings::load();
    // Doctor reports a broken configuration instead of stopping at it; key generation
    // must work before any other setting is right.
    let result = if cli.is_doctor() {
        doctor::run(loaded).await
    } else if let Some(force) = cli.key_generate() {
        doctor::key_generate(force)
    } else {
        let settings = match loaded {
            Ok(s) => s,
            Err(e) => {
                eprintln!("error: {e}");
                return ExitCode::from(2);
            }
        };
        init_logging(&settings);
        commands::run(cli, settings).await
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            // One line: scripts read stderr's first line.
            eprintln!("error: {}", format!("{e:#}").replace('\n', " "));
            ExitCode::FAILURE
        }
    }
}

/// The receiving end of error events bound for Slack, until a process with an `App` takes it.
static SLACK_EVENTS: std::sync::Mutex<Option<tokio::sync::mpsc::Receiver<String>>> = std::sync::Mutex::new(None);

fn init_logging(settings: &config::Settings) {
    use tracing_subscriber::layer::SubscriberExt;
    use tracing_subscriber::util::SubscriberInitExt;
    use tracing_subscriber::{EnvFilter, Layer};
    let filter = EnvFilter::try_from_env("LOG_LEVEL")
        .or_else(|_| EnvFilter::try_from_default_env())
        .unwrap_or_else(|_| EnvFilter::new("info,sqlx=warn,sea_orm=warn"));
    let json = settings.log_format.eq_ignore_ascii_case("json");
    let fmt = if json {
        tracing_subscriber::fmt::layer().json().with_writer(std::io::stderr).boxed()
    } else {
        tracing_subscriber::fmt::layer().with_writer(std::io::stderr).boxed()
    };
    let tz = std::env::var("TZ").ok().and_then(|z| z.parse().ok()).unwrap_or(chrono_tz::Asia::Tokyo);
    let clock: std::sync::Arc<dyn invoicepilot_app::clock::Clock> =
        std::sync::Arc::new(invoicepilot_app::clock::SystemClock);
    // Without a writable log folder the process still runs, logging to stderr; `doctor`
    // names the folder.
    let file = logfile::DailyLog::new(&settings.storage_path.join("logs"), clock, tz, settings.log_retention_days)
        .ok()
        .map(|w| {
            let file_filter = EnvFilter::try_from_env("LOG_LEVEL")
                .or_else(|_| EnvFilter::try_from_default_env())
                .unwrap_or_else(|_| EnvFilter::new("info,sqlx=warn,sea_orm=warn"));
            if json {
                tracing_subscriber::fmt::layer().json().with_ansi(false).with_writer(w).with_filter(file_filter).boxed()
            } else {
                tracing_subscriber::fmt::layer().with_ansi(false).with_writer(w).with_filter(file_filter).boxed()
            }
        });
    let slack = settings.slack_webhook_url.as_deref().is_some_and(|u| !u.trim().is_empty()).then(|| {
        let (layer, rx) = invoicepilot_app::alerts::forward::layer();
        *SLACK_EVENTS.lock().unwrap_or_else(|e| e.into_inner()) = Some(rx);
        layer
    });
    let _ = tracing_subscriber::registry().with(fmt.with_filter(filter)).with(file).with(slack).try_init();
}

/// Starts forwarding `error` events to Slack through `app`'s queue (when configured).
pub fn forward_errors(app: &invoicepilot_app::App) {
    if let Some(rx) = SLACK_EVENTS.lock().unwrap_or_else(|e| e.into_inner()).take() {
        invoicepilot_app::alerts::forward::spawn(app.clone(), rx);
    }
}
