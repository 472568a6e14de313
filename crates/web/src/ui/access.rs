//! The checked-in table of UI routes and who may use them. The `Signed` extractor looks
//! every request up here: a route missing from the table is refused for everyone (deny by
//! default), so forgetting an entry breaks loudly instead of opening a hole.

use invoicepilot_domain::{Permission, Role};

/// Who may use a route.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// Anyone, signed in or not (login, static assets, first-run setup).
    Public,
    /// Any signed-in member of the current company.
    SignedIn,
    /// Members whose role holds the permission.
    Needs(Permission),
}

impl Access {
    /// True when `role` may use a route with this access.
    pub fn allows(self, role: Role) -> bool {
        match self {
            Access::Public | Access::SignedIn => true,
            Access::Needs(p) => role.can(p),
        }
    }
}

use Access::{Needs, Public, SignedIn};
use Permission::{ManageCompany, ManageCustomers, ManageInvoices, ManagePayments, ManageUsers, Read, ReadAudit};

/// Method, path pattern (as routed) and access, for every UI route.
pub const UI_ROUTES: &[(&str, &str, Access)] = &[
    ("GET", "/", Needs(Read)),
    ("GET", "/login", Public),
    ("POST", "/login", Public),
    ("POST", "/logout", Public),
    ("GET", "/forgot", Public),
    ("POST", "/forgot", Public),
    ("GET", "/reset", Public),
    ("POST", "/reset", Public),
    ("GET", "/setup", Public),
    ("POST", "/setup", Public),
    ("GET", "/static/app.css", Public),
    ("GET", "/static/htmx.min.js", Public),
    ("GET", "/static/fonts/BIZUDPGothic-Regular.ttf", Public),
    ("GET", "/static/fonts/BIZUDPGothic-Bold.ttf", Public),
    ("POST", "/switch-company", SignedIn),
    ("POST", "/language", SignedIn),
    ("GET", "/customers", Needs(Read)),
    ("GET", "/customers/new", Needs(ManageCustomers)),
    ("POST", "/customers", Needs(ManageCustomers)),
    ("GET", "/customers/{id}/edit", Needs(ManageCustomers)),
    ("POST", "/customers/{id}", Needs(ManageCustomers)),
    ("POST", "/customers/{id}/payer-names", Needs(ManagePayments)),
    ("POST", "/payer-names/{id}/delete", Needs(ManagePayments)),
    ("GET", "/invoices", Needs(Read)),
    ("GET", "/invoices.csv", Needs(Read)),
    ("GET", "/invoices/new", Needs(ManageInvoices)),
    ("POST", "/invoices", Needs(ManageInvoices)),
    ("POST", "/invoices/preview", Needs(ManageInvoices)),
    ("GET", "/invoices/{id}", Needs(Read)),
    ("GET", "/invoices/{id}/edit", Needs(ManageInvoices)),
    ("POST", "/invoices/{id}", Needs(ManageInvoices)),
    ("POST", "/invoices/{id}/delete", Needs(ManageInvoices)),
    ("POST", "/invoices/{id}/issue", Needs(ManageInvoices)),
    ("POST", "/invoices/{id}/void", Needs(ManageInvoices)),
    ("POST", "/invoices/{id}/correct", Needs(ManageInvoices)),
    ("POST", "/invoices/{id}/credit-notes", Needs(ManageInvoices)),
    ("GET", "/credit-notes", Needs(Read)),
    ("GET", "/credit-notes/{id}/pdf", Needs(Read)),
    ("POST", "/invoices/{id}/send", Needs(ManageInvoices)),
    ("POST", "/invoices/{id}/issue-and-send", Needs(ManageInvoices)),
    ("POST", "/invoices/{id}/dunning-hold", Needs(ManageInvoices)),
    ("GET", "/invoices/{id}/history", Needs(ReadAudit)),
    ("GET", "/invoices/{id}/pdf", Needs(Read)),
    ("GET", "/payments", Needs(Read)),
    ("GET", "/payments/new", Needs(ManagePayments)),
    ("POST", "/payments", Needs(ManagePayments)),
    ("POST", "/payments/{id}/reverse", Needs(ManagePayments)),
    ("GET", "/quotes", Needs(Read)),
    ("GET", "/quotes/new", Needs(ManageInvoices)),
    ("POST", "/quotes", Needs(ManageInvoices)),
    ("GET", "/quotes/{id}", Needs(Read)),
    ("POST", "/quotes/{id}/issue", Needs(ManageInvoices)),
    ("POST", "/quotes/{id}/accept", Needs(ManageInvoices)),
    ("POST", "/quotes/{id}/decline", Needs(ManageInvoices)),
    ("GET", "/quotes/{id}/pdf", Needs(Read)),
    ("GET", "/recurring", Needs(Read)),
    ("POST", "/recurring", Needs(ManageInvoices)),
    ("POST", "/recurring/{id}/toggle", Needs(ManageInvoices)),
    ("POST", "/invoices/summary", Needs(ManageInvoices)),
    ("GET", "/bank", Needs(Read)),
    ("GET", "/exports", Needs(Read)),
    ("GET", "/exports/journal.csv", Needs(Read)),
    ("GET", "/exports/payments.csv", Needs(Read)),
    ("POST", "/bank/import", Needs(ManagePayments)),
    ("POST", "/bank/transactions/{id}/accept", Needs(ManagePayments)),
    ("POST", "/bank/transactions/{id}/assign", Needs(ManagePayments)),
    ("POST", "/bank/transactions/{id}/ignore", Needs(ManagePayments)),
    ("POST", "/bank/transactions/{id}/unmatch", Needs(ManagePayments)),
    ("GET", "/settings", Needs(ManageCompany)),
    ("POST", "/settings", Needs(ManageCompany)),
    ("POST", "/settings/numbering", Needs(ManageCompany)),
    ("POST", "/settings/seal", Needs(ManageCompany)),
    ("POST", "/settings/seal/delete", Needs(ManageCompany)),
    ("GET", "/settings/seal.png", Needs(ManageCompany)),
    ("GET", "/settings/users", Needs(ManageUsers)),
    ("POST", "/settings/users", Needs(ManageUsers)),
    ("POST", "/settings/users/{id}/role", Needs(ManageUsers)),
    ("GET", "/queue", Needs(ManageCompany)),
    ("POST", "/queue/retry-all", Needs(ManageCompany)),
    ("POST", "/queue/failed/{id}/retry", Needs(ManageCompany)),
    ("POST", "/queue/failed/{id}/forget", Needs(ManageCompany)),
    ("GET", "/tokens", SignedIn),
    ("POST", "/tokens", SignedIn),
    ("POST", "/tokens/{id}/revoke", SignedIn),
];

/// The access of `method path`, or `None` when the route is not in the table.
pub fn lookup(method: &str, path: &str) -> Option<Access> {
    UI_ROUTES.iter().find(|(m, p, _)| *m == method && *p == path).map(|(_, _, a)| *a)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_route_is_listed_twice() {
        for (i, (m, p, _)) in UI_ROUTES.iter().enumerate() {
            assert!(!UI_ROUTES[i + 1..].iter().any(|(m2, p2, _)| m == m2 && p == p2), "{m} {p} listed twice");
        }
    }

    #[test]
    fn viewers_read_but_never_write() {
        for (m, p, a) in UI_ROUTES {
            if *m == "POST" && matches!(a, Needs(_)) {
                assert!(!a.allows(Role::Viewer), "viewer may {m} {p}");
            }
        }
        assert_eq!(lookup("GET", "/invoices"), Some(Needs(Read)));
        assert_eq!(lookup("DELETE", "/invoices"), None);
    }
}
