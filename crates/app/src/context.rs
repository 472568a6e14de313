//! Who is acting, for which company, under which request.

use crate::error::AppError;
use invoicepilot_domain::{Permission, Role};

/// The author of a change, as the audit log records it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Actor {
    /// A signed-in user or token owner.
    User(i64),
    /// The system itself (CLI, jobs).
    System,
}

impl Actor {
    /// `"42"` for user 42, `"system"` otherwise.
    pub fn audit_name(&self) -> String {
        match self {
            Actor::User(id) => id.to_string(),
            Actor::System => "system".into(),
        }
    }
}

/// The scope of one use-case call.
#[derive(Debug, Clone)]
pub struct Ctx {
    /// Every query is scoped by this company.
    pub company_id: i64,
    /// Who acts.
    pub actor: Actor,
    /// The actor's role in the company.
    pub role: Role,
    /// Correlates the audit row with the request log.
    pub request_id: Option<String>,
}

impl Ctx {
    /// The system acting for a company (CLI commands).
    pub fn system(company_id: i64) -> Ctx {
        Ctx { company_id, actor: Actor::System, role: Role::Owner, request_id: None }
    }

    /// Refuses with 403 unless the role holds `permission`.
    pub fn require(&self, permission: Permission) -> Result<(), AppError> {
        if self.role.can(permission) { Ok(()) } else { Err(AppError::Forbidden) }
    }
}
