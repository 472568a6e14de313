//! Issue-invoice benchmark: HTTP through the real server against the raw SQL transaction.

use anyhow::{Context, bail};
use clap::Parser;
use invoicepilot_app::App;
use invoicepilot_domain::Role;
use invoicepilot_store::{ConnectSettings, DatabaseUrl, Db};
use invoicepilot_web::{AppState, WebConfig};
use rand::RngCore;
use serde_json::json;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// Measures invoices/s and latency of issuing through HTTP, and the raw SQL limit.
#[derive(Debug, Parser)]
struct Args {
    /// sqlite, postgres or mysql.
    #[arg(long, default_value = "sqlite")]
    backend: String,
    /// Server URL for postgres/mysql (a fresh database is created on it).
    #[arg(long)]
    url: Option<String>,
    /// Concurrent clients.
    #[arg(long, default_value_t = 16)]
    clients: usize,
    /// Seconds per phase.
    #[arg(long, default_value_t = 10)]
    seconds: u64,
}

fn suffix() -> String {
    let mut b = [0u8; 4];
    rand::rng().fill_bytes(&mut b);
    hex::encode(b)
}

async fn fresh_database(args: &Args) -> anyhow::Result<(DatabaseUrl, Option<std::path::PathBuf>)> {
    use sea_orm::{ConnectionTrait, Database};
    match args.backend.as_str() {
        "sqlite" => {
            let dir = std::env::temp_dir().join(format!("invoicepilot-bench-{}", suffix()));
            Ok((DatabaseUrl::Sqlite(dir.join("bench.db")), Some(dir)))
        }
        "postgres" | "mysql" => {
            let base = args.url.clone().context("--url is required for postgres and mysql")?;
            let name = format!("ipbench_{}", suffix());
            let admin = Database::connect(&base).await?;
            let create = if args.backend == "mysql" {
                format!("CREATE DATABASE {name} CHARACTER SET utf8mb4 COLLATE utf8mb4_bin")
            } else {
                format!("CREATE DATABASE {name}")
            };
            admin.execute_unprepared(&create).await?;
            let cut = base.rfind('/').context("URL without database")?;
            Ok((DatabaseUrl::parse(&format!("{}/{name}", &base[..cut])).map_err(anyhow::Error::msg)?, None))
        }
        other => bail!("unknown backend {other}"),
    }
}

fn percentile(sorted: &[Duration], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let idx = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[idx].as_secs_f64() * 1000.0
}

fn draft_body(customer: i64) -> serde_json::Value {
    json!({"customer_id": customer, "issue_date": "2026-11-30", "lines": [
        {"description": "Webサイト保守", "quantity": "1", "unit": "式", "unit_price": 12345, "tax_rate": "10"},
        {"description": "デザイン修正", "quantity": "3", "unit": "時間", "unit_price": 2263, "tax_rate": "10"},
        {"description": "サーバー費用", "quantity": "1", "unit": "月", "unit_price": 2555, "tax_rate": "10"},
        {"description": "菓子詰め合わせ", "quantity": "1", "unit": "箱", "unit_price": 4321, "tax_rate": "8"},
        {"description": "コーヒー豆", "quantity": "1", "unit": "袋", "unit_price": 1999, "tax_rate": "8"}]})
}

struct HttpResult {
    issued: usize,
    pair: Vec<Duration>,
    issue: Vec<Duration>,
}

async fn http_phase(
    address: &str,
    token: &str,
    customer: i64,
    clients: usize,
    secs: u64,
) -> anyhow::Result<HttpResult> {
    let client = reqwest::Client::builder().pool_max_idle_per_host(clients * 2).build()?;
    let deadline = Instant::now() + Duration::from_secs(secs);
    let mut tasks = Vec::new();
    for _ in 0..clients {
        let (client, address, token) = (client.clone(), address.to_owned(), token.to_owned());
        tasks.push(tokio::spawn(async move {
            let mut pair = Vec::new();
            let mut issue = Vec::new();
            while Instant::now() < deadline {
                let t0 = Instant::now();
                let d: serde_json::Value = client
                    .post(format!("{address}/api/v1/invoices"))
                    .bearer_auth(&token)
                    .json(&draft_body(customer))
                    .send()
                    .await?
                    .error_for_status()?
                    .json()
                    .await?;
                let t1 = Instant::now();
                client
                    .post(format!("{address}/api/v1/invoices/{}/issue", d["id"]))
                    .bearer_auth(&token)
                    .send()
                    .await?
                    .error_for_status()?;
                issue.push(t1.elapsed());
                pair.push(t0.elapsed());
            }
            anyhow::Ok((pair, issue))
        }));
    }
    let mut result = HttpResult { issued: 0, pair: Vec::new(), issue: Vec::new() };
    for t in tasks {
        let (p, i) = t.await??;
        result.issued += p.len();
        result.pair.extend(p);
        result.issue.extend(i);
    }
    result.pair.sort();
    result.issue.sort();
    Ok(result)
}

/// The same writes the HTTP path makes for one invoice, written directly against one sqlx
/// pool: the draft's transaction (invoice, five lines, audit row), then the issue's (counter,
/// invoice, audit row). `$begin` opens a write transaction; `$ph` spells placeholder n.
macro_rules! raw_issue {
    ($lock:expr, $begin:expr, $ph:expr, $company:expr, $seq:expr, $id_mode:ident) => {{
        let p: fn(usize) -> String = $ph;
        // The draft.
        let invoice_id = {
        let _guard = $lock;
        let mut tx = $begin;
        let sql = format!(
            "INSERT INTO invoices (company_id, customer_id, status, issue_date, due_date, currency, prices_include_tax, \
             withholding, subtotal, tax_total, total, withholding_tax, amount_due, amount_paid, balance, tax_breakdown, \
             customer_name, version, created_at, updated_at) \
             VALUES ({}, {}, 'draft', '2026-11-30', '2026-12-31', 'JPY', {}, {}, 28009, 2673, 30682, 0, \
             30682, 0, 30682, '[]', 'bench', 1, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)",
            p(1), p(2), p(3), p(4)
        );
        let sql = format!("{sql}{}", raw_issue!(@suffix $id_mode));
        let q = sqlx::query(sqlx::AssertSqlSafe(sql)).bind($company).bind(1_i64).bind(false).bind(false);
        let invoice_id: i64 = raw_issue!(@id $id_mode, q, tx);
        let rows: Vec<String> = (0..5)
            .map(|i| format!("({}, {}, {i}, 'line', 10000, '式', 1000, '10', 1000)", p(1 + i * 2), p(2 + i * 2)))
            .collect();
        let sql = format!(
            "INSERT INTO invoice_lines (company_id, invoice_id, position, description, quantity_scaled, unit, unit_price, tax_rate, amount) VALUES {}",
            rows.join(", ")
        );
        let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
        for _ in 0..5 {
            q = q.bind($company).bind(invoice_id);
        }
        q.execute(&mut *tx).await?;
        raw_issue!(@audit tx, p, $company, -2 * $seq, invoice_id, "invoice.created");
        tx.commit().await?;
        invoice_id
        };
        // The issue.
        let _guard = $lock;
        let mut tx = $begin;
        let sql = format!("UPDATE number_counters SET next_value = next_value + 1 WHERE company_id = {} AND series = 'R' AND period = '2026'", p(1));
        sqlx::query(sqlx::AssertSqlSafe(sql)).bind($company).execute(&mut *tx).await?;
        let sql = format!(
            "UPDATE invoices SET status = 'issued', number = {}, number_series = 'R', number_period = '2026', number_seq = {}, \
             version = 2, issued_at = CURRENT_TIMESTAMP, updated_at = CURRENT_TIMESTAMP WHERE id = {}",
            p(1), p(2), p(3)
        );
        sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(format!("R-2026-{:08}", $seq))
            .bind($seq)
            .bind(invoice_id)
            .execute(&mut *tx)
            .await?;
        raw_issue!(@audit tx, p, $company, -2 * $seq - 1, invoice_id, "invoice.issued");
        tx.commit().await?;
        anyhow::Ok(())
    }};
    (@audit $tx:ident, $p:ident, $company:expr, $seq:expr, $target:expr, $action:literal) => {{
        let sql = format!(
            "INSERT INTO audit_logs (company_id, seq, at, actor, action, target_type, target_id, changes, request_id, prev_hash, hash) \
             VALUES ({}, {}, CURRENT_TIMESTAMP, 'bench', '{}', 'invoice', {}, '{{}}', NULL, 'x', 'y')",
            $p(1), $p(2), $action, $p(3)
        );
        sqlx::query(sqlx::AssertSqlSafe(sql)).bind($company).bind($seq).bind($target).execute(&mut *$tx).await?;
    }};
    (@suffix returning) => {
        " RETURNING id"
    };
    (@suffix last_insert_id) => {
        ""
    };
    (@id returning, $q:expr, $tx:expr) => {{
        use sqlx::Row;
        $q.fetch_one(&mut *$tx).await?.try_get::<i64, _>(0)?
    }};
    (@id last_insert_id, $q:expr, $tx:expr) => { $q.execute(&mut *$tx).await?.last_insert_id() as i64 };
}

async fn raw_phase(db: &Db, company: i64, clients: usize, secs: u64) -> anyhow::Result<usize> {
    use sea_orm::ConnectionTrait;
    db.conn()
        .execute_unprepared(&format!(
            "INSERT INTO number_counters (company_id, series, period, next_value, updated_at) VALUES ({company}, 'R', '2026', 1, CURRENT_TIMESTAMP)"
        ))
        .await?;
    let counter = Arc::new(std::sync::atomic::AtomicI64::new(1));
    let sqlite_writer = Arc::new(tokio::sync::Mutex::new(()));
    let deadline = Instant::now() + Duration::from_secs(secs);
    let mut tasks = Vec::new();
    for _ in 0..clients {
        let db = db.clone();
        let counter = counter.clone();
        let sqlite_writer = sqlite_writer.clone();
        tasks.push(tokio::spawn(async move {
            let mut n = 0usize;
            while Instant::now() < deadline {
                let seq = counter.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                match db.backend() {
                    invoicepilot_store::Backend::Sqlite => {
                        // The app's discipline: one writer at a time, BEGIN IMMEDIATE.
                        let pool = db.conn().get_sqlite_connection_pool();
                        raw_issue!(
                            sqlite_writer.lock().await,
                            pool.begin_with("BEGIN IMMEDIATE").await?,
                            |_| "?".to_string(),
                            company,
                            seq,
                            returning
                        )?;
                    }
                    invoicepilot_store::Backend::Postgres => {
                        let pool = db.conn().get_postgres_connection_pool();
                        raw_issue!((), pool.begin().await?, |i| format!("${i}"), company, seq, returning)?;
                    }
                    invoicepilot_store::Backend::MySql => {
                        let pool = db.conn().get_mysql_connection_pool();
                        raw_issue!((), pool.begin().await?, |_| "?".to_string(), company, seq, last_insert_id)?;
                    }
                }
                n += 1;
            }
            anyhow::Ok(n)
        }));
    }
    let mut total = 0;
    for t in tasks {
        total += t.await??;
    }
    Ok(total)
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let (url, tmp) = fresh_database(&args).await?;
    let db =
        Db::connect(&url, &ConnectSettings { max_connections: (args.clients as u32 + 4).max(8), ..Default::default() })
            .await?;
    let db = db.migrate().await?;
    let app = App::new(db.clone());
    let company =
        invoicepilot_app::company::create(&app, "ベンチ株式会社", None).await.map_err(|e| anyhow::anyhow!("{e}"))?;
    let cid = company.model.id;
    invoicepilot_app::accounts::create_user(&app, "bench@example.com", "benchmark password", cid, Role::Owner)
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    let token = invoicepilot_app::accounts::create_token(&app, "bench@example.com", Some(cid), "bench")
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    let customer = invoicepilot_app::customers::create(
        &app,
        &invoicepilot_app::Ctx::system(cid),
        invoicepilot_app::customers::CustomerInput { name: Some("取引先".into()), ..Default::default() },
    )
    .await
    .map_err(|e| anyhow::anyhow!("{e}"))?;
    let state = AppState::new(
        app,
        WebConfig {
            api_rate_limit: 0,
            storage_path: std::env::temp_dir(),
            app_url: None,
            trusted_proxies: vec![],
            body_deadline: invoicepilot_web::DEFAULT_BODY_DEADLINE,
        },
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let address = format!("http://{}", listener.local_addr()?);
    tokio::spawn(invoicepilot_web::serve(listener, state, std::future::pending()));

    println!("backend: {}  clients: {}  seconds per phase: {}", args.backend, args.clients, args.seconds);
    let http = http_phase(&address, &token, customer.id, args.clients, args.seconds).await?;
    let http_rate = http.issued as f64 / args.seconds as f64;
    println!(
        "http:  {:>8.1} invoices/s  create+issue p50 {:>6.1} ms  p99 {:>6.1} ms  issue p50 {:>6.1} ms  p99 {:>6.1} ms  ({} issued)",
        http_rate,
        percentile(&http.pair, 0.50),
        percentile(&http.pair, 0.99),
        percentile(&http.issue, 0.50),
        percentile(&http.issue, 0.99),
        http.issued
    );
    let raw = raw_phase(&db, cid, args.clients, args.seconds).await?;
    let raw_rate = raw as f64 / args.seconds as f64;
    println!("raw:   {:>8.1} invoices/s (the same two write transactions, sqlx directly)", raw_rate);
    println!("ratio: {:.2}", http_rate / raw_rate.max(f64::MIN_POSITIVE));
    if let Some(dir) = tmp {
        let _ = std::fs::remove_dir_all(dir);
    }
    Ok(())
}
