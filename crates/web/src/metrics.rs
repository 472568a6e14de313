//! `/metrics` in the Prometheus text format: request counts and a latency histogram by
//! route and status, the queue, the machine, and the business counters. The recorder is
//! process-wide (one per process, as Prometheus scrapes a process); the figures that live in
//! the database are read at scrape time so that every process reports the same totals.
//!
//! [`LatencyWindow`] keeps the last interval's latencies for the p95 alert.

use crate::AppState;
use axum::extract::{MatchedPath, Request, State};
use axum::http::{StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};
use std::sync::{Mutex, OnceLock};
use std::time::Instant;

/// Latency histogram (seconds).
pub const REQUEST_DURATION: &str = "http_request_duration_seconds";
/// Request counter.
pub const REQUESTS: &str = "http_requests_total";
/// Bucket bounds (seconds); 0.5 s is the runbook's p95 threshold.
const BUCKETS: &[f64] = &[0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0];
/// At most this many latencies are kept per interval (a uniform sample beyond).
const WINDOW_CAP: usize = 20_000;

/// The process's recorder, installed on first use (`None` when another recorder was
/// installed first, e.g. by an embedding program).
fn handle() -> Option<&'static PrometheusHandle> {
    static HANDLE: OnceLock<Option<PrometheusHandle>> = OnceLock::new();
    HANDLE
        .get_or_init(|| {
            let builder = PrometheusBuilder::new()
                .set_buckets_for_metric(Matcher::Full(REQUEST_DURATION.into()), BUCKETS)
                .ok()?;
            match builder.install_recorder() {
                Ok(h) => Some(h),
                Err(e) => {
                    tracing::warn!(error = %e, "the metrics recorder could not be installed");
                    None
                }
            }
        })
        .as_ref()
}

/// Installs the recorder (so the first requests are counted too).
pub fn install() {
    let _ = handle();
}

/// Latencies of the current interval, for the p95 alert.
#[derive(Default)]
pub struct LatencyWindow(Mutex<(Vec<f64>, u64)>);

impl LatencyWindow {
    /// Records one request's latency in milliseconds.
    pub fn record(&self, ms: f64) {
        let mut w = self.0.lock().unwrap_or_else(|e| e.into_inner());
        w.1 += 1;
        if w.0.len() < WINDOW_CAP {
            w.0.push(ms);
        } else {
            // Reservoir sampling keeps a uniform sample of the whole interval.
            let j = (rand::random::<u64>() % w.1) as usize;
            if j < WINDOW_CAP {
                w.0[j] = ms;
            }
        }
    }

    /// The interval's 95th percentile (nearest rank), starting a new interval; `None`
    /// without requests.
    pub fn take_p95(&self) -> Option<f64> {
        let mut w = self.0.lock().unwrap_or_else(|e| e.into_inner());
        let (mut v, _) = std::mem::take(&mut *w);
        drop(w);
        if v.is_empty() {
            return None;
        }
        v.sort_by(f64::total_cmp);
        let rank = ((v.len() as f64) * 0.95).ceil() as usize;
        Some(v[rank.clamp(1, v.len()) - 1])
    }
}

/// Counts and times every request by method, route template and status.
pub async fn middleware(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let route = req.extensions().get::<MatchedPath>().map(|p| p.as_str().to_owned()).unwrap_or_else(|| {
        if req.uri().path().starts_with("/static/") { "/static".into() } else { "unmatched".into() }
    });
    let method = req.method().as_str().to_owned();
    let started = Instant::now();
    let resp = next.run(req).await;
    let elapsed = started.elapsed();
    if route != "/metrics" {
        state.latency.record(elapsed.as_secs_f64() * 1000.0);
    }
    let labels = [("method", method), ("route", route), ("status", resp.status().as_u16().to_string())];
    metrics::counter!(REQUESTS, &labels).increment(1);
    metrics::histogram!(REQUEST_DURATION, &labels).record(elapsed.as_secs_f64());
    resp
}

/// Sets the gauges read at scrape time.
async fn refresh(state: &AppState) {
    use metrics::gauge;
    let app = &state.app;
    let timeout = std::time::Duration::from_secs(3);
    if let Ok(Ok(q)) = tokio::time::timeout(timeout, invoicepilot_app::jobs::admin::status(app, None)).await {
        gauge!("invoicepilot_queue_jobs", "state" => "pending").set(q.pending as f64);
        gauge!("invoicepilot_queue_jobs", "state" => "running").set(q.running as f64);
        gauge!("invoicepilot_queue_jobs", "state" => "failed").set(q.failed as f64);
        gauge!("invoicepilot_failed_jobs").set(q.failed as f64);
        gauge!("invoicepilot_queue_oldest_pending_seconds").set(q.oldest_pending_secs as f64);
        gauge!("invoicepilot_workers").set(q.workers.len() as f64);
    }
    if let Ok(Ok(f)) = tokio::time::timeout(timeout, invoicepilot_app::figures::read(app)).await {
        metrics::counter!("invoicepilot_invoices_issued_total").absolute(f.invoices_issued);
        metrics::counter!("invoicepilot_mails_sent_total").absolute(f.mails_sent);
        metrics::counter!("invoicepilot_mails_failed_total").absolute(f.mails_failed);
    }
    gauge!("invoicepilot_database_up").set(if state.app.db.ping().await { 1.0 } else { 0.0 });
    use invoicepilot_app::system;
    if let Some(p) = system::disk_used_percent(&state.config.storage_path) {
        gauge!("invoicepilot_disk_used_ratio").set(p / 100.0);
    }
    if let Some(b) = system::disk_available_bytes(&state.config.storage_path) {
        gauge!("invoicepilot_disk_available_bytes").set(b as f64);
    }
    if let Some(p) = system::memory_used_percent() {
        gauge!("invoicepilot_memory_used_ratio").set(p / 100.0);
    }
    if let Some(s) = system::process_cpu_seconds() {
        metrics::counter!("process_cpu_seconds_total").absolute(s as u64);
        gauge!("invoicepilot_process_cpu_seconds").set(s);
    }
    if let Some(b) = system::process_resident_bytes() {
        gauge!("process_resident_memory_bytes").set(b as f64);
    }
}

/// `GET /metrics`.
pub async fn serve(State(state): State<AppState>) -> Response {
    let Some(h) = handle() else {
        return (StatusCode::SERVICE_UNAVAILABLE, "metrics are not available in this process\n").into_response();
    };
    refresh(&state).await;
    h.run_upkeep();
    ([(header::CONTENT_TYPE, "text/plain; version=0.0.4; charset=utf-8")], h.render()).into_response()
}

/// The system reading for the alert thresholds: disk, this process's CPU, memory and the
/// p95 of the requests since the previous reading.
pub fn reading(state: &AppState, cpu: &invoicepilot_app::system::CpuMeter) -> invoicepilot_app::alerts::SystemReading {
    use invoicepilot_app::system;
    invoicepilot_app::alerts::SystemReading {
        disk_percent: system::disk_used_percent(&state.config.storage_path),
        cpu_percent: cpu.sample(),
        memory_percent: system::memory_used_percent(),
        p95_ms: state.latency.take_p95(),
    }
}

/// Checks the system thresholds every `every` until `stop`, posting alerts on changes.
pub async fn watch(state: AppState, every: std::time::Duration, stop: impl std::future::Future<Output = ()>) {
    let cpu = invoicepilot_app::system::CpuMeter::default();
    let _ = cpu.sample();
    tokio::pin!(stop);
    loop {
        tokio::select! {
            _ = &mut stop => return,
            _ = tokio::time::sleep(every) => {}
        }
        let r = reading(&state, &cpu);
        if let Err(e) = invoicepilot_app::alerts::check_system(&state.app, &r).await {
            tracing::warn!(error = %e, "the system alert check failed");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn p95_is_the_nearest_rank_and_the_window_restarts() {
        let w = LatencyWindow::default();
        assert_eq!(w.take_p95(), None);
        for ms in 1..=100 {
            w.record(ms as f64);
        }
        assert_eq!(w.take_p95(), Some(95.0));
        assert_eq!(w.take_p95(), None, "a new interval starts empty");
        w.record(700.0);
        assert_eq!(w.take_p95(), Some(700.0));
    }
}
