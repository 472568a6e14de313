//! Mail benchmark: enqueue invoice e-mails (PDF attached) and deliver them to a local SMTP
//! sink with 1 and then 2 in-process workers; prints mails/s for each.
//!
//! The PDFs are rendered and stored before the clock starts (at issue they are a job of
//! their own), and the mails go to a small set of invoices, so the figure is the mail
//! pipeline: claim, compose, SMTP, record.

use anyhow::Context;
use clap::Parser;
use invoicepilot_app::devtools::SmtpSink;
use invoicepilot_app::jobs::{Registry, WorkerConfig, run_worker};
use invoicepilot_app::{App, Ctx, customers, documents, invoices, mail};
use invoicepilot_store::entity::job;
use invoicepilot_store::{ConnectSettings, DatabaseUrl, Db};
use sea_orm::{EntityTrait, PaginatorTrait};
use std::time::{Duration, Instant};
use tokio_util::sync::CancellationToken;

/// Delivers `--mails` invoice e-mails with 1 and 2 workers.
#[derive(Debug, Parser)]
struct Args {
    /// Mails per run.
    #[arg(long, default_value_t = 10_000)]
    mails: usize,
    /// Distinct invoices the mails are for.
    #[arg(long, default_value_t = 100)]
    invoices: usize,
    /// Jobs each worker runs at once.
    #[arg(long, default_value_t = 4)]
    concurrency: usize,
    /// A PostgreSQL or MySQL server URL (a fresh database is created on it per run);
    /// default: a fresh SQLite file.
    #[arg(long)]
    url: Option<String>,
}

/// A fresh database for one run: on the server of `--url`, or an SQLite file in `dir`.
async fn fresh(args: &Args, dir: &std::path::Path) -> anyhow::Result<Db> {
    let url = match &args.url {
        Some(base) => {
            let url =
                invoicepilot_app::devtools::database::fresh_server_database(base).await.map_err(anyhow::Error::msg)?;
            DatabaseUrl::parse(&url).map_err(anyhow::Error::msg)?
        }
        None => DatabaseUrl::Sqlite(dir.join("bench.db")),
    };
    Ok(Db::connect(&url, &ConnectSettings::default()).await?)
}

async fn run(args: &Args, workers: usize, sink: &SmtpSink) -> anyhow::Result<f64> {
    let dir = std::env::temp_dir().join(format!("invoicepilot-mailbench-{}-{workers}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let db = fresh(args, &dir).await?;
    let cfg = invoicepilot_app::config::AppConfig {
        mail: Some(invoicepilot_app::config::MailConfig {
            host: "127.0.0.1".into(),
            port: sink.port,
            username: None,
            password: None,
            encryption: invoicepilot_app::config::MailEncryption::None,
            from: "billing@example.jp".into(),
        }),
        ..Default::default()
    };
    let app = App::new(db.migrate().await?).with_config(cfg);
    let company =
        invoicepilot_app::company::create(&app, "ベンチ株式会社", None).await.map_err(|e| anyhow::anyhow!("{e}"))?;
    let ctx = Ctx::system(company.model.id);
    let c = customers::create(
        &app,
        &ctx,
        customers::CustomerInput {
            name: Some("株式会社青山商事".into()),
            email: Some("keiri@aoyama.example.jp".into()),
            ..Default::default()
        },
    )
    .await
    .map_err(|e| anyhow::anyhow!("{e}"))?;
    let mut ids = Vec::new();
    for i in 0..args.invoices {
        let input = invoices::InvoiceInput {
            customer_id: Some(c.id),
            issue_date: Some("2026-11-30".into()),
            lines: Some(vec![invoices::LineInputDto {
                description: Some(format!("保守 {i}")),
                quantity: Some(invoices::QuantityValue::Text("1".into())),
                unit: Some("式".into()),
                unit_price: Some(10_000 + i as i64),
                tax_rate: Some("10".into()),
                amount: None,
            }]),
            ..Default::default()
        };
        let d = invoices::create_draft(&app, &ctx, input).await.map_err(|e| anyhow::anyhow!("{e}"))?;
        invoices::issue(&app, &ctx, d.id, None).await.map_err(|e| anyhow::anyhow!("{e}"))?;
        documents::store_invoice_pdf(&app, ctx.company_id, d.id).await.map_err(|e| anyhow::anyhow!("{e}"))?;
        ids.push(d.id);
    }
    // Only the mail jobs remain.
    job::Entity::delete_many().exec(app.db.conn()).await?;
    for i in 0..args.mails {
        mail::send_invoice(&app, &ctx, ids[i % ids.len()], Default::default())
            .await
            .map_err(|e| anyhow::anyhow!("{e}"))?;
    }
    let before = sink.count();
    let start = Instant::now();
    let mut handles = Vec::new();
    for _ in 0..workers {
        let mut wc = WorkerConfig::new(3, Duration::from_secs(60), None).map_err(anyhow::Error::msg)?;
        wc.concurrency = args.concurrency;
        wc.once = true;
        wc.poll = Duration::from_millis(20);
        handles.push(tokio::spawn(run_worker(app.clone(), Registry::standard(), wc, CancellationToken::new())));
    }
    for h in handles {
        h.await?.map_err(|e| anyhow::anyhow!("{e}"))?;
    }
    let secs = start.elapsed().as_secs_f64();
    let left = job::Entity::find().count(app.db.conn()).await?;
    let delivered = sink.count() - before;
    anyhow::ensure!(left == 0 && delivered >= args.mails, "{left} jobs left, {delivered} delivered");
    let _ = std::fs::remove_dir_all(&dir);
    Ok(args.mails as f64 / secs)
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let sink = SmtpSink::start().await.context("SMTP sink")?;
    sink.keep_headers_only();
    let backend = args.url.as_deref().and_then(|u| u.split(':').next()).unwrap_or("SQLite (synchronous=FULL)");
    println!(
        "mails: {} to {} invoices, concurrency {} per worker, {backend}",
        args.mails, args.invoices, args.concurrency
    );
    for workers in [1, 2] {
        let rate = run(&args, workers, &sink).await?;
        println!("workers: {workers}  mails/s: {rate:.1}");
    }
    Ok(())
}
