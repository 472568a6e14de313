//! The long-running processes (`serve`, `worker`) and the queue commands. SIGTERM or
//! Ctrl-C stops claiming jobs; the current job finishes within the grace period and the
//! process exits 0.

use crate::commands::{describe, open_migrated};
use crate::config::Settings;
use anyhow::{Context, anyhow};
use clap::{Args, Subcommand};
use invoicepilot_app::jobs::admin::{self, Selection};
use invoicepilot_app::jobs::{Registry, WorkerConfig, WorkerExit, run_worker};
use invoicepilot_app::{App, scheduler};
use invoicepilot_store::Backend;
use invoicepilot_web::{AppState, WebConfig};
use std::time::Duration;
use tokio_util::sync::CancellationToken;

/// `worker` options.
#[derive(Debug, Args)]
pub struct WorkerArgs {
    /// Attempts of job types without their own policy.
    #[arg(long, default_value_t = 3)]
    tries: u32,
    /// Seconds an attempt may run.
    #[arg(long, default_value_t = 300)]
    timeout: u64,
    /// Seconds a claim holds before another worker may take the job over (default: timeout + 60).
    #[arg(long)]
    lease: Option<u64>,
    /// Jobs at the same time.
    #[arg(long, default_value_t = 2)]
    concurrency: usize,
    /// Work until the queue is empty, then exit.
    #[arg(long)]
    once: bool,
    /// The queue to work.
    #[arg(long, default_value = "default")]
    queue: String,
    /// Seconds the current job may still run after SIGTERM.
    #[arg(long, default_value_t = 30)]
    grace: u64,
    /// Seconds between polls of an empty queue.
    #[arg(long, default_value_t = 1)]
    poll: u64,
}

impl WorkerArgs {
    fn config(&self) -> anyhow::Result<WorkerConfig> {
        let mut c =
            WorkerConfig::new(self.tries, Duration::from_secs(self.timeout), self.lease.map(Duration::from_secs))
                .map_err(|e| anyhow!(e))?;
        c.concurrency = self.concurrency.max(1);
        c.once = self.once;
        c.queue = self.queue.clone();
        c.grace = Duration::from_secs(self.grace);
        c.poll = Duration::from_millis((self.poll * 1000).max(100));
        Ok(c)
    }
}

/// The queue commands.
#[derive(Debug, Subcommand)]
pub enum QueueCmd {
    /// Counts by state and type, oldest pending age, throughput, workers.
    Status {
        /// One JSON object on stdout.
        #[arg(long)]
        json: bool,
    },
    /// One line per failed job: id, type, failed_at, attempts, last error.
    Failed {
        /// At most this many (newest first).
        #[arg(long, default_value_t = 100)]
        limit: u64,
    },
    /// Puts failed jobs back in the queue: `all` or an id from `queue failed`.
    Retry {
        /// `all` or a failed job's id.
        which: String,
    },
    /// Deletes a failed job.
    Forget {
        /// A failed job's id.
        id: i64,
    },
    /// Asks every worker on every host to finish its current job and exit.
    Restart,
}

async fn app(settings: &Settings) -> anyhow::Result<App> {
    let config = settings.app_config().map_err(|e| anyhow!(e))?;
    Ok(App::new(open_migrated(settings).await?).with_config(config))
}

/// Cancelled on SIGTERM or Ctrl-C.
fn stop_on_signal() -> CancellationToken {
    let token = CancellationToken::new();
    let t = token.clone();
    tokio::spawn(async move {
        let ctrl_c = async {
            let _ = tokio::signal::ctrl_c().await;
        };
        #[cfg(unix)]
        let term = async {
            if let Ok(mut s) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
                s.recv().await;
            }
        };
        #[cfg(not(unix))]
        let term = std::future::pending::<()>();
        tokio::select! { _ = ctrl_c => {}, _ = term => {} }
        tracing::info!("stop requested");
        t.cancel();
    });
    token
}

/// `serve`.
pub async fn serve(settings: Settings, host: String, port: u16, no_worker: bool) -> anyhow::Result<()> {
    std::fs::create_dir_all(&settings.storage_path)
        .with_context(|| format!("storage folder {} is not writable", settings.storage_path.display()))?;
    let app = app(&settings).await?;
    if app.db.backend() == Backend::Sqlite {
        tracing::info!(database = app.db.masked_url(), "using SQLite");
    }
    crate::forward_errors(&app);
    let state = AppState::new(
        app.clone(),
        WebConfig {
            api_rate_limit: settings.api_rate_limit,
            storage_path: settings.storage_path.clone(),
            app_url: settings.app_url.clone(),
            trusted_proxies: settings.trusted_proxies().map_err(|e| anyhow!(e))?,
            body_deadline: invoicepilot_web::DEFAULT_BODY_DEADLINE,
        },
    );
    let listener = tokio::net::TcpListener::bind((host.as_str(), port))
        .await
        .with_context(|| format!("cannot listen on {host}:{port}"))?;
    let addr = listener.local_addr()?;
    tracing::info!(%addr, "InvoicePilot is serving");
    println!("InvoicePilot listening on http://{addr}");
    // First run: the setup URL goes to the console only, never to the log.
    if let Some(token) = invoicepilot_app::members::issue_setup_token(&state.app).await.map_err(describe)? {
        let base = settings.app_url.as_deref().map(|u| u.trim_end_matches('/').to_owned());
        let base = base.unwrap_or_else(|| format!("http://{addr}"));
        println!("No user exists yet. Open this one-time URL to create the company and its owner:");
        println!("  {base}/setup?token={token}");
    }
    let stop = stop_on_signal();
    let mut background = Vec::new();
    if !no_worker {
        let cfg = WorkerConfig::new(3, Duration::from_secs(300), None).map_err(|e| anyhow!(e))?;
        let (a, s) = (app.clone(), stop.clone());
        background.push(tokio::spawn(async move {
            // `queue restart` asks workers to exit so their supervisor starts the new binary;
            // the in-process worker has no supervisor of its own, so it starts over instead
            // of leaving the server without one.
            loop {
                match run_worker(a.clone(), Registry::standard(), cfg.clone(), s.clone()).await {
                    Ok(WorkerExit::Restarted) if !s.is_cancelled() => {
                        tracing::info!("in-process worker restarted on request");
                    }
                    Ok(_) => break,
                    Err(e) => {
                        tracing::error!(error = %e, "the in-process worker stopped");
                        break;
                    }
                }
            }
        }));
        background.push(tokio::spawn(scheduler::run_scheduler(app.clone(), stop.clone())));
    }
    {
        let (st, s) = (state.clone(), stop.clone());
        background.push(tokio::spawn(async move {
            invoicepilot_web::metrics::watch(st, Duration::from_secs(60), async move { s.cancelled().await }).await;
        }));
    }
    let web_stop = stop.clone();
    invoicepilot_web::serve(listener, state, async move { web_stop.cancelled().await }).await?;
    stop.cancel();
    for b in background {
        let _ = b.await;
    }
    tracing::info!("stopped");
    Ok(())
}

/// `worker`.
pub async fn worker(settings: Settings, args: WorkerArgs) -> anyhow::Result<()> {
    let cfg = args.config()?;
    let app = app(&settings).await?;
    crate::forward_errors(&app);
    let exit = run_worker(app, Registry::standard(), cfg, stop_on_signal()).await.map_err(describe)?;
    match exit {
        WorkerExit::Restarted => println!("worker exits: restart requested"),
        WorkerExit::Drained => println!("worker exits: queue empty"),
        WorkerExit::Stopped => println!("worker exits: stopped"),
    }
    Ok(())
}

/// `queue …`.
pub async fn queue(settings: Settings, cmd: QueueCmd) -> anyhow::Result<()> {
    let app = app(&settings).await?;
    match cmd {
        QueueCmd::Status { json } => {
            let s = admin::status(&app, None).await.map_err(describe)?;
            if json {
                println!("{}", serde_json::to_string(&s)?);
            } else {
                println!("pending: {}  running: {}  failed: {}", s.pending, s.running, s.failed);
                println!("oldest pending: {} s", s.oldest_pending_secs);
                println!(
                    "throughput: {} in the last minute, {} in the last hour ({} errors)",
                    s.done_last_minute, s.done_last_hour, s.errors_last_hour
                );
                println!("workers: {}", if s.workers.is_empty() { "none".to_owned() } else { s.workers.join(", ") });
                println!("{:<20} {:>8} {:>8} {:>8}", "type", "pending", "running", "failed");
                for (t, c) in &s.by_type {
                    println!("{t:<20} {:>8} {:>8} {:>8}", c.pending, c.running, c.failed);
                }
            }
        }
        QueueCmd::Failed { limit } => {
            for f in admin::failed(&app, None, limit).await.map_err(describe)? {
                let error = f.last_error.replace(['\n', '\r'], " ");
                println!("{}\t{}\t{}\t{}\t{}", f.id, f.job_type, f.failed_at, f.attempts, error);
            }
        }
        QueueCmd::Retry { which } => {
            let sel = if which == "all" {
                Selection::All
            } else {
                Selection::One(which.parse().map_err(|_| anyhow!("give `all` or a failed job's id, not {which}"))?)
            };
            let n = admin::retry(&app, sel, None).await.map_err(describe)?;
            println!("{}", serde_json::json!({"retried": n}));
        }
        QueueCmd::Forget { id } => {
            admin::forget(&app, id, None).await.map_err(describe)?;
            println!("{}", serde_json::json!({"forgotten": id}));
        }
        QueueCmd::Restart => {
            let at = admin::request_restart(&app).await.map_err(describe)?;
            println!("{}", serde_json::json!({"restart_requested_at": at}));
        }
    }
    Ok(())
}
