//! Bank statements and 消込: importing 全銀協 and CSV statements once, matching incoming
//! transfers to open invoices, and the 未消込 queue where a person decides the rest.

mod import;
mod matcher;
mod payer_names;
mod queue;
mod view;

pub use import::ImportOutcome;
pub use import::{ImportFormat, ImportSummary, StatementImport, import_statement, list_statements};
pub use payer_names::{PayerNameInput, PayerNameView, add_payer_name, forget_payer_name, payer_names};
pub use queue::{
    AssignInput, accept_suggestion, assign, get_transaction, ignore, list_transactions, remember_payer_name, unmatch,
};
pub use view::{StatementView, SuggestionView, TransactionStatus, TransactionView};
