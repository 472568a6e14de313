//! Slack: error events and queue thresholds posted to `SLACK_WEBHOOK_URL` through the queue
//! (a slow or failing Slack never blocks a request), each message at most once per ten
//! minutes, and each threshold (queue: backlog, failed, stale; system: disk, CPU, memory,
//! p95 latency) once when it is crossed and once when it clears.

use crate::App;
use crate::clock::db_now;
use crate::config::AlertThresholds;
use crate::error::AppError;
use crate::jobs::{self, ClaimedJob, Job, JobError, NewJob, RetryPolicy, admin};
use crate::sql::{insert_ignore, stmt};
use invoicepilot_store::entity::app_setting;
use sea_orm::{ConnectionTrait, EntityTrait};
use serde_json::json;
use sha2::{Digest, Sha256};
use std::time::Duration;

/// Posting one Slack message.
pub const SLACK_POST: &str = "slack.post";
/// Checking the queue against the thresholds.
pub const ALERT_CHECK: &str = "alerts.check";

/// Queues `text` for Slack (when configured), at most once per text per ten minutes.
/// Never fails the caller: an alert that cannot be queued is logged.
pub async fn notify(app: &App, text: &str) {
    if app.config.slack_webhook_url.is_none() {
        return;
    }
    let bucket = db_now(app.clock.as_ref()).and_utc().timestamp() / 600;
    let key = format!("slack:{}:{bucket}", hex::encode(&Sha256::digest(text.as_bytes())[..12]));
    let res = async {
        let tx = app.db.begin_write().await?;
        jobs::enqueue(app, &*tx, NewJob::new(SLACK_POST, None, json!({"text": text})).unique(key)).await?;
        tx.commit().await?;
        Ok::<(), AppError>(())
    }
    .await;
    if let Err(e) = res {
        tracing::warn!(error = %e, "could not queue a Slack alert");
    }
}

type Https = hyper_util::client::legacy::Client<
    hyper_rustls::HttpsConnector<hyper_util::client::legacy::connect::HttpConnector>,
    http_body_util::Full<bytes::Bytes>,
>;

/// An HTTPS client (ring, the Mozilla roots), built once.
fn http() -> Result<&'static Https, JobError> {
    static CLIENT: std::sync::OnceLock<Result<Https, String>> = std::sync::OnceLock::new();
    CLIENT
        .get_or_init(|| {
            let connector = hyper_rustls::HttpsConnectorBuilder::new()
                .with_provider_and_webpki_roots(std::sync::Arc::new(rustls::crypto::ring::default_provider()))
                .map_err(|e| format!("TLS: {e}"))?
                .https_or_http()
                .enable_http1()
                .build();
            Ok(hyper_util::client::legacy::Client::builder(hyper_util::rt::TokioExecutor::new()).build(connector))
        })
        .as_ref()
        .map_err(|e| JobError::Transient(e.clone()))
}

/// POSTs JSON; the response status.
async fn post_json(url: &str, body: &serde_json::Value) -> Result<hyper::StatusCode, JobError> {
    let req = hyper::Request::post(url)
        .header(hyper::header::CONTENT_TYPE, "application/json")
        .body(http_body_util::Full::new(bytes::Bytes::from(body.to_string())))
        .map_err(|e| JobError::Permanent(format!("SLACK_WEBHOOK_URL: {e}")))?;
    let resp = tokio::time::timeout(Duration::from_secs(10), http()?.request(req))
        .await
        .map_err(|_| JobError::Transient("Slack did not answer within 10 s".into()))?
        .map_err(|e| JobError::Transient(format!("Slack: {e}")))?;
    Ok(resp.status())
}

/// `slack.post {text}`.
pub struct SlackPostJob;

#[async_trait::async_trait]
impl Job for SlackPostJob {
    fn job_type(&self) -> &'static str {
        SLACK_POST
    }

    fn policy(&self, _app: &App) -> Option<RetryPolicy> {
        Some(RetryPolicy { tries: 5, base: Duration::from_secs(15), cap: Duration::from_secs(600) })
    }

    async fn run(&self, app: &App, job: &ClaimedJob) -> Result<(), JobError> {
        let Some(url) = app.config.slack_webhook_url.as_deref() else { return Ok(()) };
        let text = job.payload["text"].as_str().unwrap_or_default();
        let status = post_json(url, &json!({"text": text})).await?;
        if status.is_success() {
            Ok(())
        } else if status.as_u16() == 429 || status.is_server_error() {
            Err(JobError::Transient(format!("Slack answered {status}")))
        } else {
            Err(JobError::Permanent(format!("Slack answered {status}")))
        }
    }
}

/// A threshold and whether the queue crosses it now.
fn incidents(s: &admin::QueueStatus, t: &AlertThresholds) -> Vec<(&'static str, bool, String)> {
    vec![
        ("backlog", s.pending > t.backlog, format!("{} jobs are waiting (threshold {})", s.pending, t.backlog)),
        ("failed", s.failed > t.failed, format!("{} jobs have failed (threshold {})", s.failed, t.failed)),
        (
            "stale",
            s.oldest_pending_secs > t.oldest_pending_secs,
            format!(
                "the oldest waiting job is {} s old (threshold {} s) — is a worker running?",
                s.oldest_pending_secs, t.oldest_pending_secs
            ),
        ),
    ]
}

/// Compares the queue with the thresholds; posts when an incident opens or clears.
pub async fn check(app: &App) -> Result<Vec<String>, AppError> {
    let status = admin::status(app, None).await?;
    reconcile(app, "queue", incidents(&status, &app.config.alerts)).await
}

/// The machine and the web server as one reading (`None`: not known on this system).
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct SystemReading {
    /// Used share of the storage volume, percent.
    pub disk_percent: Option<f64>,
    /// This process's CPU use, percent of one core.
    pub cpu_percent: Option<f64>,
    /// Used share of the machine's memory, percent.
    pub memory_percent: Option<f64>,
    /// 95th-percentile request latency over the last interval, milliseconds.
    pub p95_ms: Option<f64>,
}

/// The system thresholds a reading crosses; unknown figures are left out.
fn system_incidents(r: &SystemReading, t: &AlertThresholds) -> Vec<(&'static str, bool, String)> {
    let mut out = Vec::new();
    let mut push = |name, value: Option<f64>, limit: f64, what: &str, unit: &str| {
        if let Some(v) = value {
            out.push((name, v > limit, format!("{what} is {v:.0}{unit} (threshold {limit:.0}{unit})")));
        }
    };
    push("disk", r.disk_percent, t.disk_percent, "disk use of the storage volume", "%");
    push("cpu", r.cpu_percent, t.cpu_percent, "CPU use of the server process", "%");
    push("memory", r.memory_percent, t.memory_percent, "memory use", "%");
    push("latency", r.p95_ms, t.p95_ms, "the 95th-percentile response time", " ms");
    out
}

/// Compares a system reading with the thresholds; posts when an incident opens or clears.
pub async fn check_system(app: &App, reading: &SystemReading) -> Result<Vec<String>, AppError> {
    reconcile(app, "system", system_incidents(reading, &app.config.alerts)).await
}

/// Opens or clears each incident's stored state and posts on every change, so an incident
/// is announced once when it starts and once when it ends, however many processes check.
async fn reconcile(app: &App, area: &str, found: Vec<(&'static str, bool, String)>) -> Result<Vec<String>, AppError> {
    let mut posted = Vec::new();
    for (name, now_open, detail) in found {
        let key = format!("alert.{name}");
        let was_open =
            app_setting::Entity::find_by_id(key.clone()).one(app.db.conn()).await?.is_some_and(|s| s.value == "open");
        if now_open == was_open {
            continue;
        }
        let tx = app.db.begin_write().await?;
        let changed = if now_open {
            let sql = insert_ignore(tx.get_database_backend(), "app_settings", &["name", "value"], &["name"]);
            tx.execute_raw(stmt(tx.get_database_backend(), &sql, vec![key.into(), "open".into()]))
                .await?
                .rows_affected()
        } else {
            app_setting::Entity::delete_by_id(key).exec(&*tx).await?.rows_affected
        };
        tx.commit().await?;
        // Another process changed the state first and posted.
        if changed == 0 {
            continue;
        }
        let text = if now_open {
            format!(":red_circle: InvoicePilot {area} alert ({name}): {detail}")
        } else {
            format!(":large_green_circle: InvoicePilot {area} alert cleared ({name}): {detail}")
        };
        notify(app, &text).await;
        posted.push(text);
    }
    Ok(posted)
}

/// `alerts.check`: run every minute by the scheduler.
pub struct AlertCheckJob;

#[async_trait::async_trait]
impl Job for AlertCheckJob {
    fn job_type(&self) -> &'static str {
        ALERT_CHECK
    }

    fn policy(&self, _app: &App) -> Option<RetryPolicy> {
        Some(RetryPolicy { tries: 1, base: Duration::from_secs(60), cap: Duration::from_secs(60) })
    }

    async fn run(&self, app: &App, _job: &ClaimedJob) -> Result<(), JobError> {
        check(app).await?;
        Ok(())
    }
}

/// Forwards `error` log events to Slack: a tracing layer that never blocks (a full channel
/// drops the event) and a task that queues the posts.
pub mod forward {
    use super::notify;
    use crate::App;
    use tokio::sync::mpsc;
    use tracing::field::{Field, Visit};
    use tracing::{Event, Level, Subscriber};
    use tracing_subscriber::layer::{Context, Layer};

    /// The tracing layer; pair it with [`spawn`].
    pub struct ErrorLayer(mpsc::Sender<String>);

    struct Message(String);

    impl Visit for Message {
        fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
            if field.name() == "message" {
                self.0 = format!("{value:?}");
            } else if !self.0.is_empty() && self.0.len() < 1500 {
                self.0.push_str(&format!(" {}={value:?}", field.name()));
            }
        }
    }

    impl<S: Subscriber> Layer<S> for ErrorLayer {
        fn on_event(&self, event: &Event<'_>, _ctx: Context<'_, S>) {
            let meta = event.metadata();
            // Our own alerting's failures are not alerted again.
            if *meta.level() != Level::ERROR || meta.target().starts_with("invoicepilot_app::alerts") {
                return;
            }
            let mut m = Message(String::new());
            event.record(&mut m);
            let _ = self.0.try_send(format!(":warning: InvoicePilot error in {}: {}", meta.target(), m.0));
        }
    }

    /// A layer and the receiving end to hand to [`spawn`].
    pub fn layer() -> (ErrorLayer, mpsc::Receiver<String>) {
        let (tx, rx) = mpsc::channel(64);
        (ErrorLayer(tx), rx)
    }

    /// Queues every forwarded event (deduplicated per text and ten minutes by [`notify`]).
    pub fn spawn(app: App, mut rx: mpsc::Receiver<String>) -> tokio::task::JoinHandle<()> {
        tokio::spawn(async move {
            while let Some(text) = rx.recv().await {
                notify(&app, &text).await;
            }
        })
    }

    #[cfg(test)]
    mod tests {
        use super::*;
        use tracing_subscriber::layer::SubscriberExt;

        #[test]
        fn error_events_are_forwarded_and_others_not() {
            let (layer, mut rx) = layer();
            let subscriber = tracing_subscriber::registry().with(layer);
            tracing::subscriber::with_default(subscriber, || {
                tracing::warn!(target: "invoicepilot_app::documents", "only a warning");
                // The events of this module are not forwarded, so these name another target.
                tracing::error!(target: "invoicepilot_app::documents", invoice = 7, "storing the PDF failed");
            });
            let got = rx.try_recv().expect("the error was forwarded");
            assert!(got.contains("storing the PDF failed") && got.contains("invoice=7"), "{got}");
            assert!(rx.try_recv().is_err(), "the warning was not");
        }
    }
}
