//! `currency.convert`: converts an amount between currencies at today's reference rate.
//! Parameters: `unit-currency` (required; `@sys.unit-currency`, e.g. `{"amount": 10,
//! "currency": "USD"}`), `currency-name` (required; target ISO code, e.g. `EUR`).
//! Upstream: `rates` (Frankfurter, ECB reference rates; cached five minutes).
//! Fixtures: fixtures/currency_convert/.
use std::collections::HashMap;

use crate::intent::prelude::*;

pub fn register(r: &mut Registry) {
    r.add("currency.convert", handle)
        .fallback("Sorry, I can't get exchange rates right now. Please try again shortly.")
        .needs_upstream("rates");
}

#[derive(Deserialize)]
struct Params {
    #[serde(rename = "unit-currency")]
    money: Option<sys::UnitCurrency>,
    #[serde(rename = "currency-name")]
    target: Option<String>,
}

#[derive(Deserialize)]
struct Rates {
    date: String,
    rates: HashMap<String, f64>,
}

async fn handle(ctx: Ctx, turn: Turn) -> Result<Reply, IntentError> {
    let p: Params = turn.params()?;
    let Some(sys::UnitCurrency {
        amount,
        currency: from,
    }) = p.money
    else {
        return Ok(Reply::text(
            "How much money, and in which currency? For example: 10 US dollars.",
        ));
    };
    let Some(to) = p
        .target
        .map(|t| t.trim().to_ascii_uppercase())
        .filter(|t| is_code(t))
    else {
        return Ok(Reply::text(format!(
            "Which currency should I convert {} {from} into?",
            fmt(amount)
        )));
    };
    if amount <= 0.0 || amount >= 1e12 {
        return Ok(Reply::text("Please give me a positive amount to convert."));
    }
    if from == to {
        return Ok(Reply::text(format!(
            "{} {from} is {} {to}.",
            fmt(amount),
            fmt(amount)
        )));
    }
    let result = ctx
        .upstream("rates")
        .get("/latest")
        .query(&[
            ("amount", fmt(amount)),
            ("from", from.clone()),
            ("to", to.clone()),
        ])
        // Reference rates change once a working day: five minutes of cache costs nothing in
        // accuracy and answers repeated questions without a call.
        .cache(Duration::from_secs(300))
        .send_json::<Rates>()
        .await;
    let rates = match result {
        Ok(r) => r,
        // Frankfurter answers 404 (or 422) for a currency it does not know: that is the user's
        // answer, not an outage.
        Err(e) if matches!(e.status(), Some(404 | 422)) => {
            return Ok(Reply::text(format!(
                "I don't have exchange rates between {from} and {to}."
            )));
        }
        Err(e) => return Err(e.into()),
    };
    let Some(&converted) = rates.rates.get(&to) else {
        return Err(IntentError::failed(format!("rates answer has no {to}")));
    };
    Ok(Reply::text(format!(
        "{} {from} is {} {to} (rate of {}).",
        fmt(amount),
        fmt(converted),
        rates.date
    ))
    .param("converted", converted)
    .param("currency", &to))
}

/// An ISO 4217 code has three letters; anything else is not a currency we can ask about.
fn is_code(code: &str) -> bool {
    code.len() == 3 && code.bytes().all(|b| b.is_ascii_uppercase())
}

/// Two decimals, without a trailing `.00` for whole amounts.
fn fmt(x: f64) -> String {
    if x.fract() == 0.0 {
        format!("{x:.0}")
    } else {
        format!("{x:.2}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use wiremock::matchers::{path, query_param};
    use wiremock::{Mock, MockServer, ResponseTemplate};

    #[tokio::test]
    async fn an_unknown_pair_the_api_refuses_with_422_is_the_answer() {
        let api = MockServer::start().await;
        Mock::given(path("/latest"))
            .and(query_param("from", "GBP"))
            .and(query_param("amount", "1250.50"))
            .respond_with(ResponseTemplate::new(422))
            .expect(1)
            .mount(&api)
            .await;
        let turn = Turn::from_fixture(
            "fixtures/currency_convert/amount_as_string_and_lowercase_code.request.json",
        )
        .unwrap();
        let reply = handle(Ctx::for_tests(&api.uri()), turn).await.unwrap();
        assert_eq!(
            reply.first_text(),
            Some("I don't have exchange rates between GBP and JPY.")
        );
    }

    #[test]
    fn formatting() {
        assert_eq!(fmt(10.0), "10");
        assert_eq!(fmt(9.456), "9.46");
    }
}
