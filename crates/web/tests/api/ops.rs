//! Operations on the running system: backup under load and restore into every backend,
//! refused and failed restores, maintenance mode across instances, the integrity check,
//! metrics and system alerts.

use crate::helpers::*;
use invoicepilot_app::App;
use invoicepilot_app::backup::{self, Quiet};
use invoicepilot_app::restore;
use invoicepilot_store::backup::{Reader, Writer};
use invoicepilot_store::{ConnectSettings, DatabaseUrl};
use sea_orm::{ConnectionTrait, Statement};
use serde_json::{Value, json};
use std::collections::BTreeSet;
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

fn scratch(name: &str) -> TempDir {
    let dir = std::env::temp_dir().join(format!("invoicepilot-ops-{name}-{}", rand::random::<u64>()));
    std::fs::create_dir_all(&dir).unwrap();
    TempDir(dir)
}

/// Issued numbers in the database of `app`.
async fn numbers(app: &App) -> BTreeSet<String> {
    let rows = app
        .db
        .conn()
        .query_all_raw(Statement::from_string(
            app.db.db_backend(),
            "SELECT number FROM invoices WHERE number IS NOT NULL",
        ))
        .await
        .unwrap();
    rows.into_iter().map(|r| r.try_get::<String>("", "number").unwrap()).collect()
}

async fn exec(app: &App, sql: &str) {
    app.db.conn().execute_unprepared(sql).await.unwrap_or_else(|e| panic!("{sql}: {e}"));
}

/// Issues invoices from `clients` tasks until `stop`; every acknowledged number is recorded
/// together with whether it was acknowledged before `mark` was set.
async fn issue_until(
    t: Arc<TestApp>,
    customer: i64,
    clients: usize,
    mark: Arc<AtomicBool>,
    stop: Arc<AtomicBool>,
) -> Vec<(String, bool)> {
    let tasks = (0..clients).map(|i| {
        let (t, mark, stop) = (t.clone(), mark.clone(), stop.clone());
        tokio::spawn(async move {
            let mut acked = Vec::new();
            let mut n = 0;
            while !stop.load(Ordering::SeqCst) {
                let d = t.post("/api/v1/invoices", worked_example(customer, "2026-11-30")).await;
                assert_eq!(d.status, 201, "{:?}", d.body);
                let r = t.req("POST", &format!("/api/v1/invoices/{}/issue", d.body["id"]), None, &[]).await;
                assert_eq!(r.status, 200, "{:?}", r.body);
                // Read the mark after the answer: "before" means acknowledged before the backup began.
                let before = !mark.load(Ordering::SeqCst);
                acked.push((r.body["number"].as_str().unwrap().to_owned(), before));
                n += 1;
                if n % 4 == i % 4 {
                    let p = t
                        .post(
                            "/api/v1/payments",
                            json!({"customer_id": customer, "amount": 1000, "received_on": "2026-11-30", "method": "bank_transfer"}),
                        )
                        .await;
                    assert_eq!(p.status, 201, "{:?}", p.body);
                }
            }
            acked
        })
    });
    futures::future::join_all(tasks).await.into_iter().flat_map(|r| r.unwrap()).collect()
}

/// Restores `file` into a fresh database at `url` and checks what a business relies on.
async fn restore_into(url: &DatabaseUrl, file: &Path, t: &TestApp, must_have: &BTreeSet<String>, label: &str) -> App {
    let target = App::new(open_db(url).await);
    let work = scratch("target");
    let report = restore::restore(&target, file, &work.0, &Quiet).await.unwrap_or_else(|e| panic!("{label}: {e}"));
    assert_eq!(report.check.violations, vec![], "{label}: the restored data passes check");
    assert!(report.missing_invoices.is_empty(), "{label}: an empty target had no invoices to lose");
    let restored = numbers(&target).await;
    let lost: Vec<_> = must_have.difference(&restored).take(5).collect();
    assert!(lost.is_empty(), "{label}: acknowledged before the backup but not restored: {lost:?}");
    // Numbering continues after the backup's last number, never reusing one.
    let other = t.instance_on(&target).await;
    let c = other.customer("復元後の顧客").await;
    let issued = other.issued(c, "2026-12-01").await;
    let number = issued["number"].as_str().unwrap().to_owned();
    assert!(!restored.contains(&number), "{label}: {number} was issued again");
    let highest = restored.iter().max().unwrap();
    assert!(number > *highest, "{label}: {number} continues after {highest}");
    eprintln!("[{label}] {} rows restored, next number {number}", report.rows);
    target
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn backup_under_write_load_restores_into_this_and_another_backend() {
    let t = Arc::new(spawn_app().await);
    let c = t.customer("株式会社青山商事").await;
    let (mark, stop) = (Arc::new(AtomicBool::new(false)), Arc::new(AtomicBool::new(false)));
    let load = tokio::spawn(issue_until(t.clone(), c, 4, mark.clone(), stop.clone()));
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let dir = scratch("source");
    mark.store(true, Ordering::SeqCst);
    let done = backup::take(&t.app, &dir.0, "backup", &Quiet).await.expect("backup under load");
    tokio::time::sleep(Duration::from_millis(300)).await;
    stop.store(true, Ordering::SeqCst);
    let acked = load.await.unwrap();
    let before: BTreeSet<String> = acked.iter().filter(|(_, b)| *b).map(|(n, _)| n.clone()).collect();
    assert!(before.len() >= 4, "the load ran before the backup ({} invoices)", before.len());
    assert!(acked.len() > before.len(), "the load went on while the backup ran");
    let name = done.path.file_name().unwrap().to_string_lossy().into_owned();
    assert!(name.starts_with("backup_") && name.ends_with(".ipbk"), "{name}");
    let invoices = done.manifest.parts.iter().find(|p| p.table == "invoices").unwrap().rows;
    assert!(invoices as usize >= before.len(), "the manifest counts the rows");

    // Into a fresh database of this backend, and into SQLite.
    let (same, _a) = fresh_db_url().await;
    restore_into(&same, &done.path, &t, &before, &backend_name()).await;
    let (sqlite, _b) = fresh_sqlite_url();
    let from_sqlite = restore_into(&sqlite, &done.path, &t, &before, "sqlite").await;
    // And back from SQLite into this backend: the path of a business that outgrows one machine.
    let second = backup::take(&from_sqlite, &dir.0, "backup", &Quiet).await.unwrap();
    assert_eq!(second.manifest.source_backend, "sqlite");
    let (back, _c) = fresh_db_url().await;
    restore_into(&back, &second.path, &t, &before, &format!("sqlite→{}", backend_name())).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn restore_in_place_keeps_counters_lists_missing_invoices_and_reaches_other_instances() {
    let t = spawn_app().await;
    let c = t.customer("A").await;
    for _ in 0..3 {
        t.issued(c, "2026-11-30").await;
    }
    let dir = scratch("inplace");
    let done = backup::take(&t.app, &dir.0, "backup", &Quiet).await.unwrap();
    t.issued(c, "2026-11-30").await;
    t.issued(c, "2026-11-30").await;
    // A second instance with its own connection pool on the same database.
    let other_app = App::new(open_db(&t.db_url).await);
    let other = t.instance_on(&other_app).await;
    assert_eq!(other.get("/api/v1/invoices").await.body["items"].as_array().unwrap().len(), 5);

    let report = restore::restore(&t.app, &done.path, &dir.0, &Quiet).await.expect("restore");
    assert_eq!(
        report.missing_invoices,
        vec![format!("{}:I-2026-0004", t.company_id), format!("{}:I-2026-0005", t.company_id)]
    );
    assert_eq!(report.kept_counters.len(), 1);
    assert_eq!((report.kept_counters[0].backup_next, report.kept_counters[0].kept_next), (4, 6));
    assert_eq!(report.check.violations, vec![], "the kept range is explained, not a gap");
    let safety = report.safety_backup.file_name().unwrap().to_string_lossy().into_owned();
    assert!(safety.starts_with("pre-restore_"), "{safety}");
    let safety_rows = Reader::open_verified(&report.safety_backup).unwrap().manifest;
    assert_eq!(safety_rows.parts.iter().find(|p| p.table == "invoices").unwrap().rows, 5, "the replaced data is kept");

    // Maintenance is off again and the other instance serves the restored data at once.
    tokio::time::sleep(Duration::from_millis(1100)).await;
    let list = other.get("/api/v1/invoices").await;
    assert_eq!(list.status, 200, "{:?}", list.body);
    assert_eq!(list.body["items"].as_array().unwrap().len(), 3);
    let next = other.issued(c, "2026-12-01").await;
    assert_eq!(next["number"], "I-2026-0006", "numbers 4 and 5 stay used");
    let audit = t.get("/api/v1/audit-logs?target_type=company").await;
    let actions: Vec<&str> =
        audit.body["items"].as_array().unwrap().iter().filter_map(|e| e["action"].as_str()).collect();
    assert!(actions.contains(&"backup.restored"), "{actions:?}");
}

#[tokio::test]
async fn damaged_backups_are_refused_before_anything_changes() {
    let t = spawn_app().await;
    let c = t.customer("A").await;
    t.issued(c, "2026-11-30").await;
    let dir = scratch("damaged");
    let done = backup::take(&t.app, &dir.0, "backup", &Quiet).await.unwrap();
    let bytes = std::fs::read(&done.path).unwrap();
    t.issued(c, "2026-11-30").await;

    let flipped = dir.0.join("flipped.ipbk");
    let mut f = bytes.clone();
    let at = f.len() - 2048; // inside the last table's compressed part
    f[at] ^= 0x01;
    std::fs::write(&flipped, &f).unwrap();
    let truncated = dir.0.join("truncated.ipbk");
    std::fs::write(&truncated, &bytes[..bytes.len() * 2 / 3]).unwrap();
    let not_a_backup = dir.0.join("notes.ipbk");
    std::fs::write(&not_a_backup, "just text").unwrap();

    for file in [&flipped, &truncated, &not_a_backup] {
        let err = restore::restore(&t.app, file, &dir.0, &Quiet).await.expect_err("refused").to_string();
        assert!(err.contains("damaged or incomplete"), "{}: {err}", file.display());
        assert!(err.contains("nothing was changed"), "{err}");
    }
    let files: Vec<String> =
        std::fs::read_dir(&dir.0).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect();
    assert!(!files.iter().any(|f| f.starts_with("pre-restore_")), "no safety backup was even needed: {files:?}");
    assert!(invoicepilot_app::maintenance::current(&t.app).await.unwrap().is_none(), "maintenance never went on");
    assert_eq!(numbers(&t.app).await.len(), 2, "the data is untouched");
}

/// A backup whose every checksum is right but whose rows cannot all be inserted (the last
/// table's first row repeated): the restore fails midway and must leave the database as it was.
fn poisoned_copy(src: &Path, dst: &Path) {
    let reader = Reader::open_verified(src).unwrap();
    let manifest = reader.manifest.clone();
    let work = dst.with_extension("work");
    let mut writer = Writer::new(&work).unwrap();
    let mut parts: Vec<(String, Vec<Value>)> = manifest.parts.iter().map(|p| (p.table.clone(), vec![])).collect();
    reader
        .rows(|table, row| {
            parts.iter_mut().find(|(t, _)| t == table).unwrap().1.push(row);
            Ok(())
        })
        .unwrap();
    let victim = parts.iter().rposition(|(_, rows)| !rows.is_empty()).unwrap();
    let dup = parts[victim].1[0].clone();
    parts[victim].1.push(dup);
    for (table, rows) in parts {
        let mut p = writer.part(&table).unwrap();
        for r in &rows {
            p.row(r).unwrap();
        }
        writer.close(p).unwrap();
    }
    writer.finish(dst, &manifest.source_backend, manifest.schema.clone(), manifest.created_at.clone()).unwrap();
}

#[tokio::test]
async fn a_restore_that_fails_midway_leaves_the_previous_database() {
    let t = spawn_app().await;
    let c = t.customer("A").await;
    t.issued(c, "2026-11-30").await;
    let dir = scratch("midway");
    let done = backup::take(&t.app, &dir.0, "backup", &Quiet).await.unwrap();
    t.issued(c, "2026-11-30").await;
    t.post("/api/v1/customers", json!({"name": "後から追加"})).await;
    let before = numbers(&t.app).await;
    let poisoned = dir.0.join("poisoned.ipbk");
    poisoned_copy(&done.path, &poisoned);

    let err = restore::restore(&t.app, &poisoned, &dir.0, &Quiet).await.expect_err("must fail").to_string();
    assert!(err.contains("rolled back") && err.contains("unchanged"), "{err}");
    assert_eq!(numbers(&t.app).await, before, "both invoices are still there");
    let customers = t.get("/api/v1/customers").await;
    assert_eq!(customers.body["items"].as_array().unwrap().len(), 2, "{:?}", customers.body);
    let report = invoicepilot_app::check::run(&t.app).await.unwrap();
    assert_eq!(report.violations, vec![]);
    assert!(invoicepilot_app::maintenance::current(&t.app).await.unwrap().is_none(), "maintenance is off again");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn maintenance_mode_is_obeyed_by_every_instance_of_the_database() {
    let t = spawn_app().await;
    let other_app = App::new(open_db(&t.db_url).await);
    let other = t.instance_on(&other_app).await;
    assert_eq!(other.get("/api/v1/customers").await.status, 200);

    invoicepilot_app::maintenance::down(&t.app, 120, Some("10時に再開します <b>".into()), Some("open-sesame"))
        .await
        .unwrap();
    tokio::time::sleep(Duration::from_millis(1000)).await;
    for inst in [&t, &other] {
        let api = inst.get("/api/v1/customers").await;
        assert_problem(&api, 503);
        assert_eq!(api.headers["retry-after"], "120");
        let page = inst.client.get(format!("{}/login", inst.address)).send().await.unwrap();
        assert_eq!(page.status(), 503);
        assert_eq!(page.headers()["retry-after"], "120");
        let html = page.text().await.unwrap();
        assert!(html.contains("メンテナンス") && html.contains("10時に再開します &lt;b&gt;"), "{html}");
        let health = inst.client.get(format!("{}/health", inst.address)).send().await.unwrap();
        assert_eq!(health.status(), 200, "/health keeps answering");
    }

    // The bypass secret sets a cookie that lets a browser through; a wrong secret does not.
    let no_redirect = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
    let wrong = no_redirect.get(format!("{}/__maintenance/guess", other.address)).send().await.unwrap();
    assert_eq!(wrong.status(), 404);
    let ok = no_redirect.get(format!("{}/__maintenance/open-sesame", other.address)).send().await.unwrap();
    assert_eq!(ok.status(), 303);
    let cookie = ok.headers()["set-cookie"].to_str().unwrap().split(';').next().unwrap().to_owned();
    assert!(!cookie.contains("open-sesame"), "the cookie is not the secret: {cookie}");
    let through = no_redirect.get(format!("{}/login", t.address)).header("cookie", &cookie).send().await.unwrap();
    assert_eq!(through.status(), 200, "the cookie works on every instance");
    let forged = no_redirect
        .get(format!("{}/login", t.address))
        .header("cookie", "invoicepilot_bypass=open-sesame")
        .send()
        .await
        .unwrap();
    assert_eq!(forged.status(), 503);

    invoicepilot_app::maintenance::up(&t.app).await.unwrap();
    tokio::time::sleep(Duration::from_millis(1000)).await;
    for inst in [&t, &other] {
        assert_eq!(inst.get("/api/v1/customers").await.status, 200, "up reaches every instance within a second");
    }
}

/// The violations `check` names, as `kind target` strings.
async fn violations(app: &App) -> Vec<String> {
    let r = invoicepilot_app::check::run(app).await.unwrap();
    r.violations.iter().map(|v| format!("{} {}: {}", v.kind, v.target, v.detail)).collect()
}

#[tokio::test]
async fn check_names_tampered_rows() {
    let t = spawn_app().await;
    let c = t.customer("A").await;
    for _ in 0..4 {
        t.issued(c, "2026-11-30").await;
    }
    assert_eq!(violations(&t.app).await, Vec::<String>::new());

    // An audit row edited in the database.
    let rows: Vec<(i64, String)> = t
        .app
        .db
        .conn()
        .query_all_raw(Statement::from_string(t.app.db.db_backend(), "SELECT id, actor FROM audit_logs ORDER BY id"))
        .await
        .unwrap()
        .into_iter()
        .map(|r| (r.try_get::<i64>("", "id").unwrap(), r.try_get::<String>("", "actor").unwrap()))
        .collect();
    let (victim, actor) = rows[rows.len() / 2].clone();
    exec(&t.app, &format!("UPDATE audit_logs SET actor = 'mallory' WHERE id = {victim}")).await;
    let v = violations(&t.app).await;
    assert!(v.iter().any(|v| v.starts_with("audit_chain audit:")), "edited audit row: {v:?}");
    exec(&t.app, &format!("UPDATE audit_logs SET actor = '{actor}' WHERE id = {victim}")).await;
    assert_eq!(violations(&t.app).await, Vec::<String>::new(), "put back, the chain verifies again");

    // An audit row deleted.
    exec(&t.app, &format!("DELETE FROM audit_logs WHERE id = {}", rows[1].0)).await;
    let v = violations(&t.app).await;
    assert!(v.iter().any(|v| v.starts_with("audit_chain audit:")), "deleted audit row: {v:?}");

    // A line whose amount was changed.
    let t2 = spawn_app().await;
    let c2 = t2.customer("B").await;
    let inv = t2.issued(c2, "2026-11-30").await;
    exec(
        &t2.app,
        &format!("UPDATE invoice_lines SET amount = amount + 1 WHERE invoice_id = {} AND position = 0", inv["id"]),
    )
    .await;
    let v = violations(&t2.app).await;
    assert!(v.iter().any(|v| v.contains(&format!("invoice:{}", inv["id"]))), "changed line: {v:?}");

    // A duplicated number.
    let second = t2.issued(c2, "2026-11-30").await;
    exec(&t2.app, &format!("UPDATE invoices SET number_seq = 1 WHERE id = {}", second["id"])).await;
    let v = violations(&t2.app).await;
    assert!(v.iter().any(|v| v.starts_with("numbering I/2026") && v.contains("issued twice")), "duplicate: {v:?}");
}

#[tokio::test]
async fn metrics_expose_a_latency_histogram_and_the_operational_figures() {
    let t = spawn_app().await;
    let c = t.customer("A").await;
    t.issued(c, "2026-11-30").await;
    t.get("/api/v1/invoices").await;
    let text = t.client.get(format!("{}/metrics", t.address)).send().await.unwrap().text().await.unwrap();
    for needle in [
        "http_request_duration_seconds_bucket{",
        "route=\"/api/v1/invoices\"",
        "http_requests_total{",
        "invoicepilot_queue_jobs{state=\"pending\"}",
        "invoicepilot_failed_jobs ",
        "invoicepilot_queue_oldest_pending_seconds ",
        "invoicepilot_invoices_issued_total ",
        "invoicepilot_mails_sent_total ",
        "invoicepilot_mails_failed_total ",
        "invoicepilot_database_up 1",
        "invoicepilot_disk_used_ratio ",
        "process_resident_memory_bytes ",
        "process_cpu_seconds_total ",
    ] {
        assert!(text.contains(needle), "/metrics lacks {needle}:\n{text}");
    }
    assert!(!text.contains("quantile=\""), "a histogram, not a summary");
}

#[tokio::test]
async fn system_alerts_open_once_and_clear_once() {
    use invoicepilot_app::alerts::{SystemReading, check_system};
    let mut cfg = invoicepilot_app::config::AppConfig::default();
    cfg.alerts.disk_percent = 90.0;
    cfg.alerts.p95_ms = 500.0;
    let t = spawn_app_with(Options { app_config: Some(cfg), ..Default::default() }).await;
    let second = App::new(open_db(&t.db_url).await).with_config(t.app.config.as_ref().clone());
    let high = SystemReading { disk_percent: Some(95.0), p95_ms: Some(800.0), ..Default::default() };
    let posted = check_system(&t.app, &high).await.unwrap();
    assert_eq!(posted.len(), 2, "{posted:?}");
    assert!(posted[0].contains("disk") && posted[0].contains("95%"), "{posted:?}");
    assert!(check_system(&second, &high).await.unwrap().is_empty(), "another process does not post it again");
    assert!(check_system(&t.app, &high).await.unwrap().is_empty(), "once per incident");
    let ok = SystemReading { disk_percent: Some(40.0), p95_ms: Some(120.0), ..Default::default() };
    let cleared = check_system(&second, &ok).await.unwrap();
    assert_eq!(cleared.len(), 2);
    assert!(cleared.iter().all(|m| m.contains("cleared")), "{cleared:?}");
    assert!(check_system(&t.app, &ok).await.unwrap().is_empty());
}

/// A TCP proxy in front of the database server that can be cut (every connection dropped,
/// new ones refused) and restored, to stop "the database" without stopping the shared server.
struct CutProxy {
    port: u16,
    cut: Arc<AtomicBool>,
    conns: Arc<std::sync::Mutex<Vec<tokio::task::JoinHandle<()>>>>,
}

impl CutProxy {
    async fn start(upstream: String) -> CutProxy {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let cut = Arc::new(AtomicBool::new(false));
        let conns = Arc::new(std::sync::Mutex::new(Vec::new()));
        let (c, list) = (cut.clone(), conns.clone());
        tokio::spawn(async move {
            while let Ok((mut inbound, _)) = listener.accept().await {
                if c.load(Ordering::SeqCst) {
                    continue; // dropped: connection refused, as from a stopped server
                }
                let up = upstream.clone();
                let h = tokio::spawn(async move {
                    if let Ok(mut outbound) = tokio::net::TcpStream::connect(up).await {
                        let _ = tokio::io::copy_bidirectional(&mut inbound, &mut outbound).await;
                    }
                });
                list.lock().unwrap().push(h);
            }
        });
        CutProxy { port, cut, conns }
    }

    fn cut(&self) {
        self.cut.store(true, Ordering::SeqCst);
        for h in self.conns.lock().unwrap().drain(..) {
            h.abort();
        }
    }

    fn restore(&self) {
        self.cut.store(false, Ordering::SeqCst);
    }
}

/// Splits `scheme://user@host:port/db?q` around its `host:port`.
fn split_host(url: &DatabaseUrl) -> (String, String, String) {
    let raw = match url {
        DatabaseUrl::Postgres(u) | DatabaseUrl::MySql(u) => u.clone(),
        DatabaseUrl::Sqlite(_) => unreachable!("no server"),
    };
    let after_scheme = raw.find("://").unwrap() + 3;
    let host_start = raw[after_scheme..].find('@').map(|i| after_scheme + i + 1).unwrap_or(after_scheme);
    let host_end = raw[host_start..].find('/').map(|i| host_start + i).unwrap_or(raw.len());
    (raw[..host_start].to_owned(), raw[host_start..host_end].to_owned(), raw[host_end..].to_owned())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_stopped_database_gets_503_and_the_app_reconnects() {
    let t = spawn_app().await;
    if matches!(t.db_url, DatabaseUrl::Sqlite(_)) {
        eprintln!(
            "[sqlite] an embedded database cannot be stopped apart from the app; CI runs this on PostgreSQL and MariaDB"
        );
        return;
    }
    let c = t.customer("A").await;
    let (head, upstream, tail) = split_host(&t.db_url);
    let proxy = CutProxy::start(upstream).await;
    let proxied = DatabaseUrl::parse(&format!("{head}127.0.0.1:{}{tail}", proxy.port)).unwrap();
    let app = App::new(
        open_db_with(
            &proxied,
            ConnectSettings { max_connections: 8, acquire_timeout: Duration::from_secs(1), ..Default::default() },
        )
        .await,
    );
    let front = Arc::new(t.instance_on(&app).await);

    let stop = Arc::new(AtomicBool::new(false));
    let clients = (0..4).map(|_| {
        let (f, stop) = (front.clone(), stop.clone());
        tokio::spawn(async move {
            let (mut acked, mut unavailable, mut other) = (Vec::new(), 0, Vec::new());
            while !stop.load(Ordering::SeqCst) {
                let d = f.post("/api/v1/invoices", worked_example(c, "2026-11-30")).await;
                let r = if d.status == 201 {
                    f.req("POST", &format!("/api/v1/invoices/{}/issue", d.body["id"]), None, &[]).await
                } else {
                    d
                };
                match r.status {
                    200 => acked.push(r.body["number"].as_str().unwrap().to_owned()),
                    201 => {}
                    503 => {
                        assert_problem(&r, 503);
                        let text = r.body.to_string();
                        assert!(
                            !text.contains("sqlx") && !text.contains("panicked") && !text.contains("Error {"),
                            "{text}"
                        );
                        unavailable += 1;
                    }
                    s => other.push(format!("{s} {:?}", r.body)),
                }
                if r.status == 503 {
                    tokio::time::sleep(Duration::from_millis(100)).await;
                }
            }
            (acked, unavailable, other)
        })
    });
    let clients: Vec<_> = clients.collect();
    tokio::time::sleep(Duration::from_millis(1500)).await;
    proxy.cut();
    tokio::time::sleep(Duration::from_millis(3000)).await;
    let health = front.client.get(format!("{}/health", front.address)).send().await.unwrap();
    assert_eq!(health.status(), 503, "/health reports the database down");
    proxy.restore();
    tokio::time::sleep(Duration::from_millis(3000)).await;
    stop.store(true, Ordering::SeqCst);
    let (mut acked, mut unavailable, mut other) = (Vec::new(), 0, Vec::new());
    for h in clients {
        let (a, u, o) = h.await.unwrap();
        acked.extend(a);
        unavailable += u;
        other.extend(o);
    }
    assert!(other.is_empty(), "only 2xx or 503 while the database was away: {other:?}");
    assert!(unavailable > 0, "the outage was noticed");
    let after = front.get("/api/v1/customers").await;
    assert_eq!(after.status, 200, "reconnected: {:?}", after.body);
    let stored = numbers(&t.app).await;
    let missing: Vec<_> = acked.iter().filter(|n| !stored.contains(*n)).collect();
    assert!(missing.is_empty(), "acknowledged but missing: {missing:?}");
    assert_eq!(violations(&t.app).await, Vec::<String>::new(), "numbers stay gapless");
    eprintln!("[{}] {} issues acknowledged, {unavailable} answered 503 during the outage", backend_name(), acked.len());
}

#[tokio::test]
async fn the_scheduler_takes_the_nightly_backup_once_and_applies_retention() {
    let storage = scratch("scheduled");
    let backups = storage.0.join("backups");
    std::fs::create_dir_all(&backups).unwrap();
    // Nine older nightly backups, 11-24 … 12-02 (only their names matter to retention).
    for d in 24..=32 {
        let (m, day) = if d > 30 { (12, d - 30) } else { (11, d) };
        std::fs::write(backups.join(format!("backup_2026-{m:02}-{day:02}_03-00-00.ipbk")), "old").unwrap();
    }
    std::fs::write(backups.join("pre-restore_2026-10-01_10-00-00.ipbk"), "kept").unwrap();
    let cfg = invoicepilot_app::config::AppConfig {
        storage_path: storage.0.clone(),
        backup_schedule: Some("0 3 * * *".into()),
        backup_keep_daily: 7,
        backup_keep_weekly: 0,
        dunning_schedule: None,
        ..Default::default()
    };
    // 03:00:20 on 2026-12-04 in Tokyo.
    let t = spawn_app_with(Options { now: "2026-12-03T18:00:20Z", app_config: Some(cfg), ..Default::default() }).await;
    let second = App::with_clock(open_db(&t.db_url).await, t.clock.clone()).with_config(t.app.config.as_ref().clone());
    let (a, b) = tokio::join!(invoicepilot_app::scheduler::tick(&t.app), invoicepilot_app::scheduler::tick(&second));
    let taken = a.unwrap().into_iter().chain(b.unwrap()).filter(|s| s == "backup").count();
    assert_eq!(taken, 1, "two instances, one backup");
    t.drain().await;
    let mut names: Vec<String> =
        std::fs::read_dir(&backups).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect();
    names.sort();
    assert!(names.contains(&"backup_2026-12-04_03-00-20.ipbk".to_owned()), "{names:?}");
    let nightly = names.iter().filter(|n| n.starts_with("backup_")).count();
    assert_eq!(nightly, 7, "seven days kept: {names:?}");
    assert!(!names.contains(&"backup_2026-11-26_03-00-00.ipbk".to_owned()), "{names:?}");
    assert!(names.contains(&"pre-restore_2026-10-01_10-00-00.ipbk".to_owned()), "safety backups are never pruned");
    let made = Reader::open_verified(&backups.join("backup_2026-12-04_03-00-20.ipbk")).unwrap();
    assert_eq!(made.manifest.parts.iter().find(|p| p.table == "companies").unwrap().rows, 1);
}
