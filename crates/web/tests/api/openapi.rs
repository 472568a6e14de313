//! The served OpenAPI document is snapshot-tested so every API change shows in review.

use crate::helpers::*;

#[tokio::test]
async fn openapi_document_snapshot() {
    let app = spawn_app().await;
    let r = app.client.get(format!("{}/api/openapi.json", app.address)).send().await.unwrap();
    assert_eq!(r.status(), 200);
    let doc: serde_json::Value = r.json().await.unwrap();
    for path in [
        "/api/v1/invoices",
        "/api/v1/invoices/{id}/issue",
        "/api/v1/invoices/{id}/pdf",
        "/api/v1/payments/{id}/reverse",
        "/api/v1/company",
        "/health",
    ] {
        assert!(doc["paths"].get(path).is_some(), "{path} missing");
    }
    assert!(doc.get("servers").is_none());
    assert_eq!(
        doc["paths"]["/api/v1/invoices"]["post"]["responses"]["422"]["content"]["application/problem+json"]["schema"]["$ref"],
        "#/components/schemas/Problem"
    );
    // Operation ids are unique, as OpenAPI requires (clients and stateful testers key on them).
    let mut ids: Vec<&str> = doc["paths"]
        .as_object()
        .unwrap()
        .values()
        .flat_map(|item| item.as_object().unwrap().values().filter_map(|op| op["operationId"].as_str()))
        .collect();
    let n = ids.len();
    ids.sort_unstable();
    ids.dedup();
    assert_eq!(ids.len(), n, "duplicate operationId");
    insta::assert_json_snapshot!("openapi", doc);
}
