//! 「他のユーザーが変更しました」: who changed a record, when, and how it differs from
//! what this user tried to save. Nothing is overwritten; the user reloads and decides.

use super::failure::UiError;
use invoicepilot_app::dashboard::local_time;
use invoicepilot_app::{App, Ctx, audit, company};

/// The conflict shown above a form.
pub struct Conflict {
    /// The e-mail of whoever saved last.
    pub who: String,
    /// When, in the company's time zone.
    pub when: String,
    /// `項目: あなたの入力「…」／保存済み「…」` lines.
    pub differences: Vec<String>,
}

impl Conflict {
    /// Looks up the last change of `target_type` `id`.
    pub async fn load(
        app: &App,
        ctx: &Ctx,
        target_type: &str,
        id: i64,
        differences: Vec<String>,
    ) -> Result<Conflict, UiError> {
        let last = audit::last_change(app, ctx.company_id, target_type, id).await?;
        let tz = company::load(app, ctx.company_id).await?.model.time_zone;
        let (who, when) = match last {
            Some(l) => (l.who, local_time(&l.at, &tz)),
            None => ("不明".into(), "不明".into()),
        };
        Ok(Conflict { who, when, differences })
    }
}

/// One line per field whose submitted value differs from the stored one.
pub fn differences(pairs: &[(&str, &String, &String)]) -> Vec<String> {
    pairs
        .iter()
        .filter(|(_, mine, theirs)| mine.trim() != theirs.trim())
        .map(|(label, mine, theirs)| format!("{label}: あなたの入力「{}」／保存済み「{}」", mine.trim(), theirs.trim()))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_changed_fields_are_listed() {
        let (a, b, c) = ("x".to_owned(), "x ".to_owned(), "y".to_owned());
        let d = differences(&[("名称", &a, &b), ("住所", &a, &c)]);
        assert_eq!(d, vec!["住所: あなたの入力「x」／保存済み「y」".to_owned()]);
    }
}
