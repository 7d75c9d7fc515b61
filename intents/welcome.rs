//! `input.welcome`: greets the user in the request's language and offers what the agent can do.
//! Parameters: `given-name` (optional, `@sys.given-name`). Upstream: none.
//! Fixtures: fixtures/welcome/.
use crate::intent::prelude::*;

pub fn register(r: &mut Registry) {
    r.add("input.welcome", handle)
        .fallback("Hello! How can I help you?");
}

// Japanese sets no space after "！", so the space belongs to the greeting.
const HELLO: Phrases = Phrases::new(&[("en", "Hi! "), ("ja", "こんにちは！"), ("de", "Hallo! ")]);

const HELLO_NAMED: Phrases = Phrases::new(&[
    ("en", "Hi {name}! "),
    ("ja", "{name}さん、こんにちは！"),
    ("de", "Hallo {name}! "),
]);

const OFFER: Phrases = Phrases::new(&[
    (
        "en",
        "I can tell you the weather, convert currencies or book you a table.",
    ),
    (
        "ja",
        "天気のお知らせ、通貨の換算、レストランの予約ができます。",
    ),
    (
        "de",
        "Ich kann dir das Wetter sagen, Währungen umrechnen oder einen Tisch reservieren.",
    ),
]);

const CHIPS: Phrases<[&str; 3]> = Phrases::new(&[
    (
        "en",
        ["Weather in Tokyo", "Convert 10 USD to EUR", "Book a table"],
    ),
    ("ja", ["東京の天気", "10ドルをユーロに", "席を予約"]),
    (
        "de",
        ["Wetter in Berlin", "10 USD in EUR", "Tisch reservieren"],
    ),
]);

async fn handle(_ctx: Ctx, turn: Turn) -> Result<Reply, IntentError> {
    // Read leniently: a name of an odd shape must not cost the user their greeting.
    let hello = match turn.param_str("given-name").map(str::trim) {
        Some(name) if !name.is_empty() => HELLO_NAMED.fill(&turn, &[("name", &name)]),
        _ => HELLO.get(&turn).to_string(),
    };
    Ok(Reply::text(hello + OFFER.get(&turn)).chips(CHIPS.get(&turn)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn greets_in_german_by_name() {
        let mut turn =
            Turn::from_fixture("fixtures/welcome/named_user_is_greeted_by_name.request.json")
                .unwrap();
        turn.language_code = "de-AT".into();
        let reply = handle(Ctx::for_tests("http://127.0.0.1:9"), turn)
            .await
            .unwrap();
        let greeting = "Hallo Aiko! Ich kann dir das Wetter sagen, Währungen umrechnen oder einen Tisch reservieren.";
        let chips = ["Wetter in Berlin", "10 USD in EUR", "Tisch reservieren"];
        assert_eq!(reply, Reply::text(greeting).chips(chips));
    }
}
