//! The job queue on the real database: outbox atomicity, claims that never overlap between
//! workers, leases and fencing, retries, panics, failed jobs and their retry, graceful stop.

use crate::helpers::*;
use invoicepilot_app::App;
use invoicepilot_app::jobs::admin::{self, Selection};
use invoicepilot_app::jobs::{self, ClaimedJob, Job, JobError, NewJob, Registry, RetryPolicy, WorkerConfig};
use invoicepilot_store::entity::{failed_job, job};
use sea_orm::{EntityTrait, PaginatorTrait};
use serde_json::json;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio_util::sync::CancellationToken;

async fn job_count(app: &TestApp) -> u64 {
    job::Entity::find().count(app.app.db.conn()).await.unwrap()
}

async fn enqueue(app: &App, job_type: &'static str, payload: serde_json::Value) -> i64 {
    let tx = app.db.begin_write().await.unwrap();
    let id = jobs::enqueue(app, &*tx, NewJob::new(job_type, None, payload)).await.unwrap().unwrap();
    tx.commit().await.unwrap();
    id
}

#[tokio::test]
async fn a_rolled_back_issue_or_send_leaves_no_job_and_a_committed_one_exactly_one() {
    let app = spawn_app().await;
    let c = app.customer("株式会社青山商事").await;
    let d = app.draft(c, "2026-11-30").await;
    let before = job_count(&app).await;
    app.app.failpoints.arm("invoice.issue.before_commit", 1);
    let r = app.req("POST", &format!("/api/v1/invoices/{}/issue", d["id"]), None, &[]).await;
    assert_problem(&r, 500);
    assert_eq!(job_count(&app).await, before, "the rolled-back issue queued nothing");
    let v = app.get(&format!("/api/v1/invoices/{}", d["id"])).await.body;
    assert_eq!((v["status"].as_str(), v["number"].is_null()), (Some("draft"), true), "and took no number");

    let r = app.req("POST", &format!("/api/v1/invoices/{}/issue", d["id"]), None, &[]).await;
    assert_eq!(r.status, 200);
    assert_eq!(r.body["number"], "I-2026-0001", "the rolled-back attempt consumed no number");
    assert_eq!(job_count(&app).await, before + 1, "one job: the PDF");

    app.app.failpoints.arm("invoice.send.before_commit", 1);
    let body = json!({"to": ["keiri@aoyama.example.jp"]});
    let r = app.post(&format!("/api/v1/invoices/{}/send", d["id"]), body.clone()).await;
    assert_problem(&r, 500);
    assert_eq!(job_count(&app).await, before + 1, "the rolled-back send queued nothing");
    let v = app.get(&format!("/api/v1/invoices/{}", d["id"])).await.body;
    assert!(v["delivery"].is_null(), "no delivery either: {:?}", v["delivery"]);
    let r = app.post(&format!("/api/v1/invoices/{}/send", d["id"]), body).await;
    assert_eq!(r.status, 202, "{:?}", r.body);
    assert!(r.body["job_id"].as_i64().is_some());
    assert_eq!(job_count(&app).await, before + 2);
    let v = app.get(&format!("/api/v1/invoices/{}", d["id"])).await.body;
    assert_eq!(v["delivery"]["status"], "queued");
    assert_eq!(v["delivery"]["to"], json!(["keiri@aoyama.example.jp"]));
}

/// Records when each run of each job started and ended.
#[derive(Default)]
struct Ledger(Mutex<Vec<(i64, std::time::Instant, std::time::Instant)>>);

struct Tracked(Arc<Ledger>);

#[async_trait::async_trait]
impl Job for Tracked {
    fn job_type(&self) -> &'static str {
        "test.tracked"
    }

    async fn run(&self, _app: &App, job: &ClaimedJob) -> Result<(), JobError> {
        let start = std::time::Instant::now();
        tokio::time::sleep(Duration::from_millis(3)).await;
        self.0.0.lock().unwrap().push((job.id, start, std::time::Instant::now()));
        Ok(())
    }
}

#[tokio::test]
async fn two_workers_never_run_the_same_job() {
    let app = spawn_app().await;
    let n = 120;
    for i in 0..n {
        enqueue(&app.app, "test.tracked", json!({"i": i})).await;
    }
    let ledger = Arc::new(Ledger::default());
    let registry = Registry::standard().with(Arc::new(Tracked(ledger.clone())));
    let mut handles = Vec::new();
    for _ in 0..2 {
        let mut cfg = WorkerConfig::new(3, Duration::from_secs(30), None).unwrap();
        cfg.concurrency = 3;
        cfg.once = true;
        cfg.poll = Duration::from_millis(50);
        handles.push(tokio::spawn(jobs::run_worker(app.app.clone(), registry.clone(), cfg, CancellationToken::new())));
    }
    for h in handles {
        h.await.unwrap().unwrap();
    }
    let runs = ledger.0.lock().unwrap().clone();
    let mut ids: Vec<i64> = runs.iter().map(|r| r.0).collect();
    ids.sort_unstable();
    ids.dedup();
    assert_eq!(ids.len(), n, "every job ran");
    assert_eq!(runs.len(), n, "and none twice ({} runs on {})", runs.len(), backend_name());
    assert_eq!(job_count(&app).await, 0);
}

struct Panics;

#[async_trait::async_trait]
impl Job for Panics {
    fn job_type(&self) -> &'static str {
        "test.panics"
    }

    fn policy(&self, _app: &App) -> Option<RetryPolicy> {
        Some(RetryPolicy { tries: 2, base: Duration::from_secs(10), cap: Duration::from_secs(10) })
    }

    async fn run(&self, _app: &App, _job: &ClaimedJob) -> Result<(), JobError> {
        panic!("this job always panics")
    }
}

#[tokio::test]
async fn a_job_that_always_panics_ends_failed_and_can_be_retried() {
    let app = spawn_app().await;
    let registry = Registry::standard().with(Arc::new(Panics));
    let id = enqueue(&app.app, "test.panics", json!({})).await;
    enqueue(&app.app, "test.tracked", json!({})).await;
    let ledger = Arc::new(Ledger::default());
    let registry = registry.with(Arc::new(Tracked(ledger.clone())));
    assert_eq!(jobs::run_pending(&app.app, &registry).await.unwrap(), 2, "the worker survives the panic");
    assert_eq!(ledger.0.lock().unwrap().len(), 1, "other jobs are unaffected");
    app.clock.advance(Duration::from_secs(13));
    assert_eq!(jobs::run_pending(&app.app, &registry).await.unwrap(), 1);
    let failed = admin::failed(&app.app, None, 10).await.unwrap();
    assert_eq!(failed.len(), 1);
    let f = &failed[0];
    assert_eq!((f.job_type.as_str(), f.attempts), ("test.panics", 2));
    assert_eq!(f.errors.len(), 2, "every error kept: {:?}", f.errors);
    assert!(f.last_error.contains("panicked: this job always panics"), "{}", f.last_error);
    let stored = failed_job::Entity::find().one(app.app.db.conn()).await.unwrap().unwrap();
    assert_eq!(stored.job_id, id);
    assert!(job::Entity::find_by_id(id).one(app.app.db.conn()).await.unwrap().is_none());

    assert_eq!(admin::retry(&app.app, Selection::One(f.id), None).await.unwrap(), 1);
    assert!(admin::failed(&app.app, None, 10).await.unwrap().is_empty());
    assert_eq!(jobs::run_pending(&app.app, &registry).await.unwrap(), 1, "retried: it runs again");
    let s = admin::status(&app.app, None).await.unwrap();
    assert_eq!(s.by_type["test.panics"].pending, 1, "and waits for its second try");
    assert!(matches!(
        admin::retry(&app.app, Selection::One(999_999), None).await,
        Err(invoicepilot_app::AppError::NotFound(_))
    ));
    let f = failed_job::Entity::find().count(app.app.db.conn()).await.unwrap();
    assert_eq!(f, 0);
    admin::forget(&app.app, 999_999, None).await.unwrap_err();
}

#[tokio::test]
async fn an_outcome_that_cannot_be_written_at_once_is_written_on_a_later_try() {
    // A database that is briefly away (a restart) must not leave the job running until its
    // lease expires.
    let app = spawn_app().await;
    let registry = Registry::standard().with(Arc::new(Panics));
    let id = enqueue(&app.app, "test.panics", json!({})).await;
    app.app.failpoints.arm("jobs.reschedule", 2);
    assert_eq!(jobs::run_pending(&app.app, &registry).await.unwrap(), 1);
    let row = job::Entity::find_by_id(id).one(app.app.db.conn()).await.unwrap().unwrap();
    assert_eq!((row.state.as_str(), row.attempts), ("pending", 1), "rescheduled on the third try");
    assert!(row.errors.contains("this job always panics"), "{}", row.errors);
}

#[tokio::test]
async fn a_worker_past_its_lease_cannot_complete_or_fail_the_job() {
    let app = spawn_app().await;
    let id = enqueue(&app.app, "test.tracked", json!({})).await;
    let lease = Duration::from_secs(60);
    let a = jobs::claim(&app.app, "default", "worker-a", lease).await.unwrap().expect("a claims");
    assert_eq!((a.id, a.attempts), (id, 1));
    assert!(jobs::claim(&app.app, "default", "worker-b", lease).await.unwrap().is_none(), "held under A's lease");
    // A stalls past its lease; B takes the job over.
    app.clock.advance(Duration::from_secs(61));
    let b = jobs::claim(&app.app, "default", "worker-b", lease).await.unwrap().expect("b takes over");
    assert_eq!((b.id, b.attempts), (id, 2));
    assert!(b.errors.last().unwrap()["error"].as_str().unwrap().contains("lease expired"), "{:?}", b.errors);
    assert!(!jobs::complete(&app.app, &a).await.unwrap(), "A is fenced off");
    assert!(!jobs::fail(&app.app, &a, "late failure").await.unwrap());
    assert!(!jobs::reschedule(&app.app, &a, "late retry", Duration::ZERO).await.unwrap());
    assert!(jobs::complete(&app.app, &b).await.unwrap(), "B finishes it");
    assert_eq!(job_count(&app).await, 0);
    assert_eq!(failed_job::Entity::find().count(app.app.db.conn()).await.unwrap(), 0, "A's failure changed nothing");
}

#[tokio::test]
async fn one_claim_takes_several_jobs_in_queue_order_and_never_one_held_elsewhere() {
    let app = spawn_app().await;
    let mut ids = Vec::new();
    for i in 0..5 {
        ids.push(enqueue(&app.app, "test.tracked", json!({"i": i})).await);
    }
    let lease = Duration::from_secs(60);
    let a = jobs::claim_many(&app.app, "default", "worker-a", lease, 3).await.unwrap();
    assert_eq!(a.iter().map(|j| j.id).collect::<Vec<_>>(), ids[..3], "the three oldest, in order");
    assert!(a.iter().all(|j| j.attempts == 1 && j.worker == "worker-a"));
    let b = jobs::claim_many(&app.app, "default", "worker-b", lease, 3).await.unwrap();
    assert_eq!(b.iter().map(|j| j.id).collect::<Vec<_>>(), ids[3..], "only what A does not hold");
    assert!(jobs::claim_many(&app.app, "default", "worker-c", lease, 3).await.unwrap().is_empty());
    for j in a.iter().chain(&b) {
        assert!(jobs::complete(&app.app, j).await.unwrap(), "each claim is fenced to its own worker");
    }
    assert_eq!(job_count(&app).await, 0);
}

#[tokio::test]
async fn a_worker_refuses_a_timeout_as_long_as_its_lease() {
    assert!(WorkerConfig::new(3, Duration::from_secs(300), Some(Duration::from_secs(300))).is_err());
    assert!(WorkerConfig::new(3, Duration::from_secs(300), Some(Duration::from_secs(200))).is_err());
    let c = WorkerConfig::new(3, Duration::from_secs(300), None).unwrap();
    assert_eq!(c.lease, Duration::from_secs(360), "the lease defaults to the timeout + 60 s");
}

struct Slow;

#[async_trait::async_trait]
impl Job for Slow {
    fn job_type(&self) -> &'static str {
        "test.slow"
    }

    async fn run(&self, _app: &App, job: &ClaimedJob) -> Result<(), JobError> {
        tokio::time::sleep(Duration::from_millis(job.payload["ms"].as_u64().unwrap_or(0))).await;
        Ok(())
    }
}

#[tokio::test]
async fn a_stop_lets_the_current_job_finish_or_gives_it_back() {
    let app = spawn_app().await;
    let registry = Registry::standard().with(Arc::new(Slow));
    // Finishes within the grace period: completed, then the worker exits.
    let id = enqueue(&app.app, "test.slow", json!({"ms": 400})).await;
    let mut cfg = WorkerConfig::new(3, Duration::from_secs(30), None).unwrap();
    cfg.grace = Duration::from_secs(5);
    cfg.poll = Duration::from_millis(50);
    let stop = CancellationToken::new();
    let h = tokio::spawn(jobs::run_worker(app.app.clone(), registry.clone(), cfg.clone(), stop.clone()));
    tokio::time::sleep(Duration::from_millis(150)).await;
    stop.cancel();
    assert_eq!(h.await.unwrap().unwrap(), jobs::WorkerExit::Stopped);
    assert!(job::Entity::find_by_id(id).one(app.app.db.conn()).await.unwrap().is_none(), "it finished");
    // Outlasts the grace period: released without counting the attempt.
    let id = enqueue(&app.app, "test.slow", json!({"ms": 5000})).await;
    cfg.grace = Duration::from_millis(200);
    let stop = CancellationToken::new();
    let h = tokio::spawn(jobs::run_worker(app.app.clone(), registry.clone(), cfg, stop.clone()));
    tokio::time::sleep(Duration::from_millis(300)).await;
    stop.cancel();
    h.await.unwrap().unwrap();
    let j = job::Entity::find_by_id(id).one(app.app.db.conn()).await.unwrap().expect("still queued");
    assert_eq!((j.state.as_str(), j.attempts, j.reserved_by.is_none()), ("pending", 0, true));
}

#[tokio::test]
async fn a_restart_request_stops_every_worker() {
    let app = spawn_app().await;
    let mut cfg = WorkerConfig::new(3, Duration::from_secs(30), None).unwrap();
    cfg.poll = Duration::from_millis(50);
    let h = tokio::spawn(jobs::run_worker(app.app.clone(), Registry::standard(), cfg, CancellationToken::new()));
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert_eq!(admin::status(&app.app, None).await.unwrap().workers.len(), 1, "the worker is registered");
    // Requested a second later by the clock than the worker started.
    app.clock.advance(Duration::from_secs(1));
    admin::request_restart(&app.app).await.unwrap();
    let exit = tokio::time::timeout(Duration::from_secs(10), h).await.expect("exits").unwrap().unwrap();
    assert_eq!(exit, jobs::WorkerExit::Restarted);
    assert!(admin::status(&app.app, None).await.unwrap().workers.is_empty(), "and deregistered");
}

#[tokio::test]
async fn health_reports_a_failing_queue() {
    let mut cfg = invoicepilot_app::config::AppConfig::default();
    cfg.alerts.failed = 0;
    let app = spawn_app_with(Options { app_config: Some(cfg), ..Options::default() }).await;
    let r = app.client.get(format!("{}/health", app.address)).send().await.unwrap();
    let h: serde_json::Value = r.json().await.unwrap();
    assert_eq!((h["status"].as_str(), h["queue"].as_str()), (Some("healthy"), Some("operational")));
    let registry = Registry::standard().with(Arc::new(Panics));
    enqueue(&app.app, "test.panics", json!({})).await;
    jobs::run_pending(&app.app, &registry).await.unwrap();
    app.clock.advance(Duration::from_secs(13));
    jobs::run_pending(&app.app, &registry).await.unwrap();
    let r = app.client.get(format!("{}/health", app.address)).send().await.unwrap();
    assert_eq!(r.status(), 200);
    let h: serde_json::Value = r.json().await.unwrap();
    assert_eq!((h["status"].as_str(), h["queue"].as_str()), (Some("degraded"), Some("failing")));
}
