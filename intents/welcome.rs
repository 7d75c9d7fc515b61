//! `input.welcome`: greets the user in the request's language and offers what the agent can do.
//! Parameters: `given-name` (optional, `@sys.given-name`). Upstream: none.
//! Fixtures: fixtures/welcome/.
use crate::intent::prelude::*;

pub fn register(r: &mut Registry) {
    r.add("input.welcome", handle)
        .fallback("Hello! How can I help you?");
}

#[derive(Deserialize)]
struct Params {
    #[serde(rename = "given-name")]
    name: Option<String>,
}

/// Greeting text per language; the first entry is used for unknown languages.
struct Phrases {
    lang: &'static str,
    hello: &'static str,
    hello_named: &'static str,
    offer: &'static str,
    /// Between greeting and offer: Japanese sets no space after "！".
    separator: &'static str,
    chips: [&'static str; 3],
}

const PHRASES: &[Phrases] = &[
    Phrases {
        lang: "en",
        hello: "Hi!",
        hello_named: "Hi {name}!",
        offer: "I can tell you the weather, convert currencies or book you a table.",
        separator: " ",
        chips: ["Weather in Tokyo", "Convert 10 USD to EUR", "Book a table"],
    },
    Phrases {
        lang: "ja",
        hello: "こんにちは！",
        hello_named: "{name}さん、こんにちは！",
        offer: "天気のお知らせ、通貨の換算、レストランの予約ができます。",
        separator: "",
        chips: ["東京の天気", "10ドルをユーロに", "席を予約"],
    },
    Phrases {
        lang: "de",
        hello: "Hallo!",
        hello_named: "Hallo {name}!",
        offer: "Ich kann dir das Wetter sagen, Währungen umrechnen oder einen Tisch reservieren.",
        separator: " ",
        chips: ["Wetter in Berlin", "10 USD in EUR", "Tisch reservieren"],
    },
];

async fn handle(_ctx: Ctx, turn: Turn) -> Result<Reply, IntentError> {
    // A malformed name must not cost the user their greeting.
    let name = turn.params::<Params>().ok().and_then(|p| p.name);
    let lang = turn.language();
    let phrases = PHRASES
        .iter()
        .find(|p| p.lang == lang)
        .unwrap_or(&PHRASES[0]);
    let hello = match name.as_deref().map(str::trim).filter(|n| !n.is_empty()) {
        Some(n) => std::borrow::Cow::Owned(phrases.hello_named.replace("{name}", n)),
        None => std::borrow::Cow::Borrowed(phrases.hello),
    };
    let text = [&*hello, phrases.separator, phrases.offer].concat();
    Ok(Reply::text(text).quick_replies("", phrases.chips))
}
