//! The worker: claims jobs, runs each with a timeout while its heartbeat keeps the lease,
//! retries or fails them by policy, survives panics, and stops on request — finishing the
//! current job within a grace period, or giving it back when the grace runs out.

use super::queue::{self, ClaimedJob, record_run};
use super::{Job, JobError, Registry, RetryPolicy, pause};
use crate::App;
use crate::clock::db_now;
use crate::error::AppError;
use invoicepilot_store::entity::{app_setting, worker};
use sea_orm::{ActiveValue::Set, EntityTrait, sea_query::OnConflict};
use std::collections::VecDeque;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::{Duration, Instant};
use tokio_util::sync::CancellationToken;

/// The `app_settings` row that asks every worker to restart (its value: when it was asked).
pub const RESTART_KEY: &str = "queue.restart_requested_at";

/// How a worker runs.
#[derive(Debug, Clone)]
pub struct WorkerConfig {
    /// Which queue it takes jobs from.
    pub queue: String,
    /// Attempts of job types without their own policy (`--tries`).
    pub tries: u32,
    /// Longest an attempt may run (`--timeout`).
    pub timeout: Duration,
    /// How long a claim holds before another worker may take the job over.
    pub lease: Duration,
    /// Jobs run at the same time.
    pub concurrency: usize,
    /// Pause between polls of an empty queue.
    pub poll: Duration,
    /// On stop, how long the current job may still run.
    pub grace: Duration,
    /// Stop when the queue is empty (`--once`).
    pub once: bool,
    /// This worker's id (host, pid, random part).
    pub id: String,
}

impl WorkerConfig {
    /// A worker with `tries` and `timeout`; the lease defaults to the timeout + 60 s and must
    /// be longer than the timeout (or a slow job would run twice at once).
    pub fn new(tries: u32, timeout: Duration, lease: Option<Duration>) -> Result<WorkerConfig, String> {
        let lease = lease.unwrap_or(timeout + Duration::from_secs(60));
        if timeout >= lease {
            return Err(format!(
                "the job timeout ({} s) must be shorter than the lease ({} s)",
                timeout.as_secs(),
                lease.as_secs()
            ));
        }
        if tries == 0 {
            return Err("--tries must be at least 1".into());
        }
        Ok(WorkerConfig {
            queue: super::DEFAULT_QUEUE.into(),
            tries,
            timeout,
            lease,
            concurrency: 2,
            poll: Duration::from_secs(1),
            grace: Duration::from_secs(30),
            once: false,
            id: worker_id(),
        })
    }
}

/// `host:pid:random`.
pub fn worker_id() -> String {
    let host = std::env::var("HOSTNAME").ok().filter(|h| !h.is_empty()).unwrap_or_else(|| {
        std::fs::read_to_string("/etc/hostname").map(|h| h.trim().to_owned()).unwrap_or_else(|_| "localhost".into())
    });
    let mut b = [0u8; 4];
    rand::RngCore::fill_bytes(&mut rand::rng(), &mut b);
    format!("{host}:{}:{}", std::process::id(), hex::encode(b))
}

/// Why a worker stopped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WorkerExit {
    /// It was told to stop (SIGTERM).
    Stopped,
    /// `queue restart` asked every worker to exit.
    Restarted,
    /// `--once` and the queue is empty.
    Drained,
}

/// What happened to one attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Outcome {
    Done,
    Retried,
    Failed,
    Released,
    Lost,
}

fn effective_policy(app: &App, registry: &Registry, job: &ClaimedJob, tries: u32) -> RetryPolicy {
    let mut p = registry.policy(app, &job.job_type).unwrap_or_else(|| RetryPolicy::standard(tries));
    if job.max_attempts > 0 {
        p.tries = job.max_attempts as u32;
    }
    p
}

fn panic_text(e: tokio::task::JoinError) -> String {
    match e.try_into_panic() {
        Ok(p) => {
            let msg = p
                .downcast_ref::<&str>()
                .map(|s| s.to_string())
                .or_else(|| p.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "unknown panic".into());
            format!("panicked: {msg}")
        }
        Err(e) => format!("cancelled: {e}"),
    }
}

/// Runs one claimed job to its end and records what became of it.
async fn execute(
    app: &App,
    registry: &Registry,
    cfg: &WorkerConfig,
    job: ClaimedJob,
    stop: &CancellationToken,
) -> Result<Outcome, AppError> {
    use tracing::Instrument;
    let span = tracing::info_span!("job", job.id = job.id, job.typ = %job.job_type, job.attempt = job.attempts);
    execute_in_span(app, registry, cfg, job, stop).instrument(span).await
}

async fn execute_in_span(
    app: &App,
    registry: &Registry,
    cfg: &WorkerConfig,
    job: ClaimedJob,
    stop: &CancellationToken,
) -> Result<Outcome, AppError> {
    let Some(handler) = registry.get(&job.job_type).cloned() else {
        let msg = format!("no handler for job type {}", job.job_type);
        tracing::error!(%msg);
        return Ok(if settle(|| queue::fail(app, &job, &msg)).await? { Outcome::Failed } else { Outcome::Lost });
    };
    let policy = effective_policy(app, registry, &job, cfg.tries);
    if job.attempts as u32 > policy.tries {
        // The last attempt's worker vanished; its lease expired and the job has no tries left.
        let msg = "no attempts left after the last worker stopped";
        if settle(|| queue::fail(app, &job, msg)).await? {
            handler.on_failed(app, &job, msg).await;
            return Ok(Outcome::Failed);
        }
        return Ok(Outcome::Lost);
    }
    let started = Instant::now();
    let (run_app, run_job, run_handler) = (app.clone(), job.clone(), handler.clone());
    let mut task = tokio::spawn(async move { run_handler.run(&run_app, &run_job).await });
    let deadline = tokio::time::sleep(cfg.timeout);
    tokio::pin!(deadline);
    let mut beat = tokio::time::interval(cfg.lease / 3);
    beat.tick().await;
    let grace = tokio::time::sleep(Duration::MAX / 4);
    tokio::pin!(grace);
    let mut stopping = false;
    let result: Result<(), JobError> = loop {
        tokio::select! {
            r = &mut task => break r.unwrap_or_else(|e| Err(JobError::Transient(panic_text(e)))),
            _ = &mut deadline => {
                task.abort();
                break Err(JobError::Transient(format!("timed out after {} s", cfg.timeout.as_secs())));
            }
            _ = beat.tick() => {
                if !queue::heartbeat(app, &job, cfg.lease).await.unwrap_or(true) {
                    tracing::warn!("lease lost while running; another worker may have the job");
                }
            }
            _ = stop.cancelled(), if !stopping => {
                stopping = true;
                grace.as_mut().reset(tokio::time::Instant::now() + cfg.grace);
            }
            _ = &mut grace, if stopping => {
                task.abort();
                tracing::warn!("stopping: grace period over, the job is given back");
                return Ok(if settle(|| queue::release(app, &job)).await? { Outcome::Released } else { Outcome::Lost });
            }
        }
    };
    let millis = started.elapsed().as_millis();
    let outcome = match result {
        Ok(()) => match complete(app, handler.as_ref(), &job, millis).await {
            Ok(true) => return Ok(Outcome::Done),
            Ok(false) => {
                tracing::warn!("the lease was lost before the job finished; the other worker's result stands");
                return Ok(Outcome::Lost);
            }
            Err(msg) if settle(|| queue::reschedule(app, &job, &msg, policy.delay(job.attempts as u32))).await? => {
                Outcome::Retried
            }
            Err(_) => Outcome::Lost,
        },
        Err(JobError::Transient(msg)) if (job.attempts as u32) < policy.tries => {
            let delay = policy.delay(job.attempts as u32);
            tracing::warn!(error = %msg, retry_in_s = delay.as_secs(), "attempt failed; will retry");
            if settle(|| queue::reschedule(app, &job, &msg, delay)).await? { Outcome::Retried } else { Outcome::Lost }
        }
        Err(e) => {
            let msg = e.message().to_owned();
            tracing::error!(error = %msg, "job failed for good");
            if settle(|| queue::fail(app, &job, &msg)).await? {
                handler.on_failed(app, &job, &msg).await;
                Outcome::Failed
            } else {
                Outcome::Lost
            }
        }
    };
    if outcome == Outcome::Lost {
        tracing::warn!("the lease was lost before the job finished; the other worker's result stands");
    }
    let label = match outcome {
        Outcome::Done => "ok",
        Outcome::Retried => "retry",
        Outcome::Failed => "failed",
        Outcome::Released => "released",
        Outcome::Lost => "lost",
    };
    if let Err(e) = record_run(app, &job.job_type, label, millis).await {
        tracing::warn!(error = %e, "could not record the job run");
    }
    Ok(outcome)
}

/// Completes a successful attempt; the error text when every try failed.
async fn complete(app: &App, handler: &dyn Job, job: &ClaimedJob, millis: u128) -> Result<bool, String> {
    settle(|| queue::complete_with(app, job, Some(handler), millis))
        .await
        .map_err(|e| format!("the work was done but recording it failed: {e}"))
}

/// Records an attempt's outcome, trying the transaction again for a while (a database
/// restart, a failover) rather than giving up at once: an outcome not recorded leaves the
/// job `running` until its lease expires, and a job whose work was done (a mail accepted
/// by the SMTP server) and is then retried would do it again.
async fn settle<T, F, Fut>(mut write: F) -> Result<T, AppError>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Result<T, AppError>>,
{
    let mut wait = Duration::from_millis(200);
    let mut tries = 0;
    loop {
        match write().await {
            Ok(v) => return Ok(v),
            Err(e) if tries < 7 => {
                tries += 1;
                tracing::warn!(error = %e, "recording the job's outcome failed; trying again");
                tokio::time::sleep(wait).await;
                wait = (wait * 2).min(Duration::from_secs(10));
            }
            Err(e) => return Err(e),
        }
    }
}

async fn restart_requested(app: &App, since: chrono::NaiveDateTime) -> bool {
    match app_setting::Entity::find_by_id(RESTART_KEY.to_owned()).one(app.db.conn()).await {
        Ok(Some(s)) => chrono::DateTime::parse_from_rfc3339(&s.value).is_ok_and(|t| t.naive_utc() > since),
        _ => false,
    }
}

async fn register(app: &App, cfg: &WorkerConfig, started: chrono::NaiveDateTime) -> Result<(), AppError> {
    let host = cfg.id.split(':').next().unwrap_or_default().to_owned();
    let row = worker::ActiveModel {
        id: Set(cfg.id.clone()),
        host: Set(host.chars().take(128).collect()),
        pid: Set(std::process::id() as i32),
        queue: Set(cfg.queue.clone()),
        started_at: Set(started),
        last_seen_at: Set(db_now(app.clock.as_ref())),
    };
    let tx = app.db.begin_write().await?;
    worker::Entity::insert(row)
        .on_conflict(OnConflict::column(worker::Column::Id).update_column(worker::Column::LastSeenAt).to_owned())
        .exec_without_returning(&*tx)
        .await?;
    tx.commit().await?;
    Ok(())
}

/// Hands jobs to a worker's slots. The first slot to find nothing in hand claims for every
/// slot idle at that moment, in one transaction; the others take theirs from the hand. Only
/// waiting slots are counted, so no claimed job sits long enough to approach its lease.
#[derive(Default)]
struct Claimer {
    hand: tokio::sync::Mutex<VecDeque<ClaimedJob>>,
    idle: AtomicUsize,
}

impl Claimer {
    async fn next(&self, app: &App, cfg: &WorkerConfig) -> Result<Option<ClaimedJob>, AppError> {
        self.idle.fetch_add(1, Ordering::SeqCst);
        let mut hand = self.hand.lock().await;
        let next = match hand.pop_front() {
            Some(job) => Ok(Some(job)),
            None => {
                let n = self.idle.load(Ordering::SeqCst);
                queue::claim_many(app, &cfg.queue, &cfg.id, cfg.lease, n).await.map(|jobs| {
                    let mut jobs = VecDeque::from(jobs);
                    let first = jobs.pop_front();
                    hand.extend(jobs);
                    first
                })
            }
        };
        self.idle.fetch_sub(1, Ordering::SeqCst);
        next
    }

    /// Gives back what no slot took (the slots stopped first).
    async fn release_all(&self, app: &App) {
        for job in self.hand.lock().await.drain(..) {
            if let Err(e) = queue::release(app, &job).await {
                tracing::warn!(job = job.id, error = %e, "could not give an unstarted job back; its lease will expire");
            }
        }
    }
}

/// Runs a worker until `stop` fires, a restart is requested, or (`--once`) the queue is empty.
pub async fn run_worker(
    app: App,
    registry: Registry,
    cfg: WorkerConfig,
    stop: CancellationToken,
) -> Result<WorkerExit, AppError> {
    let started = db_now(app.clock.as_ref());
    register(&app, &cfg, started).await?;
    tracing::info!(worker = %cfg.id, queue = %cfg.queue, concurrency = cfg.concurrency, "worker started");
    let restart = Arc::new(AtomicBool::new(false));
    let drained = Arc::new(AtomicBool::new(false));
    let slots_done = CancellationToken::new();
    let keeper = {
        let (app, cfg, stop, restart, done) =
            (app.clone(), cfg.clone(), stop.clone(), restart.clone(), slots_done.clone());
        tokio::spawn(async move {
            let mut n = 0u64;
            loop {
                if restart_requested(&app, started).await {
                    restart.store(true, Ordering::SeqCst);
                }
                let _ = register(&app, &cfg, started).await;
                if n.is_multiple_of(120) {
                    let _ = super::admin::prune_runs(&app).await;
                }
                n += 1;
                tokio::select! {
                    _ = tokio::time::sleep(Duration::from_secs(5).min(cfg.poll * 5)) => {}
                    _ = stop.cancelled() => break,
                    _ = done.cancelled() => break,
                }
            }
        })
    };
    let claimer = Arc::new(Claimer::default());
    let mut slots = Vec::new();
    for _ in 0..cfg.concurrency.max(1) {
        let (app, registry, cfg, stop, restart, drained, claimer) = (
            app.clone(),
            registry.clone(),
            cfg.clone(),
            stop.clone(),
            restart.clone(),
            drained.clone(),
            claimer.clone(),
        );
        slots.push(tokio::spawn(async move {
            loop {
                if stop.is_cancelled() || restart.load(Ordering::SeqCst) {
                    return Ok::<(), AppError>(());
                }
                match claimer.next(&app, &cfg).await {
                    Ok(Some(job)) if stop.is_cancelled() || restart.load(Ordering::SeqCst) => {
                        // Claimed for this slot while the stop arrived: not started, so given back.
                        let _ = queue::release(&app, &job).await;
                        return Ok(());
                    }
                    Ok(Some(job)) => {
                        if let Err(e) = execute(&app, &registry, &cfg, job, &stop).await {
                            tracing::error!(error = %e, "recording a job's result failed; its lease will expire");
                            if pause(cfg.poll, &stop).await {
                                return Ok(());
                            }
                        }
                    }
                    Ok(None) if cfg.once => {
                        drained.store(true, Ordering::SeqCst);
                        return Ok(());
                    }
                    Ok(None) => {
                        if pause(cfg.poll, &stop).await {
                            return Ok(());
                        }
                    }
                    Err(e) => {
                        tracing::warn!(error = %e, "claiming failed; retrying");
                        if pause(cfg.poll.max(Duration::from_secs(1)), &stop).await {
                            return Ok(());
                        }
                    }
                }
            }
        }));
    }
    for s in slots {
        match s.await {
            Ok(Ok(())) => {}
            Ok(Err(e)) => tracing::error!(error = %e, "worker slot failed"),
            Err(e) => tracing::error!(error = %e, "worker slot panicked"),
        }
    }
    slots_done.cancel();
    let _ = keeper.await;
    claimer.release_all(&app).await;
    let _ = worker::Entity::delete_by_id(cfg.id.clone()).exec(app.db.conn()).await;
    let exit = if restart.load(Ordering::SeqCst) {
        WorkerExit::Restarted
    } else if drained.load(Ordering::SeqCst) && !stop.is_cancelled() {
        WorkerExit::Drained
    } else {
        WorkerExit::Stopped
    };
    tracing::info!(worker = %cfg.id, ?exit, "worker stopped");
    Ok(exit)
}

/// Runs every job that is due now, one after the other, and returns how many ran (tests and
/// `--once` use it; time moves through the app's clock, so retries wait for the clock).
pub async fn run_pending(app: &App, registry: &Registry) -> Result<usize, AppError> {
    let mut cfg = WorkerConfig::new(3, Duration::from_secs(300), None).map_err(AppError::Internal)?;
    cfg.concurrency = 1;
    let stop = CancellationToken::new();
    let mut n = 0;
    while let Some(job) = queue::claim(app, &cfg.queue, &cfg.id, cfg.lease).await? {
        execute(app, registry, &cfg, job, &stop).await?;
        n += 1;
    }
    Ok(n)
}
