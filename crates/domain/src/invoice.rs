//! The invoice lifecycle and payment methods.

use serde::{Deserialize, Serialize};
use std::str::FromStr;

/// Where an invoice stands. `overdue` is derived, not a status.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum InvoiceStatus {
    /// Editable, no number.
    Draft,
    /// Numbered and frozen, nothing paid.
    Issued,
    /// Some but not all paid.
    PartiallyPaid,
    /// Balance zero.
    Paid,
    /// Cancelled with a reason; the number stays used.
    Void,
}

impl InvoiceStatus {
    /// The status as printed in Japanese (lists, CSV).
    pub fn label_ja(self) -> &'static str {
        match self {
            InvoiceStatus::Draft => "下書き",
            InvoiceStatus::Issued => "発行済",
            InvoiceStatus::PartiallyPaid => "一部入金",
            InvoiceStatus::Paid => "入金済",
            InvoiceStatus::Void => "取消",
        }
    }

    /// Every status, in life-cycle order.
    pub const ALL: [InvoiceStatus; 5] = [
        InvoiceStatus::Draft,
        InvoiceStatus::Issued,
        InvoiceStatus::PartiallyPaid,
        InvoiceStatus::Paid,
        InvoiceStatus::Void,
    ];

    /// The API and database code.
    pub fn code(self) -> &'static str {
        match self {
            InvoiceStatus::Draft => "draft",
            InvoiceStatus::Issued => "issued",
            InvoiceStatus::PartiallyPaid => "partially_paid",
            InvoiceStatus::Paid => "paid",
            InvoiceStatus::Void => "void",
        }
    }

    /// Only drafts may be edited or deleted (issued documents are immutable, 電帳法).
    pub fn is_editable(self) -> bool {
        self == InvoiceStatus::Draft
    }

    /// Invoices that can take payments.
    pub fn is_open(self) -> bool {
        matches!(self, InvoiceStatus::Issued | InvoiceStatus::PartiallyPaid)
    }

    /// The status an issued invoice has for what has been paid of it.
    pub fn from_payment(amount_paid: i64, balance: i64) -> InvoiceStatus {
        if balance <= 0 {
            InvoiceStatus::Paid
        } else if amount_paid > 0 {
            InvoiceStatus::PartiallyPaid
        } else {
            InvoiceStatus::Issued
        }
    }
}

impl FromStr for InvoiceStatus {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "draft" => Ok(InvoiceStatus::Draft),
            "issued" => Ok(InvoiceStatus::Issued),
            "partially_paid" => Ok(InvoiceStatus::PartiallyPaid),
            "paid" => Ok(InvoiceStatus::Paid),
            "void" => Ok(InvoiceStatus::Void),
            other => Err(format!("unknown invoice status {other:?}")),
        }
    }
}

/// How a payment arrived.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PaymentMethod {
    /// 銀行振込.
    BankTransfer,
    /// 現金.
    Cash,
    /// カード.
    Card,
    /// その他.
    Other,
}

impl PaymentMethod {
    /// The API and database code.
    pub fn code(self) -> &'static str {
        match self {
            PaymentMethod::BankTransfer => "bank_transfer",
            PaymentMethod::Cash => "cash",
            PaymentMethod::Card => "card",
            PaymentMethod::Other => "other",
        }
    }
}

impl FromStr for PaymentMethod {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "bank_transfer" => Ok(PaymentMethod::BankTransfer),
            "cash" => Ok(PaymentMethod::Cash),
            "card" => Ok(PaymentMethod::Card),
            "other" => Ok(PaymentMethod::Other),
            other => Err(format!("unknown payment method {other:?}")),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn status_follows_payments() {
        assert_eq!(InvoiceStatus::from_payment(0, 100), InvoiceStatus::Issued);
        assert_eq!(InvoiceStatus::from_payment(50, 50), InvoiceStatus::PartiallyPaid);
        assert_eq!(InvoiceStatus::from_payment(100, 0), InvoiceStatus::Paid);
        assert_eq!(InvoiceStatus::from_payment(0, 0), InvoiceStatus::Paid);
    }

    #[test]
    fn only_drafts_are_editable() {
        for s in ["draft", "issued", "partially_paid", "paid", "void"] {
            let st: InvoiceStatus = s.parse().unwrap();
            assert_eq!(st.code(), s);
            assert_eq!(st.is_editable(), s == "draft");
        }
    }
}
