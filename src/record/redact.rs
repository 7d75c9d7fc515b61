//! Redaction before a recorded case touches disk. The values the configured JSONPaths (or bare
//! parameter names) select in the request, and the session, are replaced by fakes everywhere in
//! the case: request, upstream stubs and response. The same original always gets the same fake
//! (a keyed hash), and a fake keeps the original's shape (letters stay letters, digits digits,
//! punctuation stays), so the handler does with the fake what it did with the original and the
//! case still replays.
//!
//! Credentials never get this far: the trace keeps no credential header and no token exchange.

use std::collections::BTreeMap;

use hmac::{Hmac, Mac};
use serde_json::{Number, Value};
use serde_json_path::JsonPath;
use sha2::{Digest, Sha256};

use super::stubs::TokenPaths;
use crate::config::{Settings, UpstreamAuth};

/// Shorter originals are replaced only where they stand whole (a string equal to them), never
/// inside other text, where they would match by accident.
const MIN_INSIDE: usize = 4;

/// How a case is made safe to keep.
pub struct Redactor {
    paths: Vec<JsonPath>,
    key: [u8; 32],
    /// Upstreams whose token endpoint is a path below them: their real token exchange is never
    /// recorded; a stub with a fake token stands in for it.
    tokens: TokenPaths,
}

impl std::fmt::Debug for Redactor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Redactor({} paths)", self.paths.len())
    }
}

/// One `record.redact` entry as the JSONPaths it stands for: a path as written, or for a bare
/// parameter name the name and its `.original` at any depth.
pub(crate) fn parse_entry(entry: &str) -> Result<Vec<JsonPath>, String> {
    let entry = entry.trim();
    if entry.is_empty() {
        return Err("must not be empty".into());
    }
    let mut texts = Vec::new();
    let name = if entry.starts_with('$') {
        texts.push(entry.to_string());
        last_name(entry)
    } else {
        Some(entry.to_string())
    };
    if let Some(name) = name {
        let quoted = name.replace('\\', "\\\\").replace('\'', "\\'");
        if !entry.starts_with('$') {
            texts.push(format!("$..['{quoted}']"));
        }
        texts.push(format!("$..['{quoted}.original']"));
    }
    texts
        .iter()
        .map(|t| JsonPath::parse(t).map_err(|e| format!("not a JSONPath (RFC 9535): {e}")))
        .collect()
}

/// The member name a path ends with (`$.a.phone`, `$.a['phone']`), if it ends with one.
fn last_name(path: &str) -> Option<String> {
    if let Some(rest) = path.strip_suffix("']") {
        let start = rest.rfind("['")?;
        return Some(rest[start + 2..].to_string());
    }
    let tail = path.rsplit('.').next()?;
    let plain = !tail.is_empty()
        && tail
            .chars()
            .all(|c| c.is_alphanumeric() || c == '_' || c == '-');
    (plain && !path.ends_with("..")).then(|| tail.to_string())
}

impl Redactor {
    /// From `record.redact`; a random key, so fakes cannot be reversed by hashing guesses.
    pub fn new(entries: &[String]) -> Result<Redactor, String> {
        let mut paths = Vec::new();
        for (i, e) in entries.iter().enumerate() {
            paths.extend(parse_entry(e).map_err(|p| format!("record.redact[{i}]: {p}"))?);
        }
        Ok(Redactor {
            paths,
            key: rand::random(),
            tokens: TokenPaths::new(),
        })
    }

    /// From `[record]`, knowing the upstreams' token endpoints.
    pub fn from_settings(settings: &Settings) -> Result<Redactor, String> {
        let mut r = Redactor::new(&settings.record.redact)?;
        for (name, up) in &settings.upstreams {
            if let UpstreamAuth::Oauth2 { token_url, .. } = &up.auth {
                if token_url.starts_with('/') {
                    r.tokens.insert(name.clone(), token_url.clone());
                }
            }
        }
        Ok(r)
    }

    pub(super) fn token_paths(&self) -> &TokenPaths {
        &self.tokens
    }

    /// Redacts one case in place: the originals are found in `request`, then replaced in it and
    /// in every one of `others` (stubs, response).
    pub fn redact(&self, request: &mut Value, others: &mut [&mut Value]) {
        let subst = self.substitutions(request);
        subst.apply(request);
        for v in others.iter_mut() {
            subst.apply(v);
        }
    }

    fn substitutions(&self, request: &Value) -> Substitutions {
        let mut s = Substitutions::default();
        if let Some(session) = session_of(request) {
            let fake = fake_session(session);
            if let Some((_, id)) = session.rsplit_once("/sessions/") {
                if let Some((_, fake_id)) = fake.rsplit_once("/sessions/") {
                    if id.len() >= 8 {
                        s.add_text(id, fake_id);
                    }
                }
            }
            s.add_text(session, &fake);
        }
        for path in &self.paths {
            for node in path.query(request).all() {
                self.collect(node, &mut s);
            }
        }
        s.sort();
        s
    }

    fn collect(&self, v: &Value, s: &mut Substitutions) {
        match v {
            Value::String(text) if !text.is_empty() => {
                let fake = self.fake_text(text);
                s.add_text(text, &fake);
            }
            Value::Number(n) => {
                let text = n.to_string();
                let fake = self.fake_text(&text);
                if let Ok(num) = fake.parse::<Number>() {
                    s.numbers.insert(text.clone(), num);
                }
                s.add_text(&text, &fake);
            }
            Value::Array(items) => items.iter().for_each(|i| self.collect(i, s)),
            Value::Object(map) => map.values().for_each(|i| self.collect(i, s)),
            _ => {}
        }
    }

    /// A fake with the original's shape: each letter, digit, kept in its class; a leading digit
    /// never becomes 0 (a number stays a number of the same length).
    pub fn fake_text(&self, original: &str) -> String {
        let mut stream = KeyStream::new(&self.key, original);
        let mut out = String::with_capacity(original.len());
        for (i, c) in original.chars().enumerate() {
            let b = stream.next_byte();
            let f = if c.is_ascii_digit() {
                let d = if i == 0 { 1 + b % 9 } else { b % 10 };
                char::from(b'0' + d)
            } else if c.is_ascii_uppercase() {
                char::from(b'A' + b % 26)
            } else if c.is_alphabetic() {
                char::from(b'a' + b % 26)
            } else {
                c
            };
            out.push(f);
        }
        if out == original {
            // Nothing to vary (punctuation only): a marker is better than the original.
            return format!("redacted-{}", &hex::encode(stream.next_block())[..8]);
        }
        out
    }
}

/// The session path a request carries (ES `session`, CX `sessionInfo.session`).
fn session_of(request: &Value) -> Option<&str> {
    request
        .get("session")
        .or_else(|| request.get("sessionInfo").and_then(|s| s.get("session")))
        .and_then(Value::as_str)
        .filter(|s| !s.is_empty())
}

/// The session path with its id replaced by a stable fake (the same across runs, so one
/// conversation recorded over several calls keeps one session).
pub fn fake_session(session: &str) -> String {
    let digest = hex::encode(Sha256::digest(format!("intentful-session:{session}")));
    let id = format!("recorded-{}", &digest[..16]);
    match session.rsplit_once("/sessions/") {
        Some((prefix, _)) => format!("{prefix}/sessions/{id}"),
        None => id,
    }
}

/// Original -> fake, longest original first so that a value inside another is not split.
#[derive(Default, Debug)]
struct Substitutions {
    texts: Vec<(String, String)>,
    numbers: BTreeMap<String, Number>,
}

impl Substitutions {
    fn add_text(&mut self, original: &str, fake: &str) {
        if !self.texts.iter().any(|(o, _)| o == original) {
            self.texts.push((original.to_string(), fake.to_string()));
        }
    }

    fn sort(&mut self) {
        self.texts.sort_by_key(|t| std::cmp::Reverse(t.0.len()));
    }

    fn apply(&self, v: &mut Value) {
        match v {
            Value::String(s) => {
                if let Some(replaced) = self.replace(s) {
                    *s = replaced;
                }
            }
            Value::Number(n) => {
                if let Some(fake) = self.numbers.get(&n.to_string()) {
                    *n = fake.clone();
                }
            }
            Value::Array(items) => items.iter_mut().for_each(|i| self.apply(i)),
            Value::Object(map) => map.values_mut().for_each(|i| self.apply(i)),
            _ => {}
        }
    }

    /// The text with every original replaced, also in its percent-encoded forms (a value in a
    /// URL path); `None` when nothing matched.
    fn replace(&self, text: &str) -> Option<String> {
        let mut out: Option<String> = None;
        for (original, fake) in &self.texts {
            let current = out.as_deref().unwrap_or(text);
            if original.len() < MIN_INSIDE {
                if current == original {
                    out = Some(fake.clone());
                }
                continue;
            }
            let mut next = None;
            for (o, f) in encodings(original, fake) {
                let base = next.as_deref().unwrap_or(current);
                if base.contains(o.as_str()) {
                    next = Some(base.replace(o.as_str(), &f));
                }
            }
            if next.is_some() {
                out = next;
            }
        }
        out
    }
}

/// The original and fake as written, and as a URL path or query would carry them.
fn encodings(original: &str, fake: &str) -> Vec<(String, String)> {
    let mut all = vec![(original.to_string(), fake.to_string())];
    let form = |s: &str| url::form_urlencoded::byte_serialize(s.as_bytes()).collect::<String>();
    let path = |s: &str| {
        let mut u = url::Url::parse("http://h/").ok();
        if let Some(u) = u.as_mut() {
            u.set_path(s);
        }
        u.map(|u| u.path().trim_start_matches('/').to_string())
            .unwrap_or_default()
    };
    for (o, f) in [(form(original), form(fake)), (path(original), path(fake))] {
        if o != original && !o.is_empty() && !all.iter().any(|(x, _)| *x == o) {
            all.push((o, f));
        }
    }
    all
}

/// Bytes from HMAC-SHA256(key, counter || original), as many as a fake needs.
struct KeyStream<'a> {
    key: &'a [u8; 32],
    original: &'a str,
    counter: u32,
    block: [u8; 32],
    used: usize,
}

impl<'a> KeyStream<'a> {
    fn new(key: &'a [u8; 32], original: &'a str) -> Self {
        let mut s = KeyStream {
            key,
            original,
            counter: 0,
            block: [0; 32],
            used: 32,
        };
        s.block = s.next_block();
        s.used = 0;
        s
    }

    fn next_block(&mut self) -> [u8; 32] {
        // HMAC accepts any key length: `new_from_slice` cannot fail here.
        let mut mac = match Hmac::<Sha256>::new_from_slice(self.key) {
            Ok(m) => m,
            Err(_) => return [0; 32],
        };
        mac.update(&self.counter.to_be_bytes());
        mac.update(self.original.as_bytes());
        self.counter += 1;
        mac.finalize().into_bytes().into()
    }

    fn next_byte(&mut self) -> u8 {
        if self.used == self.block.len() {
            self.block = self.next_block();
            self.used = 0;
        }
        let b = self.block[self.used];
        self.used += 1;
        b
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn entries_are_paths_or_names() {
        assert_eq!(
            parse_entry("$.queryResult.parameters.phone").unwrap().len(),
            2
        );
        assert_eq!(parse_entry("email").unwrap().len(), 2);
        assert_eq!(parse_entry("$..x[?@.a]").unwrap().len(), 1);
        assert!(parse_entry("$.[").is_err());
        assert!(parse_entry(" ").is_err());
        assert_eq!(last_name("$.a['b c']").as_deref(), Some("b c"));
    }

    #[test]
    fn originals_are_replaced_everywhere_with_the_same_shaped_fake() {
        let r = Redactor::new(&["$.queryResult.parameters.phone".into(), "email".into()]).unwrap();
        let mut request = json!({
            "session": "projects/p/agent/sessions/0123456789abcdef",
            "queryResult": {
                "queryText": "mail ann@example.com or call +1 415-555-0100",
                "parameters": {"phone": "+1 415-555-0100", "email": "ann@example.com", "n": 4},
                "outputContexts": [{
                    "name": "projects/p/agent/sessions/0123456789abcdef/contexts/c",
                    "lifespanCount": 4,
                    "parameters": {"email.original": "ann at example dot com", "phone.original": "415 555 0100"}
                }]
            }
        });
        let mut stubs =
            json!([{"path": "/u/ann%40example.com", "query": {"to": "ann@example.com"}}]);
        let mut response = json!({"fulfillmentText": "Sent to ann@example.com",
            "outputContexts": [{"name": "projects/p/agent/sessions/0123456789abcdef/contexts/c"}]});
        r.redact(&mut request, &mut [&mut stubs, &mut response]);
        let all = format!("{request}{stubs}{response}");
        for secret in [
            "ann@example.com",
            "ann%40example.com",
            "415-555-0100",
            "0123456789abcdef",
            "ann at example",
            "415 555 0100",
        ] {
            assert!(!all.contains(secret), "{secret} in {all}");
        }
        let fake_email = request["queryResult"]["parameters"]["email"]
            .as_str()
            .unwrap();
        assert!(fake_email.contains('@') && fake_email.len() == "ann@example.com".len());
        assert_eq!(stubs[0]["query"]["to"], fake_email);
        assert!(response["fulfillmentText"]
            .as_str()
            .unwrap()
            .ends_with(fake_email));
        let session = request["session"].as_str().unwrap();
        assert!(response["outputContexts"][0]["name"]
            .as_str()
            .unwrap()
            .starts_with(session));
        // Short values and unrelated numbers stay.
        assert_eq!(request["queryResult"]["parameters"]["n"], 4);
        assert_eq!(
            request["queryResult"]["outputContexts"][0]["lifespanCount"],
            4
        );
    }

    #[test]
    fn the_same_original_gets_the_same_fake_and_sessions_are_stable() {
        let r = Redactor::new(&[]).unwrap();
        assert_eq!(r.fake_text("Ann-42"), r.fake_text("Ann-42"));
        assert_ne!(r.fake_text("Ann-42"), "Ann-42");
        let f = r.fake_text("Ann-42");
        assert!(
            f.chars().next().unwrap().is_ascii_uppercase()
                && f.ends_with(|c: char| c.is_ascii_digit())
        );
        assert_eq!(fake_session("a/sessions/x"), fake_session("a/sessions/x"));
        assert!(fake_session("a/sessions/x").starts_with("a/sessions/recorded-"));
    }
}
