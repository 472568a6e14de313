//! Headless Chromium through chromedriver (Debian `chromium` + `chromium-driver`), one
//! browser per test, and small helpers for driving pages and saving screenshots.
//!
//! Without chromedriver the tests skip with a loud message locally and fail under `CI=true`.

use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::json;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

const CHROMEDRIVER: &str = "/usr/bin/chromedriver";
const CHROMIUM: &str = "/usr/bin/chromium";

/// A browser session; the driver process is killed on drop.
pub struct Browser {
    pub client: Client,
    pub base: String,
    shots: PathBuf,
    shot_no: std::cell::Cell<u32>,
    driver: Child,
    _profile: TempProfile,
}

struct TempProfile(PathBuf);

impl Drop for TempProfile {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        // chromedriver and the Chromium it started share a process group: end them all, also
        // when a failing test never reached `close`.
        let pgid = self.driver.id() as i32;
        // SAFETY: kill(2) with a negative pid signals the process group we created.
        unsafe {
            libc::kill(-pgid, libc::SIGKILL);
        }
        let _ = self.driver.wait();
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()).map(|a| a.port()).expect("free port")
}

/// Starts chromedriver and a headless Chromium for `base`; `None` (after a loud message)
/// when the browser is not installed and this is not CI.
pub async fn browser(base: &str, test: &str) -> Option<Browser> {
    if !Path::new(CHROMEDRIVER).exists() || !Path::new(CHROMIUM).exists() {
        if std::env::var("CI").is_ok_and(|v| v == "true") {
            panic!("browser tests are mandatory in CI but {CHROMEDRIVER} or {CHROMIUM} is missing");
        }
        eprintln!(
            "\n==================== SKIPPING browser test {test} ====================\n\
             {CHROMEDRIVER} or {CHROMIUM} is missing (apt-get install chromium chromium-driver).\n\
             CI runs these tests and fails without them.\n\
             ======================================================================\n"
        );
        return None;
    }
    let port = free_port();
    let driver = Command::new(CHROMEDRIVER)
        .process_group(0)
        .arg(format!("--port={port}"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start chromedriver");
    let url = format!("http://127.0.0.1:{port}");
    for _ in 0..100 {
        if tokio::net::TcpStream::connect(("127.0.0.1", port)).await.is_ok() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let profile = std::env::temp_dir().join(format!("invoicepilot-chromium-{port}"));
    let args = vec![
        "--headless=new".to_owned(),
        "--no-sandbox".into(),
        "--disable-gpu".into(),
        "--disable-dev-shm-usage".into(),
        "--disable-background-networking".into(),
        "--disable-component-update".into(),
        "--disable-sync".into(),
        "--disable-quic".into(),
        "--no-first-run".into(),
        "--lang=ja-JP".into(),
        "--window-size=1280,1100".into(),
        format!("--user-data-dir={}", profile.display()),
    ];
    let mut caps = serde_json::Map::new();
    caps.insert("goog:chromeOptions".into(), json!({"binary": CHROMIUM, "args": args}));
    caps.insert("pageLoadStrategy".into(), json!("normal"));
    let client = ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new())
        .capabilities(caps)
        .connect(&url)
        .await
        .expect("connect to chromedriver");
    let shots = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("browser-screenshots").join(test);
    let _ = std::fs::remove_dir_all(&shots);
    std::fs::create_dir_all(&shots).expect("screenshot folder");
    Some(Browser {
        client,
        base: base.to_owned(),
        shots,
        shot_no: std::cell::Cell::new(0),
        driver,
        _profile: TempProfile(profile),
    })
}

impl Browser {
    /// Opens a path of the app.
    pub async fn open(&self, path: &str) {
        self.client.goto(&format!("{}{path}", self.base)).await.unwrap_or_else(|e| panic!("open {path}: {e}"));
    }

    /// Signs in through the login form.
    pub async fn login(&self, email: &str, password: &str) {
        self.open("/login").await;
        self.fill("input[name=email]", email).await;
        self.fill("input[name=password]", password).await;
        self.click("form[action='/login'] button[type=submit]").await;
        self.wait_for_path("/").await;
    }

    /// The element for a CSS selector (waiting for it to appear).
    pub async fn el(&self, css: &str) -> fantoccini::elements::Element {
        match tokio::time::timeout(Duration::from_secs(10), self.client.wait().for_element(Locator::Css(css))).await {
            Ok(Ok(e)) => e,
            other => panic!("no element {css} on {}: {other:?}", self.url().await),
        }
    }

    /// Clears an input and types `text`.
    pub async fn fill(&self, css: &str, text: &str) {
        let e = self.el(css).await;
        e.clear().await.expect("clear");
        e.send_keys(text).await.expect("type");
    }

    /// Clicks an element.
    pub async fn click(&self, css: &str) {
        self.el(css).await.click().await.unwrap_or_else(|e| panic!("click {css}: {e}"));
    }

    /// Chooses an option by value.
    pub async fn select(&self, css: &str, value: &str) {
        self.el(css).await.select_by_value(value).await.unwrap_or_else(|e| panic!("select {css}={value}: {e}"));
    }

    /// The visible text of an element (found again if a navigation replaced it).
    pub async fn text(&self, css: &str) -> String {
        for _ in 0..50 {
            if let Ok(t) = self.el(css).await.text().await {
                return t;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("the text of {css} could not be read on {}", self.url().await)
    }

    /// The current URL.
    pub async fn url(&self) -> String {
        self.client.current_url().await.map(|u| u.to_string()).unwrap_or_default()
    }

    /// Waits until the page's path (without query) is `path`.
    pub async fn wait_for_path(&self, path: &str) {
        for _ in 0..100 {
            if let Ok(u) = self.client.current_url().await
                && u.path() == path
            {
                return;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("expected to arrive at {path}, still at {}", self.url().await);
    }

    /// Waits until the page's URL holds `needle` (a submitted GET form has arrived).
    pub async fn wait_for_url(&self, needle: &str) {
        for _ in 0..100 {
            if self.url().await.contains(needle) {
                return;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("expected a URL with {needle}, still at {}", self.url().await);
    }

    /// Waits until `css` has text containing `needle` (live updates).
    pub async fn wait_for_text(&self, css: &str, needle: &str) -> String {
        let mut last = String::new();
        for _ in 0..100 {
            if let Ok(e) = self.client.find(Locator::Css(css)).await
                && let Ok(t) = e.text().await
            {
                if t.contains(needle) {
                    return t;
                }
                last = t;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("{css} never showed {needle:?}; last text: {last:?}");
    }

    /// Saves a PNG of the viewport as `NN-name.png` under the test's screenshot folder.
    pub async fn screenshot(&self, name: &str) {
        let n = self.shot_no.get() + 1;
        self.shot_no.set(n);
        let png = self.client.screenshot().await.expect("screenshot");
        let path = self.shots.join(format!("{n:02}-{name}.png"));
        std::fs::write(&path, png).expect("write screenshot");
        eprintln!("screenshot: {}", path.display());
    }

    /// True when a JavaScript dialog (alert, confirm, prompt) is open.
    pub async fn dialog_open(&self) -> bool {
        self.client.get_alert_text().await.is_ok()
    }

    /// The session cookie as a `Cookie` header value, for fetching what a link offers.
    pub async fn cookie_header(&self) -> String {
        self.client
            .get_all_cookies()
            .await
            .expect("cookies")
            .iter()
            .map(|c| format!("{}={}", c.name(), c.value()))
            .collect::<Vec<_>>()
            .join("; ")
    }

    /// Ends the session.
    pub async fn close(self) {
        let _ = self.client.clone().close().await;
    }
}
