//! The runbook drill: every ```` ```sh runnable ```` block of `docs/runbook.ja.md` runs, in
//! order, against a fresh instance that holds data and is being served — so the runbook can
//! never drift from the product. SQLite by default; `TEST_DATABASE_URL` (a PostgreSQL or
//! MySQL/MariaDB server) runs the same drill on a fresh database there, as CI does.

mod common;

use common::{Server, rt};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// A runnable block and the heading it sits under.
struct Block {
    heading: String,
    line: usize,
    script: String,
}

fn runnable_blocks(markdown: &str) -> Vec<Block> {
    let mut blocks = Vec::new();
    let mut heading = String::new();
    let mut current: Option<Block> = None;
    for (i, line) in markdown.lines().enumerate() {
        match &mut current {
            Some(b) if line.trim_end() == "```" => {
                blocks.push(std::mem::replace(b, Block { heading: String::new(), line: 0, script: String::new() }));
                current = None;
            }
            Some(b) => {
                b.script.push_str(line);
                b.script.push('\n');
            }
            None if line.trim_end() == "```sh runnable" => {
                current = Some(Block { heading: heading.clone(), line: i + 1, script: String::new() });
            }
            None if line.starts_with('#') => heading = line.trim_start_matches('#').trim().to_owned(),
            None => {}
        }
    }
    assert!(current.is_none(), "an unterminated runnable block");
    blocks
}

struct Instance {
    dir: PathBuf,
    database_url: Option<String>,
    server: Option<Server>,
}

impl Instance {
    fn new() -> Instance {
        let dir = std::env::temp_dir().join(format!("invoicepilot-runbook-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(dir.join("bin")).unwrap();
        std::os::unix::fs::symlink(env!("CARGO_BIN_EXE_invoicepilot"), dir.join("bin/invoicepilot")).unwrap();
        let database_url = std::env::var("TEST_DATABASE_URL").ok().filter(|s| !s.is_empty()).map(|base| {
            rt().block_on(invoicepilot_app::devtools::database::fresh_server_database(&base))
                .unwrap_or_else(|e| panic!("TEST_DATABASE_URL: {e}"))
        });
        Instance { dir, database_url, server: None }
    }

    /// The environment an operator's shell would have in the app's folder.
    fn env(&self, c: &mut Command) {
        let path = format!("{}:{}", self.dir.join("bin").display(), std::env::var("PATH").unwrap_or_default());
        c.current_dir(&self.dir)
            .env("PATH", path)
            .env("TZ", "Asia/Tokyo")
            .env_remove("STORAGE_PATH")
            .env_remove("APP_KEY")
            .env_remove("MAIL_HOST")
            .env("DUNNING_SCHEDULE", "off")
            .env("BACKUP_SCHEDULE", "off");
        match &self.database_url {
            Some(u) => c.env("DATABASE_URL", u),
            None => c.env_remove("DATABASE_URL"),
        };
    }

    fn invoicepilot(&self, args: &[&str], stdin: &str) -> String {
        let mut c = Command::new(self.dir.join("bin/invoicepilot"));
        self.env(&mut c);
        let mut child =
            c.args(args).stdin(Stdio::piped()).stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().unwrap();
        use std::io::Write;
        child.stdin.take().unwrap().write_all(stdin.as_bytes()).unwrap();
        let o = child.wait_with_output().unwrap();
        assert!(o.status.success(), "invoicepilot {args:?}: {}", String::from_utf8_lossy(&o.stderr));
        String::from_utf8_lossy(&o.stdout).trim().to_owned()
    }

    fn serve(&mut self) -> String {
        let mut c = Command::new(self.dir.join("bin/invoicepilot"));
        self.env(&mut c);
        let server = Server::start(c.args(["serve", "--port", "0"]));
        let url = server.url.clone();
        self.server = Some(server);
        url
    }
}

impl Drop for Instance {
    fn drop(&mut self) {
        self.server = None;
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// A customer, three issued invoices (10% and 8% lines) and a payment, through the API.
fn seed(base: &str, token: &str) {
    rt().block_on(async {
        let client = reqwest::Client::new();
        let post = |path: String, body: serde_json::Value| {
            let req = client.post(format!("{base}/api/v1{path}")).bearer_auth(token).json(&body);
            async move {
                let r = req.send().await.unwrap();
                let status = r.status();
                let v: serde_json::Value = r.json().await.unwrap();
                assert!(status.is_success(), "{path}: {status} {v}");
                v
            }
        };
        let c = post("/customers".into(), serde_json::json!({"name": "株式会社青山商事", "name_kana": "アオヤマショウジ"})).await;
        for month in ["2026-09-30", "2026-10-31", "2026-11-30"] {
            let d = post(
                "/invoices".into(),
                serde_json::json!({"customer_id": c["id"], "issue_date": month, "lines": [
                    {"description": "Webサイト保守", "quantity": "1", "unit": "式", "unit_price": 12345, "tax_rate": "10"},
                    {"description": "菓子詰め合わせ", "quantity": "2", "unit": "箱", "unit_price": 4321, "tax_rate": "8"}]}),
            )
            .await;
            post(format!("/invoices/{}/issue", d["id"]), serde_json::json!({})).await;
        }
        post(
            "/payments".into(),
            serde_json::json!({"customer_id": c["id"], "amount": 10000, "received_on": "2026-11-30", "method": "bank_transfer"}),
        )
        .await;
    });
}

fn runbook() -> (PathBuf, String) {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/runbook.ja.md");
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    (path, text)
}

#[test]
fn extraction_finds_only_runnable_blocks() {
    let md = "# A\n```sh\nnot me\n```\n## B\n```sh runnable\necho one\necho two\n```\n```json\n{}\n```\n";
    let blocks = runnable_blocks(md);
    assert_eq!(blocks.len(), 1);
    assert_eq!(blocks[0].heading, "B");
    assert_eq!(blocks[0].script, "echo one\necho two\n");
}

#[test]
fn every_runnable_block_of_the_runbook_succeeds() {
    let (path, text) = runbook();
    let blocks = runnable_blocks(&text);
    assert!(blocks.len() >= 15, "the runbook has only {} runnable blocks", blocks.len());

    let mut inst = Instance::new();
    let company = inst.invoicepilot(
        &["company", "create", "--name", "株式会社サンプル", "--registration-number", "T7120001168421"],
        "",
    );
    inst.invoicepilot(
        &["user", "create", "--email", "keiri@example.com", "--company", &company, "--role", "owner"],
        "a long password here\n",
    );
    let token = inst.invoicepilot(&["token", "create", "--email", "keiri@example.com"], "");
    let base = inst.serve();
    seed(&base, &token);
    eprintln!(
        "runbook drill on {} ({} blocks)",
        inst.database_url.as_deref().map(|u| u.split(':').next().unwrap_or("?")).unwrap_or("sqlite"),
        blocks.len()
    );

    for b in &blocks {
        let script = b.script.replace("http://127.0.0.1:8000", &base);
        let mut c = Command::new("bash");
        inst.env(&mut c);
        let o = c.args(["-e", "-o", "pipefail", "-c", &script]).stdin(Stdio::null()).output().unwrap();
        assert!(
            o.status.success(),
            "{}:{} ({}) failed with {}:\n{script}\n--- stdout\n{}\n--- stderr\n{}",
            path.display(),
            b.line,
            b.heading,
            o.status,
            String::from_utf8_lossy(&o.stdout),
            String::from_utf8_lossy(&o.stderr)
        );
    }
    // The drill left the instance as a runbook should: serving, checked, not in maintenance.
    let health: serde_json::Value =
        rt().block_on(async { reqwest::get(format!("{base}/health")).await.unwrap().json().await.unwrap() });
    assert_eq!(health["database"], "connected", "{health}");
    let check = inst.invoicepilot(&["check", "--json"], "");
    let v: serde_json::Value = serde_json::from_str(&check).unwrap();
    assert_eq!(v["invoices"], 3, "the restore brought back the seeded invoices: {v}");
    assert_eq!(v["violations"], serde_json::json!([]));
}
