//! `invoicepilot worker` and `queue …` as processes: the queue commands' output, a worker
//! that refuses a timeout as long as its lease, and delivery that survives `kill -9`.

use invoicepilot_app::App;
use invoicepilot_app::devtools::SmtpSink;
use invoicepilot_store::entity::{audit_log, delivery, job};
use invoicepilot_store::{ConnectSettings, DatabaseUrl, Db};
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
use std::collections::HashMap;
use std::path::PathBuf;
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

struct Env {
    dir: PathBuf,
    smtp_port: u16,
}

impl Env {
    fn new(name: &str, smtp_port: u16) -> Env {
        let dir = std::env::temp_dir().join(format!("invoicepilot-worker-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(dir.join("storage")).unwrap();
        Env { dir, smtp_port }
    }

    fn db_path(&self) -> PathBuf {
        self.dir.join("storage/invoicepilot.db")
    }

    fn cmd(&self) -> Command {
        let mut c = Command::new(env!("CARGO_BIN_EXE_invoicepilot"));
        c.current_dir(&self.dir)
            .env_remove("DATABASE_URL")
            .env("STORAGE_PATH", self.dir.join("storage"))
            .env("MAIL_HOST", "127.0.0.1")
            .env("MAIL_PORT", self.smtp_port.to_string())
            .env("MAIL_FROM", "billing@example.jp")
            .env("MAIL_RETRY_BASE_SECS", "1")
            .env("DUNNING_SCHEDULE", "off");
        c
    }

    fn run(&self, args: &[&str]) -> Output {
        self.cmd().args(args).stdin(Stdio::null()).output().unwrap()
    }

    fn spawn_worker(&self, args: &[&str]) -> Child {
        self.cmd()
            .arg("worker")
            .args(args)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap()
    }

    async fn app(&self) -> App {
        let db = Db::connect(&DatabaseUrl::Sqlite(self.db_path()), &ConnectSettings::default()).await.unwrap();
        App::new(db.migrate().await.unwrap())
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

/// A company, a customer with an e-mail address, and `n` issued invoices queued for sending.
async fn invoices_to_send(app: &App, n: usize) -> Vec<i64> {
    use invoicepilot_app::customers::{self, CustomerInput};
    use invoicepilot_app::invoices::{self, InvoiceInput, LineInputDto, QuantityValue};
    let company = invoicepilot_app::company::create(app, "株式会社テスト", Some("T7120001168421")).await.unwrap();
    let ctx = invoicepilot_app::Ctx::system(company.model.id);
    let c = customers::create(
        app,
        &ctx,
        CustomerInput {
            name: Some("株式会社青山商事".into()),
            email: Some("keiri@aoyama.example.jp".into()),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    let mut ids = Vec::new();
    for i in 0..n {
        let input = InvoiceInput {
            customer_id: Some(c.id),
            issue_date: Some("2026-11-30".into()),
            lines: Some(vec![LineInputDto {
                description: Some(format!("保守 {i}")),
                quantity: Some(QuantityValue::Text("1".into())),
                unit: Some("式".into()),
                unit_price: Some(1000 + i as i64),
                tax_rate: Some("10".into()),
                amount: None,
            }]),
            ..Default::default()
        };
        let d = invoices::create_draft(app, &ctx, input).await.unwrap();
        invoices::issue(app, &ctx, d.id, None).await.unwrap();
        invoicepilot_app::mail::send_invoice(app, &ctx, d.id, Default::default()).await.unwrap();
        ids.push(d.id);
    }
    ids
}

fn rt() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap()
}

#[test]
fn queue_commands_report_and_manage_jobs() {
    let rt = rt();
    rt.block_on(async {
        let sink = SmtpSink::start().await.unwrap();
        let env = Env::new("queue", sink.port);
        let app = env.app().await;
        let ids = invoices_to_send(&app, 2).await;

        let o = env.run(&["queue", "status", "--json"]);
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        let s: serde_json::Value = serde_json::from_str(stdout(&o).lines().last().unwrap()).unwrap();
        assert_eq!(s["pending"], 4, "two PDFs and two mails: {s}");
        assert_eq!(s["by_type"]["mail.send"]["pending"], 2);

        let o = env.run(&["worker", "--timeout", "300", "--lease", "300"]);
        assert!(!o.status.success(), "a timeout as long as the lease is refused");
        assert!(String::from_utf8_lossy(&o.stderr).contains("shorter than the lease"));

        // The first mail is rejected for good; the rest go through.
        sink.script([invoicepilot_app::devtools::Reply::Reject("550 5.1.1 mailbox unavailable".into())]);
        let o = env.run(&["worker", "--once", "--concurrency", "1"]);
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        assert!(stdout(&o).contains("queue empty"));
        assert_eq!(sink.received().len(), 1);

        let o = env.run(&["queue", "failed"]);
        let lines: Vec<String> = stdout(&o).lines().map(str::to_owned).collect();
        assert_eq!(lines.len(), 1, "{lines:?}");
        let cols: Vec<&str> = lines[0].split('\t').collect();
        assert_eq!((cols[1], cols[3], cols[4]), ("mail.send", "1", "550 5.1.1 mailbox unavailable"));
        let failed_id = cols[0].to_owned();

        let o = env.run(&["queue", "retry", &failed_id]);
        assert_eq!(stdout(&o).trim(), r#"{"retried":1}"#);
        let o = env.run(&["worker", "--once"]);
        assert!(o.status.success());
        assert_eq!(sink.received().len(), 2, "the retried mail went out");
        let sent =
            delivery::Entity::find().filter(delivery::Column::Status.eq("sent")).count(app.db.conn()).await.unwrap();
        assert_eq!(sent as usize, ids.len());

        let o = env.run(&["queue", "forget", "999"]);
        assert!(!o.status.success());
        let o = env.run(&["queue", "retry", "all"]);
        assert_eq!(stdout(&o).trim(), r#"{"retried":0}"#);
        let o = env.run(&["queue", "restart"]);
        let v: serde_json::Value = serde_json::from_str(stdout(&o).trim()).unwrap();
        assert!(v["restart_requested_at"].as_str().is_some());
        let o = env.run(&["queue", "status"]);
        assert!(stdout(&o).contains("pending: 0  running: 0  failed: 0"), "{}", stdout(&o));
    });
}

#[test]
fn delivery_survives_killed_workers() {
    let rt = rt();
    rt.block_on(async {
        let sink = SmtpSink::start().await.unwrap();
        let env = Env::new("kill", sink.port);
        let app = env.app().await;
        let n = 1000;
        let ids = invoices_to_send(&app, n).await;
        let concurrency = 4;
        let args = ["--concurrency", "4", "--timeout", "5", "--lease", "8", "--poll", "1", "--grace", "1"];
        let mut kills = 0;
        let mut worker = env.spawn_worker(&args);
        while kills < 5 {
            tokio::time::sleep(Duration::from_millis(1500)).await;
            // SIGKILL: no chance to finish or give anything back.
            let _ = worker.kill();
            let _ = worker.wait();
            kills += 1;
            worker = env.spawn_worker(&args);
        }
        let deadline = Instant::now() + Duration::from_secs(300);
        loop {
            let left = job::Entity::find().count(app.db.conn()).await.unwrap();
            if left == 0 || Instant::now() > deadline {
                break;
            }
            tokio::time::sleep(Duration::from_millis(500)).await;
        }
        // SAFETY: `worker` is our child process.
        unsafe {
            libc::kill(worker.id() as i32, libc::SIGTERM);
        }
        let status = worker.wait().unwrap();
        assert!(status.success(), "SIGTERM: the worker exits 0");

        assert_eq!(job::Entity::find().count(app.db.conn()).await.unwrap(), 0, "nothing stuck in the queue");
        let got = sink.received();
        let mut by_id: HashMap<String, usize> = HashMap::new();
        for m in &got {
            *by_id.entry(m.header("Message-ID").unwrap()).or_default() += 1;
        }
        assert_eq!(by_id.len(), n, "every mail delivered at least once");
        let duplicates = got.len() - n;
        assert!(duplicates <= kills * concurrency, "{duplicates} duplicates after {kills} kills");
        let sent =
            delivery::Entity::find().filter(delivery::Column::Status.eq("sent")).all(app.db.conn()).await.unwrap();
        assert_eq!(sent.len(), n);
        assert!(sent.iter().all(|d| d.sent_at.is_some()));
        for id in ids.iter().take(50) {
            let rows = audit_log::Entity::find()
                .filter(audit_log::Column::TargetId.eq(*id))
                .filter(audit_log::Column::Action.eq("invoice.sent"))
                .count(app.db.conn())
                .await
                .unwrap();
            assert_eq!(rows, 1, "sent recorded once for invoice {id}");
        }
    });
}
