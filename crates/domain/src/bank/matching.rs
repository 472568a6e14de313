//! 消込: which open invoices an incoming transfer pays (`japan-rules.md` §5.5). Every
//! candidate says why (a [`MatchReason`]) and how sure it is (a score out of 100); only
//! candidates that pin down one customer and an exact sum, or a shortfall within that
//! customer's transfer-fee tolerance, are applied without a person.

use super::payer_name;
use chrono::NaiveDate;
use serde::Serialize;

/// An invoice that can still be paid.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OpenInvoice {
    /// Invoice id.
    pub id: i64,
    /// Its customer.
    pub customer_id: i64,
    /// `I-2026-0001`.
    pub number: String,
    /// What is still owed (after withholding, payments and credits).
    pub balance: i64,
    /// Due date (oldest first wins ties).
    pub due_date: NaiveDate,
}

/// What is known of a customer as a payer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Payer {
    /// Customer id.
    pub customer_id: i64,
    /// Normalised payer names ([`payer_name::normalise`]): `name_kana` and remembered ones.
    pub names: Vec<String>,
    /// Largest shortfall booked as the transfer fee the customer deducted (0: never).
    pub fee_tolerance: i64,
}

/// One incoming transfer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Transfer<'a> {
    /// Yen received (positive).
    pub amount: i64,
    /// 振込依頼人名 as printed.
    pub payer_name: &'a str,
    /// EDI情報 or any reference the payer gave.
    pub reference: &'a str,
}

/// Why a candidate was proposed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum MatchReason {
    /// The invoice number is in the EDI field or the name.
    InvoiceNumber,
    /// A known payer name and the exact balance of one invoice.
    NameAndAmount,
    /// A known payer name and the exact sum of several invoices.
    NameAndInvoiceSet,
    /// A known payer name, short by no more than the customer's fee tolerance.
    NameAndFeeShortfall,
    /// A known payer name only: a partial or unexplained amount.
    NameOnly,
    /// Only the amount equals an open balance: never applied automatically.
    AmountOnly,
}

impl MatchReason {
    /// The API and database code (`name_and_amount`, …), as serialised.
    pub fn code(self) -> &'static str {
        match self {
            MatchReason::InvoiceNumber => "invoice_number",
            MatchReason::NameAndAmount => "name_and_amount",
            MatchReason::NameAndInvoiceSet => "name_and_invoice_set",
            MatchReason::NameAndFeeShortfall => "name_and_fee_shortfall",
            MatchReason::NameOnly => "name_only",
            MatchReason::AmountOnly => "amount_only",
        }
    }
}

/// A way to read a transfer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MatchCandidate {
    /// The customer who paid.
    pub customer_id: i64,
    /// `(invoice id, yen allocated)`, oldest due first.
    pub allocations: Vec<(i64, i64)>,
    /// The shortfall booked as 振込手数料 (0 when none).
    pub fee: i64,
    /// Why.
    pub reason: MatchReason,
    /// 0–100.
    pub score: u8,
    /// True when this candidate may be applied without a person.
    pub automatic: bool,
}

/// What to do with a transfer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MatchDecision {
    /// Apply this candidate now.
    Apply(MatchCandidate),
    /// Show these to a person (best first).
    Suggest(Vec<MatchCandidate>),
    /// Nothing fits: the 未消込 queue.
    Unmatched,
}

/// At most this many open invoices of one customer enter the subset search (oldest due first).
pub const SUBSET_INVOICES: usize = 24;
/// Search steps of the subset search before it gives up.
const SUBSET_STEPS: usize = 200_000;

/// Letters and digits only, upper-case: `I-2026-0001` and `I20260001` compare equal.
fn alnum(s: &str) -> String {
    s.chars().filter(char::is_ascii_alphanumeric).map(|c| c.to_ascii_uppercase()).collect()
}

/// Invoices of `invoices` (oldest due first) whose balances sum to between `lo` and `hi`,
/// preferring older invoices; a bounded depth-first search.
fn subset_summing_to(invoices: &[&OpenInvoice], lo: i64, hi: i64) -> Option<Vec<usize>> {
    fn go(
        inv: &[&OpenInvoice],
        start: usize,
        sum: i64,
        range: (i64, i64),
        picked: &mut Vec<usize>,
        steps: &mut usize,
    ) -> bool {
        if !picked.is_empty() && sum >= range.0 && sum <= range.1 {
            return true;
        }
        for i in start..inv.len() {
            *steps += 1;
            if *steps > SUBSET_STEPS {
                return false;
            }
            if sum + inv[i].balance <= range.1 {
                picked.push(i);
                if go(inv, i + 1, sum + inv[i].balance, range, picked, steps) {
                    return true;
                }
                picked.pop();
            }
        }
        false
    }
    let mut picked = Vec::new();
    let mut steps = 0;
    go(invoices, 0, 0, (lo, hi), &mut picked, &mut steps).then_some(picked)
}

/// The candidates for one customer whose name matched.
fn by_name(t: &Transfer, payer: &Payer, open: &[&OpenInvoice]) -> Vec<MatchCandidate> {
    let mut out = Vec::new();
    let candidate = |allocations: Vec<(i64, i64)>, fee, reason, score, automatic| MatchCandidate {
        customer_id: payer.customer_id,
        allocations,
        fee,
        reason,
        score,
        automatic,
    };
    if let Some(inv) = open.iter().find(|i| i.balance == t.amount) {
        out.push(candidate(vec![(inv.id, inv.balance)], 0, MatchReason::NameAndAmount, 95, true));
    }
    let window: Vec<&OpenInvoice> = open.iter().take(SUBSET_INVOICES).copied().collect();
    if out.is_empty()
        && let Some(set) = subset_summing_to(&window, t.amount, t.amount)
        && set.len() > 1
    {
        let allocations = set.iter().map(|&i| (window[i].id, window[i].balance)).collect();
        out.push(candidate(allocations, 0, MatchReason::NameAndInvoiceSet, 90, true));
    }
    if out.is_empty() && payer.fee_tolerance > 0 {
        // Short by a fee: one invoice first, then a set, smallest shortfall wins.
        let single = open
            .iter()
            .filter(|i| i.balance > t.amount && i.balance - t.amount <= payer.fee_tolerance)
            .min_by_key(|i| (i.balance - t.amount, i.due_date));
        if let Some(inv) = single {
            out.push(candidate(
                vec![(inv.id, inv.balance)],
                inv.balance - t.amount,
                MatchReason::NameAndFeeShortfall,
                85,
                true,
            ));
        } else {
            let set = subset_summing_to(&window, t.amount + 1, t.amount + payer.fee_tolerance).filter(|s| s.len() > 1);
            if let Some(set) = set {
                let allocations: Vec<(i64, i64)> = set.iter().map(|&i| (window[i].id, window[i].balance)).collect();
                let fee = allocations.iter().map(|a| a.1).sum::<i64>() - t.amount;
                out.push(candidate(allocations, fee, MatchReason::NameAndFeeShortfall, 80, true));
            }
        }
    }
    if out.is_empty()
        && let Some(oldest) = open.first()
    {
        // A partial payment, an overpayment or a mistake: a person decides.
        out.push(candidate(vec![(oldest.id, t.amount.min(oldest.balance))], 0, MatchReason::NameOnly, 40, false));
    }
    out
}

/// Every candidate for `t`, best first.
pub fn candidates(t: &Transfer, payers: &[Payer], open: &[OpenInvoice]) -> Vec<MatchCandidate> {
    if t.amount <= 0 {
        return vec![];
    }
    let mut sorted: Vec<&OpenInvoice> = open.iter().filter(|i| i.balance > 0).collect();
    sorted.sort_by_key(|i| (i.due_date, i.id));
    let mut out = Vec::new();

    // 1. The invoice number given by the payer.
    let said = alnum(&format!("{} {}", t.reference, t.payer_name));
    for inv in sorted.iter().filter(|i| !alnum(&i.number).is_empty() && said.contains(&alnum(&i.number))) {
        let tolerance = payers.iter().find(|p| p.customer_id == inv.customer_id).map(|p| p.fee_tolerance).unwrap_or(0);
        let short = inv.balance - t.amount;
        let (fee, automatic, score) = if short == 0 {
            (0, true, 100)
        } else if short > 0 && short <= tolerance {
            (short, true, 95)
        } else {
            (0, false, 70)
        };
        out.push(MatchCandidate {
            customer_id: inv.customer_id,
            allocations: vec![(inv.id, if automatic { inv.balance } else { t.amount.min(inv.balance) })],
            fee,
            reason: MatchReason::InvoiceNumber,
            score,
            automatic,
        });
    }

    // 2. The payer's name.
    let name = payer_name::normalise(t.payer_name);
    let named: Vec<&Payer> =
        payers.iter().filter(|p| p.names.iter().any(|known| payer_name::matches(&name, known))).collect();
    for p in &named {
        let theirs: Vec<&OpenInvoice> = sorted.iter().filter(|i| i.customer_id == p.customer_id).copied().collect();
        out.extend(by_name(t, p, &theirs));
    }
    // Two customers answering to the name: nothing is certain.
    if named.len() > 1 {
        for c in out.iter_mut().filter(|c| c.reason != MatchReason::InvoiceNumber) {
            c.automatic = false;
            c.score = c.score.saturating_sub(30);
        }
    }

    // 3. The amount alone.
    if out.is_empty() {
        for inv in sorted.iter().filter(|i| i.balance == t.amount) {
            out.push(MatchCandidate {
                customer_id: inv.customer_id,
                allocations: vec![(inv.id, inv.balance)],
                fee: 0,
                reason: MatchReason::AmountOnly,
                score: 30,
                automatic: false,
            });
        }
    }
    out.sort_by_key(|c| std::cmp::Reverse(c.score));
    out
}

/// Applies the best candidate when it is automatic and no other customer's candidate is as
/// good; otherwise leaves the choice to a person.
pub fn decide(t: &Transfer, payers: &[Payer], open: &[OpenInvoice]) -> MatchDecision {
    let all = candidates(t, payers, open);
    let Some(best) = all.first() else { return MatchDecision::Unmatched };
    let rival = all.iter().skip(1).any(|c| c.score == best.score && c.allocations != best.allocations);
    if best.automatic && !rival { MatchDecision::Apply(best.clone()) } else { MatchDecision::Suggest(all) }
}

#[cfg(test)]
#[path = "matching_tests.rs"]
mod tests;
