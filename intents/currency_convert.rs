//! `currency.convert`: converts an amount between currencies at today's reference rate.
//! Parameters: `unit-currency` (required; `@sys.unit-currency`, e.g. `{"amount": 10,
//! "currency": "USD"}`), `currency-name` (required; target ISO code, e.g. `EUR`).
//! Upstream: `rates` (Frankfurter, ECB reference rates; cached five minutes).
//! Fixtures: fixtures/currency_convert/.
use crate::intent::prelude::*;

pub fn register(r: &mut Registry) {
    r.add("currency.convert", handle)
        .fallback("Sorry, I can't get exchange rates right now. Please try again shortly.")
        .needs_upstream("rates");
}

#[derive(Deserialize)]
struct Params {
    #[serde(rename = "unit-currency")]
    amount: Option<Value>,
    #[serde(rename = "currency-name")]
    target: Option<Value>,
}

#[derive(Deserialize)]
struct Rates {
    date: String,
    rates: Map<String, Value>,
}

async fn handle(ctx: Ctx, turn: Turn) -> Result<Reply, IntentError> {
    let p: Params = turn.params()?;
    let Some((amount, from)) = p.amount.as_ref().and_then(unit_currency) else {
        return Ok(Reply::text(
            "How much money, and in which currency? For example: 10 US dollars.",
        ));
    };
    let Some(to) = p.target.as_ref().and_then(currency_code) else {
        return Ok(Reply::text(format!(
            "Which currency should I convert {amount} {from} into?"
        )));
    };
    if !(amount.is_finite() && amount > 0.0 && amount < 1e12) {
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
        // Frankfurter answers 404 for a currency it does not know: that is the user's answer,
        // not an outage.
        Err(e) if matches!(e.status(), Some(404 | 422)) => {
            return Ok(Reply::text(format!(
                "I don't have exchange rates between {from} and {to}."
            )));
        }
        Err(e) => return Err(e.into()),
    };
    let Some(converted) = rates.rates.get(&to).and_then(Value::as_f64) else {
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

/// Reads `{"amount": 10, "currency": "USD"}`, also with the amount as a string; lists take the
/// first entry, as Dialogflow sends a list when the parameter is marked "is list".
fn unit_currency(v: &Value) -> Option<(f64, String)> {
    match v {
        Value::Object(m) => {
            let amount = match m.get("amount")? {
                Value::Number(n) => n.as_f64()?,
                Value::String(s) => s.trim().replace(',', "").parse().ok()?,
                _ => return None,
            };
            Some((amount, currency_code(m.get("currency")?)?))
        }
        Value::Array(items) => items.iter().find_map(unit_currency),
        _ => None,
    }
}

fn currency_code(v: &Value) -> Option<String> {
    let code = v.as_str()?.trim().to_ascii_uppercase();
    (code.len() == 3 && code.bytes().all(|b| b.is_ascii_uppercase())).then_some(code)
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

    #[test]
    fn unit_currency_shapes() {
        assert_eq!(
            unit_currency(&json!({"amount": 10, "currency": "USD"})),
            Some((10.0, "USD".into()))
        );
        assert_eq!(
            unit_currency(&json!({"amount": "1,250.5", "currency": "usd"})),
            Some((1250.5, "USD".into()))
        );
        assert_eq!(
            unit_currency(&json!([{"amount": 3, "currency": "JPY"}])),
            Some((3.0, "JPY".into()))
        );
        assert_eq!(unit_currency(&json!({"amount": 3})), None);
        assert_eq!(
            unit_currency(&json!({"amount": 3, "currency": "dollars"})),
            None
        );
    }

    #[test]
    fn formatting() {
        assert_eq!(fmt(10.0), "10");
        assert_eq!(fmt(9.456), "9.46");
    }
}
