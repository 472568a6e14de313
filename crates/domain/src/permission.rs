//! Roles and the permission table that both the API and the UI enforce.

use serde::{Deserialize, Serialize};
use std::str::FromStr;

/// A user's role within one company.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Everything, including the company itself.
    Owner,
    /// Everything but ownership matters.
    Admin,
    /// Day-to-day bookkeeping: customers, invoices, payments.
    Accountant,
    /// Read only.
    Viewer,
}

/// Something a request wants to do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Permission {
    /// Read any business data of the company.
    Read,
    /// Create and change customers.
    ManageCustomers,
    /// Create, edit, issue and void invoices.
    ManageInvoices,
    /// Record and reverse payments.
    ManagePayments,
    /// Change company settings.
    ManageCompany,
    /// Read the audit log.
    ReadAudit,
    /// Add users to the company and change their roles.
    ManageUsers,
}

/// The checked-in permission table: which roles hold which permission.
pub const PERMISSIONS: &[(Permission, &[Role])] = &[
    (Permission::Read, &[Role::Owner, Role::Admin, Role::Accountant, Role::Viewer]),
    (Permission::ManageCustomers, &[Role::Owner, Role::Admin, Role::Accountant]),
    (Permission::ManageInvoices, &[Role::Owner, Role::Admin, Role::Accountant]),
    (Permission::ManagePayments, &[Role::Owner, Role::Admin, Role::Accountant]),
    (Permission::ManageCompany, &[Role::Owner, Role::Admin]),
    (Permission::ReadAudit, &[Role::Owner, Role::Admin, Role::Accountant]),
    (Permission::ManageUsers, &[Role::Owner, Role::Admin]),
];

impl Role {
    /// Every role, most powerful first.
    pub const ALL: [Role; 4] = [Role::Owner, Role::Admin, Role::Accountant, Role::Viewer];

    /// The role's name on screen.
    pub fn label_ja(self) -> &'static str {
        match self {
            Role::Owner => "オーナー",
            Role::Admin => "管理者",
            Role::Accountant => "経理担当",
            Role::Viewer => "閲覧のみ",
        }
    }

    /// The database and CLI code.
    pub fn code(self) -> &'static str {
        match self {
            Role::Owner => "owner",
            Role::Admin => "admin",
            Role::Accountant => "accountant",
            Role::Viewer => "viewer",
        }
    }

    /// True when the table grants `permission` to this role.
    pub fn can(self, permission: Permission) -> bool {
        PERMISSIONS.iter().any(|(p, roles)| *p == permission && roles.contains(&self))
    }
}

impl FromStr for Role {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "owner" => Ok(Role::Owner),
            "admin" => Ok(Role::Admin),
            "accountant" => Ok(Role::Accountant),
            "viewer" => Ok(Role::Viewer),
            other => Err(format!("unknown role {other:?} (owner, admin, accountant, viewer)")),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn viewers_only_read() {
        assert!(Role::Viewer.can(Permission::Read));
        assert!(!Role::Viewer.can(Permission::ManageInvoices));
        assert!(!Role::Viewer.can(Permission::ReadAudit));
    }

    #[test]
    fn company_settings_need_admin() {
        assert!(Role::Owner.can(Permission::ManageCompany));
        assert!(Role::Admin.can(Permission::ManageCompany));
        assert!(!Role::Accountant.can(Permission::ManageCompany));
        assert!(Role::Accountant.can(Permission::ManagePayments));
    }
}
