//! What the API and the UI show of statements and their transactions.

use crate::clock::rfc3339;
use invoicepilot_store::entity::{bank_statement, bank_transaction};
use serde::{Deserialize, Serialize};
use std::str::FromStr;
use utoipa::ToSchema;

/// Where a statement transaction stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum TransactionStatus {
    /// Nothing fits: waits for a person.
    Unmatched,
    /// Candidates exist but none is certain: waits for a person.
    Suggested,
    /// Booked as a payment.
    Matched,
    /// Not a customer payment (set aside by a person).
    Ignored,
    /// Money paid out (03 statements): nothing to match.
    Outgoing,
    /// A notification the bank cancelled (取消), or its cancellation record.
    Cancelled,
}

impl TransactionStatus {
    /// The API and database code.
    pub fn code(self) -> &'static str {
        match self {
            TransactionStatus::Unmatched => "unmatched",
            TransactionStatus::Suggested => "suggested",
            TransactionStatus::Matched => "matched",
            TransactionStatus::Ignored => "ignored",
            TransactionStatus::Outgoing => "outgoing",
            TransactionStatus::Cancelled => "cancelled",
        }
    }

    /// True while a person still has to decide (the 未消込 queue).
    pub fn is_open(self) -> bool {
        matches!(self, TransactionStatus::Unmatched | TransactionStatus::Suggested)
    }
}

impl FromStr for TransactionStatus {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        [
            TransactionStatus::Unmatched,
            TransactionStatus::Suggested,
            TransactionStatus::Matched,
            TransactionStatus::Ignored,
            TransactionStatus::Outgoing,
            TransactionStatus::Cancelled,
        ]
        .into_iter()
        .find(|t| t.code() == s)
        .ok_or_else(|| "expected unmatched, suggested, matched, ignored, outgoing or cancelled".into())
    }
}

/// One invoice of a suggestion.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, PartialEq, Eq)]
pub struct SuggestedAllocation {
    /// Invoice.
    pub invoice_id: i64,
    /// Its number.
    pub number: String,
    /// Yen of the transfer (and fee) it would take.
    pub amount: i64,
}

/// A way to book a transaction, for a person to accept.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, PartialEq, Eq)]
pub struct SuggestionView {
    /// The customer who would have paid.
    pub customer_id: i64,
    /// Their name.
    pub customer_name: String,
    /// Invoices and amounts, oldest due first.
    pub allocations: Vec<SuggestedAllocation>,
    /// Shortfall booked as 振込手数料.
    pub fee: i64,
    /// `invoice_number`, `name_and_amount`, `name_and_invoice_set`, `name_and_fee_shortfall`,
    /// `name_only`, `amount_only`.
    pub reason: String,
    /// 0–100.
    pub score: u8,
}

/// A statement transaction.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct TransactionView {
    /// Id.
    pub id: i64,
    /// The statement it came in.
    pub statement_id: i64,
    /// 勘定日.
    pub booked_on: String,
    /// Yen (negative: paid out).
    pub amount: i64,
    /// 振込依頼人名 as printed.
    pub payer_name: String,
    /// EDI情報 or memo.
    pub edi: String,
    /// 摘要.
    pub description: Option<String>,
    /// The bank's reference (照会番号).
    pub bank_reference: String,
    /// See [`TransactionStatus`].
    pub status: String,
    /// The customer it was booked to.
    pub customer_id: Option<i64>,
    /// The payment it became.
    pub payment_id: Option<i64>,
    /// The fee booked as the seller's expense.
    pub fee_payment_id: Option<i64>,
    /// The fee booked as 値引.
    pub credit_note_id: Option<i64>,
    /// Why it was booked (a reason code, or `manual`).
    pub match_reason: Option<String>,
    /// Candidates for a person, best first.
    pub suggestions: Vec<SuggestionView>,
    /// Optimistic-lock version.
    pub version: i64,
}

impl From<bank_transaction::Model> for TransactionView {
    fn from(m: bank_transaction::Model) -> Self {
        TransactionView {
            id: m.id,
            statement_id: m.statement_id,
            booked_on: m.booked_on.to_string(),
            amount: m.amount,
            payer_name: m.payer_name,
            edi: m.edi,
            description: m.description,
            bank_reference: m.bank_reference,
            status: m.status,
            customer_id: m.customer_id,
            payment_id: m.payment_id,
            fee_payment_id: m.fee_payment_id,
            credit_note_id: m.credit_note_id,
            match_reason: m.match_reason,
            suggestions: m.suggestions.as_deref().and_then(|s| serde_json::from_str(s).ok()).unwrap_or_default(),
            version: m.version as i64,
        }
    }
}

/// An imported statement file.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct StatementView {
    /// Id.
    pub id: i64,
    /// `zengin_01`, `zengin_03`, `csv:anser`, `csv:mufg`, `csv:sbi`.
    pub format: String,
    /// File name given at upload.
    pub file_name: Option<String>,
    /// SHA-256 of the file.
    pub sha256: String,
    /// The account from the file's header, when the format names one.
    pub account: Option<serde_json::Value>,
    /// First booking date.
    pub period_from: Option<String>,
    /// Last booking date.
    pub period_to: Option<String>,
    /// Transactions in the file.
    pub transactions: i64,
    /// New ones.
    pub imported: i64,
    /// Already known from an earlier file.
    pub duplicates: i64,
    /// Imported (RFC 3339).
    pub created_at: String,
}

impl From<bank_statement::Model> for StatementView {
    fn from(m: bank_statement::Model) -> Self {
        StatementView {
            id: m.id,
            format: m.format,
            file_name: m.file_name,
            sha256: m.sha256,
            account: m.account.as_deref().and_then(|s| serde_json::from_str(s).ok()),
            period_from: m.period_from.map(|d| d.to_string()),
            period_to: m.period_to.map(|d| d.to_string()),
            transactions: m.transactions as i64,
            imported: m.imported as i64,
            duplicates: m.duplicates as i64,
            created_at: rfc3339(m.created_at),
        }
    }
}
