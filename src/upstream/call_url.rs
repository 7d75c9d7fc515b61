//! A call's URL: the upstream's base URL, the handler's path below it and the encoded query.
//!
//! The base is parsed once, when the upstream is built; a call clones it and sets only the path
//! and query. Parsing the whole URL again for every call (scheme, host, IDNA) cost about 6,000
//! instructions, some 4 % of a call in the benchmark's scenario U. The shapes where setting the
//! path would not give what parsing the joined text gives keep the text join, which reqwest
//! parses as before: a path with its own `?` or `#`, a base with a query or a fragment, and a
//! path ending in a space or control character with no query after it (parsing trims those
//! from the end of a URL; setting the path would encode them).

use url::Url;

/// Where one call goes.
pub(super) enum CallUrl {
    Parsed(Url),
    /// The rare shapes `compose` leaves to the text join; reqwest parses them.
    Text(String),
}

impl CallUrl {
    pub(super) fn as_str(&self) -> &str {
        match self {
            CallUrl::Parsed(url) => url.as_str(),
            CallUrl::Text(text) => text,
        }
    }

    pub(super) fn request(
        self,
        http: &reqwest::Client,
        method: reqwest::Method,
    ) -> reqwest::RequestBuilder {
        match self {
            CallUrl::Parsed(url) => http.request(method, url),
            CallUrl::Text(text) => http.request(method, text),
        }
    }
}

/// `base` joined with `path` (a `/` added between them when missing) and `query` (already
/// form-encoded, may be empty).
pub(super) fn compose(base: &Url, path: &str, query: &str) -> CallUrl {
    let trimmed_by_parsing = query.is_empty() && path.ends_with(|c: char| c <= ' ');
    if path.contains(['?', '#'])
        || base.query().is_some()
        || base.fragment().is_some()
        || trimmed_by_parsing
    {
        return CallUrl::Text(joined(base.as_str(), path, query));
    }
    let base_path = base.path().trim_end_matches('/');
    let mut full_path = String::with_capacity(base_path.len() + path.len() + 1);
    full_path.push_str(base_path);
    if !path.is_empty() && !path.starts_with('/') {
        full_path.push('/');
    }
    full_path.push_str(path);
    let mut url = base.clone();
    url.set_path(&full_path);
    url.set_query((!query.is_empty()).then_some(query));
    CallUrl::Parsed(url)
}

/// The text join: base without its trailing slash, path, then the query after `?` or `&`.
fn joined(base: &str, path: &str, query: &str) -> String {
    let base = base.trim_end_matches('/');
    let mut url = String::with_capacity(base.len() + path.len() + query.len() + 2);
    url.push_str(base);
    if !path.is_empty() && !path.starts_with('/') {
        url.push('/');
    }
    url.push_str(path);
    if !query.is_empty() {
        url.push(if url.contains('?') { '&' } else { '?' });
        url.push_str(query);
    }
    url
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parsed(base: &str, path: &str, query: &str) -> String {
        match compose(&Url::parse(base).expect("base"), path, query) {
            CallUrl::Parsed(url) => url.to_string(),
            CallUrl::Text(text) => panic!("expected the parsed path, got text {text}"),
        }
    }

    #[test]
    fn the_path_and_query_land_below_the_base() {
        assert_eq!(
            parsed("http://127.0.0.1:9100", "/weather", "city=Tokyo"),
            "http://127.0.0.1:9100/weather?city=Tokyo"
        );
        assert_eq!(
            parsed("https://api.example.com/v2/", "rates", ""),
            "https://api.example.com/v2/rates"
        );
        assert_eq!(
            parsed("https://api.example.com/v2", "/rates", "a=1&b=2"),
            "https://api.example.com/v2/rates?a=1&b=2"
        );
        assert_eq!(
            parsed("https://api.example.com/v2/", "", ""),
            "https://api.example.com/v2"
        );
        assert_eq!(
            parsed("https://api.example.com", "", ""),
            "https://api.example.com/"
        );
    }

    /// The URL a call goes to: reqwest parses the text join itself.
    fn sent(url: CallUrl) -> String {
        match url {
            CallUrl::Parsed(url) => url.to_string(),
            CallUrl::Text(text) => Url::parse(&text).map(|u| u.to_string()).unwrap_or_default(),
        }
    }

    /// The parsed path must give exactly the URL that parsing the joined text gives, or the
    /// speed-up would change where calls go.
    #[test]
    fn it_agrees_with_parsing_the_joined_text() {
        let bases = [
            "http://127.0.0.1:9100",
            "http://127.0.0.1:9100/",
            "https://user:pw@api.example.com:8443/v1/x/",
            "https://bücher.example/base",
            "http://[::1]:8080/api",
        ];
        let paths = [
            "",
            "/",
            "weather",
            "/weather",
            "/a b/ü/%41/../c",
            "//double",
            "/path;params",
            "\\back\\slash",
            "/ünïcode/😀",
            "/x ",
            "/a b ",
            " ",
            "/x\0",
            "x\u{1}",
            "\t/x\n",
            "/tab\tin/side",
        ];
        let queries = ["", "city=Tokyo", "q=a+b&x=%26", "k=ü"];
        for base in bases {
            let base_url = Url::parse(base).expect("base");
            for path in paths {
                for query in queries {
                    let expected = Url::parse(&joined(base_url.as_str(), path, query))
                        .map(|u| u.to_string())
                        .unwrap_or_default();
                    assert_eq!(
                        sent(compose(&base_url, path, query)),
                        expected,
                        "base {base:?} path {path:?} query {query:?}"
                    );
                }
            }
        }
    }

    #[test]
    fn a_path_with_its_own_query_or_a_base_with_one_keeps_the_text_join() {
        let base = Url::parse("http://h/api").expect("base");
        let url = compose(&base, "/x?a=1", "b=2");
        assert!(matches!(url, CallUrl::Text(_)));
        assert_eq!(url.as_str(), "http://h/api/x?a=1&b=2");
        let keyed = Url::parse("http://h/api?key=k").expect("base");
        assert_eq!(
            compose(&keyed, "", "b=2").as_str(),
            "http://h/api?key=k&b=2"
        );
        assert_eq!(
            compose(&base, "/x#frag", "").as_str(),
            "http://h/api/x#frag"
        );
    }
}
