//! End-to-end tests of the web UI in headless Chromium, driven through WebDriver.
//! Screenshots of every page visited land in `target/tmp/browser-screenshots/<test>/`.

#[allow(dead_code)]
#[path = "../api/helpers.rs"]
mod helpers;

mod conflict;
mod driver;
mod flow;
mod xss;

use helpers::TestApp;
use invoicepilot_domain::Role;

/// The password of every user these tests create.
pub const PASSWORD: &str = "correct horse battery staple";

/// Creates a user with a role in the test company and returns the e-mail.
pub async fn user(app: &TestApp, email: &str, role: Role) -> String {
    invoicepilot_app::accounts::create_user(&app.app, email, PASSWORD, app.company_id, role).await.expect("user");
    email.to_owned()
}
