//! The matching table: each way a Japanese transfer arrives, and what must happen to it.

use super::*;

fn day(d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 11, d).unwrap()
}

fn inv(id: i64, customer_id: i64, balance: i64, due: u32) -> OpenInvoice {
    OpenInvoice { id, customer_id, number: format!("I-2026-{id:04}"), balance, due_date: day(due) }
}

fn payer(customer_id: i64, kana: &str, fee_tolerance: i64) -> Payer {
    Payer { customer_id, names: vec![payer_name::normalise(kana)], fee_tolerance }
}

/// 青山商事 (1, fee tolerance 880) with three open invoices, 山田商店 (2) with one.
fn book() -> (Vec<Payer>, Vec<OpenInvoice>) {
    let payers = vec![payer(1, "アオヤマショウジ", 880), payer(2, "ヤマダショウテン", 0)];
    let open = vec![inv(1, 1, 110_000, 10), inv(2, 1, 55_000, 20), inv(3, 1, 33_000, 30), inv(4, 2, 22_000, 15)];
    (payers, open)
}

fn transfer<'a>(amount: i64, name: &'a str, reference: &'a str) -> Transfer<'a> {
    Transfer { amount, payer_name: name, reference }
}

fn applied(d: MatchDecision) -> MatchCandidate {
    match d {
        MatchDecision::Apply(c) => c,
        other => panic!("expected an automatic match, got {other:?}"),
    }
}

#[test]
fn exact_amount_and_known_name() {
    let (p, o) = book();
    let c = applied(decide(&transfer(55_000, "ｶ)ｱｵﾔﾏｼﾖｳｼﾞ", ""), &p, &o));
    assert_eq!(
        (c.customer_id, c.allocations.clone(), c.fee, c.reason),
        (1, vec![(2, 55_000)], 0, MatchReason::NameAndAmount)
    );
}

#[test]
fn one_transfer_for_several_invoices() {
    let (p, o) = book();
    let c = applied(decide(&transfer(143_000, "ｱｵﾔﾏｼﾖｳｼﾞ(ｶ", ""), &p, &o));
    assert_eq!(c.reason, MatchReason::NameAndInvoiceSet);
    assert_eq!(c.allocations, vec![(1, 110_000), (3, 33_000)]);
    assert_eq!(c.allocations.iter().map(|a| a.1).sum::<i64>(), 143_000);
}

#[test]
fn short_by_the_transfer_fee() {
    let (p, o) = book();
    let c = applied(decide(&transfer(109_340, "ｶ)ｱｵﾔﾏｼﾖｳｼﾞ", ""), &p, &o));
    assert_eq!((c.reason, c.fee, c.allocations.clone()), (MatchReason::NameAndFeeShortfall, 660, vec![(1, 110_000)]));
    // Beyond the customer's tolerance it is a partial payment a person must confirm.
    let d = decide(&transfer(109_000, "ｶ)ｱｵﾔﾏｼﾖｳｼﾞ", ""), &p, &o);
    assert!(
        matches!(d, MatchDecision::Suggest(ref c) if c[0].reason == MatchReason::NameOnly && !c[0].automatic),
        "{d:?}"
    );
    // A customer who never deducts fees gets no fee booked.
    let d = decide(&transfer(21_560, "ﾔﾏﾀﾞｼﾖｳﾃﾝ", ""), &p, &o);
    assert!(matches!(d, MatchDecision::Suggest(_)), "{d:?}");
}

#[test]
fn a_set_short_by_a_fee() {
    let (p, o) = book();
    let c = applied(decide(&transfer(142_340, "ｱｵﾔﾏｼﾖｳｼﾞ", ""), &p, &o));
    assert_eq!((c.reason, c.fee), (MatchReason::NameAndFeeShortfall, 660));
    assert_eq!(c.allocations.iter().map(|a| a.1).sum::<i64>() - c.fee, 142_340);
}

#[test]
fn truncated_names_and_legal_form_variants() {
    let payers = vec![payer(1, "カブシキガイシャ アオヤマショウジホールディングス", 0)];
    let open = vec![inv(1, 1, 50_000, 10)];
    for name in ["ｶ)ｱｵﾔﾏｼﾖｳｼﾞﾎ-ﾙﾃﾞｲﾝｸﾞ", "ｱｵﾔﾏｼﾖｳｼﾞﾎ", "(ｶ)ｱｵﾔﾏｼﾖｳｼﾞﾎｰﾙﾃﾞｨﾝｸﾞｽ", "1234567890 ｶ)ｱｵﾔﾏｼﾖｳｼﾞﾎｰﾙﾃﾞｲﾝｸﾞｽ"]
    {
        let c = applied(decide(&transfer(50_000, name, ""), &payers, &open));
        assert_eq!(c.allocations, vec![(1, 50_000)], "{name}");
    }
}

#[test]
fn two_customers_with_similar_names_are_never_guessed() {
    let payers = vec![payer(1, "ヤマダショウジ", 0), payer(2, "ヤマダショウジ", 0)];
    let open = vec![inv(1, 1, 30_000, 10), inv(2, 2, 30_000, 12)];
    match decide(&transfer(30_000, "ｶ)ﾔﾏﾀﾞｼﾖｳｼﾞ", ""), &payers, &open) {
        MatchDecision::Suggest(c) => {
            assert_eq!(c.len(), 2);
            assert!(c.iter().all(|c| !c.automatic));
        }
        other => panic!("{other:?}"),
    }
    // A name that only resembles another customer's does not match it.
    let payers = vec![payer(1, "ヤマダショウジ", 0), payer(2, "ヤマダショウテン", 0)];
    let c = applied(decide(&transfer(30_000, "ﾔﾏﾀﾞｼﾖｳｼﾞ", ""), &payers, &open));
    assert_eq!(c.customer_id, 1);
}

#[test]
fn amount_alone_is_only_a_suggestion() {
    let (p, o) = book();
    match decide(&transfer(22_000, "ｽｽﾞｷ ｲﾁﾛｳ", ""), &p, &o) {
        MatchDecision::Suggest(c) => {
            assert_eq!(c.len(), 1);
            assert_eq!(
                (c[0].reason, c[0].automatic, c[0].allocations.clone()),
                (MatchReason::AmountOnly, false, vec![(4, 22_000)])
            );
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(decide(&transfer(12_345, "ｽｽﾞｷ ｲﾁﾛｳ", ""), &p, &o), MatchDecision::Unmatched);
}

#[test]
fn the_invoice_number_in_edi_wins_over_everything() {
    let (p, o) = book();
    // Paid by the parent company under another name, with the number in EDI情報.
    let c = applied(decide(&transfer(33_000, "ｶ)ｵﾔｶﾞｲｼﾔ", "I20260003"), &p, &o));
    assert_eq!((c.reason, c.allocations.clone()), (MatchReason::InvoiceNumber, vec![(3, 33_000)]));
    let c = applied(decide(&transfer(32_340, "ｶ)ｵﾔｶﾞｲｼﾔ", "I-2026-0003"), &p, &o));
    assert_eq!(c.fee, 660, "within the customer's fee tolerance");
    // A number with an amount that does not fit is for a person.
    let d = decide(&transfer(10_000, "", "I-2026-0003"), &p, &o);
    assert!(matches!(d, MatchDecision::Suggest(ref c) if c[0].reason == MatchReason::InvoiceNumber), "{d:?}");
}

#[test]
fn outgoing_and_zero_amounts_match_nothing() {
    let (p, o) = book();
    assert_eq!(decide(&transfer(-55_000, "ｱｵﾔﾏｼﾖｳｼﾞ", ""), &p, &o), MatchDecision::Unmatched);
    assert_eq!(decide(&transfer(0, "ｱｵﾔﾏｼﾖｳｼﾞ", ""), &p, &o), MatchDecision::Unmatched);
}

#[test]
fn allocations_never_exceed_the_transfer_or_a_balance() {
    let (p, o) = book();
    for amount in [1, 999, 22_000, 33_000, 54_340, 55_000, 88_000, 109_340, 143_000, 198_000, 500_000] {
        for name in ["ｱｵﾔﾏｼﾖｳｼﾞ", "ﾔﾏﾀﾞｼﾖｳﾃﾝ", "ﾀﾞﾚｶ"] {
            for c in candidates(&transfer(amount, name, ""), &p, &o) {
                let total: i64 = c.allocations.iter().map(|a| a.1).sum();
                assert!(total - c.fee <= amount, "{amount} {name}: {c:?}");
                for (id, a) in &c.allocations {
                    let balance = o.iter().find(|i| i.id == *id).unwrap().balance;
                    assert!(*a > 0 && *a <= balance, "{c:?}");
                }
            }
        }
    }
}

#[test]
fn the_subset_search_is_bounded() {
    // Many small invoices and an amount no subset reaches: answers quickly with no set.
    let payers = vec![payer(1, "アオヤマ", 0)];
    let open: Vec<OpenInvoice> = (0..200).map(|i| inv(i + 1, 1, 1_000 * (i + 1) + 7, 1 + (i % 28) as u32)).collect();
    let c = candidates(&transfer(3, "ｱｵﾔﾏ", ""), &payers, &open);
    assert!(c.iter().all(|c| c.reason == MatchReason::NameOnly));
}

#[test]
fn reason_codes_are_the_serialised_names() {
    use MatchReason::*;
    for r in [InvoiceNumber, NameAndAmount, NameAndInvoiceSet, NameAndFeeShortfall, NameOnly, AmountOnly] {
        assert_eq!(serde_json::to_value(r).unwrap(), r.code());
    }
}
