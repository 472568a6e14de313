//! Dunning (督促): levels by days relative to the due date, which level an invoice has
//! reached on a given day, and late-payment interest (遅延損害金).

use crate::Yen;
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

/// One step of the dunning policy.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct DunningLevel {
    /// 1, 2, 3… in order.
    pub level: i32,
    /// Days relative to the due date (−3: three days before; 7: a week after).
    pub days: i32,
    /// Subject and heading: お支払期日のご案内, 督促状 …
    pub title: String,
    /// The opening paragraph.
    pub lead: String,
    /// The closing request.
    pub closing: String,
    /// Whether the mail states the late-payment interest.
    pub mention_interest: bool,
}

/// The legal rate (法定利率, 民法404条) since 2020-04-01: 3% a year, in basis points.
pub const LEGAL_RATE_BP: u32 = 300;

/// The default policy: 3 days before, and 7, 14 and 30 days after the due date.
pub fn default_policy() -> Vec<DunningLevel> {
    let l = |level, days, title: &str, lead: &str, closing: &str, mention_interest| DunningLevel {
        level,
        days,
        title: title.into(),
        lead: lead.into(),
        closing: closing.into(),
        mention_interest,
    };
    vec![
        l(
            1,
            -3,
            "お支払期日のご案内",
            "下記のご請求につきまして、お支払期日が近づいてまいりましたのでご案内申し上げます。",
            "期日までにお手続きいただけますよう、よろしくお願い申し上げます。",
            false,
        ),
        l(
            2,
            7,
            "お支払いのお願い",
            "下記のご請求につきまして、お支払期日を過ぎておりますが、ご入金の確認がとれておりません。",
            "お手数ですが、ご確認のうえお支払いくださいますようお願い申し上げます。",
            false,
        ),
        l(
            3,
            14,
            "督促状",
            "下記のご請求につきまして、再三のご案内にもかかわらず、いまだご入金を確認できておりません。",
            "至急お支払いくださいますようお願い申し上げます。なお、お支払いが遅れた期間について遅延損害金が生じております。",
            true,
        ),
        l(
            4,
            30,
            "最終催告",
            "下記のご請求につきまして、これまで度々ご連絡を差し上げておりますが、いまだお支払いをいただけておりません。",
            "本書到着後7日以内にお支払いがない場合は、誠に遺憾ながら法的手続きを検討させていただきます。",
            true,
        ),
    ]
}

/// Why a policy is not usable.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PolicyError {
    /// Levels must be numbered 1, 2, 3… with strictly increasing days.
    #[error("levels must be numbered from 1 with strictly increasing days")]
    Order,
    /// A title, lead or closing is empty or too long.
    #[error("level {0}: title, lead and closing must be 1–500 characters")]
    Text(i32),
    /// Days out of −60..=365.
    #[error("level {0}: days must be between -60 and 365")]
    Days(i32),
}

/// Checks a policy: levels 1..n, days strictly increasing within −60..=365, texts present.
pub fn validate(levels: &[DunningLevel]) -> Result<(), PolicyError> {
    for (i, l) in levels.iter().enumerate() {
        if l.level != i as i32 + 1 || (i > 0 && l.days <= levels[i - 1].days) {
            return Err(PolicyError::Order);
        }
        if !(-60..=365).contains(&l.days) {
            return Err(PolicyError::Days(l.level));
        }
        if [&l.title, &l.lead, &l.closing].iter().any(|t| t.trim().is_empty() || t.chars().count() > 500) {
            return Err(PolicyError::Text(l.level));
        }
    }
    Ok(())
}

/// The highest level an invoice due on `due` has reached on `today`, if any. An invoice
/// first seen late gets the level for its lateness, not every earlier one.
pub fn reached(levels: &[DunningLevel], due: NaiveDate, today: NaiveDate) -> Option<&DunningLevel> {
    let relative = (today - due).num_days();
    levels.iter().filter(|l| i64::from(l.days) <= relative).max_by_key(|l| l.days)
}

/// 遅延損害金: ⌊principal × rate × days / 365⌋ (rate in basis points), 0 when not late.
pub fn late_interest(principal: Yen, rate_bp: u32, days_late: i64) -> Yen {
    if days_late <= 0 || principal.get() <= 0 {
        return Yen(0);
    }
    let v = i128::from(principal.get()) * i128::from(rate_bp) * i128::from(days_late) / (10_000 * 365);
    Yen(v.min(i128::from(i64::MAX)) as i64)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    #[test]
    fn levels_follow_the_days_relative_to_the_due_date() {
        let p = default_policy();
        let due = d("2026-11-30");
        assert_eq!(reached(&p, due, d("2026-11-26")), None, "4 days before: nothing yet");
        assert_eq!(reached(&p, due, d("2026-11-27")).map(|l| l.level), Some(1));
        assert_eq!(reached(&p, due, d("2026-12-06")).map(|l| l.level), Some(1), "6 days late: still the notice");
        assert_eq!(reached(&p, due, d("2026-12-07")).map(|l| l.level), Some(2));
        assert_eq!(reached(&p, due, d("2026-12-14")).map(|l| l.level), Some(3));
        assert_eq!(reached(&p, due, d("2027-03-01")).map(|l| l.level), Some(4));
        assert!(validate(&p).is_ok());
    }

    #[test]
    fn interest_is_truncated_daily_interest_on_the_principal() {
        // 1,000,000 × 3% × 30 / 365 = 2,465.75… → 2,465
        assert_eq!(late_interest(Yen(1_000_000), LEGAL_RATE_BP, 30), Yen(2465));
        // 14.6% (a common contract rate) on 30,682 for 14 days: 171.8… → 171
        assert_eq!(late_interest(Yen(30_682), 1460, 14), Yen(171));
        assert_eq!(late_interest(Yen(30_682), LEGAL_RATE_BP, 0), Yen(0));
        assert_eq!(late_interest(Yen(30_682), LEGAL_RATE_BP, -3), Yen(0));
    }

    #[test]
    fn bad_policies_are_refused() {
        let mut p = default_policy();
        p[2].days = 5;
        assert_eq!(validate(&p), Err(PolicyError::Order));
        let mut p = default_policy();
        p[0].title = " ".into();
        assert_eq!(validate(&p), Err(PolicyError::Text(1)));
        let mut p = default_policy();
        p[3].days = 400;
        assert_eq!(validate(&p), Err(PolicyError::Days(4)));
    }
}
