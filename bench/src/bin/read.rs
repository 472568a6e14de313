//! Read-path benchmark at scale: seeds one company with `--invoices` invoices (the
//! `dev seed` generator, timed), then measures through the application layer the invoice
//! list (first and deep keyset pages), every combination of the 電帳法 search filters
//! (issue date range, amount range, customer), the dashboard and the dunning scan; prints
//! p50/p95 of each.

use clap::Parser;
use invoicepilot_app::devtools::seed::{SeedOptions, seed};
use invoicepilot_app::invoices::{self, InvoiceFilter};
use invoicepilot_app::pagination::PageRequest;
use invoicepilot_app::{App, Ctx, dashboard, dunning};
use invoicepilot_store::{ConnectSettings, DatabaseUrl, Db};
use std::time::{Duration, Instant};

/// Seeds and measures one backend.
#[derive(Debug, Parser)]
struct Args {
    /// Invoices to seed.
    #[arg(long, default_value_t = 1_000_000)]
    invoices: usize,
    /// Customers to seed.
    #[arg(long, default_value_t = 2_000)]
    customers: usize,
    /// Runs of each measured query.
    #[arg(long, default_value_t = 200)]
    runs: usize,
    /// A PostgreSQL or MySQL server URL (a fresh database is created on it); default: a
    /// fresh SQLite file.
    #[arg(long)]
    url: Option<String>,
}

fn err(e: impl std::fmt::Display) -> anyhow::Error {
    anyhow::anyhow!("{e}")
}

/// p50 and p95 of `runs` calls of `f`.
async fn measure<F, Fut>(runs: usize, mut f: F) -> anyhow::Result<(Duration, Duration)>
where
    F: FnMut(usize) -> Fut,
    Fut: std::future::Future<Output = anyhow::Result<()>>,
{
    f(0).await?; // warm the caches once
    let mut times = Vec::with_capacity(runs);
    for i in 0..runs {
        let t = Instant::now();
        f(i).await?;
        times.push(t.elapsed());
    }
    times.sort();
    Ok((times[times.len() / 2], times[(times.len() * 95 / 100).min(times.len() - 1)]))
}

fn row(name: &str, (p50, p95): (Duration, Duration), target_ms: f64) {
    let ok = if p95.as_secs_f64() * 1000.0 <= target_ms { "ok" } else { "OVER" };
    println!(
        "{name:<44} p50 {:>8.2} ms  p95 {:>8.2} ms  (target p95 ≤ {target_ms} ms: {ok})",
        p50.as_secs_f64() * 1000.0,
        p95.as_secs_f64() * 1000.0
    );
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let dir = std::env::temp_dir().join(format!("invoicepilot-readbench-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir)?;
    let server_db = match &args.url {
        Some(base) => Some(invoicepilot_app::devtools::database::fresh_server_database(base).await.map_err(err)?),
        None => None,
    };
    let url = match &server_db {
        Some(u) => DatabaseUrl::parse(u).map_err(err)?,
        None => DatabaseUrl::Sqlite(dir.join("read.db")),
    };
    let db = Db::connect(&url, &ConnectSettings::default()).await?;
    let app = App::new(db.migrate().await?);
    println!("backend: {}", app.db.server_version().await.unwrap_or_else(|_| "?".into()));
    let company = invoicepilot_app::company::create(&app, "ベンチ株式会社", None).await.map_err(err)?;
    let ctx = Ctx::system(company.model.id);

    let opts = SeedOptions {
        company_id: company.model.id,
        customers: args.customers,
        invoices: args.invoices,
        seed: 42,
        environment: None,
    };
    let summary = seed(&app, &opts, &|_, _| {}).await.map_err(err)?;
    println!(
        "seeded {} invoices, {} payments, {} credit notes, {} audit rows in {:.1} s: {:.0} invoices/s",
        summary.invoices,
        summary.payments,
        summary.credit_notes,
        summary.audit_rows,
        summary.seconds,
        summary.invoices_per_second
    );

    let today = invoicepilot_app::company::today(&app, ctx.company_id).await.map_err(err)?;
    let page = |limit: u64| PageRequest { limit, before_id: None };
    let list = |f: InvoiceFilter, p: PageRequest| {
        let (app, ctx) = (&app, &ctx);
        async move {
            invoices::list(app, ctx, f, p).await.map_err(err)?;
            Ok(())
        }
    };
    row("list, first page (50)", measure(args.runs, |_| list(InvoiceFilter::default(), page(50))).await?, 10.0);
    // Deep pages: start from ids spread over the table (keyset, so depth costs nothing).
    let n = args.invoices as i64;
    row(
        "list, deep keyset pages (50)",
        measure(args.runs, |i| {
            let before = 1 + (i as i64 * 7919) % n.max(1);
            list(InvoiceFilter::default(), PageRequest { limit: 50, before_id: Some(before) })
        })
        .await?,
        10.0,
    );
    let customers = args.customers.max(1) as i64;
    let filters = |mask: u8, i: usize| {
        // A month-long window, a band of amounts and one customer, moving with `i`.
        let from = today - chrono::Days::new(30 + (i as u64 * 13) % 600);
        let mut f = InvoiceFilter::default();
        if mask & 1 != 0 {
            f.issue_date_from = Some(from.to_string());
            f.issue_date_to = Some((from + chrono::Days::new(30)).to_string());
        }
        if mask & 2 != 0 {
            let lo = 50_000 + (i as i64 * 7_001) % 400_000;
            (f.total_min, f.total_max) = (Some(lo), Some(lo + 20_000));
        }
        if mask & 4 != 0 {
            f.customer_id = Some(1 + (i as i64 * 31) % customers);
        }
        f
    };
    for mask in 1u8..8 {
        let mut name = String::from("search:");
        for (bit, label) in [(1, " date"), (2, " amount"), (4, " customer")] {
            if mask & bit != 0 {
                name.push_str(label);
            }
        }
        row(&name, measure(args.runs, |i| list(filters(mask, i), page(50))).await?, 10.0);
    }
    row(
        "dashboard (aging, overdue, month sales)",
        measure(args.runs.min(20), |_| async {
            dashboard::load(&app, &ctx).await.map_err(err)?;
            Ok(())
        })
        .await?,
        300.0,
    );
    row(
        "dunning scan (reminders due today)",
        measure(args.runs.min(5), |_| async {
            dunning::due_reminders(&app, ctx.company_id, today).await.map_err(err)?;
            Ok(())
        })
        .await?,
        2000.0,
    );
    app.db.close().await;
    if let (Some(base), Some(u)) = (&args.url, &server_db) {
        invoicepilot_app::devtools::database::drop_server_database(base, u).await.map_err(err)?;
    }
    let _ = std::fs::remove_dir_all(&dir);
    Ok(())
}
