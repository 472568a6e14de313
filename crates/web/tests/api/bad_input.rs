//! Bad input gets 400/415/422 with a problem body, never 500.

use crate::helpers::*;
use serde_json::json;

#[tokio::test]
async fn malformed_bodies_are_400() {
    let app = spawn_app().await;
    let c = app.customer("A").await;
    for body in [
        &b"{\"name\":"[..],
        b"[]",
        b"null",
        b"{\"name\": \"x\", \"unknown\": 1}",
        b"{\"name\": 123}",
        b"{\"name\": \"\xff\xfe\"}",
        b"",
    ] {
        let r = app.raw("POST", "/api/v1/customers", body.to_vec(), Some("application/json")).await;
        assert_problem(&r, 400);
    }
    let mut wrong = worked_example(c, "2026-11-01");
    wrong["lines"][0]["unit_price"] = json!("abc");
    assert_problem(&app.post("/api/v1/invoices", wrong).await, 400);
    let mut wrong = worked_example(c, "2026-11-01");
    wrong["lines"][0]["colour"] = json!("red");
    assert_problem(&app.post("/api/v1/invoices", wrong).await, 400);
    let mut wrong = worked_example(c, "2026-11-01");
    wrong["customer_id"] = json!("1");
    assert_problem(&app.post("/api/v1/invoices", wrong).await, 400);
    assert_problem(&app.raw("POST", "/api/v1/customers", b"{\"name\":\"x\"}".to_vec(), None).await, 415);
    assert_problem(
        &app.raw("POST", "/api/v1/customers", b"name=x".to_vec(), Some("application/x-www-form-urlencoded")).await,
        415,
    );
    let huge = format!("{{\"name\": \"{}\"}}", "x".repeat(3 * 1024 * 1024));
    assert_problem(&app.raw("POST", "/api/v1/customers", huge.into_bytes(), Some("application/json")).await, 413);
}

#[tokio::test]
async fn rule_breaking_values_are_422_with_field_paths() {
    let app = spawn_app().await;
    let c = app.customer("A").await;
    let cases = [
        ("lines[0].quantity", json!({"quantity": "-1"})),
        ("lines[0].quantity", json!({"quantity": "abc"})),
        ("lines[0].quantity", json!({"quantity": "1.00001"})),
        ("lines[0].tax_rate", json!({"tax_rate": "7"})),
        ("lines[0].tax_rate", json!({"tax_rate": "5%"})),
        ("lines[0].description", json!({"description": "x".repeat(10_000)})),
        ("lines[0].description", json!({"description": ""})),
        ("lines[0].unit", json!({"unit": null})),
    ];
    for (field, patch) in cases {
        let mut body = worked_example(c, "2026-11-01");
        for (k, v) in patch.as_object().unwrap() {
            body["lines"][0][k] = v.clone();
        }
        let r = app.post("/api/v1/invoices", body).await;
        assert_problem(&r, 422);
        assert!(r.body["errors"].as_array().unwrap().iter().any(|e| e["field"] == field), "{field}: {:?}", r.body);
    }
    let r = app.post("/api/v1/customers", json!({"name": "x".repeat(10_000)})).await;
    assert_problem(&r, 422);
    assert_eq!(r.body["errors"][0]["field"], "name");
    assert_eq!(r.body["errors"][0]["code"], "too_long");
    for bad in [
        json!({"name": "x", "registration_number": "T123"}),
        json!({"name": "x", "email": "not-an-email"}),
        json!({"name": "x", "honorific": "殿"}),
        json!({"name": "x", "payment_terms": {"closing_day": 30, "months_after": 1, "payment_day": 31, "holiday_rule": "none"}}),
        json!({"name": "x", "payment_terms": {"closing_day": 31, "months_after": 9, "payment_day": 31, "holiday_rule": "none"}}),
        json!({"name": "x", "payment_terms": {"closing_day": 31, "months_after": 1, "payment_day": 31, "holiday_rule": "sometimes"}}),
        json!({"name": ""}),
        json!({}),
    ] {
        assert_problem(&app.post("/api/v1/customers", bad).await, 422);
    }
    let mut body = worked_example(c, "2026-11-31");
    assert_problem(&app.post("/api/v1/invoices", body.clone()).await, 422);
    body["issue_date"] = json!("2026-11-01");
    body["customer_id"] = json!(999_999);
    assert_problem(&app.post("/api/v1/invoices", body.clone()).await, 422);
    body["customer_id"] = json!(c);
    body.as_object_mut().unwrap().remove("lines");
    assert_problem(&app.post("/api/v1/invoices", body).await, 422);
    // A registration number with a wrong check digit is accepted with a warning flag.
    let r = app.post("/api/v1/customers", json!({"name": "x", "registration_number": "T2835678256246"})).await;
    assert_eq!(r.status, 201);
    assert_eq!(r.body["registration_number_valid"], false);
}

#[tokio::test]
async fn unknown_routes_and_ids() {
    let app = spawn_app().await;
    assert_problem(&app.get("/api/v1/nothing").await, 404);
    assert_problem(&app.get("/api/v1/invoices/abc").await, 404);
    assert_problem(&app.get("/api/v1/invoices/99999999999999999999").await, 404);
    assert_problem(&app.req("PATCH", "/api/v1/customers", None, &[]).await, 405);
}

#[tokio::test]
async fn health_reports_the_four_fields() {
    let app = spawn_app().await;
    let r = app.client.get(format!("{}/health", app.address)).send().await.unwrap();
    assert_eq!(r.status(), 200);
    let v: serde_json::Value = r.json().await.unwrap();
    let keys: Vec<_> = v.as_object().unwrap().keys().cloned().collect();
    assert_eq!(keys, ["database", "disk_space", "queue", "status"]);
    assert_eq!(v["database"], "connected");
    assert_eq!(v["queue"], "operational");
    assert!(v["disk_space"].as_str().unwrap().ends_with('%'));
}

#[tokio::test]
async fn every_response_carries_the_security_headers() {
    let app = spawn_app().await;
    for r in [app.get("/api/v1/invoices").await, app.get("/api/v1/nothing").await, app.get("/health").await] {
        let h = |n: &str| r.headers.get(n).and_then(|v| v.to_str().ok()).unwrap_or("").to_owned();
        let csp = h("content-security-policy");
        for part in ["frame-ancestors 'none'", "object-src 'none'", "base-uri 'none'", "script-src 'self'"] {
            assert!(csp.contains(part), "{csp}");
        }
        assert!(!csp.contains("unsafe-inline"));
        assert_eq!(h("x-content-type-options"), "nosniff");
        assert_eq!(h("referrer-policy"), "no-referrer");
        assert_eq!(h("strict-transport-security"), "", "no HSTS over plain http");
    }
}

#[tokio::test]
async fn a_lost_database_is_503_not_500() {
    let app = spawn_app().await;
    app.app.db.conn().close_by_ref().await.unwrap();
    let r = app.client.get(format!("{}/health", app.address)).send().await.unwrap();
    assert_eq!(r.status(), 503);
    let v: serde_json::Value = r.json().await.unwrap();
    assert_eq!(v["status"], "unhealthy");
    assert_eq!(v["database"], "disconnected");
    let r = app.get("/api/v1/invoices").await;
    assert_problem(&r, 503);
    assert!(r.body["request_id"].is_string(), "5xx bodies carry the request id: {:?}", r.body);
    let detail = r.body["detail"].as_str().unwrap();
    assert!(!detail.contains("sqlx") && !detail.contains("pool"), "no internals: {detail}");
}

/// Found by schemathesis: `i64::MIN` as a unit price overflowed `abs()` (a 500 in debug
/// builds, a limit silently passed in release) on every endpoint taking lines.
#[tokio::test]
async fn the_most_negative_unit_price_is_refused_everywhere() {
    let app = spawn_app().await;
    let c = app.customer("A").await;
    let line = serde_json::json!([{"description": "x", "quantity": "1", "unit": "式", "unit_price": i64::MIN, "tax_rate": "10"}]);
    for (path, body) in [
        ("/api/v1/invoices", serde_json::json!({"customer_id": c, "lines": line})),
        ("/api/v1/quotes", serde_json::json!({"customer_id": c, "lines": line})),
        (
            "/api/v1/recurring-invoices",
            serde_json::json!({"customer_id": c, "day_of_month": 1, "start_period": "2026-12", "lines": line}),
        ),
    ] {
        let r = app.post(path, body).await;
        assert_problem(&r, 422);
        assert_eq!(r.body["errors"][0]["field"], "lines[0].unit_price", "{path}: {:?}", r.body);
    }
}

/// JSON Schema counts `224.0` as an integer: a whole number written as a float is read as
/// one; a fraction is the wrong type (400); an integer too large for its field breaks a rule
/// (422 with the field's path), whichever way it is spelled.
#[tokio::test]
async fn whole_number_floats_are_integers_and_huge_integers_are_out_of_range() {
    let app = spawn_app().await;
    let c = app.customer("A").await;
    let mut body = worked_example(c, "2026-11-01");
    body["customer_id"] = json!(c as f64);
    body["lines"][0]["unit_price"] = json!(12345.0);
    let r = app.post("/api/v1/invoices", body).await;
    assert_eq!(r.status, 201, "{}", r.body);
    assert_eq!(r.body["lines"][0]["unit_price"], 12345);

    let mut body = worked_example(c, "2026-11-01");
    body["lines"][0]["unit_price"] = json!(12345.5);
    assert_problem(&app.post("/api/v1/invoices", body).await, 400);

    for huge in ["9223372036854775808", "1e20", "-1e19"] {
        let text = worked_example(c, "2026-11-01").to_string().replace("12345", huge);
        let r = app.raw("POST", "/api/v1/invoices", text.into_bytes(), Some("application/json")).await;
        assert_problem(&r, 422);
        assert_eq!(r.body["errors"][0]["field"], "lines[0].unit_price", "{huge}: {}", r.body);
        assert_eq!(r.body["errors"][0]["code"], "out_of_range");
    }
}

/// `If-Match` takes the forms the API hands out; a weak tag is well-formed but never
/// current (412); anything else, `*` included, is malformed (400).
#[tokio::test]
async fn if_match_forms() {
    let app = spawn_app().await;
    let c = app.customer("A").await;
    let path = format!("/api/v1/customers/{c}");
    let body = json!({"name": "A2"});
    for (tag, status) in [("W/\"1\"", 412), ("*", 400), ("\"abc\"", 400), ("\"-1\"", 400), ("1", 200)] {
        let r = app.req("PUT", &path, Some(body.clone()), &[("If-Match", tag)]).await;
        assert_problem_or(&r, status, tag);
    }
    let r = app.req("PUT", &path, Some(body.clone()), &[("If-Match", "\"2\"")]).await;
    assert_eq!(r.status, 200, "the quoted form: {}", r.body);
}

fn assert_problem_or(r: &Resp, status: u16, what: &str) {
    assert_eq!(r.status, status, "{what}: {}", r.body);
    if status >= 400 {
        assert_problem(r, status);
    }
}

/// An action's optional body may be the JSON `null`: no options, as with no body.
#[tokio::test]
async fn a_null_body_is_no_options() {
    let app = spawn_app().await;
    let c = app.post("/api/v1/customers", json!({"name": "A", "email": "keiri@a.example.jp"})).await.body["id"]
        .as_i64()
        .unwrap();
    let inv = app.issued(c, "2026-11-30").await;
    let path = format!("/api/v1/invoices/{}/send", inv["id"]);
    let r = app.raw("POST", &path, b"null".to_vec(), Some("application/json")).await;
    assert_eq!(r.status, 202, "{}", r.body);
}

/// Query parameters are documented as query parameters, with the bounds the handlers check.
#[tokio::test]
async fn list_limits_are_checked_as_documented() {
    let app = spawn_app().await;
    assert_problem(&app.get("/api/v1/customers?limit=201").await, 422);
    assert_problem(&app.get("/api/v1/customers?limit=0").await, 422);
    assert_eq!(app.get("/api/v1/customers?limit=200").await.status, 200);
    let doc = app.get("/api/openapi.json").await.body;
    let params = doc["paths"]["/api/v1/customers"]["get"]["parameters"].as_array().unwrap().clone();
    let limit = params.iter().find(|p| p["name"] == "limit").unwrap();
    assert_eq!(limit["in"], "query");
    assert_eq!((limit["schema"]["minimum"].as_i64(), limit["schema"]["maximum"].as_i64()), (Some(1), Some(200)));
    assert!(params.iter().all(|p| p["in"] == "query"), "{params:?}");
}

/// What the document says a field takes is what the handler takes: the export encodings
/// (spelled exactly), and e-mail addresses (a blank one is not "no address": `null` is).
#[tokio::test]
async fn documented_formats_are_the_accepted_ones() {
    let app = spawn_app().await;
    let doc = app.get("/api/openapi.json").await.body;
    let params = doc["paths"]["/api/v1/exports/payments"]["get"]["parameters"].as_array().unwrap().clone();
    let enc = params.iter().find(|p| p["name"] == "encoding").unwrap();
    assert_eq!(enc["schema"]["pattern"], invoicepilot_app::export::ENCODING_PATTERN);
    let period = "from=2026-11-01&to=2026-11-30";
    assert_eq!(app.get(&format!("/api/v1/exports/payments?{period}&encoding=cp932")).await.status, 200);
    assert_problem(&app.get(&format!("/api/v1/exports/payments?{period}&encoding=UTF8")).await, 422);

    assert_eq!(doc["components"]["schemas"]["CustomerInput"]["properties"]["email"]["format"], "email");
    for blank in ["", "  "] {
        let r = app.post("/api/v1/customers", json!({"name": "A", "email": blank})).await;
        assert_problem(&r, 422);
        assert_eq!(r.body["errors"][0]["field"], "email");
    }
    let r = app.post("/api/v1/customers", json!({"name": "A", "email": "a..b@example.jp"})).await;
    assert_problem(&r, 422);
    let r = app.post("/api/v1/customers", json!({"name": "A", "email": null})).await;
    assert_eq!(r.status, 201, "{}", r.body);
}

/// A request that asks for idempotency with a key that is not visible ASCII is refused; it is
/// not run without the protection it asked for.
#[tokio::test]
async fn an_unreadable_idempotency_key_is_422() {
    let app = spawn_app().await;
    let key = reqwest::header::HeaderValue::from_bytes(b"caf\xe9").unwrap();
    let r = app
        .client
        .post(format!("{}/api/v1/customers", app.address))
        .bearer_auth(&app.token)
        .header("idempotency-key", key)
        .json(&json!({"name": "A"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 422);
    assert_eq!(app.get("/api/v1/customers").await.body["items"].as_array().unwrap().len(), 0, "nothing was created");
}
