//! Payments, allocations, credit, reversal and idempotency.

use crate::helpers::*;
use serde_json::json;

#[tokio::test]
async fn partial_payment_then_rest_oldest_first() {
    let app = spawn_app().await;
    let c = app.customer("A").await;
    let old = app.issued(c, "2026-09-01").await;
    let new = app.issued(c, "2026-10-01").await;
    let total = old["total"].as_i64().unwrap();
    let r = app.post("/api/v1/payments", json!({"customer_id": c, "amount": 10000, "received_on": "2026-11-01", "method": "bank_transfer", "payer_name": "ｶ)ｻﾝﾌﾟﾙ"})).await;
    assert_eq!(r.status, 201, "{:?}", r.body);
    assert_eq!(r.body["allocations"], json!([{"invoice_id": old["id"], "amount": 10000}]));
    let o = app.get(&format!("/api/v1/invoices/{}", old["id"])).await.body;
    assert_eq!(o["status"], "partially_paid");
    assert_eq!(o["amount_paid"], 10000);
    assert_eq!(o["balance"], total - 10000);

    // The rest of the old one, then the new one, then credit.
    let r = app
        .post(
            "/api/v1/payments",
            json!({"customer_id": c, "amount": total * 2, "received_on": "2026-11-02", "method": "cash"}),
        )
        .await;
    assert_eq!(r.status, 201);
    assert_eq!(
        r.body["allocations"],
        json!([{"invoice_id": old["id"], "amount": total - 10000}, {"invoice_id": new["id"], "amount": total}])
    );
    assert_eq!(r.body["unallocated"], 10000);
    assert_eq!(app.get(&format!("/api/v1/invoices/{}", new["id"])).await.body["status"], "paid");
    assert_eq!(app.get(&format!("/api/v1/customers/{c}")).await.body["credit_balance"], 10000);
}

#[tokio::test]
async fn allocations_are_checked() {
    let app = spawn_app().await;
    let c = app.customer("A").await;
    let other = app.customer("B").await;
    let inv = app.issued(c, "2026-11-01").await;
    let inv_b = app.issued(other, "2026-11-01").await;
    let draft = app.draft(c, "2026-11-01").await;
    let total = inv["total"].as_i64().unwrap();
    let base = |allocs: serde_json::Value, amount: i64| json!({"customer_id": c, "amount": amount, "received_on": "2026-11-30", "method": "bank_transfer", "allocations": allocs});
    let over_balance =
        app.post("/api/v1/payments", base(json!([{"invoice_id": inv["id"], "amount": total + 1}]), total + 1)).await;
    assert_problem(&over_balance, 422);
    assert_eq!(over_balance.body["errors"][0]["field"], "allocations[0].amount");
    assert_problem(
        &app.post("/api/v1/payments", base(json!([{"invoice_id": inv["id"], "amount": 500}]), 100)).await,
        422,
    );
    assert_problem(
        &app.post("/api/v1/payments", base(json!([{"invoice_id": inv_b["id"], "amount": 100}]), 100)).await,
        422,
    );
    assert_problem(
        &app.post("/api/v1/payments", base(json!([{"invoice_id": draft["id"], "amount": 100}]), 100)).await,
        422,
    );
    assert_problem(
        &app.post("/api/v1/payments", base(json!([{"invoice_id": inv["id"], "amount": 0}]), 100)).await,
        422,
    );
    assert_problem(
        &app.post(
            "/api/v1/payments",
            json!({"customer_id": c, "amount": -5, "received_on": "2026-11-30", "method": "cash"}),
        )
        .await,
        422,
    );
    assert_problem(
        &app.post(
            "/api/v1/payments",
            json!({"customer_id": c, "amount": 5, "received_on": "2026-11-30", "method": "cheque"}),
        )
        .await,
        422,
    );
    // Nothing changed.
    assert_eq!(app.get(&format!("/api/v1/invoices/{}", inv["id"])).await.body["amount_paid"], 0);
    let list = app.get("/api/v1/payments").await;
    assert_eq!(list.body["items"].as_array().unwrap().len(), 0);
}

#[tokio::test]
async fn reversal_undoes_a_payment() {
    let app = spawn_app().await;
    let c = app.customer("A").await;
    let inv = app.issued(c, "2026-11-01").await;
    let total = inv["total"].as_i64().unwrap();
    let p = app
        .post(
            "/api/v1/payments",
            json!({"customer_id": c, "amount": total + 500, "received_on": "2026-11-30", "method": "bank_transfer"}),
        )
        .await;
    assert_eq!(app.get(&format!("/api/v1/invoices/{}", inv["id"])).await.body["status"], "paid");
    let void = app.post(&format!("/api/v1/invoices/{}/void", inv["id"]), json!({"reason": "x"})).await;
    assert_problem(&void, 409);

    let r = app.req("POST", &format!("/api/v1/payments/{}/reverse", p.body["id"]), None, &[]).await;
    assert_eq!(r.status, 201, "{:?}", r.body);
    assert_eq!(r.body["amount"], -(total + 500));
    assert_eq!(r.body["reverses_payment_id"], p.body["id"]);
    let after = app.get(&format!("/api/v1/invoices/{}", inv["id"])).await.body;
    assert_eq!(after["status"], "issued");
    assert_eq!(after["amount_paid"], 0);
    assert_eq!(after["balance"], total);
    assert_eq!(app.get(&format!("/api/v1/customers/{c}")).await.body["credit_balance"], 0);
    let original = app.get(&format!("/api/v1/payments/{}", p.body["id"])).await.body;
    assert_eq!(original["reversed_by_payment_id"], r.body["id"]);
    assert_problem(&app.req("POST", &format!("/api/v1/payments/{}/reverse", p.body["id"]), None, &[]).await, 409);
    assert_problem(&app.req("POST", &format!("/api/v1/payments/{}/reverse", r.body["id"]), None, &[]).await, 409);
}

#[tokio::test]
async fn idempotency_keys_replay_and_refuse_other_bodies() {
    let app = spawn_app().await;
    let c = app.customer("A").await;
    let body = worked_example(c, "2026-11-01");
    let key = [("Idempotency-Key", "order-42")];
    let first = app.req("POST", "/api/v1/invoices", Some(body.clone()), &key).await;
    assert_eq!(first.status, 201);
    let second = app.req("POST", "/api/v1/invoices", Some(body.clone()), &key).await;
    assert_eq!(second.status, 201);
    assert_eq!(second.body, first.body);
    assert_eq!(second.headers.get("idempotent-replayed").unwrap(), "true");
    assert_eq!(second.etag(), first.etag());
    let list = app.get("/api/v1/invoices").await;
    assert_eq!(list.body["items"].as_array().unwrap().len(), 1, "the replay created nothing");

    let mut other = body.clone();
    other["notes"] = json!("different");
    let r = app.req("POST", "/api/v1/invoices", Some(other), &key).await;
    assert_problem(&r, 422);

    // Payments too; another token's key space is separate.
    let inv = app.req("POST", &format!("/api/v1/invoices/{}/issue", first.body["id"]), None, &[]).await;
    let pay = json!({"customer_id": c, "amount": 1000, "received_on": "2026-11-30", "method": "cash", "allocations": [{"invoice_id": inv.body["id"], "amount": 1000}]});
    let a = app.req("POST", "/api/v1/payments", Some(pay.clone()), &[("Idempotency-Key", "pay-1")]).await;
    let b = app.req("POST", "/api/v1/payments", Some(pay.clone()), &[("Idempotency-Key", "pay-1")]).await;
    assert_eq!(a.status, 201);
    assert_eq!(b.body["id"], a.body["id"]);
    assert_eq!(app.get(&format!("/api/v1/invoices/{}", inv.body["id"])).await.body["amount_paid"], 1000);
}

#[tokio::test]
async fn a_key_still_in_flight_answers_409() {
    use invoicepilot_app::idempotency::{Claim, claim, fingerprint};
    let app = spawn_app().await;
    let c = app.customer("A").await;
    let body = worked_example(c, "2026-11-01");
    let token_id = invoicepilot_app::accounts::authenticate(&app.app, &app.token).await.unwrap().token_id;
    // Another request with this key and body has been claimed and is still running.
    let hash = fingerprint("POST", "/api/v1/invoices", body.to_string().as_bytes());
    let first = claim(&app.app, app.company_id, token_id, "slow-1", &hash).await.unwrap();
    assert!(matches!(first, Claim::Proceed(_)));
    let r = app.req("POST", "/api/v1/invoices", Some(body), &[("Idempotency-Key", "slow-1")]).await;
    assert_problem(&r, 409);
    assert_eq!(app.get("/api/v1/invoices").await.body["items"], json!([]));
}
