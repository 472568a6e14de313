//! `dev seed`: generated data satisfies every invariant `check` verifies, on every backend,
//! and the app keeps working on top of it (new numbers continue the seeded ones).

use crate::helpers::*;
use invoicepilot_app::check;
use invoicepilot_app::devtools::seed::{SeedOptions, seed};
use serde_json::json;

fn opts(t: &TestApp, customers: usize, invoices: usize) -> SeedOptions {
    SeedOptions { company_id: t.company_id, customers, invoices, seed: 7, environment: Some("local".into()) }
}

#[tokio::test]
async fn seeded_data_passes_the_integrity_check_and_the_app_carries_on() {
    let t = spawn_app().await;
    let existing = t.customer("株式会社既存").await;
    t.issued(existing, "2026-11-30").await;
    let calls = std::sync::Mutex::new(Vec::new());
    let summary =
        seed(&t.app, &opts(&t, 40, 12_000), &|done, total| calls.lock().unwrap().push((done, total))).await.unwrap();
    assert_eq!(summary.invoices, 12_000);
    assert_eq!(summary.customers, 40);
    assert_eq!(*calls.lock().unwrap(), vec![(5_000, 12_000), (10_000, 12_000), (12_000, 12_000)]);
    assert!(summary.paid > 6_000 && summary.partially_paid > 100 && summary.void > 20, "{summary:?}");
    assert!(summary.overdue > 50 && summary.credit_notes > 50 && summary.drafts > 20, "{summary:?}");
    assert!(summary.payments == summary.paid + summary.partially_paid, "{summary:?}");

    let report = check::run_for(&t.app, Some(t.company_id)).await.unwrap();
    assert!(report.violations.is_empty(), "{:?}", &report.violations[..report.violations.len().min(5)]);
    assert_eq!(report.invoices, 12_001);

    // The API reads the seeded rows, and what it writes next continues their numbering.
    let r = t.get("/api/v1/invoices?limit=5").await;
    assert_eq!(r.status, 200);
    assert_eq!(r.body["items"].as_array().unwrap().len(), 5);
    let r = t.get("/api/v1/invoices?overdue=true&limit=200").await;
    assert_eq!(r.body["items"].as_array().unwrap().len(), 200);
    let fresh = t.issued(existing, "2026-12-01").await;
    let number = fresh["number"].as_str().unwrap().to_owned();
    let r = t.get("/api/v1/customers?limit=100").await;
    assert_eq!(r.body["items"].as_array().unwrap().len(), 41, "new customers listed with their ids");
    let c = t.post("/api/v1/customers", json!({"name": "株式会社追加"})).await;
    assert_eq!(c.status, 201, "customer ids continue after the seeded ones: {}", c.body);
    let report = check::run_for(&t.app, Some(t.company_id)).await.unwrap();
    assert!(report.violations.is_empty(), "after {number}: {:?}", report.violations.first());
}

#[tokio::test]
async fn the_same_seed_draws_the_same_invoices() {
    let a = spawn_app().await;
    let b = spawn_app().await;
    let sa = seed(&a.app, &opts(&a, 5, 300), &|_, _| {}).await.unwrap();
    let sb = seed(&b.app, &opts(&b, 5, 300), &|_, _| {}).await.unwrap();
    assert_eq!((sa.paid, sa.void, sa.credit_notes, sa.payments), (sb.paid, sb.void, sb.credit_notes, sb.payments));
    assert_eq!(totals(&a).await, totals(&b).await);
}

async fn totals(t: &TestApp) -> Vec<serde_json::Value> {
    let r = t.get("/api/v1/invoices?limit=200").await;
    r.body["items"].as_array().unwrap().iter().map(|i| i["total"].clone()).collect()
}

#[tokio::test]
async fn seeding_is_refused_in_production_and_without_customers() {
    let t = spawn_app().await;
    let mut o = opts(&t, 5, 10);
    o.environment = Some("production".into());
    let e = seed(&t.app, &o, &|_, _| {}).await.unwrap_err();
    assert!(e.to_string().contains("APP_ENV=production"), "{e}");
    match seed(&t.app, &opts(&t, 0, 10), &|_, _| {}).await.unwrap_err() {
        invoicepilot_app::AppError::Validation(errs) => assert_eq!(errs[0].field, "customers"),
        other => panic!("{other}"),
    }
    let report = check::run_for(&t.app, Some(t.company_id)).await.unwrap();
    assert_eq!(report.invoices, 0, "nothing was written");
}

#[tokio::test]
async fn range_searches_page_newest_first_through_every_match() {
    use sea_orm::ConnectionTrait;
    let t = spawn_app().await;
    seed(&t.app, &opts(&t, 20, 3_000), &|_, _| {}).await.unwrap();
    let (from, to, lo, hi) = ("2025-06-01", "2025-09-30", 20_000, 200_000);
    let mut seen = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let mut path = format!(
            "/api/v1/invoices?issue_date_from={from}&issue_date_to={to}&total_min={lo}&total_max={hi}&limit=100"
        );
        if let Some(c) = &cursor {
            path.push_str(&format!("&cursor={c}"));
        }
        let r = t.get(&path).await;
        assert_eq!(r.status, 200, "{}", r.body);
        for i in r.body["items"].as_array().unwrap() {
            let date = i["issue_date"].as_str().unwrap();
            let total = i["total"].as_i64().unwrap();
            assert!((from..=to).contains(&date) && (lo..=hi).contains(&total), "{date} {total}");
            seen.push(i["id"].as_i64().unwrap());
        }
        match r.body["next_cursor"].as_str() {
            Some(c) => cursor = Some(c.to_owned()),
            None => break,
        }
    }
    assert!(seen.windows(2).all(|w| w[0] > w[1]), "newest first, each once");
    let sql = format!(
        "SELECT COUNT(*) AS n FROM invoices WHERE issue_date >= '{from}' AND issue_date <= '{to}' \
         AND total >= {lo} AND total <= {hi}"
    );
    let row = t.app.db.conn().query_one_raw(sea_orm::Statement::from_string(t.app.db.db_backend(), sql)).await;
    let n: i64 = row.unwrap().unwrap().try_get("", "n").unwrap();
    assert!(n > 100, "the window spans several pages: {n}");
    assert_eq!(seen.len() as i64, n, "every match listed");
}
