//! What `dev seed` writes, drawn from a seeded random generator: customers with Japanese
//! names and addresses, invoices with mixed 10% / 8% lines priced by the same rules as a
//! real issue, and what happened to each (paid, partly paid, credited, voided, overdue).

use crate::invoices::ValidLine;
use chrono::{Days, NaiveDate};
use invoicepilot_domain::{
    BusinessCalendar, InvoiceTotals, LineInput, PaymentTerms, Quantity, RoundingMode, TaxRate, Yen, compute_totals,
};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

const NAME_HEADS: [(&str, &str); 16] = [
    ("青山", "アオヤマ"),
    ("桜井", "サクライ"),
    ("北斗", "ホクト"),
    ("みなと", "ミナト"),
    ("東雲", "シノノメ"),
    ("若葉", "ワカバ"),
    ("富士見", "フジミ"),
    ("千代田", "チヨダ"),
    ("浪速", "ナニワ"),
    ("杜の都", "モリノミヤコ"),
    ("白樺", "シラカバ"),
    ("瀬戸内", "セトウチ"),
    ("大和", "ヤマト"),
    ("葵", "アオイ"),
    ("光が丘", "ヒカリガオカ"),
    ("朝日", "アサヒ"),
];
const NAME_TRADES: [(&str, &str); 10] = [
    ("商事", "ショウジ"),
    ("工業", "コウギョウ"),
    ("食品", "ショクヒン"),
    ("設計事務所", "セッケイジムショ"),
    ("デザイン", "デザイン"),
    ("システムズ", "システムズ"),
    ("物産", "ブッサン"),
    ("建設", "ケンセツ"),
    ("印刷", "インサツ"),
    ("フーズ", "フーズ"),
];
const CITIES: [(&str, &str); 8] = [
    ("150-0002", "東京都渋谷区渋谷二丁目"),
    ("530-0001", "大阪府大阪市北区梅田一丁目"),
    ("460-0008", "愛知県名古屋市中区栄三丁目"),
    ("980-0811", "宮城県仙台市青葉区一番町四丁目"),
    ("810-0001", "福岡県福岡市中央区天神一丁目"),
    ("060-0001", "北海道札幌市中央区北一条西"),
    ("730-0011", "広島県広島市中区基町"),
    ("220-0012", "神奈川県横浜市西区みなとみらい三丁目"),
];
/// (description, unit, lowest and highest unit price, rate).
const ITEMS: [(&str, &str, i64, i64, TaxRate); 12] = [
    ("Webサイト保守（月額）", "月", 20_000, 80_000, TaxRate::Standard10),
    ("システム開発", "人日", 40_000, 90_000, TaxRate::Standard10),
    ("コンサルティング", "時間", 8_000, 30_000, TaxRate::Standard10),
    ("デザイン制作", "式", 30_000, 300_000, TaxRate::Standard10),
    ("サーバー利用料", "月", 3_000, 50_000, TaxRate::Standard10),
    ("出張交通費", "式", 2_000, 40_000, TaxRate::Standard10),
    ("印刷・製本", "部", 150, 1_200, TaxRate::Standard10),
    ("会議用弁当", "個", 800, 2_500, TaxRate::Reduced8),
    ("ミネラルウォーター（500ml）", "本", 80, 160, TaxRate::Reduced8),
    ("コーヒー豆（1kg）", "袋", 2_000, 5_000, TaxRate::Reduced8),
    ("菓子折り", "箱", 1_500, 6_000, TaxRate::Reduced8),
    ("業務用調味料", "ケース", 3_000, 12_000, TaxRate::Reduced8),
];

/// A customer to insert.
#[derive(Debug, Clone)]
pub struct PlannedCustomer {
    pub name: String,
    pub name_kana: String,
    pub email: String,
    pub postal_code: String,
    pub address: String,
}

/// What became of an invoice after it was issued.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fate {
    /// Still open (overdue once its due date passed).
    Open,
    /// Paid in full on the given day.
    Paid(NaiveDate),
    /// Part of it paid.
    PartlyPaid(NaiveDate, i64),
    /// Cancelled.
    Void,
    /// Never issued.
    Draft,
}

/// An invoice to insert.
#[derive(Debug, Clone)]
pub struct PlannedInvoice {
    pub customer: usize,
    pub issue_date: NaiveDate,
    pub due_date: NaiveDate,
    pub withholding: bool,
    pub lines: Vec<ValidLine>,
    pub totals: InvoiceTotals,
    pub fate: Fate,
    /// A 値引 of this amount (tax included), booked a few days after the issue.
    pub discount: Option<i64>,
}

/// The seeded generator.
pub struct Generator {
    rng: StdRng,
    calendar: BusinessCalendar,
}

impl Generator {
    /// A generator whose output depends only on `seed`.
    pub fn new(seed: u64) -> Generator {
        Generator { rng: StdRng::seed_from_u64(seed), calendar: BusinessCalendar::default() }
    }

    /// Customer number `i` (names repeat with a branch suffix once the list runs out).
    pub fn customer(&mut self, i: usize) -> PlannedCustomer {
        let (head, head_kana) = NAME_HEADS[self.rng.random_range(0..NAME_HEADS.len())];
        let (trade, trade_kana) = NAME_TRADES[self.rng.random_range(0..NAME_TRADES.len())];
        let (postal, city) = CITIES[self.rng.random_range(0..CITIES.len())];
        let (name, kana) = if self.rng.random_bool(0.7) {
            (format!("株式会社{head}{trade}"), format!("カブシキガイシャ{head_kana}{trade_kana}"))
        } else {
            (format!("{head}{trade}合同会社"), format!("{head_kana}{trade_kana}ゴウドウガイシャ"))
        };
        PlannedCustomer {
            name: format!("{name} {}号", i + 1),
            name_kana: kana,
            email: format!("billing{}@example.jp", i + 1),
            postal_code: postal.into(),
            address: format!("{city}{}-{}-{}", self.rng.random_range(1..30), self.rng.random_range(1..20), i % 97 + 1),
        }
    }

    /// An invoice issued on `issue_date` to one of `customers`, priced with the company's
    /// rules, and its fate as seen on `today`.
    pub fn invoice(
        &mut self,
        rounding: RoundingMode,
        terms: &PaymentTerms,
        customers: usize,
        issue_date: NaiveDate,
        today: NaiveDate,
    ) -> PlannedInvoice {
        let rng = &mut self.rng;
        let n_lines = [1, 1, 2, 2, 3, 3, 4, 5][rng.random_range(0..8)];
        // About one invoice in five mixes 8% goods into 10% services.
        let mixed = rng.random_bool(0.2);
        let lines: Vec<ValidLine> = (0..n_lines)
            .map(|k| {
                let pick = if mixed && k % 2 == 1 { rng.random_range(7..ITEMS.len()) } else { rng.random_range(0..7) };
                let (description, unit, lo, hi, rate) = ITEMS[pick];
                let one = Quantity::scale();
                let qty = match unit {
                    // Half hours and half days.
                    "時間" | "人日" => rng.random_range(1..=40) * one / 2,
                    "個" | "本" | "部" => rng.random_range(1..=200) * one,
                    _ => rng.random_range(1..=3) * one,
                };
                ValidLine {
                    description: description.into(),
                    quantity: Quantity::from_scaled(qty).unwrap_or(Quantity::from_scaled(one).expect("one")),
                    unit: unit.into(),
                    unit_price: Yen(rng.random_range(lo..=hi) / 10 * 10),
                    rate,
                }
            })
            .collect();
        let withholding = rng.random_bool(0.05);
        let inputs: Vec<LineInput> =
            lines.iter().map(|l| LineInput { quantity: l.quantity, unit_price: l.unit_price, rate: l.rate }).collect();
        let totals = compute_totals(&inputs, false, rounding, withholding).expect("seed lines stay within the limits");
        let due_date = terms.due_date(issue_date, &self.calendar);
        let due = totals.amount_due.get();
        let roll: f64 = rng.random();
        let age = (today - issue_date).num_days();
        let pay_day = |rng: &mut StdRng| {
            let late = if rng.random_bool(0.1) { rng.random_range(1..20) } else { 0 };
            let day =
                due_date.checked_sub_days(Days::new(rng.random_range(0..10))).unwrap_or(due_date) + Days::new(late);
            day.max(issue_date).min(today)
        };
        let fate = if roll < 0.01 {
            Fate::Draft
        } else if roll < 0.02 {
            Fate::Void
        } else if due_date > today && roll < 0.7 {
            // Not due yet: mostly open.
            Fate::Open
        } else if roll < 0.06 + (age.min(365) as f64 / 365.0) * 0.02 {
            Fate::Open
        } else if roll < 0.12 && due > 1 {
            let day = pay_day(rng);
            Fate::PartlyPaid(day, rng.random_range(1..due))
        } else {
            Fate::Paid(pay_day(rng))
        };
        let discount = (matches!(fate, Fate::Open | Fate::Paid(_)) && due > 1000 && rng.random_bool(0.03))
            .then(|| (due / 20).max(1));
        PlannedInvoice {
            customer: rng.random_range(0..customers.max(1)),
            issue_date,
            due_date,
            withholding,
            lines,
            totals,
            fate,
            discount,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_same_seed_gives_the_same_data() {
        let (r, t) = (RoundingMode::default(), PaymentTerms::default());
        let d = NaiveDate::from_ymd_opt(2026, 3, 10).unwrap();
        let today = NaiveDate::from_ymd_opt(2026, 12, 4).unwrap();
        let mut a = Generator::new(7);
        let mut b = Generator::new(7);
        for _ in 0..50 {
            let (x, y) = (a.invoice(r, &t, 10, d, today), b.invoice(r, &t, 10, d, today));
            assert_eq!((x.totals.total, x.fate, x.customer), (y.totals.total, y.fate, y.customer));
        }
        assert_eq!(a.customer(0).name, b.customer(0).name);
    }

    #[test]
    fn invoices_mix_rates_fates_and_stay_consistent() {
        let (r, t) = (RoundingMode::default(), PaymentTerms::default());
        let today = NaiveDate::from_ymd_opt(2026, 12, 4).unwrap();
        let mut g = Generator::new(1);
        let (mut reduced, mut paid, mut partly, mut open, mut void) = (0, 0, 0, 0, 0);
        for i in 0..2000u64 {
            let d = today - Days::new(i % 700);
            let inv = g.invoice(r, &t, 5, d, today);
            assert!(inv.due_date >= inv.issue_date);
            assert!(inv.totals.amount_due.get() > 0);
            if inv.lines.iter().any(|l| l.rate == TaxRate::Reduced8) {
                reduced += 1;
            }
            match inv.fate {
                Fate::Paid(day) => {
                    assert!(day >= inv.issue_date && day <= today);
                    paid += 1
                }
                Fate::PartlyPaid(_, amount) => {
                    assert!(amount > 0 && amount < inv.totals.amount_due.get());
                    partly += 1
                }
                Fate::Open => open += 1,
                Fate::Void => void += 1,
                Fate::Draft => {}
            }
            if let Some(d) = inv.discount {
                assert!(d < inv.totals.amount_due.get());
            }
        }
        assert!(
            reduced > 100 && paid > 1000 && partly > 50 && open > 100 && void > 5,
            "{reduced} {paid} {partly} {open} {void}"
        );
    }
}
