//! The command-line contract of `API.md`, exercised on the real binary.

use std::io::{BufRead, BufReader, Write};
use std::path::PathBuf;
use std::process::{Command, Output, Stdio};

struct Env {
    dir: PathBuf,
}

impl Env {
    fn new(name: &str) -> Env {
        let dir = std::env::temp_dir().join(format!("invoicepilot-cli-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        Env { dir }
    }

    fn cmd(&self) -> Command {
        let mut c = Command::new(env!("CARGO_BIN_EXE_invoicepilot"));
        c.current_dir(&self.dir).env_remove("DATABASE_URL").env("STORAGE_PATH", self.dir.join("storage"));
        c
    }

    fn run(&self, args: &[&str]) -> Output {
        self.cmd().args(args).stdin(Stdio::null()).output().unwrap()
    }

    fn run_with_stdin(&self, args: &[&str], input: &str) -> Output {
        let mut child =
            self.cmd().args(args).stdin(Stdio::piped()).stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().unwrap();
        child.stdin.take().unwrap().write_all(input.as_bytes()).unwrap();
        child.wait_with_output().unwrap()
    }
}

impl Drop for Env {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

#[test]
fn company_user_token_and_numbering() {
    let env = Env::new("setup");
    let o = env.run(&["company", "create", "--name", "株式会社テスト", "--registration-number", "T7120001168421"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(stdout(&o).trim(), "1", "prints only the id");

    let o = env.run_with_stdin(
        &["user", "create", "--email", "Keiri@Example.com", "--company", "1", "--role", "accountant"],
        "a long enough password\n",
    );
    assert!(o.status.success(), "{}", stderr(&o));

    let o = env.run(&["token", "create", "--email", "keiri@example.com"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let token = stdout(&o);
    assert_eq!(token.lines().count(), 1, "prints only the token");
    assert!(token.trim().starts_with("ip_"));

    let o = env.run(&["numbering", "set-next", "--series", "I", "--period", "2026", "501"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let last = stdout(&o).lines().last().unwrap().to_owned();
    let v: serde_json::Value = serde_json::from_str(&last).unwrap();
    assert_eq!(v["next"], 501);

    let o = env.run(&["numbering", "set-next", "--series", "I", "--period", "2026", "100"]);
    assert!(!o.status.success(), "going backwards must fail");
    assert_eq!(stderr(&o).trim().lines().count(), 1, "one line on stderr: {}", stderr(&o));
    assert!(stderr(&o).contains("backwards"));

    let o = env.run(&["numbering", "show"]);
    assert!(stdout(&o).lines().any(|l| l.contains("2026") && l.contains("501")), "{}", stdout(&o));

    let o = env.run(&["user", "create", "--email", "x@example.com", "--company", "1", "--role", "emperor"]);
    assert!(!o.status.success());
    let o = env.run_with_stdin(
        &["user", "create", "--email", "x@example.com", "--company", "1", "--role", "viewer"],
        "short\n",
    );
    assert!(!o.status.success(), "short passwords are refused");
}

#[test]
fn check_reports_json_on_a_fresh_database() {
    let env = Env::new("check");
    env.run(&["company", "create", "--name", "検査"]);
    let o = env.run(&["check", "--json"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let out = stdout(&o);
    assert_eq!(out.lines().count(), 1, "one JSON object: {out}");
    let v: serde_json::Value = serde_json::from_str(out.trim()).unwrap();
    assert_eq!(v["invoices"], 0);
    assert_eq!(v["payments_sum"], 0);
    assert_eq!(v["latest_audit"]["action"], "company.created");
    assert_eq!(v["violations"], serde_json::json!([]));
}

#[test]
fn dev_seed_fills_a_company_and_is_refused_in_production() {
    let env = Env::new("seed");
    env.run(&["company", "create", "--name", "開発用"]);
    let o = env
        .cmd()
        .args(["dev", "seed", "--company", "1", "--customers", "10", "--invoices", "300"])
        .env("APP_ENV", "production")
        .output()
        .unwrap();
    assert!(!o.status.success(), "refused in production");
    assert!(stderr(&o).contains("APP_ENV=production"), "{}", stderr(&o));

    let o = env.run(&["dev", "seed", "--company", "1", "--customers", "10", "--invoices", "300", "--seed", "3"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let out = stdout(&o);
    assert_eq!(out.lines().count(), 1, "one JSON line: {out}");
    let v: serde_json::Value = serde_json::from_str(out.trim()).unwrap();
    assert_eq!((v["invoices"].as_i64(), v["customers"].as_i64()), (Some(300), Some(10)));
    assert!(v["invoices_per_second"].as_f64().unwrap() > 0.0);

    let o = env.run(&["check", "--json"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let c: serde_json::Value = serde_json::from_str(stdout(&o).trim()).unwrap();
    assert_eq!(c["invoices"], 300);
    assert_eq!(c["violations"], serde_json::json!([]));
}

#[test]
fn dotenv_sits_between_defaults_and_environment() {
    let env = Env::new("dotenv");
    std::fs::write(env.dir.join(".env"), "STORAGE_PATH=from-dotenv\n").unwrap();
    let o = env.cmd().env_remove("STORAGE_PATH").args(["company", "create", "--name", "A"]).output().unwrap();
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(env.dir.join("from-dotenv/invoicepilot.db").exists(), ".env beats the default");
    let o = env.cmd().env("STORAGE_PATH", "from-env").args(["company", "create", "--name", "B"]).output().unwrap();
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(env.dir.join("from-env/invoicepilot.db").exists(), "the environment beats .env");
    let url = format!("sqlite://{}", env.dir.join("explicit/x.db").display());
    let o = env.cmd().env("DATABASE_URL", &url).args(["company", "create", "--name", "C"]).output().unwrap();
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(env.dir.join("explicit/x.db").exists(), "sqlite:// creates the file and its folder");
}

#[test]
fn migrate_dry_run_lists_pending_migrations() {
    let env = Env::new("migrate");
    let o = env.run(&["migrate", "--dry-run"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(stdout(&o).contains("pending: m20261203_000001_core"));
    let v: serde_json::Value = serde_json::from_str(stdout(&o).lines().last().unwrap()).unwrap();
    use invoicepilot_store::migration::{Migrator, MigratorTrait};
    let all = Migrator::migrations().len();
    assert_eq!(v["pending"], all, "a fresh database has every migration pending");
    assert_eq!(stdout(&o).lines().filter(|l| l.starts_with("pending: ")).count(), all);
    let o = env.run(&["migrate"]);
    assert!(o.status.success());
    let o = env.run(&["migrate", "--dry-run"]);
    let v: serde_json::Value = serde_json::from_str(stdout(&o).lines().last().unwrap()).unwrap();
    assert_eq!(v["pending"], 0);
}

#[test]
fn bad_database_urls_stop_with_one_masked_line() {
    let env = Env::new("badurl");
    for url in
        ["oracle://app:hunter2@db/x", "postgres://app:hunter2@127.0.0.1:1/x", "mysql://app:hunter2@127.0.0.1:1/x"]
    {
        let o = env.cmd().args(["migrate"]).env("DATABASE_URL", url).output().unwrap();
        assert!(!o.status.success(), "{url}");
        let err = stderr(&o);
        let lines: Vec<_> = err.lines().filter(|l| !l.trim().is_empty()).collect();
        assert_eq!(lines.len(), 1, "{url}: {err}");
        assert!(!err.contains("hunter2"), "password leaked: {err}");
        assert!(err.contains("app:****@"), "names the URL: {err}");
    }
}

#[test]
fn serve_creates_the_database_and_answers_health() {
    let env = Env::new("serve");
    let mut child =
        env.cmd().args(["serve", "--port", "0"]).stdout(Stdio::piped()).stderr(Stdio::null()).spawn().unwrap();
    let mut out = BufReader::new(child.stdout.take().unwrap());
    let mut line = String::new();
    out.read_line(&mut line).unwrap();
    let url = line.trim().rsplit(' ').next().unwrap().to_owned();
    // No user yet: a one-time setup URL follows.
    let (mut intro, mut setup) = (String::new(), String::new());
    out.read_line(&mut intro).unwrap();
    out.read_line(&mut setup).unwrap();
    assert!(intro.contains("one-time URL"), "{intro}");
    let setup = setup.trim().to_owned();
    assert!(setup.starts_with(&format!("{url}/setup?token=")), "{setup}");
    let rt = tokio_rt();
    let (body, form, wrong): (serde_json::Value, u16, u16) = rt.block_on(async {
        let health = reqwest::get(format!("{url}/health")).await.unwrap().json().await.unwrap();
        let form = reqwest::get(&setup).await.unwrap().status().as_u16();
        let wrong = reqwest::get(format!("{url}/setup?token=guess")).await.unwrap().status().as_u16();
        (health, form, wrong)
    });
    child.kill().unwrap();
    let _ = child.wait();
    assert_eq!(body["status"], "healthy");
    assert_eq!(body["database"], "connected");
    assert_eq!(form, 200, "the printed setup URL opens the form");
    assert_eq!(wrong, 404, "any other token is refused");
    assert!(env.dir.join("storage/invoicepilot.db").exists());
}

fn tokio_rt() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap()
}

#[test]
fn bank_import_prints_its_summary_and_a_second_import_only_duplicates() {
    let env = Env::new("bank");
    assert!(env.run(&["company", "create", "--name", "株式会社テスト"]).status.success());
    let file = env.dir.join("meisai.csv");
    std::fs::write(
        &file,
        "\u{feff}\"日付\",\"内容\",\"出金金額(円)\",\"入金金額(円)\",\"残高(円)\",\"メモ\"\n\
         \"2026/11/10\",\"振込＊ﾕ)ｻｸﾗﾃﾞｻﾞｲﾝ\",\"\",\"220,000\",\"1,220,000\",\"-\"\n\
         \"2026/11/15\",\"口座振替 ﾔﾁﾝ\",\"55,000\",\"\",\"1,165,000\",\"-\"\n\
         \"2026/11/30\",\"振込＊ｱｵﾔﾏｼﾖｳｼﾞ\",\"\",\"108,460\",\"1,273,460\",\"-\"\n",
    )
    .unwrap();
    let path = file.to_str().unwrap();
    let o = env.run(&["bank", "import", path, "--company", "1"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let last = stdout(&o).lines().last().unwrap().to_owned();
    // Three movements stored; the withdrawal is not queued.
    assert_eq!(last, r#"{"imported":3,"duplicates":0,"matched":0,"suggested":0,"unmatched":2}"#);

    let o = env.run(&["bank", "import", path, "--format", "csv:sbi"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(
        stdout(&o).lines().last().unwrap(),
        r#"{"imported":0,"duplicates":3,"matched":0,"suggested":0,"unmatched":0}"#
    );

    let bad = env.dir.join("bad.csv");
    std::fs::write(
        &bad,
        "\"日付\",\"内容\",\"出金金額(円)\",\"入金金額(円)\",\"残高(円)\",\"メモ\"\n\"2026/02/30\",\"振込＊ﾀﾅｶ\",\"\",\"1\",\"2\",\"\"\n",
    )
    .unwrap();
    let o = env.run(&["bank", "import", bad.to_str().unwrap()]);
    assert!(!o.status.success());
    assert_eq!(stderr(&o).trim().lines().count(), 1, "{}", stderr(&o));
    assert!(stderr(&o).contains("line 2"), "{}", stderr(&o));
    let o = env.run(&["bank", "import", path, "--format", "csv:nope"]);
    assert!(!o.status.success());
    assert!(stderr(&o).contains("csv:anser"), "{}", stderr(&o));
}
