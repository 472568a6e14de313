//! Quotes (見積書): drafts priced like invoices, their own gapless series, accepted into an
//! invoice draft in one step, declined, expired.

use crate::helpers::*;
use serde_json::json;

#[tokio::test]
async fn a_quote_is_issued_accepted_and_becomes_an_invoice_draft() {
    let app = spawn_app().await;
    let c = app.customer("株式会社青山商事").await;
    let mut body = worked_example(c, "2026-11-20");
    body.as_object_mut().unwrap().remove("due_date");
    body["valid_until"] = json!("2026-12-20");
    body["subject"] = json!("保守契約のお見積り");
    let q = app.post("/api/v1/quotes", body.clone()).await;
    assert_eq!(q.status, 201, "{:?}", q.body);
    assert_eq!(q.body["status"], "draft");
    assert!(q.body["number"].is_null());
    // Priced exactly like the same invoice.
    let mut as_invoice = worked_example(c, "2026-11-20");
    as_invoice.as_object_mut().unwrap().remove("due_date");
    let inv = app.post("/api/v1/invoices", as_invoice).await.body;
    for k in ["subtotal", "tax_total", "total", "tax_breakdown", "lines"] {
        assert_eq!(q.body[k], inv[k], "{k}");
    }
    let id = q.body["id"].as_i64().unwrap();
    assert_problem(&app.req("POST", &format!("/api/v1/quotes/{id}/accept"), None, &[]).await, 409);

    let issued = app.req("POST", &format!("/api/v1/quotes/{id}/issue"), None, &[]).await;
    assert_eq!(issued.status, 200, "{:?}", issued.body);
    assert_eq!(issued.body["status"], "sent");
    assert_eq!(issued.body["number"], "Q-2026-0001");
    let put = app.req("PUT", &format!("/api/v1/quotes/{id}"), Some(body.clone()), &[("If-Match", "\"2\"")]).await;
    assert_problem(&put, 409);

    let accepted = app.req("POST", &format!("/api/v1/quotes/{id}/accept"), None, &[]).await;
    assert_eq!(accepted.status, 201, "{:?}", accepted.body);
    assert_eq!(accepted.body["quote"]["status"], "accepted");
    let invoice = &accepted.body["invoice"];
    assert_eq!(invoice["status"], "draft");
    assert_eq!(accepted.body["quote"]["invoice_id"], invoice["id"]);
    assert_eq!(invoice["lines"], q.body["lines"]);
    assert_eq!(invoice["total"], q.body["total"]);
    assert!(invoice["notes"].as_str().unwrap().contains("Q-2026-0001"));
    assert_problem(&app.req("POST", &format!("/api/v1/quotes/{id}/accept"), None, &[]).await, 409);
    let audit = app.get(&format!("/api/v1/audit-logs?target_type=quote&target_id={id}")).await.body;
    let actions: Vec<&str> = audit["items"].as_array().unwrap().iter().map(|a| a["action"].as_str().unwrap()).collect();
    assert_eq!(actions, ["quote.accepted", "quote.issued", "quote.created"]);

    // A second quote takes the next number; a declined one stays declined.
    let q2 = app.post("/api/v1/quotes", body).await.body;
    let n2 = app.req("POST", &format!("/api/v1/quotes/{}/issue", q2["id"]), None, &[]).await.body;
    assert_eq!(n2["number"], "Q-2026-0002");
    let d = app.req("POST", &format!("/api/v1/quotes/{}/decline", q2["id"]), None, &[]).await;
    assert_eq!(d.body["status"], "declined");
    assert_problem(&app.req("POST", &format!("/api/v1/quotes/{}/accept", q2["id"]), None, &[]).await, 409);
    let report = invoicepilot_app::check::run(&app.app).await.unwrap();
    assert!(report.violations.is_empty(), "{:?}", report.violations);

    let pdf =
        app.client.get(format!("{}/api/v1/quotes/{id}/pdf", app.address)).bearer_auth(&app.token).send().await.unwrap();
    assert_eq!(pdf.status(), 200);
    if let Some(t) = crate::pdf::text(&pdf.bytes().await.unwrap()) {
        for needle in ["御見積書", "Q-2026-0001", "有効期限", "2026年12月20日", "保守契約のお見積り"]
        {
            assert!(t.contains(needle), "{needle}:\n{t}");
        }
    }
}

#[tokio::test]
async fn a_quote_past_its_validity_is_expired_and_cannot_be_accepted() {
    let app = spawn_app().await;
    let c = app.customer("株式会社青山商事").await;
    let mut body = worked_example(c, "2026-11-01");
    body.as_object_mut().unwrap().remove("due_date");
    body["valid_until"] = json!("2026-11-02");
    let q = app.post("/api/v1/quotes", body).await.body;
    let id = q["id"].as_i64().unwrap();
    app.req("POST", &format!("/api/v1/quotes/{id}/issue"), None, &[]).await;
    // Today (the test clock) is after 2026-11-02.
    let now = app.get(&format!("/api/v1/quotes/{id}")).await.body;
    assert_eq!(now["status"], "expired");
    let expired = app.get("/api/v1/quotes?status=expired").await.body;
    assert_eq!(expired["items"].as_array().unwrap().len(), 1);
    assert!(app.get("/api/v1/quotes?status=sent").await.body["items"].as_array().unwrap().is_empty());
    let r = app.req("POST", &format!("/api/v1/quotes/{id}/accept"), None, &[]).await;
    assert_problem(&r, 409);
    assert!(r.body["detail"].as_str().unwrap_or_default().contains("expired"), "{:?}", r.body);
    assert_problem(&app.get("/api/v1/quotes?status=nope").await, 422);

    // Drafts are edited and deleted with If-Match; bad input names the field.
    let bad = app.post("/api/v1/quotes", json!({"customer_id": c, "lines": [], "valid_until": "2026-02-30"})).await;
    assert_problem(&bad, 422);
    assert_eq!(bad.body["errors"][0]["field"], "valid_until");
    let draft = app.post("/api/v1/quotes", json!({"customer_id": c, "lines": []})).await.body;
    assert_problem(&app.req("POST", &format!("/api/v1/quotes/{}/issue", draft["id"]), None, &[]).await, 409);
    let del = app.req("DELETE", &format!("/api/v1/quotes/{}", draft["id"]), None, &[("If-Match", "\"1\"")]).await;
    assert_eq!(del.status, 204);
    assert_eq!(app.get(&format!("/api/v1/quotes/{}", draft["id"])).await.status, 404);
}
