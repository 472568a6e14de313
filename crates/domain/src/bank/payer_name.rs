//! 振込依頼人名 as banks print them, made comparable: banks write names in half-width
//! katakana with large kana only, upper-case letters, legal forms abbreviated (`ｶ)`, `(ｶ)`,
//! `(ｶ`) and the whole field cut at 48 (or 26) characters. Customers write their
//! `name_kana` in full-width katakana or hiragana with spaces and long vowels.
//! [`normalise`] maps both to one form; [`matches`] compares with the bank side as a prefix.

/// Legal-form abbreviations in the order they are tried (longer first, so `ｼﾕｳ` is not read as `ｼ`).
const LEGAL_FORMS: &[&str] =
    &["ﾄｸﾋ", "ｼﾕｳ", "ｼﾕﾂ", "ｻﾞｲ", "ｶﾞｸ", "ｾﾞｲ", "ﾍﾞﾝ", "ｼﾔ", "ﾄﾞ", "ﾌｸ", "ｴｲ", "ｶ", "ﾕ", "ﾒ", "ｼ", "ｲ"];

/// Legal forms spelled out, as customers type them into `name_kana` (longer first).
const SPELLED_FORMS: &[&str] = &[
    "ｶﾌﾞｼｷｶﾞｲｼﾔ",
    "ﾕｳｹﾞﾝｶﾞｲｼﾔ",
    "ｺﾞｳﾄﾞｳｶﾞｲｼﾔ",
    "ｺﾞｳﾒｲｶﾞｲｼﾔ",
    "ｺﾞｳｼｶﾞｲｼﾔ",
    "ｲﾘﾖｳﾎｳｼﾞﾝｼﾔﾀﾞﾝ",
    "ｲﾘﾖｳﾎｳｼﾞﾝ",
    "ｲﾊﾟﾝｼﾔﾀﾞﾝﾎｳｼﾞﾝ",
    "ｲﾂﾊﾟﾝｼﾔﾀﾞﾝﾎｳｼﾞﾝ",
    "ｼﾔｶｲﾌｸｼﾎｳｼﾞﾝ",
    "ｶﾞﾂｺｳﾎｳｼﾞﾝ",
    "ｾﾞｲﾘｼﾎｳｼﾞﾝ",
    "ﾍﾞﾝｺﾞｼﾎｳｼﾞﾝ",
    "ﾄｸﾃｲﾋｴｲﾘｶﾂﾄﾞｳﾎｳｼﾞﾝ",
];

/// Shortest bank-side name that may match a longer known name by prefix: the bank cuts
/// long names, but a very short one says too little to be trusted.
pub const MIN_PREFIX_CHARS: usize = 6;

/// One full-width katakana (or hiragana, already shifted) as half-width, large kana only.
fn half_width_kana(c: char, out: &mut String) -> bool {
    const PLAIN: &str = "ｱｱｲｲｳｳｴｴｵｵｶｶｷｷｸｸｹｹｺｺｻｻｼｼｽｽｾｾｿｿﾀﾀﾁﾁﾂﾂﾂﾃﾃﾄﾄﾅﾆﾇﾈﾉﾊﾊﾊﾋﾋﾋﾌﾌﾌﾍﾍﾍﾎﾎﾎﾏﾐﾑﾒﾓﾔﾔﾕﾕﾖﾖﾗﾘﾙﾚﾛﾜﾜｲｴｦﾝｳｶｹ";
    // U+30A1 (ァ) … U+30F6 (ヶ): for each, its half-width base and mark (0 none, 1 ﾞ, 2 ﾟ).
    const MARK: &[u8] = &[
        0, 0, 0, 0, 0, 0, 0, 0, 0, 0, // ァアィイゥウェエォオ
        0, 1, 0, 1, 0, 1, 0, 1, 0, 1, // カガキギクグケゲコゴ
        0, 1, 0, 1, 0, 1, 0, 1, 0, 1, // サザシジスズセゼソゾ
        0, 1, 0, 1, 0, 0, 1, 0, 1, 0, 1, // タダチヂッツヅテデトド
        0, 0, 0, 0, 0, // ナニヌネノ
        0, 1, 2, 0, 1, 2, 0, 1, 2, 0, 1, 2, 0, 1, 2, // ハバパヒビピフブプヘベペホボポ
        0, 0, 0, 0, 0, // マミムメモ
        0, 0, 0, 0, 0, 0, // ャヤュユョヨ
        0, 0, 0, 0, 0, // ラリルレロ
        0, 0, 0, 0, 0, 0, // ヮワヰヱヲン
        1, 0, 0, // ヴヵヶ
    ];
    let code = c as u32;
    if !(0x30A1..=0x30F6).contains(&code) {
        return false;
    }
    let i = (code - 0x30A1) as usize;
    let Some(base) = PLAIN.chars().nth(i) else { return false };
    out.push(base);
    match MARK.get(i) {
        Some(1) => out.push('ﾞ'),
        Some(2) => out.push('ﾟ'),
        _ => {}
    }
    true
}

/// Half-width small kana → large.
fn large(c: char) -> char {
    match c {
        'ｧ' => 'ｱ',
        'ｨ' => 'ｲ',
        'ｩ' => 'ｳ',
        'ｪ' => 'ｴ',
        'ｫ' => 'ｵ',
        'ｯ' => 'ﾂ',
        'ｬ' => 'ﾔ',
        'ｭ' => 'ﾕ',
        'ｮ' => 'ﾖ',
        other => other,
    }
}

/// Characters that carry nothing in a payer name (spaces, long vowels, hyphens, dots).
fn is_noise(c: char) -> bool {
    matches!(c, ' ' | '.' | ',' | '-' | 'ｰ' | '･' | '/' | '\'' | '"' | '&' | '+')
}

/// Maps to half-width katakana, upper-case ASCII, nothing else changed yet.
fn to_bank_charset(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        let code = c as u32;
        let c = match code {
            // Hiragana → katakana.
            0x3041..=0x3096 => char::from_u32(code + 0x60).unwrap_or(c),
            // Full-width ASCII → ASCII.
            0xFF01..=0xFF5E => char::from_u32(code - 0xFEE0).unwrap_or(c),
            0x3000 => ' ',
            _ => c,
        };
        if half_width_kana(c, &mut out) {
            continue;
        }
        match c {
            'ー' | '−' | '‐' | '―' | '‑' | '–' | '—' | '～' | '〜' => out.push('-'),
            '゛' | '\u{3099}' => out.push('ﾞ'),
            '゜' | '\u{309A}' => out.push('ﾟ'),
            '・' => out.push('･'),
            '（' => out.push('('),
            '）' => out.push(')'),
            c => out.push(large(c).to_ascii_uppercase()),
        }
    }
    out
}

/// Strips legal-form markers in every position: `ｶ)` at the start, `(ｶ)` anywhere, `(ｶ` at
/// the end, and spelled-out forms at the start or the end.
fn strip_legal_forms(mut s: String) -> String {
    loop {
        let before = s.clone();
        for f in LEGAL_FORMS {
            s = s.replace(&format!("({f})"), "");
            if let Some(rest) = s.strip_prefix(&format!("{f})")) {
                s = rest.to_owned();
            }
            if let Some(rest) = s.strip_suffix(&format!("({f}")) {
                s = rest.to_owned();
            }
        }
        for f in SPELLED_FORMS {
            if let Some(rest) = s.strip_prefix(f) {
                s = rest.to_owned();
            }
            if let Some(rest) = s.strip_suffix(f) {
                s = rest.to_owned();
            }
        }
        if s == before {
            return s;
        }
    }
}

/// The comparable form of a payer name (see the module documentation). A leading payer code
/// (up to 10 digits and a space) is dropped; what remains is half-width katakana, upper-case
/// letters and digits, without legal forms, spaces, long vowels or punctuation.
pub fn normalise(raw: &str) -> String {
    let s = to_bank_charset(raw);
    let s = s.trim();
    let s = match s.split_once(' ') {
        Some((code, rest)) if !code.is_empty() && code.len() <= 10 && code.chars().all(|c| c.is_ascii_digit()) => rest,
        _ => s,
    };
    let compact: String = s.chars().filter(|c| *c != ' ').collect();
    let stripped = strip_legal_forms(compact);
    stripped.chars().filter(|c| !is_noise(*c) && *c != '(' && *c != ')').collect()
}

/// True when the bank's payer name (normalised) names `known` (normalised): equal, or a
/// prefix of it at least [`MIN_PREFIX_CHARS`] long, since banks cut long names.
pub fn matches(bank: &str, known: &str) -> bool {
    if bank.is_empty() || known.is_empty() {
        return false;
    }
    bank == known || (bank.chars().count() >= MIN_PREFIX_CHARS && known.starts_with(bank))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn full_width_hiragana_and_half_width_meet() {
        assert_eq!(normalise("ヤマダショウジ"), "ﾔﾏﾀﾞｼﾖｳｼﾞ");
        assert_eq!(normalise("やまだしょうじ"), "ﾔﾏﾀﾞｼﾖｳｼﾞ");
        assert_eq!(normalise("ﾔﾏﾀﾞｼﾖｳｼﾞ"), "ﾔﾏﾀﾞｼﾖｳｼﾞ");
        assert_eq!(normalise("ﾔﾏﾀﾞｼｮｳｼﾞ"), "ﾔﾏﾀﾞｼﾖｳｼﾞ", "small kana become large");
        assert_eq!(normalise("パーソル"), "ﾊﾟｿﾙ", "handakuten and long vowel");
        assert_eq!(normalise("ヴィッツ"), "ｳﾞｲﾂﾂ");
        assert_eq!(normalise("ＡＢＣ　ｼﾖｳｼﾞ"), "ABCｼﾖｳｼﾞ", "full-width ASCII and space");
        assert_eq!(normalise("abc-d.e"), "ABCDE");
    }

    #[test]
    fn legal_forms_are_stripped_in_every_position() {
        let plain = "ﾔﾏﾀﾞｼﾖｳｼﾞ";
        for raw in [
            "ｶ)ﾔﾏﾀﾞｼﾖｳｼﾞ",
            "ﾔﾏﾀﾞｼﾖｳｼﾞ(ｶ",
            "ﾔﾏﾀﾞ(ｶ)ｼﾖｳｼﾞ",
            "ｶ) ﾔﾏﾀﾞ ｼﾖｳｼﾞ",
            "カブシキガイシャ ヤマダショウジ",
            "ヤマダショウジ カブシキガイシャ",
            "（カ）ヤマダショウジ",
            "ﾕ)ﾔﾏﾀﾞｼﾖｳｼﾞ",
            "ﾄﾞ)ﾔﾏﾀﾞｼﾖｳｼﾞ",
            "ﾔﾏﾀﾞｼﾖｳｼﾞ(ﾄﾞ",
            "ｲﾘﾖｳﾎｳｼﾞﾝ ﾔﾏﾀﾞｼﾖｳｼﾞ",
        ] {
            assert_eq!(normalise(raw), plain, "{raw}");
        }
        assert_eq!(normalise("ｼﾕｳ)ﾔﾏﾀﾞｼﾖｳｼﾞ"), plain, "a longer form is not read as a shorter one");
        // A name that merely starts with the letter of a legal form keeps it.
        assert_eq!(normalise("ｶﾜｲｼﾖｳﾃﾝ"), "ｶﾜｲｼﾖｳﾃﾝ");
    }

    #[test]
    fn a_leading_payer_code_is_dropped() {
        assert_eq!(normalise("1234567890 ｶ)ﾔﾏﾀﾞｼﾖｳｼﾞ"), "ﾔﾏﾀﾞｼﾖｳｼﾞ");
        assert_eq!(normalise("1234 ﾔﾏﾀﾞｼﾖｳｼﾞ"), "ﾔﾏﾀﾞｼﾖｳｼﾞ");
        assert_eq!(normalise("3M ｼﾞﾔﾊﾟﾝ"), "3Mｼﾞﾔﾊﾟﾝ", "letters make it part of the name");
    }

    #[test]
    fn truncated_bank_names_match_by_prefix() {
        let known = normalise("カ）アオヤマショウジホールディングス");
        assert!(matches(&normalise("ｶ)ｱｵﾔﾏｼﾖｳｼﾞﾎ"), &known));
        assert!(matches(&known, &known));
        assert!(!matches(&normalise("ｱｵﾔ"), &known), "too short to trust as a prefix");
        assert!(!matches(&normalise("ｱｵﾔﾏｼﾖｳｼﾞﾎｳﾃﾝ"), &known), "a different name");
        assert!(!matches("", &known));
    }
}
