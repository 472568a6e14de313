//! E-mail: every message is a `deliveries` row plus a `mail.send` job inserted in the same
//! transaction; the worker composes it (Japanese text and HTML, the invoice PDF attached),
//! sends it over SMTP with a Message-ID stable for the delivery, and records the outcome.
//! SMTP 4xx replies and broken connections are retried; 5xx fail at once.

mod compose;
mod delivery;
mod invoice;

pub use delivery::Recipients;
pub(crate) use delivery::create as create_delivery;
pub use delivery::{DeliveryView, delivery_of};
pub(crate) use delivery::{FAILED as DELIVERY_FAILED, SENT as DELIVERY_SENT};
pub use invoice::{SendAccepted, SendInput, send_invoice};
pub(crate) use invoice::{queue as queue_invoice_mail, recipients as invoice_recipients};

use crate::App;
use crate::config::{MailConfig, MailEncryption};
use crate::error::AppError;
use crate::jobs::{ClaimedJob, Job, JobError, RetryPolicy};
use invoicepilot_store::WriteTx;
use lettre::message::Mailbox;
use lettre::transport::smtp::PoolConfig;
use lettre::transport::smtp::authentication::Credentials;
use lettre::{AsyncSmtpTransport, AsyncTransport, Tokio1Executor};
use std::time::Duration;

/// The job type of every e-mail.
pub const SEND_MAIL: &str = "mail.send";
/// Attempts of a send (the first one included).
pub const MAIL_TRIES: u32 = 8;
/// The longest wait between two attempts.
pub const MAIL_RETRY_CAP: Duration = Duration::from_secs(3600);

/// What a delivery is for.
pub mod purpose {
    /// An invoice with its PDF.
    pub const INVOICE: &str = "invoice";
    /// A dunning reminder.
    pub const REMINDER: &str = "reminder";
    /// A password-reset link.
    pub const PASSWORD_RESET: &str = "password_reset";
}

/// A ready SMTP transport and the sender.
pub(crate) struct Transport {
    smtp: AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
}

fn build(cfg: &MailConfig) -> Result<Transport, String> {
    let from: Mailbox = cfg.from.parse().map_err(|e| format!("MAIL_FROM {:?} is not an address: {e}", cfg.from))?;
    let builder = match cfg.encryption {
        MailEncryption::None => AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(&cfg.host),
        MailEncryption::StartTls => AsyncSmtpTransport::<Tokio1Executor>::starttls_relay(&cfg.host)
            .map_err(|e| format!("MAIL_HOST {}: {e}", cfg.host))?,
        MailEncryption::Tls => AsyncSmtpTransport::<Tokio1Executor>::relay(&cfg.host)
            .map_err(|e| format!("MAIL_HOST {}: {e}", cfg.host))?,
    };
    let mut builder = builder
        .port(cfg.port)
        .timeout(Some(Duration::from_secs(30)))
        .pool_config(PoolConfig::new().max_size(4).idle_timeout(Duration::from_secs(30)));
    if let (Some(u), Some(p)) = (&cfg.username, &cfg.password) {
        builder = builder.credentials(Credentials::new(u.clone(), p.clone()));
    }
    Ok(Transport { smtp: builder.build(), from })
}

/// Connects to the SMTP server, says EHLO (and STARTTLS / AUTH when configured) and quits,
/// sending nothing (`invoicepilot doctor`).
pub async fn probe(cfg: &MailConfig) -> Result<(), String> {
    let t = build(cfg)?;
    match tokio::time::timeout(Duration::from_secs(15), t.smtp.test_connection()).await {
        Ok(Ok(true)) => Ok(()),
        Ok(Ok(false)) => Err(format!("{}:{} did not accept the connection", cfg.host, cfg.port)),
        Ok(Err(e)) => Err(format!("{}:{}: {}", cfg.host, cfg.port, describe(&e))),
        Err(_) => Err(format!("{}:{} did not answer within 15 s", cfg.host, cfg.port)),
    }
}

impl App {
    /// The SMTP transport, or why there is none.
    pub(crate) fn transport(&self) -> Result<&Transport, JobError> {
        let t = self.smtp.get_or_init(|| match &self.config.mail {
            Some(cfg) => build(cfg),
            None => Err("no mail transport is configured (set MAIL_HOST and MAIL_FROM)".into()),
        });
        t.as_ref().map_err(|e| JobError::Transient(e.clone()))
    }
}

/// The SMTP reply as people quote it (`550 5.1.1 mailbox unavailable`), or what broke.
pub fn describe(e: &lettre::transport::smtp::Error) -> String {
    let detail = std::error::Error::source(e).map(|s| s.to_string()).unwrap_or_default();
    match e.status() {
        Some(code) => format!("{code} {detail}").trim().to_owned(),
        None => e.to_string(),
    }
}

/// 5xx: permanent. 4xx, refused or dropped connections, timeouts: worth another try (a
/// connection lost after DATA may have delivered; the same Message-ID marks the repeat).
pub fn classify(e: &lettre::transport::smtp::Error) -> JobError {
    if e.is_permanent() { JobError::Permanent(describe(e)) } else { JobError::Transient(describe(e)) }
}

/// `mail.send {delivery_id}`.
pub struct SendMailJob;

#[async_trait::async_trait]
impl Job for SendMailJob {
    fn job_type(&self) -> &'static str {
        SEND_MAIL
    }

    fn policy(&self, app: &App) -> Option<RetryPolicy> {
        Some(RetryPolicy { tries: MAIL_TRIES, base: app.config.mail_retry_base, cap: MAIL_RETRY_CAP })
    }

    async fn run(&self, app: &App, job: &ClaimedJob) -> Result<(), JobError> {
        let id = job.payload["delivery_id"]
            .as_i64()
            .ok_or_else(|| JobError::Permanent("payload without delivery_id".into()))?;
        let d = delivery::load(app, id).await?;
        if d.status == delivery::SENT {
            // An earlier attempt got through and recorded it; nothing to repeat.
            return Ok(());
        }
        let transport = app.transport()?;
        let message = compose::message(app, &d, job, &transport.from).await?;
        let result = transport.smtp.send(message).await;
        match result {
            // Recorded by `on_done`, in the transaction that completes the job.
            Ok(_) => Ok(()),
            Err(e) => {
                let err = classify(&e);
                delivery::note_attempt(app, &d, err.message()).await;
                Err(err)
            }
        }
    }

    async fn on_done(&self, app: &App, job: &ClaimedJob, tx: &WriteTx) -> Result<(), AppError> {
        match job.payload["delivery_id"].as_i64() {
            Some(id) => delivery::record_sent(app, tx, id).await,
            None => Ok(()),
        }
    }

    async fn on_failed(&self, app: &App, job: &ClaimedJob, error: &str) {
        if let Some(id) = job.payload["delivery_id"].as_i64() {
            delivery::mark_failed(app, id, error).await;
        }
        if job.payload.get("token").is_some() {
            // A reset link must not outlive its mail in the failed list.
            delivery::scrub_failed_payload(app, job.id).await;
        }
        crate::alerts::notify(app, &format!("E-mail delivery failed for good (job {}): {error}", job.id)).await;
    }
}
