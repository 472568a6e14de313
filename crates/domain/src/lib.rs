//! Pure business rules of InvoicePilot: no I/O, no async.
//!
//! Everything that decides an amount, a number or a date lives here so that it can be
//! unit- and property-tested without a database.

pub mod bank;
pub mod calendar;
pub mod credit;
pub mod dunning;
pub mod email;
pub mod invoice;
pub mod limits;
pub mod money;
pub mod numbering;
pub mod permission;
pub mod quantity;
pub mod recurrence;
pub mod registration;
pub mod rounding;
pub mod tax;
pub mod terms;
pub mod withholding;

pub use calendar::BusinessCalendar;
pub use email::Email;
pub use invoice::{InvoiceStatus, PaymentMethod};
pub use money::Yen;
pub use numbering::{InvoiceNumberFormat, NumberPeriod};
pub use permission::{Permission, Role};
pub use quantity::Quantity;
pub use registration::RegistrationNumber;
pub use rounding::RoundingMode;
pub use tax::{InvoiceTotals, LineInput, RateTotal, TaxRate, compute_totals};
pub use terms::{DayOfMonth, HolidayRule, PaymentTerms};
pub use withholding::withholding_tax;
