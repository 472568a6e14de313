//! Invoices: drafts, issuing with a gapless number, voiding, and queries.

mod correct;
mod draft;
mod input;
mod issue;
mod preview;
mod query;
mod summary;
mod view;

pub use correct::start_correction;
pub use draft::{create_draft, delete_draft, update_draft};
pub(crate) use draft::{insert_draft, lock_invoice, prepare_draft};
pub use input::{InvoiceInput, LineInputDto, QuantityValue, ValidDraft, ValidLine, validate, validate_lines};
pub use issue::{VoidInput, issue, issue_and_send, void};
pub(crate) use issue::{customer_snapshot, issuer_snapshot};
pub use preview::{Preview, is_blank, preview};
pub use query::{InvoiceFilter, get, list};
pub use summary::{SummaryInput, summarize};
pub use view::{InvoiceView, LineView, RateTotalView, frozen_rounding, load_view};
