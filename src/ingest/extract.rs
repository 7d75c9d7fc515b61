//! Where an event's id and type are: `header:<Name>`, or a JSONPath (RFC 9535, via
//! `serde_json_path`) into the event's JSON, whose first node is taken (a string as-is, a
//! number or boolean as written).

use actix_web::http::header::{HeaderMap, HeaderName};
use serde_json::Value;
use serde_json_path::JsonPath;

#[derive(Debug, Clone)]
pub enum Extractor {
    Header(HeaderName),
    Path(JsonPath),
}

impl Extractor {
    /// `header:<Name>` or a JSONPath starting with `$`.
    pub fn parse(spec: &str) -> Result<Extractor, String> {
        if let Some(name) = spec.strip_prefix("header:") {
            return HeaderName::from_bytes(name.trim().as_bytes())
                .map(Extractor::Header)
                .map_err(|_| format!("`{name}` is not a valid header name"));
        }
        JsonPath::parse(spec)
            .map(Extractor::Path)
            .map_err(|e| format!("neither `header:<Name>` nor a JSONPath: {e}"))
    }

    /// The value for one event, or `None` when it is absent or empty.
    pub fn extract(&self, headers: &HeaderMap, event: &Value) -> Option<String> {
        let text = match self {
            Extractor::Header(name) => headers.get(name)?.to_str().ok()?.trim().to_string(),
            Extractor::Path(path) => match path.query(event).first()? {
                Value::String(s) => s.clone(),
                v @ (Value::Number(_) | Value::Bool(_)) => v.to_string(),
                _ => return None,
            },
        };
        (!text.is_empty()).then_some(text)
    }

    pub fn is_header(&self) -> bool {
        matches!(self, Extractor::Header(_))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use actix_web::http::header::HeaderValue;
    use serde_json::json;

    #[test]
    fn headers_and_paths() {
        let mut h = HeaderMap::new();
        h.insert(
            HeaderName::from_static("x-github-event"),
            HeaderValue::from_static("push"),
        );
        let ev =
            json!({"id": "evt_1", "n": 42, "data": {"items": [{"k": "a"}, {"k": "b"}]}, "o": {}});
        let get = |spec: &str| Extractor::parse(spec).unwrap().extract(&h, &ev);
        assert_eq!(get("header:X-GitHub-Event").as_deref(), Some("push"));
        assert_eq!(get("header:X-Missing"), None);
        assert_eq!(get("$.id").as_deref(), Some("evt_1"));
        assert_eq!(get("$.n").as_deref(), Some("42"));
        assert_eq!(get("$.data.items[*].k").as_deref(), Some("a"), "first node");
        assert_eq!(get("$.missing"), None);
        assert_eq!(get("$.o"), None, "an object is no id");
        assert!(Extractor::parse("$[").is_err());
        assert!(Extractor::parse("header:bad name").is_err());
        assert!(Extractor::parse("id").is_err());
    }
}
