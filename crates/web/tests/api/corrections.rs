//! 修正: an issued invoice is corrected by a new linked document; issuing it voids the
//! original with the link back, both kept, both in the audit history and the search.

use crate::helpers::*;
use serde_json::json;

#[tokio::test]
async fn a_correction_replaces_the_original_and_both_keep_their_links() {
    let app = spawn_app().await;
    let c = app.customer("株式会社青山商事").await;
    let original = app.issued(c, "2026-11-01").await;
    let oid = original["id"].as_i64().unwrap();
    let r = app.req("POST", &format!("/api/v1/invoices/{oid}/correct"), None, &[]).await;
    assert_eq!(r.status, 201, "{:?}", r.body);
    let draft = r.body;
    assert_eq!(draft["status"], "draft");
    assert_eq!(draft["corrects_invoice_id"], oid);
    assert_eq!(draft["lines"], original["lines"]);
    assert_eq!(draft["total"], original["total"]);
    // One pending correction at a time; the original is untouched until it is issued.
    assert_problem(&app.req("POST", &format!("/api/v1/invoices/{oid}/correct"), None, &[]).await, 409);
    assert_eq!(app.get(&format!("/api/v1/invoices/{oid}")).await.body["status"], "issued");

    // Fix a quantity, then issue: a new number, the original void and linked.
    let mut body = worked_example(c, "2026-11-01");
    body["lines"][0]["quantity"] = json!("3");
    let etag = format!("\"{}\"", draft["version"]);
    let put = app.req("PUT", &format!("/api/v1/invoices/{}", draft["id"]), Some(body), &[("If-Match", &etag)]).await;
    assert_eq!(put.status, 200, "{:?}", put.body);
    assert_eq!(put.body["corrects_invoice_id"], oid);
    let issued = app.req("POST", &format!("/api/v1/invoices/{}/issue", draft["id"]), None, &[]).await;
    assert_eq!(issued.status, 200, "{:?}", issued.body);
    assert_ne!(issued.body["number"], original["number"]);
    let old = app.get(&format!("/api/v1/invoices/{oid}")).await.body;
    assert_eq!(old["status"], "void");
    assert_eq!(old["corrected_by_invoice_id"], draft["id"]);
    assert_eq!(old["number"], original["number"], "the number stays used");
    assert!(old["void_reason"].as_str().unwrap().contains(issued.body["number"].as_str().unwrap()));

    // Both in the 電帳法 search, both audited with the link.
    let found =
        app.get(&format!("/api/v1/invoices?customer_id={c}&issue_date_from=2026-11-01&issue_date_to=2026-11-01")).await;
    assert_eq!(found.body["items"].as_array().unwrap().len(), 2);
    let h_old = app.get(&format!("/api/v1/audit-logs?target_type=invoice&target_id={oid}")).await.body;
    let actions: Vec<&str> = h_old["items"].as_array().unwrap().iter().map(|a| a["action"].as_str().unwrap()).collect();
    assert!(actions.contains(&"invoice.correction_started") && actions.contains(&"invoice.voided"), "{actions:?}");
    let h_new = app.get(&format!("/api/v1/audit-logs?target_type=invoice&target_id={}", draft["id"])).await.body;
    let issued_row =
        h_new["items"].as_array().unwrap().iter().find(|a| a["action"] == "invoice.issued").unwrap().clone();
    assert_eq!(issued_row["changes"]["corrects_invoice_id"], oid);
    assert_problem(&app.req("POST", &format!("/api/v1/invoices/{oid}/correct"), None, &[]).await, 409);
    let report = invoicepilot_app::check::run(&app.app).await.unwrap();
    assert!(report.violations.is_empty(), "{:?}", report.violations);

    // The corrected invoice's PDF names the one it replaces.
    let pdf = app
        .client
        .get(format!("{}/api/v1/invoices/{}/pdf", app.address, draft["id"]))
        .bearer_auth(&app.token)
        .send()
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();
    if let Some(t) = crate::pdf::text(&pdf) {
        let needle = format!("請求書 {} を修正したもの", original["number"].as_str().unwrap());
        assert!(t.contains(&needle), "{t}");
    }
}

#[tokio::test]
async fn paid_drafts_and_void_invoices_are_not_corrected_and_a_payment_meanwhile_stops_the_issue() {
    let app = spawn_app().await;
    let c = app.customer("株式会社青山商事").await;
    let draft = app.draft(c, "2026-11-01").await;
    assert_problem(&app.req("POST", &format!("/api/v1/invoices/{}/correct", draft["id"]), None, &[]).await, 409);

    let inv = app.issued(c, "2026-11-01").await;
    let fix = app.req("POST", &format!("/api/v1/invoices/{}/correct", inv["id"]), None, &[]).await.body;
    let pay = app
        .post(
            "/api/v1/payments",
            json!({"customer_id": c, "amount": 1000, "received_on": "2026-11-20", "method": "cash",
                   "allocations": [{"invoice_id": inv["id"], "amount": 1000}]}),
        )
        .await;
    assert_eq!(pay.status, 201);
    let r = app.req("POST", &format!("/api/v1/invoices/{}/issue", fix["id"]), None, &[]).await;
    assert_problem(&r, 409);
    assert_eq!(app.get(&format!("/api/v1/invoices/{}", fix["id"])).await.body["status"], "draft");
    assert_eq!(app.get(&format!("/api/v1/invoices/{}", inv["id"])).await.body["status"], "partially_paid");
    assert_problem(&app.req("POST", &format!("/api/v1/invoices/{}/correct", inv["id"]), None, &[]).await, 409);

    let other = app.issued(c, "2026-11-02").await;
    let v = app.post(&format!("/api/v1/invoices/{}/void", other["id"]), json!({"reason": "誤発行"})).await;
    assert_eq!(v.status, 200);
    assert_problem(&app.req("POST", &format!("/api/v1/invoices/{}/correct", other["id"]), None, &[]).await, 409);
}
