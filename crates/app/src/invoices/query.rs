//! Reading invoices: one, or a filtered, keyset-paginated list.

use super::view::{InvoiceView, build, lines_of, load_view};
use crate::App;
use crate::clock::today_in;
use crate::company;
use crate::context::Ctx;
use crate::customers::escape_like;
use crate::error::AppError;
use crate::input::Checker;
use crate::pagination::{Page, PageRequest};
use invoicepilot_domain::{InvoiceStatus, Permission};
use invoicepilot_store::entity::invoice;
use sea_orm::sea_query::{Expr, ExprTrait, Func, LikeExpr};
use sea_orm::{ColumnTrait, Condition, EntityTrait, QueryFilter, QueryOrder, QuerySelect};

/// `GET /invoices/{id}`.
pub async fn get(app: &App, ctx: &Ctx, id: i64) -> Result<InvoiceView, AppError> {
    ctx.require(Permission::Read)?;
    load_view(app, app.db.conn(), ctx.company_id, id).await
}

/// List filters, all combinable (AND), as raw query values.
#[derive(Debug, Default, Clone)]
pub struct InvoiceFilter {
    /// Status code.
    pub status: Option<String>,
    /// Customer.
    pub customer_id: Option<i64>,
    /// Issue date ≥.
    pub issue_date_from: Option<String>,
    /// Issue date ≤.
    pub issue_date_to: Option<String>,
    /// Total ≥.
    pub total_min: Option<i64>,
    /// Total ≤.
    pub total_max: Option<i64>,
    /// Overdue or not.
    pub overdue: Option<bool>,
    /// Number or customer name contains.
    pub q: Option<String>,
}

/// `GET /invoices`: newest first.
pub async fn list(app: &App, ctx: &Ctx, f: InvoiceFilter, page: PageRequest) -> Result<Page<InvoiceView>, AppError> {
    ctx.require(Permission::Read)?;
    let mut c = Checker::default();
    let status = f.status.as_deref().and_then(|s| c.parse("status", s.parse::<InvoiceStatus>()));
    let from = c.date("issue_date_from", f.issue_date_from.as_deref());
    let to = c.date("issue_date_to", f.issue_date_to.as_deref());
    c.finish(|| ())?;
    let settings = company::load(app, ctx.company_id).await?;
    let today = today_in(app.clock.as_ref(), &settings.model.time_zone);

    let mut q = invoice::Entity::find().filter(invoice::Column::CompanyId.eq(ctx.company_id));
    if let Some(s) = status {
        q = q.filter(invoice::Column::Status.eq(s.code()));
    }
    if let Some(cid) = f.customer_id {
        q = q.filter(invoice::Column::CustomerId.eq(cid));
    }
    if let Some(d) = from {
        q = q.filter(invoice::Column::IssueDate.gte(d));
    }
    if let Some(d) = to {
        q = q.filter(invoice::Column::IssueDate.lte(d));
    }
    if let Some(v) = f.total_min {
        q = q.filter(invoice::Column::Total.gte(v));
    }
    if let Some(v) = f.total_max {
        q = q.filter(invoice::Column::Total.lte(v));
    }
    let open = [InvoiceStatus::Issued.code(), InvoiceStatus::PartiallyPaid.code()];
    match f.overdue {
        Some(true) => {
            q = q
                .filter(invoice::Column::Status.is_in(open))
                .filter(invoice::Column::Balance.gt(0))
                .filter(invoice::Column::DueDate.lt(today));
        }
        Some(false) => {
            q = q.filter(
                Condition::any()
                    .add(invoice::Column::Status.is_not_in(open))
                    .add(invoice::Column::Balance.lte(0))
                    .add(invoice::Column::DueDate.is_null())
                    .add(invoice::Column::DueDate.gte(today)),
            );
        }
        None => {}
    }
    if let Some(text) = f.q.map(|s| s.trim().to_lowercase()).filter(|s| !s.is_empty()) {
        let pattern = format!("%{}%", escape_like(&text));
        let like = |col: invoice::Column| {
            Expr::expr(Func::lower(Expr::col(col))).like(LikeExpr::new(pattern.clone()).escape('\\'))
        };
        q = q.filter(Condition::any().add(like(invoice::Column::Number)).add(like(invoice::Column::CustomerName)));
    }
    if let Some(before) = page.before_id {
        q = q.filter(invoice::Column::Id.lt(before));
    }
    // The page's ids first, then only those rows in full: every filter is answered from an
    // index whatever the number of matches, and no wide row is read (or sorted) that is not
    // shown.
    let conn = app.db.conn();
    let ranged =
        (from.is_some() || to.is_some() || f.total_min.is_some() || f.total_max.is_some()) && f.customer_id.is_none();
    let order = if ranged {
        // With a date or amount range the planners of all three engines may walk the id index
        // backwards, filtering row by row, until the page is full: instant for this month,
        // a scan of most of the table for a window two years back. `id + 0` keeps the
        // ordering off that index, so the range's own (covering) index is read and only its
        // ids are sorted.
        Expr::cust("id + 0")
    } else {
        Expr::col(invoice::Column::Id)
    };
    let page_ids: Vec<i64> = q
        .select_only()
        .column(invoice::Column::Id)
        .order_by(order, sea_orm::Order::Desc)
        .limit(page.limit + 1)
        .into_tuple()
        .all(conn)
        .await?;
    let rows = if page_ids.is_empty() {
        Vec::new()
    } else {
        invoice::Entity::find()
            .filter(invoice::Column::Id.is_in(page_ids))
            .order_by_desc(invoice::Column::Id)
            .all(conn)
            .await?
    };
    let ids: Vec<i64> = rows.iter().take(page.limit as usize).map(|r| r.id).collect();
    let mut lines = lines_of(app.db.conn(), &ids).await?;
    Ok(Page::from_rows(
        rows,
        page.limit,
        |r| r.id,
        |m| {
            let l = lines.remove(&m.id).unwrap_or_default();
            build(m, l, today)
        },
    ))
}
