//! Extractors: bearer authentication, JSON bodies and query strings whose rejections are
//! problem bodies, and `If-Match`.

use crate::AppState;
use crate::error::ApiError;
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::{StatusCode, header};
use invoicepilot_app::accounts::{Principal, authenticate};
use invoicepilot_app::{Actor, App, Ctx};
use serde::de::DeserializeOwned;

/// An authenticated API request: the app, the caller's scope and principal.
pub struct Auth {
    /// The use-cases.
    pub app: App,
    /// Company, actor, role, request id.
    pub ctx: Ctx,
    /// The token's owner.
    pub principal: Principal,
}

/// The bearer token of a request, if any.
pub fn bearer(parts: &Parts) -> Option<&str> {
    let v = parts.headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = v.split_once(' ')?;
    scheme.eq_ignore_ascii_case("bearer").then_some(token.trim())
}

impl FromRequestParts<AppState> for Auth {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let token = bearer(parts).ok_or_else(|| ApiError::from(invoicepilot_app::AppError::Unauthorized))?;
        let principal = authenticate(&state.app, token).await?;
        if let Err(retry_after) = state.limiter.check(principal.token_id) {
            return Err(ApiError::too_many_requests(retry_after));
        }
        let ctx = Ctx {
            company_id: principal.company_id,
            actor: Actor::User(principal.user_id),
            role: principal.role,
            request_id: crate::request_id::of(&parts.headers),
        };
        Ok(Auth { app: state.app.clone(), ctx, principal })
    }
}

/// `If-Match`, parsed: `"7"` or `7`; a weak tag `W/"7"` is well-formed but never matches
/// (RFC 9110 compares strongly). Anything else — `*` included, since the API's locking needs
/// the version the client read — is a malformed request (400).
pub struct IfMatch(pub Option<i64>);

/// What `If-Match` may hold, for the OpenAPI document.
pub const IF_MATCH_PATTERN: &str = r#"^(W/)?("[0-9]{1,18}"|[0-9]{1,18})$"#;

impl<S: Send + Sync> FromRequestParts<S> for IfMatch {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        let Some(raw) = parts.headers.get(header::IF_MATCH) else { return Ok(IfMatch(None)) };
        let s = raw.to_str().unwrap_or("").trim();
        let (weak, tag) = match s.strip_prefix("W/") {
            Some(rest) => (true, rest),
            None => (false, s),
        };
        let quoted = tag.len() >= 2 && tag.starts_with('"') && tag.ends_with('"');
        let digits = if quoted { &tag[1..tag.len() - 1] } else { tag };
        match digits.parse::<i64>() {
            Ok(v) if digits.bytes().all(|b| b.is_ascii_digit()) => Ok(IfMatch(Some(if weak { -1 } else { v }))),
            _ => Err(ApiError::bad_request("If-Match must be the ETag you read, e.g. \"7\"")),
        }
    }
}

/// A JSON body: 415 without a JSON content type, 400 when it is not valid UTF-8 JSON,
/// has an unknown field or a wrong type; the message names the field path.
pub struct ApiJson<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for ApiJson<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, _: &S) -> Result<Self, Self::Rejection> {
        let is_json = req
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.split(';').next())
            .map(|m| {
                let m = m.trim().to_ascii_lowercase();
                m == "application/json" || (m.starts_with("application/") && m.ends_with("+json"))
            })
            .unwrap_or(false);
        if !is_json {
            return Err(ApiError::new(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "unsupported-media-type",
                "send the body as Content-Type: application/json",
            ));
        }
        let bytes = read_body(req.into_body()).await?;
        parse_json(&bytes).map(ApiJson)
    }
}

/// An optional JSON body: an empty body (with or without a content type) or `null` is `None`;
/// anything else is read as [`ApiJson`] reads it.
pub struct OptionalJson<T>(pub Option<T>);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for OptionalJson<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let (parts, body) = req.into_parts();
        let bytes = read_body(body).await?;
        // No body, or the JSON `null`: the request carries no options.
        if bytes.iter().all(u8::is_ascii_whitespace) || bytes.trim_ascii() == b"null" {
            return Ok(OptionalJson(None));
        }
        let req = Request::from_parts(parts, axum::body::Body::from(bytes));
        ApiJson::<T>::from_request(req, state).await.map(|ApiJson(v)| OptionalJson(Some(v)))
    }
}

/// A raw body (a bank statement file): 413 over the size limit, 408 when the client does not
/// finish sending it within the body deadline.
pub struct ApiBytes(pub axum::body::Bytes);

impl<S: Send + Sync> FromRequest<S> for ApiBytes {
    type Rejection = ApiError;

    async fn from_request(req: Request, _: &S) -> Result<Self, Self::Rejection> {
        read_body(req.into_body()).await.map(ApiBytes)
    }
}

/// Reads a whole request body. Every use-case runs after this returns, so a client that sends
/// slowly holds a connection until the body deadline, never a database transaction.
async fn read_body(body: axum::body::Body) -> Result<axum::body::Bytes, ApiError> {
    axum::body::to_bytes(body, crate::MAX_BODY_BYTES).await.map_err(|e| body_error(&e))
}

/// What went wrong reading a body, by the error's cause.
fn body_error(e: &(dyn std::error::Error + 'static)) -> ApiError {
    let mut cause = Some(e);
    while let Some(err) = cause {
        if err.is::<tower_http::timeout::TimeoutError>() {
            return ApiError::new(
                StatusCode::REQUEST_TIMEOUT,
                "request-timeout",
                "the request body did not arrive in time",
            );
        }
        if err.is::<http_body_util::LengthLimitError>() {
            return ApiError::new(StatusCode::PAYLOAD_TOO_LARGE, "payload-too-large", "the request body is too large");
        }
        cause = err.source();
    }
    ApiError::bad_request("the request body could not be read")
}

/// Parses JSON, naming the path of a failing field.
///
/// A number written with a fraction or an exponent that is a whole number (`224.0`, `1e3`)
/// is an integer to JSON Schema, so it is read as one; an integer too large for its field is
/// a well-typed value that breaks a rule (422 `out_of_range`), not a wrong type (400).
pub fn parse_json<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, ApiError> {
    if std::str::from_utf8(bytes).is_err() {
        return Err(ApiError::bad_request("the request body is not valid UTF-8"));
    }
    let de = &mut serde_json::Deserializer::from_slice(bytes);
    let first = match serde_path_to_error::deserialize(de) {
        Ok(v) => return Ok(v),
        Err(e) => e,
    };
    // Only a body that is valid JSON with whole-number floats in it is worth a second read.
    let retried = serde_json::from_slice::<serde_json::Value>(bytes)
        .ok()
        .and_then(|mut v| whole_floats_as_integers(&mut v).then(|| serde_path_to_error::deserialize(v)));
    let e = match retried {
        Some(Ok(v)) => return Ok(v),
        Some(Err(e)) => e,
        None => first,
    };
    let path = e.path().to_string();
    let inner = e.into_inner();
    if path != "." && !path.is_empty() && is_out_of_range(&inner.to_string()) {
        return Err(invoicepilot_app::AppError::field(&path, "out_of_range", format!("{path} is out of range")).into());
    }
    if path == "." || path.is_empty() {
        Err(ApiError::bad_request(format!("invalid JSON body: {inner}")))
    } else {
        Err(ApiError::bad_request(format!("invalid JSON at {path}: {inner}")))
    }
}

/// Rewrites every float with no fractional part that fits an `i64` as an integer; true
/// when anything changed.
fn whole_floats_as_integers(v: &mut serde_json::Value) -> bool {
    use serde_json::Value;
    match v {
        Value::Number(n) if n.is_f64() => {
            let f = n.as_f64().unwrap_or(f64::NAN);
            // ±2^63 are not representable as i64; the open interval is.
            if f.fract() == 0.0 && f > -9.223_372_036_854_776e18 && f < 9.223_372_036_854_776e18 {
                *v = Value::from(f as i64);
                true
            } else {
                false
            }
        }
        Value::Array(items) => items.iter_mut().fold(false, |changed, i| whole_floats_as_integers(i) | changed),
        Value::Object(map) => map.values_mut().fold(false, |changed, i| whole_floats_as_integers(i) | changed),
        _ => false,
    }
}

/// True for serde's complaint about an integer, or a whole number written as a float, that
/// does not fit the field (`invalid value: integer `…``, `invalid type: floating point `1e20``).
fn is_out_of_range(message: &str) -> bool {
    if message.starts_with("invalid value: integer") {
        return true;
    }
    message
        .strip_prefix("invalid type: floating point `")
        .and_then(|rest| rest.split('`').next())
        .and_then(|n| n.parse::<f64>().ok())
        .is_some_and(|f| f.is_finite() && f.fract() == 0.0)
}

/// A query string; 400 when a value has the wrong type.
pub struct ApiQuery<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequestParts<S> for ApiQuery<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        let q = parts.uri.query().unwrap_or("");
        serde_urlencoded_from_str(q).map(ApiQuery)
    }
}

/// Reads a query string as `T`, naming the failing parameter. As in JSON bodies, a whole number
/// written with a fraction (`customer_id=16.0`) is the integer it spells, and an integer too
/// large for its parameter is 422 `out_of_range`; anything else unreadable is 400.
fn serde_urlencoded_from_str<T: DeserializeOwned>(q: &str) -> Result<T, ApiError> {
    let mut pairs: Vec<(String, String)> = form_urlencoded::parse(q.as_bytes()).into_owned().collect();
    loop {
        let encoded = form_urlencoded::Serializer::new(String::new()).extend_pairs(&pairs).finish();
        let de = serde_urlencoded::Deserializer::new(form_urlencoded::parse(encoded.as_bytes()));
        let e = match serde_path_to_error::deserialize(de) {
            Ok(v) => return Ok(v),
            Err(e) => e,
        };
        let field = e.path().to_string();
        let message = e.into_inner().to_string();
        // Only the parameter that failed is rewritten, so a search text "16.0" stays as typed.
        if let Some((_, value)) = pairs.iter_mut().find(|(k, v)| *k == field && whole_number(v).is_some()) {
            *value = whole_number(value).unwrap_or_default();
            continue;
        }
        if message.contains("too large") || message.contains("too small") {
            return Err(
                invoicepilot_app::AppError::field(&field, "out_of_range", format!("{field} is out of range")).into()
            );
        }
        return Err(ApiError::bad_request(format!("invalid query parameter {field}: {message}")));
    }
}

/// `16.0` → `16`: the integer a decimal spelling with only zeros after the point stands for.
fn whole_number(v: &str) -> Option<String> {
    let (int, frac) = v.split_once('.')?;
    let digits = int.strip_prefix(['-', '+']).unwrap_or(int);
    let ok = !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit()) && frac.bytes().all(|b| b == b'0');
    ok.then(|| int.to_owned())
}

/// A path id; 404 (not 400) when it is not a number, since no such resource exists.
pub struct Id(pub i64);

impl<S: Send + Sync> FromRequestParts<S> for Id {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let axum::extract::Path(raw) = axum::extract::Path::<String>::from_request_parts(parts, state)
            .await
            .map_err(|_| ApiError::new(StatusCode::NOT_FOUND, "not-found", "not found"))?;
        raw.parse::<i64>()
            .ok()
            .filter(|v| *v > 0)
            .map(Id)
            .ok_or_else(|| ApiError::new(StatusCode::NOT_FOUND, "not-found", format!("no resource with id {raw:?}")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;

    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields)]
    struct Body {
        amount: i64,
        lines: Vec<Line>,
    }

    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields)]
    struct Line {
        unit_price: Option<i64>,
    }

    #[test]
    fn whole_number_floats_read_as_integers_anywhere_in_the_body() {
        let b: Body = parse_json(br#"{"amount": 224.0, "lines": [{"unit_price": -1e3}]}"#).unwrap();
        assert_eq!((b.amount, b.lines[0].unit_price), (224, Some(-1000)));
        // Sixteen digits need correctly rounded float parsing (found by schemathesis).
        let b: Body = parse_json(br#"{"amount": 3958509740394590.0, "lines": []}"#).unwrap();
        assert_eq!(b.amount, 3_958_509_740_394_590);
    }

    #[test]
    fn fractions_and_unknown_fields_stay_bad_requests() {
        for body in [&br#"{"amount": 224.5, "lines": []}"#[..], br#"{"amount": 1.0, "lines": [], "x": 1}"#] {
            let e = parse_json::<Body>(body).unwrap_err();
            assert_eq!(e.status(), StatusCode::BAD_REQUEST, "{}", String::from_utf8_lossy(body));
        }
    }

    #[test]
    fn out_of_range_integers_name_their_field() {
        for n in ["9223372036854775808", "1e19", "-9.3e18"] {
            let text = format!(r#"{{"amount": 1, "lines": [{{"unit_price": {n}}}]}}"#);
            let e = parse_json::<Body>(text.as_bytes()).unwrap_err();
            assert_eq!(e.status(), StatusCode::UNPROCESSABLE_ENTITY, "{n}");
        }
        assert!(is_out_of_range("invalid type: floating point `1e20`, expected i64"));
        assert!(!is_out_of_range("invalid type: floating point `1.5`, expected i64"));
        assert!(!is_out_of_range("invalid type: string \"1\", expected i64"));
    }

    #[derive(Debug, Deserialize)]
    struct Query {
        customer_id: Option<i64>,
        q: Option<String>,
    }

    #[test]
    fn query_integers_spelled_as_decimals_and_out_of_range() {
        let v: Query = serde_urlencoded_from_str("customer_id=16.0&q=16.0").unwrap();
        assert_eq!((v.customer_id, v.q.as_deref()), (Some(16), Some("16.0")), "a search text stays as typed");
        let e = serde_urlencoded_from_str::<Query>("customer_id=16.5").unwrap_err();
        assert_eq!(e.status(), StatusCode::BAD_REQUEST);
        let e = serde_urlencoded_from_str::<Query>("customer_id=99999999999999999999").unwrap_err();
        assert_eq!(e.status(), StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(whole_number("-3.00").as_deref(), Some("-3"));
        assert_eq!(whole_number(".0"), None);
    }
}
