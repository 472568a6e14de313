//! The dashboard: 未入金合計, this month's sales, the overdue list, the aging chart (SVG laid
//! out on the server) and recent activity.

use super::failure::UiError;
use super::session::{Chrome, Signed};
use askama::Template;
use askama_web::WebTemplate;
use axum::response::{IntoResponse, Response};
use invoicepilot_app::dashboard::{self, AGING_BUCKETS, Dashboard, action_label, local_time, target_label};
use invoicepilot_domain::Yen;

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
    pub id: i64,
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
    pub chrome: Chrome,
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
    pub fn new(d: &Dashboard, chrome: Chrome) -> DashboardPage {
        const TOP: u32 = 20;
        const CHART: u32 = 130;
        let max = d.aging.iter().copied().max().unwrap_or(0).max(1);
        let aging = d
            .aging
            .iter()
            .enumerate()
            .map(|(i, amount)| {
                // Integer arithmetic, rounded half up: no floating point near money.
                let height = ((i128::from((*amount).max(0)) * i128::from(CHART) * 2 + i128::from(max))
                    / (2 * i128::from(max))) as u32;
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
            chrome,
            unpaid_total: Yen(d.unpaid_total).display_jp(),
            month_sales: Yen(d.month_sales).display_jp(),
            month_label: d.month.format("%Y年%-m月").to_string(),
            overdue_count: d.overdue_count,
            aging,
            overdue: d
                .overdue
                .iter()
                .map(|o| OverdueRow {
                    id: o.id,
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

/// `GET /`.
pub async fn show(s: Signed) -> Result<Response, UiError> {
    let d = dashboard::load(&s.app, &s.ctx).await?;
    Ok(DashboardPage::new(&d, s.chrome.at("dashboard")).into_response())
}
