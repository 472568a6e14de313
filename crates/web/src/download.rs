//! File responses: PDFs with a Japanese file name that every browser keeps.

use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use invoicepilot_app::documents::Pdf;

/// `Content-Disposition` with an ASCII fallback and the UTF-8 name (RFC 6266 / RFC 5987).
pub fn disposition(kind: &str, file_name: &str) -> String {
    let ascii: String =
        file_name.chars().map(|c| if c.is_ascii_alphanumeric() || "-_.".contains(c) { c } else { '_' }).collect();
    let mut encoded = String::new();
    for b in file_name.bytes() {
        if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
            encoded.push(b as char);
        } else {
            encoded.push_str(&format!("%{b:02X}"));
        }
    }
    format!("{kind}; filename=\"{ascii}\"; filename*=UTF-8''{encoded}")
}

/// A PDF response: `inline` for preview, `attachment` for download. The ETag is the hash,
/// which for an issued invoice never changes.
pub fn pdf(p: Pdf, inline: bool) -> Response {
    let mut resp = p.bytes.into_response();
    let h = resp.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static("application/pdf"));
    if let Ok(v) = HeaderValue::from_str(&disposition(if inline { "inline" } else { "attachment" }, &p.file_name)) {
        h.insert(header::CONTENT_DISPOSITION, v);
    }
    if let Ok(v) = HeaderValue::from_str(&format!("\"sha256-{}\"", p.sha256)) {
        h.insert(header::ETAG, v);
    }
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("private, no-cache"));
    resp
}

/// A CSV download in `encoding`.
pub fn csv(bytes: Vec<u8>, file_name: &str, encoding: invoicepilot_app::export::CsvEncoding) -> Response {
    let mut resp = bytes.into_response();
    let h = resp.headers_mut();
    if let Ok(v) = HeaderValue::from_str(&format!("text/csv; charset={}", encoding.charset())) {
        h.insert(header::CONTENT_TYPE, v);
    }
    if let Ok(v) = HeaderValue::from_str(&disposition("attachment", file_name)) {
        h.insert(header::CONTENT_DISPOSITION, v);
    }
    resp
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn japanese_names_survive_with_an_ascii_fallback() {
        let d = disposition("attachment", "20261130_株式会社A_1000_I-2026-0001.pdf");
        assert!(d.starts_with("attachment; filename=\"20261130_"));
        assert!(d.contains("filename*=UTF-8''20261130_%E6%A0%AA"));
        assert!(!d.contains('株'));
    }
}
