//! Company isolation and roles.

use crate::helpers::*;
use invoicepilot_domain::Role;
use serde_json::json;

#[tokio::test]
async fn another_companys_ids_are_not_found() {
    let app = spawn_app().await;
    let c = app.customer("A").await;
    let inv = app.issued(c, "2026-11-01").await;
    let draft = app.draft(c, "2026-11-01").await;
    let pay = app
        .post(
            "/api/v1/payments",
            json!({"customer_id": c, "amount": 100, "received_on": "2026-11-30", "method": "cash"}),
        )
        .await;
    let before = app.get(&format!("/api/v1/invoices/{}", draft["id"])).await.body;

    let other = invoicepilot_app::company::create(&app.app, "他社", None).await.unwrap();
    let t = new_token(&app.app, other.model.id, Role::Owner, "intruder").await;
    let any = [("If-Match", "1")];
    let (i, d, p) = (inv["id"].clone(), draft["id"].clone(), pay.body["id"].clone());
    let cases: Vec<(&str, String, Option<serde_json::Value>)> = vec![
        ("GET", format!("/api/v1/customers/{c}"), None),
        ("PUT", format!("/api/v1/customers/{c}"), Some(json!({"name": "hijack"}))),
        ("DELETE", format!("/api/v1/customers/{c}"), None),
        ("GET", format!("/api/v1/invoices/{i}"), None),
        ("PUT", format!("/api/v1/invoices/{d}"), Some(json!({"customer_id": c, "lines": []}))),
        ("DELETE", format!("/api/v1/invoices/{d}"), None),
        ("POST", format!("/api/v1/invoices/{d}/issue"), None),
        ("POST", format!("/api/v1/invoices/{i}/void"), Some(json!({"reason": "x"}))),
        ("GET", format!("/api/v1/payments/{p}"), None),
        ("POST", format!("/api/v1/payments/{p}/reverse"), None),
    ];
    for (method, path, body) in cases {
        let r = app.req_as(&t, method, &path, body, &any).await;
        assert_problem(&r, 404);
    }
    // Lists show nothing of the first company; body references are refused.
    assert_eq!(app.req_as(&t, "GET", "/api/v1/invoices", None, &[]).await.body["items"], json!([]));
    assert_eq!(
        app.req_as(&t, "GET", "/api/v1/audit-logs", None, &[]).await.body["items"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|r| r["target_type"] == "invoice")
            .count(),
        0
    );
    let r = app.req_as(&t, "POST", "/api/v1/invoices", Some(worked_example(c, "2026-11-01")), &[]).await;
    assert_problem(&r, 422);
    // Nothing changed.
    assert_eq!(app.get(&format!("/api/v1/invoices/{}", draft["id"])).await.body, before);
    assert_eq!(app.get(&format!("/api/v1/customers/{c}")).await.body["name"], "A");
}

#[tokio::test]
async fn roles_are_enforced() {
    let app = spawn_app().await;
    let c = app.customer("A").await;
    let viewer = new_token(&app.app, app.company_id, Role::Viewer, "viewer").await;
    let accountant = new_token(&app.app, app.company_id, Role::Accountant, "acct").await;
    assert_eq!(app.req_as(&viewer, "GET", "/api/v1/invoices", None, &[]).await.status, 200);
    assert_problem(
        &app.req_as(&viewer, "POST", "/api/v1/invoices", Some(worked_example(c, "2026-11-01")), &[]).await,
        403,
    );
    assert_problem(&app.req_as(&viewer, "POST", "/api/v1/customers", Some(json!({"name": "x"})), &[]).await, 403);
    assert_problem(&app.req_as(&viewer, "GET", "/api/v1/audit-logs", None, &[]).await, 403);
    assert_eq!(
        app.req_as(&accountant, "POST", "/api/v1/invoices", Some(worked_example(c, "2026-11-01")), &[]).await.status,
        201
    );
    assert_problem(
        &app.req_as(&accountant, "PUT", "/api/v1/company", Some(json!({"name": "x"})), &[("If-Match", "1")]).await,
        403,
    );
    assert_problem(&app.req_as("ip_not-a-token", "GET", "/api/v1/invoices", None, &[]).await, 401);
    let anon = app.client.get(format!("{}/api/v1/invoices", app.address)).send().await.unwrap();
    assert_eq!(anon.status(), 401);
}

#[tokio::test]
async fn rate_limit_answers_429_with_retry_after() {
    let app = spawn_app_with(Options { rate_limit: 1, ..Options::default() }).await;
    let mut limited = None;
    for _ in 0..15 {
        let r = app.get("/api/v1/customers").await;
        if r.status == 429 {
            limited = Some(r);
            break;
        }
    }
    let r = limited.expect("a burst of 10 at 1/s must be limited within 15 requests");
    assert_problem(&r, 429);
    assert!(r.headers.get("retry-after").is_some());
}

/// A client that sends its body slowly holds a connection until the body deadline (then
/// 408), never the database: on SQLite, whose writers queue for one lock, another client's
/// write goes through while the slow body is still arriving.
#[tokio::test]
async fn a_slow_body_holds_no_transaction_and_times_out() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let app = spawn_app().await;
    let config = invoicepilot_web::WebConfig {
        api_rate_limit: 0,
        storage_path: std::env::temp_dir(),
        app_url: None,
        trusted_proxies: vec![],
        body_deadline: std::time::Duration::from_secs(3),
    };
    let address = serve_instance_with(&app.app, config).await;
    let host = address.trim_start_matches("http://").to_owned();
    let mut slow = tokio::net::TcpStream::connect(&host).await.unwrap();
    let head = format!(
        "POST /api/v1/customers HTTP/1.1\r\nHost: {host}\r\nAuthorization: Bearer {}\r\n\
         Content-Type: application/json\r\nContent-Length: 40\r\n\r\n{{\"name\":",
        app.token
    );
    slow.write_all(head.as_bytes()).await.unwrap();

    // While the slow body is pending, a write on the same instance completes.
    let client = reqwest::Client::new();
    let r = client
        .post(format!("{address}/api/v1/customers"))
        .bearer_auth(&app.token)
        .json(&serde_json::json!({"name": "先に届いた取引先"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    let mut probe = [0u8; 1];
    let answered_early = tokio::time::timeout(std::time::Duration::from_millis(100), slow.peek(&mut probe)).await;
    assert!(answered_early.is_err(), "the slow request was answered before its deadline");

    // The deadline passes: 408 with a problem body, and nothing of the slow request is stored.
    let mut response = Vec::new();
    let read = tokio::time::timeout(std::time::Duration::from_secs(30), slow.read_to_end(&mut response)).await;
    let text = String::from_utf8_lossy(&response).into_owned();
    assert!(read.is_ok(), "no answer to the slow request");
    assert!(text.starts_with("HTTP/1.1 408"), "{text}");
    assert!(text.contains("application/problem+json"), "{text}");
    let list = app.get("/api/v1/customers").await;
    assert_eq!(list.body["items"].as_array().unwrap().len(), 1, "{}", list.body);
}
