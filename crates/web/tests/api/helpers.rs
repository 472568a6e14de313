//! `spawn_app`: the real application on port 0 with a fresh database.
//!
//! The backend comes from `TEST_DATABASE_URL` (a server URL whose database is used only
//! to create a fresh database per test); without it, a temporary SQLite file.

use invoicepilot_app::App;
use invoicepilot_app::clock::{Clock, FixedClock};
use invoicepilot_domain::Role;
use invoicepilot_store::{ConnectSettings, DatabaseUrl, Db};
use invoicepilot_web::{AppState, WebConfig};
use rand::RngCore;
use reqwest::header::{CONTENT_TYPE, HeaderMap, HeaderValue};
use serde_json::{Value, json};
use std::sync::Arc;

/// A running app and a client for it.
pub struct TestApp {
    pub address: String,
    pub client: reqwest::Client,
    pub token: String,
    pub company_id: i64,
    pub app: App,
    pub clock: Arc<FixedClock>,
    /// The database the app uses, for a second instance or a raw connection.
    pub db_url: DatabaseUrl,
    _tmp: Option<TempDir>,
}

/// A temporary folder removed on drop.
pub struct TempDir(pub std::path::PathBuf);

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn random_suffix() -> String {
    let mut b = [0u8; 6];
    rand::rng().fill_bytes(&mut b);
    hex::encode(b)
}

/// Options of [`spawn_app_with`].
pub struct Options {
    pub rate_limit: u32,
    pub now: &'static str,
    pub app_url: Option<&'static str>,
    pub app_config: Option<invoicepilot_app::config::AppConfig>,
    /// Believe `X-Forwarded-For` from 127.0.0.1, as behind nginx.
    pub behind_proxy: bool,
}

impl Default for Options {
    fn default() -> Self {
        Options { rate_limit: 0, now: "2026-11-30T01:00:00Z", app_url: None, app_config: None, behind_proxy: false }
    }
}

/// Settings that send mail to a local sink on `port` (retries after 30 s ± 20%).
pub fn mail_to(port: u16) -> invoicepilot_app::config::AppConfig {
    invoicepilot_app::config::AppConfig {
        app_url: Some("https://keiri.example.jp".into()),
        mail: Some(invoicepilot_app::config::MailConfig {
            host: "127.0.0.1".into(),
            port,
            username: None,
            password: None,
            encryption: invoicepilot_app::config::MailEncryption::None,
            from: "billing@example.jp".into(),
        }),
        ..Default::default()
    }
}

/// Everything every test's server logged (debug for our crates, sessions and HTTP), for the check that
/// logs never carry secrets. `TEST_LOG=1` prints to stderr instead.
pub static LOGS: std::sync::Mutex<Vec<u8>> = std::sync::Mutex::new(Vec::new());

struct LogSink;

impl std::io::Write for LogSink {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        LOGS.lock().unwrap_or_else(|e| e.into_inner()).extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

fn init_logs() {
    if std::env::var("TEST_LOG").is_ok() {
        let _ = tracing_subscriber::fmt().with_env_filter("info,sqlx=warn").with_test_writer().try_init();
    } else {
        let _ = tracing_subscriber::fmt()
            .with_env_filter("info,invoicepilot_web=debug,invoicepilot_app=debug,tower_http=debug,axum_login=debug,tower_sessions=debug,tower_sessions_core=debug")
            .with_ansi(false)
            .with_writer(|| LogSink)
            .try_init();
    }
}

/// The captured log text so far.
pub fn captured_logs() -> String {
    String::from_utf8_lossy(&LOGS.lock().unwrap_or_else(|e| e.into_inner())).into_owned()
}

/// Creates a fresh database on the server of `base`, returning its URL.
pub async fn fresh_server_database(base: &str) -> String {
    invoicepilot_app::devtools::database::fresh_server_database(base)
        .await
        .unwrap_or_else(|e| panic!("TEST_DATABASE_URL: {e}"))
}

/// Which backend the suite runs on, for messages.
pub fn backend_name() -> String {
    std::env::var("TEST_DATABASE_URL")
        .ok()
        .and_then(|u| u.split(':').next().map(str::to_owned))
        .unwrap_or("sqlite".into())
}

/// The URL of a fresh, empty database of the suite's backend (not yet migrated).
pub async fn fresh_db_url() -> (DatabaseUrl, Option<TempDir>) {
    match std::env::var("TEST_DATABASE_URL").ok().filter(|s| !s.is_empty()) {
        Some(base) => (DatabaseUrl::parse(&fresh_server_database(&base).await).expect("url"), None),
        None => fresh_sqlite_url(),
    }
}

/// The URL of a fresh SQLite file in a temporary folder.
pub fn fresh_sqlite_url() -> (DatabaseUrl, Option<TempDir>) {
    let dir = std::env::temp_dir().join(format!("invoicepilot-test-{}", random_suffix()));
    (DatabaseUrl::Sqlite(dir.join("test.db")), Some(TempDir(dir)))
}

/// Connects to `url` and migrates it.
pub async fn open_db(url: &DatabaseUrl) -> Db {
    open_db_with(url, ConnectSettings { max_connections: 20, ..Default::default() }).await
}

/// Connects to `url` with `settings` and migrates it.
pub async fn open_db_with(url: &DatabaseUrl, settings: ConnectSettings) -> Db {
    let db = Db::connect(url, &settings).await.expect("connect test database");
    db.migrate().await.expect("migrate")
}

/// A database ready for use: migrated, empty.
pub async fn fresh_db() -> (Db, Option<TempDir>) {
    let (url, tmp) = fresh_db_url().await;
    (open_db(&url).await, tmp)
}

/// Starts the app with default options.
pub async fn spawn_app() -> TestApp {
    spawn_app_with(Options::default()).await
}

/// Starts the app: fresh database, one company, an owner with a token.
pub async fn spawn_app_with(opts: Options) -> TestApp {
    init_logs();
    let (db_url, tmp) = fresh_db_url().await;
    let db = open_db(&db_url).await;
    let clock = Arc::new(FixedClock::new(opts.now.parse().expect("now")));
    let mut app = App::with_clock(db, clock.clone() as Arc<dyn Clock>);
    if let Some(cfg) = opts.app_config {
        app = app.with_config(cfg);
    }
    let company =
        invoicepilot_app::company::create(&app, "株式会社テスト", Some("T7120001168421")).await.expect("company");
    let company_id = company.model.id;
    let token = new_token(&app, company_id, Role::Owner, "owner").await;
    let address = serve_instance_with(
        &app,
        WebConfig {
            api_rate_limit: opts.rate_limit,
            storage_path: std::env::temp_dir(),
            app_url: opts.app_url.map(str::to_owned),
            trusted_proxies: if opts.behind_proxy { vec![[127, 0, 0, 1].into()] } else { vec![] },
            body_deadline: invoicepilot_web::DEFAULT_BODY_DEADLINE,
        },
    )
    .await;
    TestApp {
        address,
        client: reqwest::Client::builder().pool_max_idle_per_host(64).build().expect("client"),
        token,
        company_id,
        app,
        clock,
        db_url,
        _tmp: tmp,
    }
}

/// Serves `app` on a new port (another instance when `app` has its own connection); returns
/// its address.
pub async fn serve_instance(app: &App, rate_limit: u32, app_url: Option<&str>) -> String {
    let config = WebConfig {
        api_rate_limit: rate_limit,
        storage_path: std::env::temp_dir(),
        app_url: app_url.map(str::to_owned),
        trusted_proxies: vec![],
        body_deadline: invoicepilot_web::DEFAULT_BODY_DEADLINE,
    };
    serve_instance_with(app, config).await
}

/// Serves `app` with `config` on a new port; returns its address.
pub async fn serve_instance_with(app: &App, config: WebConfig) -> String {
    let state = AppState::new(app.clone(), config);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let address = format!("http://{}", listener.local_addr().expect("addr"));
    tokio::spawn(invoicepilot_web::serve(listener, state, std::future::pending()));
    address
}

/// A user with `role` in `company_id` and a token for it.
pub async fn new_token(app: &App, company_id: i64, role: Role, who: &str) -> String {
    let email = format!("{who}-{}@example.com", random_suffix());
    invoicepilot_app::accounts::create_user(app, &email, "correct horse battery staple", company_id, role)
        .await
        .expect("user");
    invoicepilot_app::accounts::create_token(app, &email, Some(company_id), "test").await.expect("token")
}

/// A response, read.
#[derive(Debug)]
pub struct Resp {
    pub status: u16,
    pub headers: HeaderMap,
    pub body: Value,
}

impl Resp {
    /// The ETag version.
    pub fn etag(&self) -> Option<String> {
        self.headers.get("etag").and_then(|v| v.to_str().ok()).map(str::to_owned)
    }
}

impl TestApp {
    /// Another instance serving `app` (its own connection pool), with this app's owner token
    /// (tokens are restored with a backup, so this works on a restored database too).
    pub async fn instance_on(&self, app: &App) -> TestApp {
        TestApp {
            address: serve_instance(app, 0, None).await,
            client: self.client.clone(),
            token: self.token.clone(),
            company_id: self.company_id,
            app: app.clone(),
            clock: self.clock.clone(),
            db_url: self.db_url.clone(),
            _tmp: None,
        }
    }

    /// Runs every job that is due now (time moves only through `clock`).
    pub async fn drain(&self) -> usize {
        invoicepilot_app::jobs::run_pending(&self.app, &invoicepilot_app::jobs::Registry::standard())
            .await
            .expect("jobs")
    }

    /// Sends a request with the owner's token.
    pub async fn req(&self, method: &str, path: &str, body: Option<Value>, headers: &[(&str, &str)]) -> Resp {
        self.req_as(&self.token, method, path, body, headers).await
    }

    /// Sends a request with a given token.
    pub async fn req_as(
        &self,
        token: &str,
        method: &str,
        path: &str,
        body: Option<Value>,
        headers: &[(&str, &str)],
    ) -> Resp {
        let mut rb =
            self.client.request(method.parse().expect("method"), format!("{}{path}", self.address)).bearer_auth(token);
        for (k, v) in headers {
            rb = rb.header(*k, *v);
        }
        if let Some(b) = body {
            rb = rb.header(CONTENT_TYPE, HeaderValue::from_static("application/json")).body(b.to_string());
        }
        read(rb.send().await.expect("request")).await
    }

    /// Sends raw bytes as a JSON body.
    pub async fn raw(&self, method: &str, path: &str, bytes: Vec<u8>, content_type: Option<&str>) -> Resp {
        let mut rb = self
            .client
            .request(method.parse().expect("method"), format!("{}{path}", self.address))
            .bearer_auth(&self.token);
        if let Some(ct) = content_type {
            rb = rb.header(CONTENT_TYPE, ct);
        }
        read(rb.body(bytes).send().await.expect("request")).await
    }

    pub async fn get(&self, path: &str) -> Resp {
        self.req("GET", path, None, &[]).await
    }

    pub async fn post(&self, path: &str, body: Value) -> Resp {
        self.req("POST", path, Some(body), &[]).await
    }

    /// Creates a customer and returns its id.
    pub async fn customer(&self, name: &str) -> i64 {
        let r = self.post("/api/v1/customers", json!({"name": name, "name_kana": "テスト"})).await;
        assert_eq!(r.status, 201, "{:?}", r.body);
        r.body["id"].as_i64().expect("id")
    }

    /// Creates a 5-line draft (10% and 8%) and returns it.
    pub async fn draft(&self, customer_id: i64, issue_date: &str) -> Value {
        let r = self.post("/api/v1/invoices", worked_example(customer_id, issue_date)).await;
        assert_eq!(r.status, 201, "{:?}", r.body);
        r.body
    }

    /// Creates and issues the worked example; returns the issued invoice.
    pub async fn issued(&self, customer_id: i64, issue_date: &str) -> Value {
        let d = self.draft(customer_id, issue_date).await;
        let r = self.req("POST", &format!("/api/v1/invoices/{}/issue", d["id"]), None, &[]).await;
        assert_eq!(r.status, 200, "{:?}", r.body);
        r.body
    }
}

async fn read(resp: reqwest::Response) -> Resp {
    let status = resp.status().as_u16();
    let headers = resp.headers().clone();
    let bytes = resp.bytes().await.expect("body");
    let body = if bytes.is_empty() {
        Value::Null
    } else {
        serde_json::from_slice(&bytes).unwrap_or(Value::String(String::from_utf8_lossy(&bytes).into()))
    };
    Resp { status, headers, body }
}

/// japan-rules.md §1.4: three 10% lines and two 8% lines.
pub fn worked_example(customer_id: i64, issue_date: &str) -> Value {
    json!({
        "customer_id": customer_id,
        "issue_date": issue_date,
        "lines": [
            {"description": "Webサイト保守（月額）", "quantity": "1", "unit": "式", "unit_price": 12345, "tax_rate": "10"},
            {"description": "デザイン修正", "quantity": "3", "unit": "時間", "unit_price": 2263, "tax_rate": "10"},
            {"description": "サーバー費用", "quantity": "1", "unit": "月", "unit_price": 2555, "tax_rate": "10"},
            {"description": "菓子詰め合わせ", "quantity": "1", "unit": "箱", "unit_price": 4321, "tax_rate": "8"},
            {"description": "コーヒー豆 200g", "quantity": "1", "unit": "袋", "unit_price": 1999, "tax_rate": "8"}
        ]
    })
}

/// Asserts a problem+json body with a status.
pub fn assert_problem(r: &Resp, status: u16) {
    assert_eq!(r.status, status, "body: {:?}", r.body);
    let ct = r.headers.get("content-type").and_then(|v| v.to_str().ok()).unwrap_or("");
    assert_eq!(ct, "application/problem+json", "content type for {status}");
    for f in ["type", "title", "status", "detail"] {
        assert!(r.body.get(f).is_some(), "problem body lacks {f}: {:?}", r.body);
    }
    assert_eq!(r.body["status"], status);
}
