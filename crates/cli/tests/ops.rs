//! The operations commands as an operator runs them: backup, restore, down/up against a
//! running server, doctor, key generate, migrate with its backup, audit, db optimize, logs.

use invoicepilot_store::migration::{Migrator, MigratorTrait};
use invoicepilot_store::{ConnectSettings, DatabaseUrl, Db};
mod common;

use common::{Server, rt};
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::Duration;

struct Env {
    dir: PathBuf,
    server: Option<Server>,
}

impl Env {
    fn new(name: &str) -> Env {
        let dir = std::env::temp_dir().join(format!("invoicepilot-ops-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        Env { dir, server: None }
    }

    fn cmd(&self) -> Command {
        let mut c = Command::new(env!("CARGO_BIN_EXE_invoicepilot"));
        c.current_dir(&self.dir)
            .env_remove("DATABASE_URL")
            .env_remove("STORAGE_PATH")
            .env_remove("APP_KEY")
            .env_remove("MAIL_HOST")
            .env("TZ", "Asia/Tokyo")
            .env("DUNNING_SCHEDULE", "off")
            .env("BACKUP_SCHEDULE", "off");
        c
    }

    fn run(&self, args: &[&str]) -> Output {
        self.cmd().args(args).stdin(Stdio::null()).output().unwrap()
    }

    fn ok(&self, args: &[&str]) -> String {
        let o = self.run(args);
        assert!(o.status.success(), "{args:?} failed: {}\n{}", stderr(&o), stdout(&o));
        stdout(&o)
    }

    fn serve(&mut self) -> String {
        let server = Server::start(self.cmd().args(["serve", "--port", "0", "--no-worker"]));
        let url = server.url.clone();
        self.server = Some(server);
        url
    }

    fn db_path(&self) -> PathBuf {
        self.dir.join("storage/invoicepilot.db")
    }
}

impl Drop for Env {
    fn drop(&mut self) {
        self.server = None;
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn last_json(out: &str) -> serde_json::Value {
    serde_json::from_str(out.lines().last().unwrap_or(""))
        .unwrap_or_else(|e| panic!("last line is not JSON ({e}): {out}"))
}

async fn db(env: &Env) -> Db {
    Db::connect(&DatabaseUrl::Sqlite(env.db_path()), &ConnectSettings::default()).await.unwrap()
}

#[test]
fn backup_and_restore_from_the_command_line() {
    let env = Env::new("backup");
    env.ok(&["company", "create", "--name", "株式会社テスト"]);
    let out = env.ok(&["backup"]);
    let path = PathBuf::from(out.lines().last().unwrap());
    let name = path.file_name().unwrap().to_string_lossy().into_owned();
    assert!(out.trim_end().ends_with(&format!("storage/backups/{name}")), "{out}");
    assert!(
        name.starts_with("backup_") && name.ends_with(".ipbk") && name.len() == "backup_2026-12-04_03-00-00.ipbk".len(),
        "{name}"
    );
    let path = env.dir.join(&path);
    assert!(path.exists());
    env.ok(&["company", "create", "--name", "後から作った会社"]);

    // Off a terminal, restore wants --yes and changes nothing without it.
    let o = env.run(&["restore", path.to_str().unwrap()]);
    assert!(!o.status.success());
    assert!(stderr(&o).contains("--yes"), "{}", stderr(&o));

    // A flipped byte and a truncated file are refused, saying so.
    let bytes = std::fs::read(&path).unwrap();
    let mut flipped = bytes.clone();
    let at = flipped.len() / 2;
    flipped[at] ^= 0x40;
    std::fs::write(env.dir.join("flipped.ipbk"), &flipped).unwrap();
    std::fs::write(env.dir.join("truncated.ipbk"), &bytes[..bytes.len() - 700]).unwrap();
    for bad in ["flipped.ipbk", "truncated.ipbk"] {
        let o = env.run(&["restore", bad, "--yes"]);
        assert!(!o.status.success(), "{bad} was accepted");
        let err = stderr(&o);
        assert!(err.contains("damaged or incomplete") && err.contains("nothing was changed"), "{bad}: {err}");
    }
    let check: serde_json::Value = serde_json::from_str(&env.ok(&["check", "--json"])).unwrap();
    assert_eq!(check["latest_audit"]["action"], "company.created", "nothing was restored");

    let o = env.run(&["restore", path.to_str().unwrap(), "--yes"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let v = last_json(&stdout(&o));
    assert_eq!(v["violations"], 0);
    assert!(v["safety_backup"].as_str().unwrap().contains("pre-restore_"), "{v}");
    let shown = env.ok(&["audit", "--target", "company:2"]);
    assert!(shown.trim().is_empty(), "the later company is gone: {shown}");
}

#[test]
fn down_and_up_reach_a_running_server() {
    let mut env = Env::new("down");
    env.ok(&["company", "create", "--name", "株式会社テスト"]);
    let base = env.serve();
    let out = env.ok(&["down", "--retry", "30", "--message", "本日 18 時まで", "--secret", "letmein"]);
    assert_eq!(last_json(&out)["maintenance"], "on");
    std::thread::sleep(Duration::from_millis(1100));
    rt().block_on(async {
        let client = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
        let page = client.get(format!("{base}/login")).send().await.unwrap();
        assert_eq!(page.status(), 503);
        assert_eq!(page.headers()["retry-after"], "30");
        assert!(page.text().await.unwrap().contains("本日 18 時まで"));
        let api = client.get(format!("{base}/api/v1/customers")).send().await.unwrap();
        assert_eq!(api.status(), 503);
        assert_eq!(api.headers()["content-type"], "application/problem+json");
        assert_eq!(client.get(format!("{base}/health")).send().await.unwrap().status(), 200);
        let pass = client.get(format!("{base}/__maintenance/letmein")).send().await.unwrap();
        let cookie = pass.headers()["set-cookie"].to_str().unwrap().split(';').next().unwrap().to_owned();
        let through = client.get(format!("{base}/login")).header("cookie", cookie).send().await.unwrap();
        assert_eq!(through.status(), 200, "the bypass cookie lets an admin in");
    });
    assert_eq!(last_json(&env.ok(&["up"]))["was_on"], true);
    std::thread::sleep(Duration::from_millis(1100));
    let status = rt().block_on(async { reqwest::get(format!("{base}/login")).await.unwrap().status().as_u16() });
    assert_eq!(status, 200);
}

#[test]
fn doctor_fails_only_when_the_app_cannot_work() {
    let env = Env::new("doctor");
    env.ok(&["company", "create", "--name", "株式会社テスト"]);
    std::fs::write(
        env.dir.join(".env"),
        "SLACK_WEBHOOK_URL=https://hooks.slack.com/services/T/B/secretpart\nTYPO_SETTING=1\n",
    )
    .unwrap();
    let o = env.run(&["doctor"]);
    let out = stdout(&o);
    assert!(o.status.success(), "missing optional settings are warnings: {out}");
    assert_eq!(last_json(&out)["errors"], 0, "{out}");
    assert!(out.contains("TYPO_SETTING"), "an unknown .env key is named: {out}");
    assert!(!out.contains("secretpart"), "secrets are masked: {out}");
    assert!(out.contains("MAIL_HOST"), "the absent mail settings are a warning: {out}");

    let o = env.cmd().env("ALERT_DISK_PERCENT", "lots").arg("doctor").stdin(Stdio::null()).output().unwrap();
    assert!(!o.status.success(), "an invalid value stops the app");
    assert!(stdout(&o).lines().any(|l| l.contains("ALERT_DISK_PERCENT") && l.contains("fix")), "{}", stdout(&o));

    let o = env.cmd().env("TRUSTED_PROXIES", "127.0.0.1, nginx").arg("doctor").stdin(Stdio::null()).output().unwrap();
    assert!(!o.status.success(), "an address that is not one stops the app");
    assert!(stdout(&o).contains("TRUSTED_PROXIES"), "{}", stdout(&o));

    let o = env
        .cmd()
        .env("DATABASE_URL", "postgres://u:pw@127.0.0.1:1/x")
        .arg("doctor")
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert!(!o.status.success(), "an unreachable database stops the app");
    assert!(stdout(&o).contains("u:****@127.0.0.1:1"), "{}", stdout(&o));

    rt().block_on(async { Migrator::down(db(&env).await.conn(), Some(1)).await.unwrap() });
    let o = env.run(&["doctor"]);
    assert!(!o.status.success(), "pending migrations stop the app: {}", stdout(&o));
    assert!(stdout(&o).lines().any(|l| l.contains("invoicepilot migrate")), "{}", stdout(&o));
}

#[test]
fn key_generate_never_overwrites_without_force() {
    let env = Env::new("key");
    std::fs::write(env.dir.join(".env"), "LOG_FORMAT=text\n").unwrap();
    env.ok(&["key", "generate"]);
    let first = std::fs::read_to_string(env.dir.join(".env")).unwrap();
    assert!(first.contains("LOG_FORMAT=text"), "other settings are kept");
    let key = first.lines().find(|l| l.starts_with("APP_KEY=")).expect("APP_KEY written").to_owned();
    assert!(key.len() > "APP_KEY=".len() + 40, "{key}");
    let o = env.run(&["key", "generate"]);
    assert!(!o.status.success());
    assert!(stderr(&o).contains("--force"));
    assert_eq!(std::fs::read_to_string(env.dir.join(".env")).unwrap(), first, "unchanged");
    env.ok(&["key", "generate", "--force"]);
    let second = std::fs::read_to_string(env.dir.join(".env")).unwrap();
    assert!(!second.contains(&key) && second.contains("APP_KEY="), "replaced");
    assert_eq!(second.matches("APP_KEY=").count(), 1);
}

#[test]
fn migrate_backs_up_data_first_and_the_old_schema_backup_restores() {
    let env = Env::new("migrate");
    env.ok(&["company", "create", "--name", "株式会社テスト"]);
    rt().block_on(async { Migrator::down(db(&env).await.conn(), Some(1)).await.unwrap() });
    let dry = env.ok(&["migrate", "--dry-run"]);
    assert_eq!(last_json(&dry)["pending"], 1, "{dry}");
    assert!(
        !env.dir.join("storage/backups").exists()
            || std::fs::read_dir(env.dir.join("storage/backups")).unwrap().count() == 0
    );

    let out = env.ok(&["migrate"]);
    let v = last_json(&out);
    let backup = v["backup"].as_str().expect("a backup was taken").to_owned();
    assert!(Path::new(&backup).file_name().unwrap().to_string_lossy().starts_with("pre-migrate_"), "{backup}");
    assert_eq!(last_json(&env.ok(&["migrate", "--dry-run"]))["pending"], 0);
    // Nothing pending: no backup.
    assert!(last_json(&env.ok(&["migrate"]))["backup"].is_null());
    // The backup of the older schema restores into the current one.
    let o = env.run(&["restore", &backup, "--yes"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(last_json(&stdout(&o))["violations"], 0);
}

#[test]
fn migrate_no_backup_skips_it() {
    let env = Env::new("nobackup");
    env.ok(&["company", "create", "--name", "株式会社テスト"]);
    rt().block_on(async { Migrator::down(db(&env).await.conn(), Some(1)).await.unwrap() });
    assert!(last_json(&env.ok(&["migrate", "--no-backup"]))["backup"].is_null());
}

#[test]
fn audit_db_optimize_and_log_files() {
    let env = Env::new("audit");
    env.ok(&["company", "create", "--name", "株式会社テスト"]);
    env.ok(&["numbering", "set-next", "--series", "I", "--period", "2026", "11"]);
    let text = env.ok(&["audit", "--target", "company:1"]);
    assert!(text.contains("company.created"), "{text}");
    let json: serde_json::Value =
        serde_json::from_str(env.ok(&["audit", "--target", "company:1", "--json", "--limit", "1"]).trim()).unwrap();
    assert_eq!(json.as_array().unwrap().len(), 1);
    let o = env.run(&["audit", "--target", "invoice"]);
    assert!(!o.status.success() && stderr(&o).contains("invoice:123"), "{}", stderr(&o));

    assert_eq!(last_json(&env.ok(&["db", "optimize"]))["optimized"], true);

    let logs = env.dir.join("storage/logs");
    let link = std::fs::read_link(logs.join("invoicepilot.log")).expect("invoicepilot.log is a link to today's file");
    let name = link.file_name().unwrap().to_string_lossy().into_owned();
    assert!(name.starts_with("invoicepilot-20") && name.ends_with(".log"), "{name}");
    let content = std::fs::read_to_string(logs.join("invoicepilot.log")).unwrap();
    assert!(content.lines().any(|l| l.contains("INFO")), "{content}");
}

/// `queue restart` makes every worker exit so its supervisor starts the new binary; the worker
/// inside `serve` has no supervisor of its own and must start over, or the server would go on
/// answering while nothing renders PDFs or sends mail.
#[test]
fn serve_keeps_its_worker_after_queue_restart() {
    use std::io::Write;
    let mut env = Env::new("restart");
    let company = env.ok(&["company", "create", "--name", "株式会社テスト"]).trim().to_owned();
    let mut user = env
        .cmd()
        .args(["user", "create", "--email", "keiri@example.jp", "--company", &company, "--role", "owner"])
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .spawn()
        .unwrap();
    user.stdin.take().unwrap().write_all(b"a long enough password\n").unwrap();
    assert!(user.wait().unwrap().success());
    let token = env.ok(&["token", "create", "--email", "keiri@example.jp"]).trim().to_owned();
    let server = Server::start(env.cmd().args(["serve", "--port", "0"]));
    let base = server.url.clone();
    env.server = Some(server);

    let queue_drains = |env: &Env| {
        for _ in 0..120 {
            if env.ok(&["queue", "status"]).contains("pending: 0  running: 0") {
                return true;
            }
            std::thread::sleep(Duration::from_millis(250));
        }
        false
    };
    let issue_one = |n: usize| {
        rt().block_on(async {
            let customer =
                post_json(&base, "/api/v1/customers", &token, serde_json::json!({"name": format!("取引先{n}")}))
                    .await
                    .json::<serde_json::Value>()
                    .await
                    .unwrap();
            let lines = serde_json::json!([
                {"description": "保守", "quantity": "1", "unit": "式", "unit_price": 10000, "tax_rate": "10"}]);
            let body = serde_json::json!({"customer_id": customer["id"], "issue_date": "2026-11-30", "lines": lines});
            let draft =
                post_json(&base, "/api/v1/invoices", &token, body).await.json::<serde_json::Value>().await.unwrap();
            let path = format!("/api/v1/invoices/{}/issue", draft["id"]);
            assert_eq!(post_json(&base, &path, &token, serde_json::Value::Null).await.status(), 200);
        })
    };

    // Issuing queues the invoice's PDF job, which only a worker runs.
    issue_one(1);
    assert!(queue_drains(&env), "the in-process worker ran the first job");
    env.ok(&["queue", "restart"]);
    // The worker notices within its poll (1 s) and exits; serve must start it again.
    std::thread::sleep(Duration::from_millis(3000));
    issue_one(2);
    assert!(queue_drains(&env), "no worker ran the job queued after the restart: {}", env.ok(&["queue", "status"]));
}

/// POSTs `body` (none when `null`) to `base` + `path` with the bearer `token`.
async fn post_json(base: &str, path: &str, token: &str, body: serde_json::Value) -> reqwest::Response {
    let rb = reqwest::Client::new().post(format!("{base}{path}")).bearer_auth(token);
    let rb = if body.is_null() { rb } else { rb.json(&body) };
    rb.send().await.unwrap()
}
