//! Invoice e-mail against a real SMTP server on 127.0.0.1 (the sink of `devtools`): what is
//! sent, and every fault — refused, 4xx, 5xx, dropped after DATA, a failed write after 250.

use crate::helpers::*;
use invoicepilot_app::clock::Clock;
use invoicepilot_app::devtools::{Reply, SmtpSink};
use invoicepilot_app::jobs::admin;
use invoicepilot_store::entity::job;
use sea_orm::EntityTrait;
use serde_json::json;
use std::time::Duration;

async fn app_with_sink() -> (TestApp, SmtpSink) {
    let sink = SmtpSink::start().await.unwrap();
    let app = spawn_app_with(Options { app_config: Some(mail_to(sink.port)), ..Options::default() }).await;
    (app, sink)
}

/// An issued invoice to a customer with an e-mail address; returns its id.
async fn issued_invoice(app: &TestApp) -> i64 {
    let r = app
        .post(
            "/api/v1/customers",
            json!({"name": "株式会社青山商事", "email": "keiri@aoyama.example.jp", "name_kana": "アオヤマショウジ"}),
        )
        .await;
    let inv = app.issued(r.body["id"].as_i64().unwrap(), "2026-11-30").await;
    inv["id"].as_i64().unwrap()
}

async fn send(app: &TestApp, id: i64) -> i64 {
    let r = app.client.post(format!("{}/api/v1/invoices/{id}/send", app.address)).bearer_auth(&app.token).send().await;
    let r = r.unwrap();
    assert_eq!(r.status(), 202, "no body, no content type: the customer's address");
    let v: serde_json::Value = r.json().await.unwrap();
    v["job_id"].as_i64().unwrap()
}

async fn delivery(app: &TestApp, id: i64) -> serde_json::Value {
    app.get(&format!("/api/v1/invoices/{id}")).await.body["delivery"].clone()
}

/// Seconds from the clock's now until the mail job is due again.
async fn wait_of(app: &TestApp, job_id: i64) -> i64 {
    let j = job::Entity::find_by_id(job_id).one(app.app.db.conn()).await.unwrap().expect("job still queued");
    (j.available_at - app.clock.now().naive_utc()).num_seconds()
}

#[tokio::test]
async fn the_invoice_mail_carries_the_pdf_and_japanese_text() {
    let (app, sink) = app_with_sink().await;
    let id = issued_invoice(&app).await;
    let job_id = send(&app, id).await;
    assert_eq!(delivery(&app, id).await["status"], "queued");
    app.drain().await;
    let got = sink.received();
    assert_eq!(got.len(), 1);
    let m = &got[0];
    assert_eq!(m.to, vec!["keiri@aoyama.example.jp".to_owned()]);
    assert_eq!(m.from, "billing@example.jp");
    let message_id = m.header("Message-ID").unwrap();
    assert!(message_id.starts_with(&format!("<invoice-{id}.")) && message_id.ends_with("@example.jp>"), "{message_id}");
    let subject = m.header("Subject").unwrap();
    assert!(subject.starts_with("=?utf-8?") || subject.contains("請求書"), "encoded Japanese subject: {subject}");
    assert!(m.data.contains("Content-Type: application/pdf"), "the PDF is attached");
    assert!(m.data.contains("multipart/alternative") && m.data.contains("text/html"), "plain text and HTML");
    let text = m.text();
    for needle in
        ["株式会社青山商事 御中", "株式会社テストです", "請求書（I-2026-0001）", "¥30,682（税込）", "2027年1月4日"]
    {
        assert!(text.contains(needle), "{needle} missing from:\n{text}");
    }
    let d = delivery(&app, id).await;
    assert_eq!(d["status"], "sent");
    assert!(d["sent_at"].as_str().is_some());
    assert_eq!(d["to"], json!(["keiri@aoyama.example.jp"]));
    assert!(d["error"].is_null());
    let audit = app.get(&format!("/api/v1/audit-logs?target_type=invoice&target_id={id}")).await.body;
    let actions: Vec<&str> = audit["items"].as_array().unwrap().iter().filter_map(|r| r["action"].as_str()).collect();
    assert!(actions.contains(&"invoice.sent") && actions.contains(&"invoice.send_queued"), "{actions:?}");
    assert!(job::Entity::find_by_id(job_id).one(app.app.db.conn()).await.unwrap().is_none());
    // Explicit recipients, validated.
    let r = app.post(&format!("/api/v1/invoices/{id}/send"), json!({"to": ["not an address"]})).await;
    assert_problem(&r, 422);
    assert_eq!(r.body["errors"][0]["field"], "to[0]");
    let r =
        app.post(&format!("/api/v1/invoices/{id}/send"), json!({"to": ["a@example.jp"], "cc": ["b@example.jp"]})).await;
    assert_eq!(r.status, 202);
    app.drain().await;
    let last = sink.received().pop().unwrap();
    assert_eq!(last.to, vec!["a@example.jp".to_owned(), "b@example.jp".to_owned()]);
    assert_ne!(last.header("Message-ID"), Some(message_id), "a new send is a new message");
}

#[tokio::test]
async fn four_hundred_fifty_one_three_times_then_delivered_on_the_fourth_try() {
    let (app, sink) = app_with_sink().await;
    let id = issued_invoice(&app).await;
    app.drain().await;
    sink.script(std::iter::repeat_n(Reply::Reject("451 4.3.0 try again later".into()), 3));
    let job_id = send(&app, id).await;
    let mut waits = Vec::new();
    for attempt in 1..=3 {
        assert_eq!(app.drain().await, 1, "attempt {attempt}");
        let w = wait_of(&app, job_id).await;
        waits.push(w);
        let d = delivery(&app, id).await;
        assert_eq!((d["status"].as_str(), d["error"].as_str()), (Some("queued"), Some("451 4.3.0 try again later")));
        assert_eq!(app.drain().await, 0, "not due before its time");
        app.clock.advance(Duration::from_secs(w as u64 + 1));
    }
    // 30 s × 2^(n−1) ± 20%.
    for (i, w) in waits.iter().enumerate() {
        let nominal = 30.0 * 2f64.powi(i as i32);
        assert!((*w as f64) >= nominal * 0.8 - 1.0 && (*w as f64) <= nominal * 1.2 + 1.0, "wait {i}: {w} s");
    }
    assert!(waits[0] < waits[1] && waits[1] < waits[2], "{waits:?}");
    assert_eq!(app.drain().await, 1);
    assert_eq!(sink.received().len(), 1, "one delivered copy");
    assert_eq!(sink.attempts(), 4);
    assert_eq!(delivery(&app, id).await["status"], "sent");
}

#[tokio::test]
async fn five_hundred_fifty_fails_at_once_with_the_reply_and_alerts_slack() {
    let hook = webhook().await;
    let sink = SmtpSink::start().await.unwrap();
    let mut cfg = mail_to(sink.port);
    cfg.slack_webhook_url = Some(hook.url.clone());
    let app = spawn_app_with(Options { app_config: Some(cfg), ..Options::default() }).await;
    let id = issued_invoice(&app).await;
    app.drain().await;
    sink.script([Reply::Reject("550 5.1.1 mailbox unavailable".into())]);
    send(&app, id).await;
    app.drain().await;
    assert_eq!(sink.attempts(), 1, "no retry");
    let d = delivery(&app, id).await;
    assert_eq!((d["status"].as_str(), d["error"].as_str()), (Some("failed"), Some("550 5.1.1 mailbox unavailable")));
    let failed = admin::failed(&app.app, None, 10).await.unwrap();
    assert_eq!(failed.len(), 1);
    assert_eq!((failed[0].job_type.as_str(), failed[0].attempts), ("mail.send", 1));
    assert_eq!(failed[0].last_error, "550 5.1.1 mailbox unavailable");
    let audit = app.get(&format!("/api/v1/audit-logs?target_type=invoice&target_id={id}")).await.body;
    assert_eq!(audit["items"][0]["action"], "invoice.send_failed");
    // The Slack alert goes through the queue.
    app.drain().await;
    let posts = hook.posts();
    assert_eq!(posts.len(), 1, "{posts:?}");
    assert!(posts[0]["text"].as_str().unwrap().contains("550 5.1.1 mailbox unavailable"));
}

#[tokio::test]
async fn a_refused_connection_is_retried_until_the_server_is_back() {
    // A port nobody listens on yet.
    let probe = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = probe.local_addr().unwrap().port();
    drop(probe);
    let app = spawn_app_with(Options { app_config: Some(mail_to(port)), ..Options::default() }).await;
    let id = issued_invoice(&app).await;
    app.drain().await;
    let job_id = send(&app, id).await;
    for _ in 0..2 {
        assert_eq!(app.drain().await, 1);
        assert_eq!(delivery(&app, id).await["status"], "queued");
        let w = wait_of(&app, job_id).await;
        app.clock.advance(Duration::from_secs(w as u64 + 1));
    }
    let sink = SmtpSink::serve(tokio::net::TcpListener::bind(("127.0.0.1", port)).await.unwrap());
    assert_eq!(app.drain().await, 1);
    assert_eq!(sink.received().len(), 1, "delivered once the server is back, nothing lost");
    assert_eq!(delivery(&app, id).await["status"], "sent");
}

#[tokio::test]
async fn a_connection_dropped_after_data_is_retried_with_the_same_message_id() {
    let (app, sink) = app_with_sink().await;
    let id = issued_invoice(&app).await;
    app.drain().await;
    sink.script([Reply::Drop]);
    let job_id = send(&app, id).await;
    assert_eq!(app.drain().await, 1);
    assert_eq!(delivery(&app, id).await["status"], "queued", "ambiguous: retried");
    app.clock.advance(Duration::from_secs(wait_of(&app, job_id).await as u64 + 1));
    assert_eq!(app.drain().await, 1);
    let got = sink.received();
    assert_eq!(got.len(), 2, "at most one duplicate");
    assert_eq!(got[0].header("Message-ID"), got[1].header("Message-ID"), "recognisable by its Message-ID");
    assert_eq!(delivery(&app, id).await["status"], "sent");
}

#[tokio::test]
async fn a_failed_write_after_250_does_not_send_again() {
    let (app, sink) = app_with_sink().await;
    let id = issued_invoice(&app).await;
    app.drain().await;
    app.app.failpoints.arm("mail.mark_sent", 2);
    send(&app, id).await;
    assert_eq!(app.drain().await, 1);
    assert_eq!(sink.received().len(), 1, "sent once");
    assert_eq!(delivery(&app, id).await["status"], "sent", "recorded on a later try");
    app.clock.advance(Duration::from_secs(3600));
    assert_eq!(app.drain().await, 0, "nothing left to send");
    assert_eq!(sink.received().len(), 1);
}

#[tokio::test]
async fn drafts_and_void_invoices_are_not_sent() {
    let (app, _sink) = app_with_sink().await;
    let c = app.customer("株式会社青山商事").await;
    let d = app.draft(c, "2026-11-30").await;
    let r = app.post(&format!("/api/v1/invoices/{}/send", d["id"]), json!({"to": ["a@example.jp"]})).await;
    assert_problem(&r, 409);
    let r = app.post(&format!("/api/v1/invoices/{}/send", d["id"]), json!({"bcc": []})).await;
    assert_problem(&r, 400);
    let i = app.issued(c, "2026-11-30").await;
    let r = app.post(&format!("/api/v1/invoices/{}/send", i["id"]), json!({})).await;
    assert_problem(&r, 422);
    assert_eq!(r.body["errors"][0]["field"], "to", "the customer has no address");
    let r = app.post(&format!("/api/v1/invoices/{}/void", i["id"]), json!({"reason": "誤発行"})).await;
    assert_eq!(r.status, 200);
    let r = app.post(&format!("/api/v1/invoices/{}/send", i["id"]), json!({"to": ["a@example.jp"]})).await;
    assert_problem(&r, 409);
}

/// A local Slack webhook that records what it is sent.
pub struct Webhook {
    pub url: String,
    posts: std::sync::Arc<std::sync::Mutex<Vec<serde_json::Value>>>,
}

impl Webhook {
    pub fn posts(&self) -> Vec<serde_json::Value> {
        self.posts.lock().unwrap().clone()
    }
}

pub async fn webhook() -> Webhook {
    use axum::routing::post;
    let posts = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let p = posts.clone();
    let router = axum::Router::new().route(
        "/hook",
        post(move |axum::Json(v): axum::Json<serde_json::Value>| {
            let p = p.clone();
            async move {
                p.lock().unwrap().push(v);
                "ok"
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/hook", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, router).await });
    Webhook { url, posts }
}

#[tokio::test]
async fn queue_alerts_open_once_and_clear_once() {
    let hook = webhook().await;
    let mut cfg =
        invoicepilot_app::config::AppConfig { slack_webhook_url: Some(hook.url.clone()), ..Default::default() };
    cfg.alerts.backlog = 2;
    let app = spawn_app_with(Options { app_config: Some(cfg), ..Options::default() }).await;
    let c = app.customer("株式会社青山商事").await;
    for _ in 0..3 {
        app.issued(c, "2026-11-30").await;
    }
    let posted = invoicepilot_app::alerts::check(&app.app).await.unwrap();
    assert_eq!(posted.len(), 1, "{posted:?}");
    assert!(invoicepilot_app::alerts::check(&app.app).await.unwrap().is_empty(), "once per incident");
    // Working the queue delivers the alert and clears the backlog.
    app.drain().await;
    let posted = invoicepilot_app::alerts::check(&app.app).await.unwrap();
    assert_eq!(posted.len(), 1);
    assert!(posted[0].contains("cleared"));
    app.drain().await;
    let posts = hook.posts();
    assert_eq!(posts.len(), 2, "{posts:?}");
    assert!(
        posts[0]["text"].as_str().unwrap().contains("backlog")
            && posts[1]["text"].as_str().unwrap().contains("cleared")
    );
}
