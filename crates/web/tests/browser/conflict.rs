//! Two people edit the same draft: the second save shows who changed it and what differs,
//! and overwrites nothing.

use crate::driver::browser;
use crate::helpers::spawn_app;
use crate::{PASSWORD, user};
use invoicepilot_domain::Role;

#[tokio::test]
async fn the_second_save_of_a_draft_shows_the_conflict() {
    let app = spawn_app().await;
    let Some(a) = browser(&app.address, "conflict_first").await else { return };
    let Some(b) = browser(&app.address, "conflict_second").await else { return };
    let alice = user(&app, "alice@example.com", Role::Accountant).await;
    let bob = user(&app, "bob@example.com", Role::Accountant).await;
    let c = app.customer("株式会社青山商事").await;
    let draft = app.draft(c, "2026-11-30").await;
    let edit = format!("/invoices/{}/edit", draft["id"]);

    a.login(&alice, PASSWORD).await;
    b.login(&bob, PASSWORD).await;
    a.open(&edit).await;
    b.open(&edit).await;

    a.fill("textarea[name=notes]", "アリスの備考").await;
    a.click("#save-draft").await;
    assert_eq!(a.text("#invoice-status").await, "下書き");

    b.fill("tr.line:nth-child(1) input[name=description]", "ボブの品目").await;
    b.click("#save-draft").await;
    let msg = b.text("#conflict").await;
    assert!(msg.contains("他のユーザーが変更しました"), "{msg}");
    assert!(msg.contains("alice@example.com"), "who changed it: {msg}");
    assert!(msg.contains("ボブの品目") && msg.contains("アリスの備考"), "the differences: {msg}");
    // Bob's typing is still in his form, not lost and not saved.
    let typed = b.el("tr.line:nth-child(1) input[name=description]").await.prop("value").await.unwrap().unwrap();
    assert_eq!(typed, "ボブの品目");
    b.screenshot("conflict").await;

    let stored = app.get(&format!("/api/v1/invoices/{}", draft["id"])).await.body;
    assert_eq!(stored["notes"], "アリスの備考");
    assert_eq!(stored["lines"][0]["description"], "Webサイト保守（月額）", "nothing of Bob's was written");
    assert_eq!(stored["version"], 2);
    let audit = app.get(&format!("/api/v1/audit-logs?target_type=invoice&target_id={}", draft["id"])).await.body;
    let updates = audit["items"].as_array().unwrap().iter().filter(|r| r["action"] == "invoice.updated").count();
    assert_eq!(updates, 1);

    // Reloading shows Alice's version to Bob.
    b.click("#conflict a").await;
    b.wait_for_path(&edit).await;
    assert_eq!(b.text("textarea[name=notes]").await, "アリスの備考");
    a.close().await;
    b.close().await;
}
