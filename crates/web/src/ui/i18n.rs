//! The UI language. Japanese is the source text (as gettext uses msgids); English is looked
//! up per phrase, and a phrase without a translation stays Japanese rather than failing.

/// A user's UI language.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Lang {
    /// 日本語 (default).
    #[default]
    Ja,
    /// English.
    En,
}

impl Lang {
    /// From the stored code (`ja`, `en`); anything else is Japanese.
    pub fn from_code(code: &str) -> Lang {
        if code == "en" { Lang::En } else { Lang::Ja }
    }

    /// The HTML `lang` attribute.
    pub fn code(self) -> &'static str {
        match self {
            Lang::Ja => "ja",
            Lang::En => "en",
        }
    }

    /// `text` in this language.
    pub fn t(self, text: &'static str) -> &'static str {
        match self {
            Lang::Ja => text,
            Lang::En => EN.iter().find(|(ja, _)| *ja == text).map(|(_, en)| *en).unwrap_or(text),
        }
    }
}

/// Japanese → English.
const EN: &[(&str, &str)] = &[
    ("返還インボイス", "Credit notes"),
    ("返還日（から）", "Credit date (from)"),
    ("返還日（まで）", "Credit date (to)"),
    ("記憶した振込名義", "Remembered payer names"),
    (
        "カナのほかに、入金消込でこの取引先と判定する振込依頼人名です。",
        "Besides the kana reading, bank payer names that identify this customer when matching.",
    ),
    ("まだありません。", "None yet."),
    ("名義を追加", "Add a name"),
    ("下書きを作成", "Create a draft"),
    ("何か月ごと", "Every N months"),
    ("作成方法", "What to do"),
    ("停止", "Pause"),
    ("停止中", "Paused"),
    ("再開", "Resume"),
    (
        "取引先の締め期間に日付がある下書き（納品分）を1通の請求書にまとめ、消費税は税率ごとの合計で計算します。",
        "Combines the customer's drafts (deliveries) dated in one closing period into one invoice; tax is computed on each rate's total.",
    ),
    ("合計請求書を作成", "Create the summary invoice"),
    ("合計請求書（締め日ごとのまとめ請求）", "Summary invoice (per closing day)"),
    ("周期", "Schedule"),
    (
        "品目と備考の {YYYY} {M} は対象月に置き換わります（例: {YYYY}年{M}月分 保守料）。",
        "{YYYY} and {M} in descriptions and notes become the billed month (e.g. {YYYY}年{M}月分 保守料).",
    ),
    ("定期請求", "Recurring"),
    ("定期請求はまだありません。", "No recurring invoices yet."),
    ("定期請求を追加", "Add a recurring invoice"),
    ("最初の対象月（YYYY-MM）", "First month billed (YYYY-MM)"),
    ("次回の対象月", "Next month billed"),
    ("発行まで自動", "Issue automatically"),
    ("発行・メール送信まで自動", "Issue and e-mail automatically"),
    ("締め日（空欄なら直近の締め日）", "Closing date (empty: the latest)"),
    ("請求日（1〜28日、31は末日）", "Billing day (1–28, 31 = month end)"),
    ("作成した請求書", "The invoice made from it"),
    ("受注して請求書の下書きを作成", "Accept and create the invoice draft"),
    ("失注", "Declined"),
    ("小計", "Subtotal"),
    ("提出する（番号を付ける）", "Issue to the customer (numbered)"),
    ("有効期限", "Valid until"),
    ("有効期限（空欄なら30日後）", "Valid until (empty: 30 days)"),
    ("見積日", "Quote date"),
    ("見積日（空欄なら今日）", "Quote date (empty: today)"),
    ("見積書", "Quotes"),
    ("見積書の作成", "New quote"),
    ("見積書はまだありません。", "No quotes yet."),
    ("見積書を作成", "New quote"),
    ("提出済み", "Sent"),
    ("受注", "Accepted"),
    ("期限切れ", "Expired"),
    ("エクスポート", "Exports"),
    ("ダウンロード", "Download"),
    ("会計ソフト", "Accounting software"),
    ("会計ソフト用の仕訳", "Journal for accounting software"),
    ("入金台帳", "Payment register"),
    ("売上（請求書・返還インボイス）", "Sales (invoices and credit notes)"),
    ("文字コード", "Encoding"),
    ("終了日", "To"),
    (
        "請求書台帳は請求書一覧の「CSVダウンロード」から出力できます。",
        "The invoice register is the CSV download of the invoice list.",
    ),
    ("開始日", "From"),
    ("この請求書は修正され、無効になりました。修正後", "This invoice was corrected and is void. Corrected version"),
    ("この請求書は次の請求書を修正したものです", "This invoice corrects"),
    ("修正版を作成", "Create a corrected version"),
    ("値引き", "Discount"),
    ("返品", "Return"),
    ("返品・値引きはありません。", "No returns or discounts."),
    ("返還インボイスを発行", "Issue a credit note"),
    ("返還インボイス（返品・値引き）", "Credit notes (returns and discounts)"),
    ("返還日", "Credit date"),
    ("返還額（税込）", "Amount credited (incl. tax)"),
    ("（1万円未満のため交付省略）", "(no document: under ¥10,000)"),
    ("銀行取消", "Cancelled by the bank"),
    ("確度", "confidence"),
    ("EDI・摘要", "EDI / description"),
    ("この候補で消込", "Book this match"),
    ("この名義を記憶する", "Remember this payer name"),
    ("ファイル形式", "File format"),
    ("入金明細の取込", "Import a bank statement"),
    ("入金消込", "Payment matching"),
    ("取り込む", "Import"),
    ("取引先を選択", "Choose a customer"),
    ("古い請求書から消込", "Apply to oldest invoices"),
    ("対象外にする", "Not a customer payment"),
    ("振込手数料", "Transfer fee"),
    ("明細ファイル（全銀協形式・銀行のCSV）", "Statement file (Zengin format or bank CSV)"),
    ("最近の消込", "Recent matches"),
    ("未消込の入金", "Unmatched receipts"),
    ("未消込の入金はありません。", "No unmatched receipts."),
    ("消込", "Matching"),
    ("消込を取り消す", "Undo match"),
    ("消込済みの入金はまだありません。", "No matched receipts yet."),
    ("理由", "Reason"),
    ("候補あり", "Suggested"),
    ("消込済み", "Matched"),
    ("対象外", "Ignored"),
    ("出金", "Paid out"),
    ("請求書番号が一致", "Invoice number given"),
    ("名義と金額が一致", "Payer name and amount"),
    ("名義と複数請求書の合計が一致", "Payer name and several invoices' total"),
    ("名義が一致・振込手数料の差引", "Payer name, transfer fee deducted"),
    ("名義のみ一致", "Payer name only"),
    ("金額のみ一致", "Amount only"),
    ("手動で消込", "Matched by hand"),
    ("振込手数料の差引", "Transfer fees deducted by the customer"),
    ("差引を認める上限（円、空欄は1,000円）", "Largest deduction accepted (yen; empty: 1,000)"),
    ("差引額の処理", "Book the deduction as"),
    ("売上値引（返還インボイスは1万円未満のため省略）", "Sales discount (no credit document under ¥10,000)"),
    ("支払手数料（当方負担）", "Fee expense (borne by us)"),
    ("ダッシュボード", "Dashboard"),
    ("請求書", "Invoices"),
    ("取引先", "Customers"),
    ("入金", "Payments"),
    ("設定", "Settings"),
    ("ユーザー", "Users"),
    ("APIトークン", "API tokens"),
    ("ログアウト", "Sign out"),
    ("ログイン", "Sign in"),
    ("English", "日本語"),
    ("会社を切り替え", "Switch company"),
    ("切替", "Switch"),
    ("未入金合計", "Total unpaid"),
    ("今月の売上", "Sales this month"),
    ("期限超過", "Overdue"),
    ("売掛金の年齢分析（期限超過）", "Receivables aging (overdue)"),
    ("期限超過の請求書", "Overdue invoices"),
    ("期限超過の請求書はありません。", "No overdue invoices."),
    ("最近の操作", "Recent activity"),
    ("請求書番号", "Invoice number"),
    ("支払期限", "Due date"),
    ("超過日数", "Days overdue"),
    ("未入金残高", "Balance"),
    ("新規登録", "New"),
    ("検索", "Search"),
    ("名称", "Name"),
    ("カナ", "Kana"),
    ("メール", "E-mail"),
    ("登録番号", "Registration no."),
    ("支払条件", "Payment terms"),
    ("編集", "Edit"),
    ("保存", "Save"),
    ("次のページ", "Next page"),
    ("該当する取引先はありません。", "No matching customers."),
    ("該当する請求書はありません。", "No matching invoices."),
    ("番号", "Number"),
    ("状態", "Status"),
    ("請求日", "Issue date"),
    ("合計（税込）", "Total (incl. tax)"),
    ("残高", "Balance"),
    ("新規作成", "New invoice"),
    ("詳細", "Details"),
    ("発行", "Issue"),
    ("取消", "Void"),
    ("削除", "Delete"),
    ("入金を記録", "Record payment"),
    ("取消し（反対仕訳）", "Reverse"),
    ("すべて", "All"),
    ("お探しのページは見つかりませんでした。", "The page you are looking for was not found."),
    ("この操作は許可されていません。", "Your role does not allow this."),
    ("権限がありません", "Not allowed"),
    ("見つかりません", "Not found"),
    ("操作できません", "Not possible"),
    ("入力内容をご確認ください", "Please check your input"),
    ("ただいま利用できません", "Temporarily unavailable"),
    ("エラーが発生しました", "Something went wrong"),
    ("所属している会社がありません", "No company"),
    (
        "所属している会社がありません。管理者に招待を依頼してください。",
        "You are not a member of any company. Ask an administrator to invite you.",
    ),
    (
        "データベースに接続できません。しばらくしてから再度お試しください。",
        "The database cannot be reached. Please try again shortly.",
    ),
    (
        "処理中にエラーが発生しました。お手数ですがリクエストIDを添えて管理者にお知らせください。",
        "An error occurred. Please tell your administrator, quoting the request id.",
    ),
    ("リクエストID:", "Request id:"),
    ("トップへ戻る", "Back to the dashboard"),
    ("他のユーザーが変更しました。", "Someone else changed this."),
    ("あなたの変更は保存されていません。", "Your changes were not saved."),
    ("最新の内容を読み込む", "Load the latest version"),
    ("名称（必須）", "Name (required)"),
    ("カナ（振込名義の照合に使います）", "Kana reading (used to match bank transfers)"),
    ("敬称", "Honorific"),
    ("メールアドレス", "E-mail address"),
    ("郵便番号", "Postal code"),
    ("住所", "Address"),
    ("登録番号（T＋13桁）", "Registration no. (T + 13 digits)"),
    ("検索（名称・カナ・メール）", "Search (name, kana, e-mail)"),
    ("番号をご確認ください", "Please check the number"),
    ("請求書を作成", "New invoice"),
    ("件", ""),
    ("日", " days"),
    ("日時", "When"),
    ("操作者", "Who"),
    ("操作", "Action"),
    ("内容", "Details"),
    ("支払期限を過ぎています", "Past due"),
    ("取消理由", "Reason for voiding"),
    ("単価の扱い", "Unit prices"),
    ("税込", "Tax included"),
    ("税抜", "Tax excluded"),
    ("品目", "Item"),
    ("数量", "Qty"),
    ("単位", "Unit"),
    ("単価", "Unit price"),
    ("税率", "Tax rate"),
    ("金額", "Amount"),
    ("※は軽減税率対象", "※ marks items at the reduced rate"),
    ("消費税", "Consumption tax"),
    ("小計（税抜）", "Subtotal (excl. tax)"),
    ("源泉徴収税額", "Withholding tax"),
    ("ご請求金額", "Amount due"),
    ("入金済", "Paid"),
    ("備考", "Notes"),
    ("入金はまだありません。", "No payments yet."),
    ("入金日", "Received on"),
    ("入金方法", "Method"),
    ("消込額", "Applied"),
    ("変更履歴", "History"),
    ("すべての履歴", "Full history"),
    ("＋ 行を追加", "+ Add line"),
    ("単価は税込", "Prices include tax"),
    ("源泉徴収する", "Withhold income tax"),
    ("選択してください", "Choose…"),
    ("請求日（空欄なら今日）", "Issue date (empty: today)"),
    ("支払期限（空欄なら支払条件から計算）", "Due date (empty: from the payment terms)"),
    ("下書きを保存", "Save draft"),
    ("請求日（から）", "Issued from"),
    ("請求日（まで）", "Issued until"),
    ("金額（以上）", "Amount from"),
    ("金額（以下）", "Amount up to"),
    ("番号・取引先名", "Number or customer"),
    ("入金額", "Amount received"),
    ("振込名義（通帳の表記）", "Payer name (as on the statement)"),
    ("参照番号・メモ", "Reference / memo"),
    ("消込（空欄なら支払期限の古い順に充当）", "Allocation (empty: oldest due first)"),
    (
        "未入金の請求書はありません。入金額は取引先の前受金（クレジット）になります。",
        "No open invoices. The amount becomes the customer's credit.",
    ),
    ("記録する", "Record"),
    ("消込先", "Applied to"),
    ("未消込", "Unapplied"),
    ("振込名義", "Payer name"),
    ("発行者", "Issuer"),
    ("電話番号", "Phone"),
    (
        "登録番号のチェックデジットが一致しません。番号をご確認ください（保存はされています）。",
        "The registration number's check digit does not match. Please check it (it was saved).",
    ),
    ("計算と採番", "Calculation and numbering"),
    ("消費税の端数処理", "Tax rounding"),
    ("会計年度の開始月", "Fiscal year starts in month"),
    ("タイムゾーン", "Time zone"),
    (
        "請求書番号の書式（{YYYY}=暦年、{FY}=会計年度、{NNNN}=連番）",
        "Invoice number format ({YYYY} = year, {FY} = fiscal year, {NNNN} = sequence)",
    ),
    ("新しい請求書は源泉徴収ありを既定にする", "Withhold income tax on new invoices by default"),
    ("振込先口座", "Bank accounts"),
    ("銀行コード", "Bank code"),
    ("銀行名", "Bank"),
    ("支店コード", "Branch code"),
    ("支店名", "Branch"),
    ("種別", "Type"),
    ("口座番号", "Account no."),
    ("口座名義（カナ）", "Account name (kana)"),
    (
        "口座を追加するには空欄の行に入力して保存します。行のすべての欄を空にすると削除されます。",
        "Fill in the empty row and save to add an account; empty every field of a row to remove it.",
    ),
    ("次の請求書番号", "Next invoice number"),
    ("次に発行される番号", "The next invoice will be"),
    ("期間", "Period"),
    ("次の連番", "Next sequence"),
    ("発行済みの最大", "Highest issued"),
    (
        "今期の次の連番（他システムからの移行時など。戻すことはできません）",
        "Next sequence this period (e.g. when moving from another system; it cannot go back)",
    ),
    ("締め日（1–28、31＝月末）", "Closing day (1–28, 31 = month end)"),
    ("支払月（締め月の何か月後、0–3）", "Months after closing (0–3)"),
    ("支払日（1–28、31＝月末）", "Payment day (1–28, 31 = month end)"),
    ("休日の場合", "On a non-business day"),
    ("翌営業日", "Next business day"),
    ("前営業日", "Previous business day"),
    ("そのまま", "Keep the date"),
    (
        "新しいトークンです。この画面を離れると二度と表示されません。今すぐ安全な場所に保存してください。",
        "Your new token. It will not be shown again once you leave this page: store it safely now.",
    ),
    ("トークンはまだありません。", "No tokens yet."),
    ("名前", "Name"),
    ("作成日時", "Created"),
    ("無効化済み", "Revoked"),
    ("有効", "Active"),
    ("無効化", "Revoke"),
    ("名前（用途）", "Name (what it is for)"),
    ("トークンを作成", "Create token"),
    ("ユーザーと権限", "Users and roles"),
    ("権限", "Role"),
    ("変更", "Change"),
    ("ユーザーを追加", "Add a user"),
    ("パスワード（新しいアカウントのみ、12文字以上）", "Password (new accounts only, 12+ characters)"),
    ("追加", "Add"),
    ("取引先の登録", "New customer"),
    ("取引先の編集", "Edit customer"),
    ("請求書の作成", "New invoice"),
    ("請求書の編集", "Edit invoice"),
    ("支払条件（空欄なら会社の既定）", "Payment terms (empty: the company's default)"),
    ("支払条件の既定（取引先ごとの指定がないとき）", "Default payment terms (when a customer has none)"),
    ("下書き", "Draft"),
    ("発行済", "Issued"),
    ("一部入金", "Partially paid"),
    ("10%", "10%"),
    ("8%（軽減）", "8% (reduced)"),
    ("0%", "0%"),
    ("非課税", "Exempt"),
    ("不課税", "Out of scope"),
    ("10%対象", "Taxable at 10%"),
    ("8%対象（軽減税率）※", "Taxable at 8% (reduced) ※"),
    ("0%対象", "Taxable at 0%"),
    ("銀行振込", "Bank transfer"),
    ("現金", "Cash"),
    ("カード", "Card"),
    ("その他", "Other"),
    ("取消（反対仕訳）", "Reversal"),
    ("取消済み", "Reversed"),
    ("オーナー", "Owner"),
    ("管理者", "Admin"),
    ("経理担当", "Accountant"),
    ("閲覧のみ", "Viewer"),
    ("切り捨て", "Truncate"),
    ("四捨五入", "Round half up"),
    ("切り上げ", "Round up"),
    ("PDFプレビュー（下書き）", "PDF preview (draft)"),
    ("PDFを表示", "View PDF"),
    ("社印（角印）", "Company seal"),
    ("メール送信", "E-mail"),
    ("メールと督促", "E-mail and reminders"),
    ("メールの署名（空欄なら会社名・住所・電話番号）", "E-mail signature (empty: name, address and phone)"),
    (
        "遅延損害金の利率（年率%、契約がなければ法定利率3）",
        "Late-payment interest (% a year; the legal 3 without a contract rate)",
    ),
    ("段階", "Level"),
    ("期日からの日数", "Days from the due date"),
    ("件名", "Subject"),
    ("遅延損害金", "Interest"),
    ("本文", "Text"),
    ("書き出し", "Opening"),
    ("結び", "Closing"),
    ("記載する", "State it"),
    (
        "日数は支払期限からの日数です（-3 = 3日前、7 = 7日後）。件名を空にした段階は削除されます。",
        "Days count from the due date (-3 = three days before, 7 = a week after). A level with an empty subject is removed.",
    ),
    ("キュー", "Queue"),
    ("バックグラウンド処理", "Background jobs"),
    ("待機中", "Waiting"),
    ("実行中", "Running"),
    ("失敗", "Failed"),
    ("直近1分", "Last minute"),
    ("直近1時間", "Last hour"),
    ("最も古い待機", "Oldest waiting"),
    ("秒", " s"),
    ("稼働中のワーカー", "Workers running"),
    ("ワーカーが動いていません。", "No worker is running."),
    ("種類", "Type"),
    ("失敗した処理", "Failed jobs"),
    ("失敗した処理はありません。", "No failed jobs."),
    ("すべて再実行", "Retry all"),
    ("再実行", "Retry"),
    ("破棄", "Forget"),
    ("試行回数", "Attempts"),
    ("エラー", "Error"),
    ("送信済み", "Sent"),
    ("送信失敗", "Failed"),
    ("送信待ち", "Queued"),
    ("SMTPの応答", "SMTP reply"),
    ("宛先（カンマ区切り、空欄なら取引先のアドレス）", "To (comma separated; empty: the customer's address)"),
    ("発行してメール送信", "Issue and e-mail"),
    ("PDFを添付して送信", "E-mail with the PDF"),
    ("督促", "Reminders"),
    ("この請求書の督促は保留中です。", "Reminders for this invoice are on hold."),
    ("督促メールはまだ送っていません。", "No reminders sent yet."),
    ("督促を再開", "Resume reminders"),
    ("督促を保留", "Hold reminders"),
    ("この取引先には督促メールを送らない", "Send this customer no payment reminders"),
    ("現在の社印", "Current seal"),
    ("社印は設定されていません。", "No seal is set."),
    (
        "PNG画像（512KBまで）。これから発行する書類に印刷されます。",
        "A PNG image (up to 512 KB), printed on documents issued from now on.",
    ),
    ("アップロード", "Upload"),
    ("社印を削除", "Remove seal"),
    ("PDFをダウンロード", "Download PDF"),
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn english_falls_back_to_japanese() {
        assert_eq!(Lang::En.t("請求書"), "Invoices");
        assert_eq!(Lang::Ja.t("請求書"), "請求書");
        assert_eq!(Lang::En.t("未翻訳の文"), "未翻訳の文");
    }

    /// Labels computed in code (statuses, roles, rates, methods) have English entries.
    #[test]
    fn computed_labels_are_translated() {
        let mut labels: Vec<&str> = invoicepilot_domain::InvoiceStatus::ALL.iter().map(|s| s.label_ja()).collect();
        labels.extend(invoicepilot_domain::Role::ALL.iter().map(|r| r.label_ja()));
        labels.extend(["10", "8", "0", "exempt", "out_of_scope"].map(super::super::invoice_editor::rate_label));
        labels.extend(["bank_transfer", "cash", "card", "other"].map(super::super::invoice_detail::method_label));
        labels.extend(
            ["unmatched", "suggested", "matched", "ignored", "outgoing", "cancelled"]
                .map(super::super::bank::status_label),
        );
        labels.extend(
            [
                "invoice_number",
                "name_and_amount",
                "name_and_invoice_set",
                "name_and_fee_shortfall",
                "name_only",
                "amount_only",
                "manual",
            ]
            .map(super::super::bank::reason_label),
        );
        labels.extend(["draft", "sent", "accepted", "declined", "expired"].map(super::super::quotes::status_label));
        for l in labels {
            assert!(EN.iter().any(|(ja, _)| *ja == l), "{l} has no English entry");
        }
    }

    /// No phrase is listed twice (the first would silently win).
    #[test]
    fn phrases_are_unique() {
        for (i, (ja, _)) in EN.iter().enumerate() {
            assert!(!EN[i + 1..].iter().any(|(j, _)| j == ja), "{ja} listed twice");
        }
    }

    /// Every phrase a template passes to `t(…)` has an English entry.
    #[test]
    fn every_template_phrase_is_translated() {
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/templates");
        let mut missing = Vec::new();
        for entry in std::fs::read_dir(dir).expect("templates folder") {
            let path = entry.expect("entry").path();
            let text = std::fs::read_to_string(&path).expect("template text");
            for piece in text.split("t(\"").skip(1) {
                let phrase = piece.split('"').next().unwrap_or_default();
                if !EN.iter().any(|(ja, _)| *ja == phrase) {
                    missing.push(format!("{}: {phrase}", path.display()));
                }
            }
        }
        assert!(missing.is_empty(), "untranslated: {missing:#?}");
    }
}
