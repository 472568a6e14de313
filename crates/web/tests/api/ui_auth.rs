//! Browser-facing authentication over HTTP: login, sessions, throttling, CSRF.

use crate::helpers::*;
use invoicepilot_domain::Role;
use reqwest::redirect::Policy;

const PASSWORD: &str = "correct horse battery staple";

async fn user(app: &TestApp, email: &str) {
    invoicepilot_app::accounts::create_user(&app.app, email, PASSWORD, app.company_id, Role::Accountant).await.unwrap();
}

fn browser() -> reqwest::Client {
    reqwest::Client::builder().redirect(Policy::none()).cookie_store(true).build().unwrap()
}

async fn login(app: &TestApp, client: &reqwest::Client, email: &str, password: &str) -> reqwest::Response {
    client
        .post(format!("{}/login", app.address))
        .form(&[("email", email), ("password", password)])
        .send()
        .await
        .unwrap()
}

fn cookie(resp: &reqwest::Response) -> Option<String> {
    resp.headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|c| c.starts_with("invoicepilot_session="))
        .map(str::to_owned)
}

#[tokio::test]
async fn anonymous_visitors_are_sent_to_login() {
    let app = spawn_app().await;
    let r = browser().get(format!("{}/", app.address)).send().await.unwrap();
    assert_eq!(r.status(), 303);
    assert_eq!(r.headers()["location"], "/login");
    let r = browser().get(format!("{}/login", app.address)).send().await.unwrap();
    assert_eq!(r.status(), 200);
    assert!(r.headers()["content-security-policy"].to_str().unwrap().contains("frame-ancestors 'none'"));
    let html = r.text().await.unwrap();
    assert!(html.contains("<form method=\"post\" action=\"/login\">"), "{html}");
    assert!(html.contains("name=\"email\"") && html.contains("name=\"password\""));
}

#[tokio::test]
async fn login_dashboard_and_logout() {
    let app = spawn_app().await;
    user(&app, "keiri@example.com").await;
    let c = app.customer("株式会社青山商事").await;
    app.issued(c, "2026-09-01").await; // overdue by the test clock (2026-11-30)

    let b = browser();
    let r = b.get(format!("{}/", app.address)).header("cookie", "invoicepilot_session=forged-id").send().await.unwrap();
    assert_eq!(r.status(), 303);
    let r = login(&app, &b, "Keiri@Example.com", PASSWORD).await;
    assert_eq!(r.status(), 303, "{:?}", r.text().await);
    assert_eq!(r.headers()["location"], "/");
    let set = cookie(&r).expect("session cookie");
    assert!(set.contains("HttpOnly") && set.contains("SameSite=Lax") && set.contains("Path=/"), "{set}");
    assert!(!set.contains("Secure"), "plain http: no Secure flag");
    assert!(!set.contains("forged-id"), "a session id the client chose is never adopted");
    let session_value = set.split(';').next().unwrap().to_owned();

    let r = b.get(format!("{}/", app.address)).send().await.unwrap();
    assert_eq!(r.status(), 200);
    let html = r.text().await.unwrap();
    assert!(html.contains("ダッシュボード"));
    assert!(html.contains("株式会社テスト"));
    assert!(html.contains("¥30,682"), "unpaid total and overdue row show the invoice: {html}");
    assert!(html.contains("株式会社青山商事"));
    assert!(html.contains("I-2026-0001"));
    assert!(html.contains("<svg class=\"aging\""));

    let r = b.post(format!("{}/logout", app.address)).send().await.unwrap();
    assert_eq!(r.status(), 303);
    // The old cookie is dead server-side, even if a client kept it.
    let r = browser().get(format!("{}/", app.address)).header("cookie", &session_value).send().await.unwrap();
    assert_eq!(r.status(), 303, "logout invalidates the session on the server");
}

#[tokio::test]
async fn failures_look_the_same_for_known_and_unknown_emails() {
    let app = spawn_app().await;
    user(&app, "known@example.com").await;
    let known = login(&app, &browser(), "known@example.com", "wrong password!").await;
    let unknown = login(&app, &browser(), "nobody@example.com", "wrong password!").await;
    assert_eq!(known.status(), 401);
    assert_eq!(unknown.status(), 401);
    let (a, b) = (known.text().await.unwrap(), unknown.text().await.unwrap());
    assert_eq!(a.replace("known@example.com", "X"), b.replace("nobody@example.com", "X"));
    assert!(!a.contains("wrong password!"), "the password is never echoed");
}

#[tokio::test]
async fn five_failures_lock_an_email_even_for_the_right_password() {
    let app = spawn_app().await;
    user(&app, "target@example.com").await;
    for _ in 0..5 {
        assert_eq!(login(&app, &browser(), "target@example.com", "guess").await.status(), 401);
    }
    let r = login(&app, &browser(), "target@example.com", PASSWORD).await;
    assert_eq!(r.status(), 429);
    let retry: u64 = r.headers()["retry-after"].to_str().unwrap().parse().unwrap();
    assert!((1..=900).contains(&retry), "{retry}");
    // Unknown e-mails are locked the same way.
    for _ in 0..5 {
        login(&app, &browser(), "ghost@example.com", "guess").await;
    }
    assert_eq!(login(&app, &browser(), "ghost@example.com", "guess").await.status(), 429);
    // After the window the right password works again.
    app.clock.set("2026-11-30T01:16:00Z".parse().unwrap());
    assert_eq!(login(&app, &browser(), "target@example.com", PASSWORD).await.status(), 303);
}

#[tokio::test]
async fn twenty_failures_lock_an_address() {
    let app = spawn_app().await;
    user(&app, "fresh@example.com").await;
    for i in 0..20 {
        assert_eq!(login(&app, &browser(), &format!("spray{i}@example.com"), "guess").await.status(), 401);
    }
    assert_eq!(login(&app, &browser(), "fresh@example.com", PASSWORD).await.status(), 429);
}

#[tokio::test]
async fn behind_a_trusted_proxy_the_forwarded_address_is_throttled_not_the_proxy() {
    let app = spawn_app_with(Options { behind_proxy: true, ..Default::default() }).await;
    user(&app, "fresh@example.com").await;
    let from = |ip: &'static str, email: String, password: &'static str| {
        browser()
            .post(format!("{}/login", app.address))
            .header("x-forwarded-for", ip)
            .form(&[("email", email), ("password", password.to_owned())])
            .send()
    };
    for i in 0..20 {
        assert_eq!(from("203.0.113.7", format!("spray{i}@example.com"), "guess").await.unwrap().status(), 401);
    }
    assert_eq!(from("203.0.113.7", "fresh@example.com".into(), PASSWORD).await.unwrap().status(), 429);
    // Another client behind the same proxy is not locked out with the sprayer.
    assert_eq!(from("198.51.100.20", "fresh@example.com".into(), PASSWORD).await.unwrap().status(), 303);
    // A client cannot pick its address: only the proxy's own hop (the right-most) counts.
    assert_eq!(from("198.51.100.99, 203.0.113.7", "fresh@example.com".into(), PASSWORD).await.unwrap().status(), 429);
}

#[tokio::test]
async fn cross_site_posts_are_refused_and_state_changes_refuse_get() {
    let app = spawn_app().await;
    user(&app, "csrf@example.com").await;
    let b = browser();
    assert_eq!(login(&app, &b, "csrf@example.com", PASSWORD).await.status(), 303);
    let r = b.post(format!("{}/logout", app.address)).header("origin", "https://evil.example").send().await.unwrap();
    assert_eq!(r.status(), 403);
    let r = b.post(format!("{}/logout", app.address)).header("sec-fetch-site", "cross-site").send().await.unwrap();
    assert_eq!(r.status(), 403);
    let r = b
        .post(format!("{}/login", app.address))
        .header("origin", "https://evil.example")
        .form(&[("email", "csrf@example.com"), ("password", PASSWORD)])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
    let r = b.get(format!("{}/logout", app.address)).send().await.unwrap();
    assert_eq!(r.status(), 405);
    // Still signed in: nothing above changed the session.
    assert_eq!(b.get(format!("{}/", app.address)).send().await.unwrap().status(), 200);
    // The bearer-token API is not subject to the cookie CSRF checks.
    let r = app
        .req(
            "POST",
            "/api/v1/customers",
            Some(serde_json::json!({"name": "x"})),
            &[("origin", "https://evil.example"), ("sec-fetch-site", "cross-site")],
        )
        .await;
    assert_eq!(r.status, 201);
}

#[tokio::test]
async fn fonts_and_styles_come_from_the_application() {
    let app = spawn_app().await;
    let css = browser().get(format!("{}/static/app.css", app.address)).send().await.unwrap();
    assert_eq!(css.status(), 200);
    let css = css.text().await.unwrap();
    assert!(css.contains("/static/fonts/BIZUDPGothic-Regular.ttf"));
    assert!(!css.contains("http://") && !css.contains("https://"), "no external assets");
    let font = browser().get(format!("{}/static/fonts/BIZUDPGothic-Regular.ttf", app.address)).send().await.unwrap();
    assert_eq!(font.status(), 200);
    assert_eq!(font.headers()["content-type"], "font/ttf");
    assert!(font.bytes().await.unwrap().len() > 1_000_000);
}
