//! The OpenAPI document: paths come from the handlers' annotations; the standard error
//! responses and the bearer scheme are added here once.

use crate::AppState;
use axum::Json;
use axum::extract::State;
use serde_json::{Value, json};
use utoipa::openapi::OpenApi;

/// Statuses every operation may answer with a problem body, and what they mean.
const ERRORS: &[(&str, &str)] = &[
    ("400", "The body or query is not valid JSON of the declared types, or has unknown fields"),
    ("401", "Missing or invalid bearer token"),
    ("403", "The token's role does not allow this"),
    ("404", "No such resource in the token's company"),
    ("405", "Method not allowed"),
    ("408", "The request body did not arrive within the deadline"),
    ("409", "Conflicts with the current state"),
    ("412", "If-Match names an old version"),
    ("413", "Body too large"),
    ("415", "Body is not application/json"),
    ("422", "Well-typed values that break a rule"),
    ("428", "If-Match required"),
    ("429", "Rate limit exceeded"),
    ("500", "Internal error (the body carries a request id)"),
    ("503", "Temporarily unavailable"),
];

/// Completes the generated document and turns it into JSON.
pub fn finish(doc: OpenApi) -> Value {
    let mut v = serde_json::to_value(doc).unwrap_or(Value::Null);
    v["info"] = json!({
        "title": "InvoicePilot API",
        "version": "1",
        "description": "Qualified invoices (適格請求書), payments and audit log for Japanese small businesses.",
    });
    v["components"]["securitySchemes"]["bearer"] = json!({"type": "http", "scheme": "bearer"});
    v["security"] = json!([{"bearer": []}]);
    let problem = json!({"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}});
    if let Some(paths) = v["paths"].as_object_mut() {
        for (path, item) in paths.iter_mut() {
            let Some(ops) = item.as_object_mut() else { continue };
            for (_, op) in ops.iter_mut() {
                // Handler names repeat across resources (`list`, `get`); operation ids must
                // be unique, so they carry the resource's tag: `invoices_list`.
                if let (Some(tag), Some(id)) = (op["tags"][0].as_str(), op["operationId"].as_str())
                    && !id.starts_with(tag)
                {
                    op["operationId"] = json!(format!("{tag}_{id}"));
                }
                if let Some(params) = op.get_mut("parameters").and_then(Value::as_array_mut) {
                    for param in params.iter_mut() {
                        describe_header(param);
                    }
                }
                let Some(responses) = op.get_mut("responses").and_then(Value::as_object_mut) else { continue };
                for (code, desc) in ERRORS {
                    if path == "/health" {
                        continue;
                    }
                    responses
                        .entry(code.to_string())
                        .or_insert_with(|| json!({"description": desc, "content": problem}));
                }
            }
            if path == "/health" {
                for (_, op) in ops.iter_mut() {
                    op["security"] = json!([]);
                }
            }
        }
    }
    v
}

/// The exact form of the headers the extractors check (the handlers declare them as plain
/// strings): what a client may send, so a tester knows what is malformed.
fn describe_header(param: &mut Value) {
    if param["in"] != "header" {
        return;
    }
    let schema = match param["name"].as_str() {
        Some("If-Match") => json!({"type": "string", "pattern": crate::extract::IF_MATCH_PATTERN}),
        Some("Idempotency-Key") => {
            json!({"type": "string", "minLength": 1, "maxLength": 255, "pattern": "^[!-~]+$"})
        }
        _ => return,
    };
    param["schema"] = schema;
}

/// `GET /api/openapi.json`.
pub async fn serve(State(state): State<AppState>) -> Json<Value> {
    Json((*state.openapi).clone())
}
