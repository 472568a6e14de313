//! Invoice data in, PDF bytes out. Knows nothing of the database.
//!
//! Templates (typst) and fonts (BIZ UDPGothic, SIL OFL) are embedded in the binary. User
//! text reaches typst only as data (`sys.inputs`), never as markup, so `#`, `]`, `\` or
//! `{{7*7}}` print literally. The engine sees no file but the embedded templates and has no
//! package or network access. The same data gives the same bytes (no clock, a stable id).

mod document;
mod format;

pub use document::{Addressee, BankAccount, Document, DocumentKind, Issuer, Line, RateTotal};

use std::sync::OnceLock;
use typst::foundations::{Bytes, Dict, IntoValue, Smart};
use typst_as_lib::{TypstEngine, TypstTemplateCollection};
use typst_layout::PagedDocument;

const COMMON: &str = include_str!("../templates/common.typ");
const INVOICE: &str = include_str!("../templates/invoice.typ");
const RECEIPT: &str = include_str!("../templates/receipt.typ");
const QUOTE: &str = include_str!("../templates/quote.typ");
const CREDIT_NOTE: &str = include_str!("../templates/credit_note.typ");
pub(crate) const FONT_REGULAR: &[u8] = include_bytes!("../../../assets/fonts/BIZUDPGothic-Regular.ttf");
const FONT_BOLD: &[u8] = include_bytes!("../../../assets/fonts/BIZUDPGothic-Bold.ttf");

/// Largest number of lines one document may carry (the app allows 1,000).
pub const MAX_LINES: usize = 1000;
/// Largest seal image accepted.
pub const MAX_SEAL_BYTES: usize = 512 * 1024;

/// Why a document could not be produced.
#[derive(Debug, thiserror::Error)]
pub enum PdfError {
    /// The data breaks a limit of this crate.
    #[error("{0}")]
    Invalid(String),
    /// typst refused the document (a template bug; the data cannot cause markup errors).
    #[error("layout failed: {0}")]
    Layout(String),
    /// Writing the PDF failed.
    #[error("PDF export failed: {0}")]
    Export(String),
}

fn engine() -> &'static TypstEngine<TypstTemplateCollection> {
    static ENGINE: OnceLock<TypstEngine<TypstTemplateCollection>> = OnceLock::new();
    ENGINE.get_or_init(|| {
        TypstEngine::builder()
            .fonts([FONT_REGULAR, FONT_BOLD])
            .with_static_source_file_resolver([
                ("common.typ", COMMON),
                ("invoice.typ", INVOICE),
                ("receipt.typ", RECEIPT),
                ("quote.typ", QUOTE),
                ("credit_note.typ", CREDIT_NOTE),
            ])
            .build()
    })
}

fn check(doc: &Document) -> Result<(), PdfError> {
    if doc.lines.len() > MAX_LINES {
        return Err(PdfError::Invalid(format!("at most {MAX_LINES} lines per document")));
    }
    if let Some(seal) = &doc.seal_png {
        if seal.len() > MAX_SEAL_BYTES {
            return Err(PdfError::Invalid("the seal image is larger than 512 KiB".into()));
        }
        if !seal.starts_with(b"\x89PNG\r\n\x1a\n") {
            return Err(PdfError::Invalid("the seal image is not a PNG".into()));
        }
    }
    Ok(())
}

/// Lays out `doc` and writes it as PDF (PDF/A-2b, fonts subset and embedded).
pub fn render(doc: &Document) -> Result<Vec<u8>, PdfError> {
    check(doc)?;
    let data = format::prepare(doc);
    let mut inputs = Dict::new();
    inputs.insert(
        "data".into(),
        serde_json::to_string(&data).map_err(|e| PdfError::Invalid(e.to_string()))?.into_value(),
    );
    inputs.insert(
        "seal".into(),
        match &doc.seal_png {
            Some(png) => Bytes::new(png.clone()).into_value(),
            None => typst::foundations::Value::None,
        },
    );
    let compiled = engine().compile_with_input::<_, _, PagedDocument>(doc.kind.template(), inputs);
    let layout = compiled.output.map_err(|e| PdfError::Layout(e.to_string()))?;
    let options = typst_pdf::PdfOptions {
        ident: Smart::Custom(format!("invoicepilot:{:?}:{}", doc.kind, doc.number.as_deref().unwrap_or("draft"))),
        creator: Smart::Custom(Some("InvoicePilot".into())),
        timestamp: None,
        standards: typst_pdf::PdfStandards::new(&[typst_pdf::PdfStandard::A_2b])
            .map_err(|e| PdfError::Export(e.message().to_string()))?,
        ..Default::default()
    };
    typst_pdf::pdf(&layout, &options)
        .map_err(|e| PdfError::Export(e.iter().map(|d| d.message.to_string()).collect::<Vec<_>>().join("; ")))
}
