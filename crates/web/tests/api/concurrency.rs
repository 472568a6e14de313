//! Concurrency: gapless numbers, optimistic locking and payments under parallel clients.

use crate::helpers::*;
use futures::future::join_all;
use invoicepilot_domain::Role;
use serde_json::json;
use std::collections::BTreeSet;
use std::sync::Arc;

async fn issue_many(app: Arc<TestApp>, token: String, customer: i64, clients: usize, total: usize) -> Vec<String> {
    let tasks = (0..clients).map(|i| {
        let per = total / clients + usize::from(i < total % clients);
        let app = app.clone();
        let token = token.clone();
        tokio::spawn(async move {
            let mut numbers = Vec::new();
            for _ in 0..per {
                let d = app
                    .req_as(&token, "POST", "/api/v1/invoices", Some(worked_example(customer, "2026-11-30")), &[])
                    .await;
                assert_eq!(d.status, 201, "{:?}", d.body);
                let r =
                    app.req_as(&token, "POST", &format!("/api/v1/invoices/{}/issue", d.body["id"]), None, &[]).await;
                assert_eq!(r.status, 200, "{:?}", r.body);
                numbers.push(r.body["number"].as_str().unwrap().to_owned());
            }
            numbers
        })
    });
    join_all(tasks).await.into_iter().flat_map(|r| r.expect("task")).collect()
}

fn assert_gapless(numbers: &[String], n: usize) {
    let set: BTreeSet<_> = numbers.iter().cloned().collect();
    assert_eq!(set.len(), numbers.len(), "duplicate numbers");
    assert_eq!(numbers.len(), n, "every issue answered with a number");
    let expected: BTreeSet<_> = (1..=n).map(|i| format!("I-2026-{i:04}")).collect();
    let missing: Vec<_> = expected.difference(&set).take(5).collect();
    let extra: Vec<_> = set.difference(&expected).take(5).collect();
    assert!(missing.is_empty() && extra.is_empty(), "gaps {missing:?}, unexpected {extra:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn sixteen_clients_issue_a_thousand_gapless_numbers() {
    let app = Arc::new(spawn_app().await);
    let c = app.customer("A").await;
    let numbers = issue_many(app.clone(), app.token.clone(), c, 16, 1000).await;
    assert_gapless(&numbers, 1000);
    eprintln!("[{}] 1000 invoices issued by 16 clients, gapless", backend_name());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_companies_have_independent_sequences() {
    let app = Arc::new(spawn_app().await);
    let c1 = app.customer("A").await;
    let other = invoicepilot_app::company::create(&app.app, "別会社", None).await.unwrap();
    let token2 = new_token(&app.app, other.model.id, Role::Accountant, "other").await;
    let r = app.req_as(&token2, "POST", "/api/v1/customers", Some(json!({"name": "B"})), &[]).await;
    let c2 = r.body["id"].as_i64().unwrap();
    let (a, b) = tokio::join!(
        issue_many(app.clone(), app.token.clone(), c1, 8, 120),
        issue_many(app.clone(), token2.clone(), c2, 8, 120)
    );
    assert_gapless(&a, 120);
    assert_gapless(&b, 120);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_puts_with_the_same_version_one_wins() {
    let app = Arc::new(spawn_app().await);
    let c = app.customer("A").await;
    for round in 0..5 {
        let d = app.draft(c, "2026-11-01").await;
        let path = format!("/api/v1/invoices/{}", d["id"]);
        let tasks = (0..2).map(|i| {
            let app = app.clone();
            let path = path.clone();
            tokio::spawn(async move {
                let mut body = worked_example(c, "2026-11-01");
                body["notes"] = json!(format!("writer {i}"));
                app.req("PUT", &path, Some(body), &[("If-Match", "\"1\"")]).await.status
            })
        });
        let mut statuses: Vec<u16> = join_all(tasks).await.into_iter().map(|r| r.unwrap()).collect();
        statuses.sort();
        assert_eq!(statuses, [200, 412], "round {round}");
        let audit = app
            .get(&format!("/api/v1/audit-logs?target_type=invoice&target_id={}&action=invoice.updated", d["id"]))
            .await;
        assert_eq!(audit.body["items"].as_array().unwrap().len(), 1, "round {round}");
        assert_eq!(app.get(&path).await.body["version"], 2);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn twenty_full_balance_payments_never_overpay() {
    let app = Arc::new(spawn_app().await);
    let c = app.customer("A").await;
    let inv = app.issued(c, "2026-11-01").await;
    let due = inv["amount_due"].as_i64().unwrap();
    let id = inv["id"].as_i64().unwrap();
    let tasks = (0..20).map(|i| {
        let app = app.clone();
        tokio::spawn(async move {
            let mut body =
                json!({"customer_id": c, "amount": due, "received_on": "2026-11-30", "method": "bank_transfer"});
            if i % 2 == 0 {
                body["allocations"] = json!([{"invoice_id": id, "amount": due}]);
            }
            app.post("/api/v1/payments", body).await
        })
    });
    let results: Vec<Resp> = join_all(tasks).await.into_iter().map(|r| r.unwrap()).collect();
    let mut payments_total = 0;
    let mut allocated_total = 0;
    for r in &results {
        match r.status {
            201 => {
                payments_total += r.body["amount"].as_i64().unwrap();
                allocated_total += r.body["allocations"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|a| a["amount"].as_i64().unwrap())
                    .sum::<i64>();
                assert_eq!(
                    r.body["amount"].as_i64().unwrap(),
                    r.body["unallocated"].as_i64().unwrap()
                        + r.body["allocations"]
                            .as_array()
                            .unwrap()
                            .iter()
                            .map(|a| a["amount"].as_i64().unwrap())
                            .sum::<i64>()
                );
            }
            422 => assert_problem(r, 422),
            other => panic!("unexpected status {other}: {:?}", r.body),
        }
    }
    let after = app.get(&format!("/api/v1/invoices/{id}")).await.body;
    assert_eq!(after["amount_paid"], due);
    assert_eq!(after["balance"], 0);
    assert_eq!(after["status"], "paid");
    assert_eq!(allocated_total, due, "Σ allocations = amount paid");
    let customer = app.get(&format!("/api/v1/customers/{c}")).await.body;
    assert_eq!(customer["credit_balance"].as_i64().unwrap(), payments_total - due, "the rest is credit");
}
