//! Page templates (askama) and their view data.

use askama::Template;
use askama_web::WebTemplate;
use invoicepilot_app::dashboard::{AGING_BUCKETS, Dashboard, action_label, local_time, target_label};
use invoicepilot_domain::Yen;

/// `GET /login`.
#[derive(Template, WebTemplate)]
#[template(path = "login.html")]
pub struct LoginPage {
    /// Message above the form.
    pub error: Option<&'static str>,
    /// The e-mail typed before (never the password).
    pub email: String,
}

/// A message or error page.
#[derive(Template, WebTemplate)]
#[template(path = "message.html")]
pub struct MessagePage {
    /// Title.
    pub heading: String,
    /// Text.
    pub message: String,
    /// Request id, for support.
    pub request_id: Option<String>,
}

/// One bar of the aging chart, laid out on the server.
pub struct AgingBar {
    pub x: u32,
    pub y: u32,
    pub height: u32,
    pub label_x: u32,
    pub value_y: u32,
    pub label: &'static str,
    pub amount: String,
}

/// A row of the overdue table.
pub struct OverdueRow {
    pub number: String,
    pub customer: String,
    pub due_date: String,
    pub days: i64,
    pub balance: String,
}

/// A line of recent activity.
pub struct ActivityRow {
    pub at: String,
    pub action: String,
    pub target: String,
}

/// `GET /`.
#[derive(Template, WebTemplate)]
#[template(path = "dashboard.html")]
pub struct DashboardPage {
    pub company_name: String,
    pub user_email: String,
    pub unpaid_total: String,
    pub month_sales: String,
    pub month_label: String,
    pub overdue_count: usize,
    pub aging: Vec<AgingBar>,
    pub overdue: Vec<OverdueRow>,
    pub recent: Vec<ActivityRow>,
}

impl DashboardPage {
    /// Lays out the dashboard data.
    pub fn new(d: &Dashboard, company_name: String, user_email: String) -> DashboardPage {
        const TOP: u32 = 20;
        const CHART: u32 = 130;
        let max = d.aging.iter().copied().max().unwrap_or(0).max(1);
        let aging = d
            .aging
            .iter()
            .enumerate()
            .map(|(i, amount)| {
                let height = ((*amount as f64 / max as f64) * CHART as f64).round() as u32;
                let x = 20 + i as u32 * 105;
                AgingBar {
                    x,
                    y: TOP + CHART - height,
                    height,
                    label_x: x + 40,
                    value_y: (TOP + CHART - height).saturating_sub(4).max(12),
                    label: AGING_BUCKETS[i],
                    amount: Yen(*amount).display_jp(),
                }
            })
            .collect();
        DashboardPage {
            company_name,
            user_email,
            unpaid_total: Yen(d.unpaid_total).display_jp(),
            month_sales: Yen(d.month_sales).display_jp(),
            month_label: d.month.format("%Y年%-m月").to_string(),
            overdue_count: d.overdue_count,
            aging,
            overdue: d
                .overdue
                .iter()
                .map(|o| OverdueRow {
                    number: o.number.clone(),
                    customer: o.customer_name.clone(),
                    due_date: o.due_date.format("%Y年%-m月%-d日").to_string(),
                    days: o.days,
                    balance: Yen(o.balance).display_jp(),
                })
                .collect(),
            recent: d
                .recent
                .iter()
                .map(|a| ActivityRow {
                    at: local_time(&a.at, &d.time_zone),
                    action: action_label(&a.action).to_owned(),
                    target: match a.target_id {
                        Some(id) => format!("{} #{id}", target_label(&a.target_type)),
                        None => target_label(&a.target_type).to_owned(),
                    },
                })
                .collect(),
        }
    }
}
