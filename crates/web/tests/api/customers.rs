//! Customers CRUD.

use crate::helpers::*;
use serde_json::json;

#[tokio::test]
async fn customer_lifecycle() {
    let app = spawn_app().await;
    let r = app
        .post(
            "/api/v1/customers",
            json!({"name": "株式会社青山商事", "name_kana": "アオヤマショウジ", "honorific": "御中", "email": "keiri@aoyama.example.jp",
                   "postal_code": "107-0062", "address": "東京都港区南青山1-1-1", "registration_number": "T7120001168421"}),
        )
        .await;
    assert_eq!(r.status, 201, "{:?}", r.body);
    assert_eq!(r.etag().as_deref(), Some("\"1\""));
    assert_eq!(r.body["registration_number_valid"], true);
    assert_eq!(r.body["payment_terms"], json!(null));
    let id = r.body["id"].as_i64().unwrap();
    app.post("/api/v1/customers", json!({"name": "山田太郎", "honorific": "様"})).await;

    let found = app.get("/api/v1/customers?q=%E3%82%A2%E3%82%AA%E3%83%A4%E3%83%9E").await; // アオヤマ
    assert_eq!(found.body["items"].as_array().unwrap().len(), 1);
    let found = app.get("/api/v1/customers?q=AOYAMA.EXAMPLE").await;
    assert_eq!(found.body["items"].as_array().unwrap().len(), 1);
    assert_eq!(app.get("/api/v1/customers?q=100%25").await.body["items"], json!([]));

    let path = format!("/api/v1/customers/{id}");
    let put = app
        .req(
            "PUT",
            &path,
            Some(json!({"name": "株式会社青山商事 経理部", "honorific": "様"})),
            &[("If-Match", "\"1\"")],
        )
        .await;
    assert_eq!(put.status, 200, "{:?}", put.body);
    assert_eq!(put.body["honorific"], "様");
    assert_eq!(put.body["email"], json!(null), "PUT replaces the whole customer");
    assert_eq!(put.body["version"], 2);
    let audit = app.get(&format!("/api/v1/audit-logs?target_type=customer&target_id={id}")).await;
    let updated = &audit.body["items"][0];
    assert_eq!(updated["action"], "customer.updated");
    assert_eq!(updated["changes"]["before"]["honorific"], "御中");
    assert_eq!(updated["changes"]["after"]["honorific"], "様");

    // A customer with invoices cannot be deleted.
    app.draft(id, "2026-11-01").await;
    assert_problem(&app.req("DELETE", &path, None, &[("If-Match", "2")]).await, 409);
    let lonely = app.customer("削除予定").await;
    let del = app.req("DELETE", &format!("/api/v1/customers/{lonely}"), None, &[("If-Match", "1")]).await;
    assert_eq!(del.status, 204);
    assert_problem(&app.get(&format!("/api/v1/customers/{lonely}")).await, 404);
}
