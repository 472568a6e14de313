//! PDF benchmark: the same one-page invoice rendered repeatedly on every core; prints the
//! first-render latency (engine and fonts loaded) and PDFs/s.

use clap::Parser;
use invoicepilot_pdf::{Addressee, BankAccount, Document, DocumentKind, Issuer, Line, RateTotal, render};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

/// Renders a one-page invoice for `--seconds` on `--threads` threads.
#[derive(Debug, Parser)]
struct Args {
    /// Seconds of rendering after the first one.
    #[arg(long, default_value_t = 10)]
    seconds: u64,
    /// Rendering threads (default: every core).
    #[arg(long)]
    threads: Option<usize>,
}

fn line(description: &str, qty: &str, unit: &str, price: i64, amount: i64, rate: &str) -> Line {
    Line {
        description: description.into(),
        quantity: qty.into(),
        unit: unit.into(),
        unit_price: price,
        amount,
        tax_rate: rate.into(),
    }
}

fn invoice() -> Document {
    Document {
        kind: DocumentKind::Invoice,
        number: Some("I-2026-0001".into()),
        issue_date: "2026-11-30".into(),
        due_date: Some("2026-12-31".into()),
        draft: false,
        issuer: Issuer {
            name: "株式会社インボイスパイロット".into(),
            postal_code: Some("1000001".into()),
            address: Some("東京都千代田区千代田1-1".into()),
            phone: Some("03-1234-5678".into()),
            registration_number: Some("T7120001168421".into()),
        },
        addressee: Addressee {
            name: "株式会社青山商事".into(),
            honorific: "御中".into(),
            postal_code: Some("1070062".into()),
            address: Some("東京都港区南青山1-2-3".into()),
        },
        subject: None,
        lines: vec![
            line("Webサイト保守（月額）", "1", "式", 12345, 12345, "10"),
            line("デザイン修正", "3", "時間", 2263, 6789, "10"),
            line("サーバー費用", "1", "月", 2555, 2555, "10"),
            line("菓子詰め合わせ", "1", "箱", 4321, 4321, "8"),
            line("コーヒー豆 200g", "1", "袋", 1999, 1999, "8"),
        ],
        rates: vec![
            RateTotal { rate: "10".into(), taxable_amount: 21689, tax: 2168 },
            RateTotal { rate: "8".into(), taxable_amount: 6320, tax: 505 },
        ],
        subtotal: 28009,
        tax_total: 2673,
        total: 30682,
        withholding_tax: None,
        amount_due: 30682,
        prices_include_tax: false,
        bank_accounts: vec![BankAccount {
            bank_name: "みずほ銀行".into(),
            bank_code: "0001".into(),
            branch_name: "東京営業部".into(),
            branch_code: "001".into(),
            account_type: "普通".into(),
            account_number: "1234567".into(),
            account_name_kana: "ｶ)ｲﾝﾎﾞｲｽﾊﾟｲﾛｯﾄ".into(),
        }],
        notes: None,
        original: None,
        seal_png: None,
    }
}

fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let threads = args.threads.unwrap_or_else(|| std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1));
    let doc = invoice();
    let start = Instant::now();
    let first = render(&doc)?;
    let first_ms = start.elapsed().as_secs_f64() * 1000.0;
    // Each rendering gets its own invoice number, as real ones do (no cache of a whole document).
    let counter = AtomicUsize::new(0);
    let deadline = Instant::now() + Duration::from_secs(args.seconds);
    let begun = Instant::now();
    std::thread::scope(|s| {
        for _ in 0..threads {
            s.spawn(|| {
                let mut d = invoice();
                while Instant::now() < deadline {
                    let n = counter.fetch_add(1, Ordering::Relaxed);
                    d.number = Some(format!("I-2026-{:04}", n + 2));
                    render(&d).expect("render");
                }
            });
        }
    });
    let rendered = counter.load(Ordering::Relaxed);
    let secs = begun.elapsed().as_secs_f64();
    println!("first render: {first_ms:.1} ms ({} bytes)", first.len());
    println!("threads: {threads}");
    println!("rendered: {rendered} in {secs:.1} s = {:.1} PDFs/s", rendered as f64 / secs);
    Ok(())
}
