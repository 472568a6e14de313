//! The UI's route × role matrix against the checked-in access table, role changes taking
//! effect on the next request, CSRF and method rules for every state-changing route, and
//! logs free of secrets.

use crate::helpers::*;
use invoicepilot_domain::Role;
use invoicepilot_web::ui::access::{Access, UI_ROUTES};
use reqwest::redirect::Policy;
use serde_json::json;

const PASSWORD: &str = "correct horse battery staple";

fn browser() -> reqwest::Client {
    reqwest::Client::builder().redirect(Policy::none()).cookie_store(true).build().unwrap()
}

async fn signed_in(app: &TestApp, role: Role) -> (reqwest::Client, i64) {
    let email = format!("{}@example.com", role.code());
    let u = invoicepilot_app::accounts::create_user(&app.app, &email, PASSWORD, app.company_id, role).await.unwrap();
    let c = browser();
    let r = c.post(format!("{}/login", app.address)).form(&[("email", &email), ("password", &PASSWORD.into())]).send();
    assert_eq!(r.await.unwrap().status(), 303);
    (c, u.id)
}

/// A concrete path for a route pattern, using ids that exist in the company.
fn concrete(pattern: &str, ids: &Ids) -> String {
    let id = if pattern.starts_with("/customers/") {
        ids.customer
    } else if pattern.starts_with("/payments/") {
        ids.payment
    } else if pattern.starts_with("/settings/users/") {
        ids.member
    } else if pattern.starts_with("/tokens/") {
        ids.token
    } else if pattern.ends_with("/delete") || pattern.ends_with("/edit") || pattern == "/invoices/{id}" {
        ids.draft
    } else {
        ids.issued
    };
    pattern.replace("{id}", &id.to_string())
}

struct Ids {
    customer: i64,
    draft: i64,
    issued: i64,
    payment: i64,
    member: i64,
    token: i64,
}

#[tokio::test]
async fn every_ui_route_answers_as_the_access_table_says() {
    let app = spawn_app().await;
    // The table and the router agree both ways (a route missing from the table fails here).
    let registered = invoicepilot_web::ui::registered_routes();
    assert_eq!(registered.len(), UI_ROUTES.len());
    for (m, p, _) in UI_ROUTES {
        assert!(registered.contains(&(*m, *p)), "{m} {p} is in the table but not routed");
    }

    let customer = app.customer("株式会社マトリクス").await;
    let draft = app.draft(customer, "2026-11-01").await["id"].as_i64().unwrap();
    let issued = app.issued(customer, "2026-11-01").await["id"].as_i64().unwrap();
    let pay = app
        .post(
            "/api/v1/payments",
            json!({"customer_id": customer, "amount": 100, "received_on": "2026-11-20", "method": "cash"}),
        )
        .await;
    let member = new_token(&app.app, app.company_id, Role::Viewer, "target").await;
    let target = invoicepilot_app::accounts::authenticate(&app.app, &member).await.unwrap();
    let ids = Ids {
        customer,
        draft,
        issued,
        payment: pay.body["id"].as_i64().unwrap(),
        member: target.user_id,
        token: target.token_id,
    };

    // Least powerful first, so allowed writes of stronger roles cannot hide a refusal.
    let mut viewer = 0;
    for role in [Role::Viewer, Role::Accountant, Role::Admin, Role::Owner] {
        let (c, user_id) = signed_in(&app, role).await;
        if role == Role::Viewer {
            viewer = user_id;
        }
        // Logout last: it ends the session the rest of the matrix uses.
        let mut routes: Vec<_> = UI_ROUTES.iter().collect();
        routes.sort_by_key(|(_, p, _)| *p == "/logout");
        for (method, pattern, access) in routes {
            let path = concrete(pattern, &ids);
            let url = format!("{}{path}", app.address);
            let resp = match *method {
                "GET" => c.get(&url).send().await.unwrap(),
                _ => c
                    .post(&url)
                    .header("content-type", "application/x-www-form-urlencoded")
                    .body("")
                    .send()
                    .await
                    .unwrap(),
            };
            let status = resp.status().as_u16();
            if access.allows(role) {
                assert_ne!(status, 403, "{} may {method} {pattern} ({access:?})", role.code());
                assert!(status < 500, "{method} {pattern} as {}: {status}", role.code());
            } else {
                assert_eq!(status, 403, "{} may not {method} {pattern} ({access:?})", role.code());
            }
        }
    }
    // The viewer's pass changed nothing: no audit row carries the viewer as actor.
    let audit = app.get("/api/v1/audit-logs?limit=200").await.body;
    let viewer = viewer.to_string();
    assert!(audit["items"].as_array().unwrap().iter().all(|r| r["actor"].as_str() != Some(viewer.as_str())));
}

#[tokio::test]
async fn a_changed_role_applies_on_the_next_request() {
    let app = spawn_app().await;
    let (c, user_id) = signed_in(&app, Role::Admin).await;
    let settings = format!("{}/settings", app.address);
    assert_eq!(c.get(&settings).send().await.unwrap().status(), 200);
    let owner = invoicepilot_app::Ctx::system(app.company_id);
    invoicepilot_app::members::set_role(&app.app, &owner, user_id, Role::Viewer).await.unwrap();
    assert_eq!(c.get(&settings).send().await.unwrap().status(), 403, "the session sees the new role at once");
    assert_eq!(c.get(format!("{}/invoices", app.address)).send().await.unwrap().status(), 200);
    let r = c.post(format!("{}/customers", app.address)).form(&[("name", "書けないはず")]).send().await.unwrap();
    assert_eq!(r.status(), 403);
    let page = c.get(format!("{}/customers", app.address)).send().await.unwrap().text().await.unwrap();
    assert!(!page.contains("書けないはず"));
}

#[tokio::test]
async fn state_changing_routes_refuse_get_and_foreign_origins() {
    let app = spawn_app().await;
    let (c, _) = signed_in(&app, Role::Owner).await;
    for (method, pattern, _) in UI_ROUTES.iter().filter(|(m, _, _)| *m == "POST") {
        let path = pattern.replace("{id}", "1");
        let url = format!("{}{path}", app.address);
        if !UI_ROUTES.iter().any(|(m, p, _)| *m == "GET" && p == pattern) {
            assert_eq!(c.get(&url).send().await.unwrap().status(), 405, "GET {pattern}");
        }
        for (h, v) in [("origin", "https://evil.example"), ("sec-fetch-site", "cross-site")] {
            let r = c.post(&url).header(h, v).form(&[("name", "x")]).send().await.unwrap();
            assert_eq!(r.status(), 403, "{method} {pattern} with {h}: {v}");
        }
    }
    // Still signed in: none of the refused requests reached a handler (logout included).
    assert_eq!(c.get(format!("{}/", app.address)).send().await.unwrap().status(), 200);
}

#[tokio::test]
async fn public_routes_are_only_the_login_setup_and_assets() {
    let public: Vec<_> = UI_ROUTES.iter().filter(|(_, _, a)| *a == Access::Public).map(|(_, p, _)| *p).collect();
    for p in &public {
        assert!(
            ["/login", "/logout", "/setup", "/forgot", "/reset"].contains(p) || p.starts_with("/static/"),
            "{p} is public; is that intended?"
        );
    }
}

#[tokio::test]
async fn https_sessions_use_secure_host_cookies_and_hsts() {
    let app = spawn_app_with(Options { app_url: Some("https://keiri.example.jp"), ..Options::default() }).await;
    invoicepilot_app::accounts::create_user(&app.app, "tls@example.com", PASSWORD, app.company_id, Role::Viewer)
        .await
        .unwrap();
    let r = browser()
        .post(format!("{}/login", app.address))
        .header("origin", "https://keiri.example.jp")
        .form(&[("email", "tls@example.com"), ("password", PASSWORD)])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303, "APP_URL is the trusted origin");
    let cookie = r
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|c| c.starts_with("__Host-invoicepilot_session="))
        .expect("__Host- cookie")
        .to_owned();
    assert!(cookie.contains("Secure") && cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax"), "{cookie}");
    assert!(cookie.contains("Path=/") && !cookie.contains("Domain="), "{cookie}");
    assert!(r.headers()["strict-transport-security"].to_str().unwrap().contains("max-age="));
}

#[tokio::test]
async fn login_rotates_the_session_id() {
    let app = spawn_app().await;
    invoicepilot_app::accounts::create_user(&app.app, "rot@example.com", PASSWORD, app.company_id, Role::Viewer)
        .await
        .unwrap();
    let c = browser();
    let login = || async {
        let r = c
            .post(format!("{}/login", app.address))
            .form(&[("email", "rot@example.com"), ("password", PASSWORD)])
            .send()
            .await
            .unwrap();
        let set = r.headers().get("set-cookie").and_then(|v| v.to_str().ok()).unwrap_or_default().to_owned();
        set.split(';').next().unwrap_or_default().to_owned()
    };
    let first = login().await;
    let second = login().await;
    assert!(
        first.starts_with("invoicepilot_session=") && second.starts_with("invoicepilot_session="),
        "{first} / {second}"
    );
    assert_ne!(first, second, "a new id at every login");
    let old = reqwest::Client::builder().redirect(Policy::none()).build().unwrap();
    let r = old.get(format!("{}/", app.address)).header("cookie", &first).send().await.unwrap();
    assert_eq!(r.status(), 303, "the replaced id no longer signs anyone in");
}

#[tokio::test]
async fn logs_carry_no_password_token_or_session_id() {
    let app = spawn_app().await;
    let secret_password = "a very secret passphrase 12345";
    invoicepilot_app::accounts::create_user(&app.app, "logs@example.com", secret_password, app.company_id, Role::Owner)
        .await
        .unwrap();
    let c = browser();
    let bad = c
        .post(format!("{}/login", app.address))
        .form(&[("email", "logs@example.com"), ("password", "the wrong secret 999")])
        .send()
        .await
        .unwrap();
    assert_eq!(bad.status(), 401);
    let r = c
        .post(format!("{}/login", app.address))
        .form(&[("email", "logs@example.com"), ("password", secret_password)])
        .send()
        .await
        .unwrap();
    let session =
        r.headers()["set-cookie"].to_str().unwrap().split(';').next().unwrap().split('=').nth(1).unwrap().to_owned();
    let page = c.post(format!("{}/tokens", app.address)).form(&[("name", "ci")]).send().await.unwrap();
    assert_eq!(page.status(), 201);
    let html = page.text().await.unwrap();
    let token = html.split("<code id=\"new-token\">").nth(1).unwrap().split('<').next().unwrap().to_owned();
    assert!(token.starts_with("ip_"));
    let api = app.req_as(&token, "GET", "/api/v1/invoices", None, &[]).await;
    assert_eq!(api.status, 200);
    let failing = app.req_as(&format!("{token}x"), "GET", "/api/v1/invoices", None, &[]).await;
    assert_eq!(failing.status, 401);
    c.post(format!("{}/logout", app.address)).send().await.unwrap();

    let logs = captured_logs();
    assert!(logs.contains("request"), "the capture works: {} bytes", logs.len());
    for secret in [secret_password, "the wrong secret 999", &token, &session] {
        assert!(!logs.contains(secret), "the log contains a secret: {secret}");
    }
}
