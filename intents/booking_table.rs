//! `booking.table`, `booking.confirm`, `booking.cancel`: books a restaurant table over several
//! turns. Slots missing from the first sentence are asked for one by one, carried in the
//! `booking` context; the user then confirms (`booking-confirm` context), the booking is posted
//! upstream, both contexts are cleared and the follow-up event `booking_confirmed` lets the
//! agent speak its own confirmation.
//! Parameters: `guests` (number, 1-12), `date` (`@sys.date`), `time` (`@sys.time`); on CX these
//! are the page's form parameters, and an out-of-range `guests` is marked INVALID.
//! Upstream: `reservations` (`POST /bookings` -> `{"reference": "..."}`; 409 when full).
//! Fixtures: fixtures/booking_table/.
use crate::intent::prelude::*;

const SLOTS: [&str; 3] = ["guests", "date", "time"];
const MAX_GUESTS: i64 = 12;

pub fn register(r: &mut Registry) {
    r.add("booking.table", collect)
        .fallback("Sorry, I can't take bookings right now.");
    r.add("booking.confirm", confirm)
        .fallback("Sorry, I couldn't complete the booking. Please try again in a moment.")
        .needs_upstream("reservations");
    r.add("booking.cancel", cancel)
        .fallback("OK, I've cancelled that.");
}

/// Slots from the `booking` context, overlaid with what this turn filled.
fn slots(turn: &Turn) -> Map<String, Value> {
    let mut slots = Map::new();
    let sources = turn
        .context("booking")
        .map(|c| &c.parameters)
        .into_iter()
        .chain(std::iter::once(&turn.parameters));
    for params in sources {
        for name in SLOTS {
            if let Some(v) = params.get(name).filter(|v| !is_empty(v)) {
                slots.insert(name.to_string(), v.clone());
            }
        }
    }
    slots
}

fn is_empty(v: &Value) -> bool {
    v.is_null() || v.as_str().is_some_and(|s| s.trim().is_empty())
}

fn guests(slots: &Map<String, Value>) -> Option<i64> {
    match slots.get("guests")? {
        Value::Number(n) => n.as_f64().map(|f| f.round() as i64),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

async fn collect(_ctx: Ctx, turn: Turn) -> Result<Reply, IntentError> {
    let mut slots = slots(&turn);
    if let Some(n) = guests(&slots) {
        if !(1..=MAX_GUESTS).contains(&n) {
            slots.remove("guests");
            return Ok(Reply::text(format!(
                "We can seat 1 to {MAX_GUESTS} guests. How many people should I book for?"
            ))
            .invalid_form_param("guests")
            .context_with("booking", 5, slots));
        }
        slots.insert("guests".into(), json!(n));
    }
    let question = match SLOTS.iter().find(|s| !slots.contains_key(**s)) {
        Some(&"guests") => Some("How many people is the table for?"),
        Some(&"date") => Some("For which day?"),
        Some(_) => Some("At what time?"),
        None => None,
    };
    if let Some(question) = question {
        return Ok(Reply::text(question).context_with("booking", 5, slots));
    }
    let text = format!(
        "A table for {} on {} at {}. Shall I book it?",
        guests(&slots).unwrap_or_default(),
        day(&slots),
        clock(&slots)
    );
    Ok(Reply::text(text)
        .quick_replies("", ["Yes", "No"])
        .context_with("booking", 5, slots)
        .context("booking-confirm", 2))
}

#[derive(Deserialize)]
struct Booked {
    reference: String,
}

async fn confirm(ctx: Ctx, turn: Turn) -> Result<Reply, IntentError> {
    let slots = slots(&turn);
    if SLOTS.iter().any(|s| !slots.contains_key(*s)) {
        return Ok(
            Reply::text("Let's start again: how many people is the table for?")
                .context_with("booking", 5, slots)
                .delete_context("booking-confirm"),
        );
    }
    let body = json!({
        "guests": guests(&slots),
        "date": slots.get("date"),
        "time": slots.get("time"),
        "session": turn.session,
    });
    let result = ctx
        .upstream("reservations")
        .post("/bookings")
        .json(&body)
        .send_json::<Booked>()
        .await;
    let booked = match result {
        Ok(b) => b,
        Err(e) if e.status() == Some(409) => {
            let mut keep = slots.clone();
            keep.remove("time");
            return Ok(Reply::text(
                "Sorry, that time is fully booked. What other time would suit you?",
            )
            .context_with("booking", 5, keep)
            .delete_context("booking-confirm"));
        }
        Err(e) => return Err(e.into()),
    };
    let mut event = slots.clone();
    event.insert("reference".into(), json!(booked.reference));
    Ok(
        Reply::text(format!("Booked! Your reference is {}.", booked.reference))
            .param("booking_reference", &booked.reference)
            .delete_context("booking")
            .delete_context("booking-confirm")
            .followup("booking_confirmed", event),
    )
}

async fn cancel(_ctx: Ctx, _turn: Turn) -> Result<Reply, IntentError> {
    Ok(Reply::text("No problem, I've cancelled that.")
        .delete_context("booking")
        .delete_context("booking-confirm"))
}

/// `2026-11-25T12:00:00+09:00` -> `2026-11-25`; other shapes are shown as sent.
fn day(slots: &Map<String, Value>) -> String {
    let raw = slots
        .get("date")
        .and_then(Value::as_str)
        .unwrap_or_default();
    raw.get(..10)
        .filter(|_| raw.len() >= 10)
        .unwrap_or(raw)
        .to_string()
}

/// `2026-11-24T19:30:00+09:00` -> `19:30`; other shapes are shown as sent.
fn clock(slots: &Map<String, Value>) -> String {
    let raw = slots
        .get("time")
        .and_then(Value::as_str)
        .unwrap_or_default();
    match raw.find('T') {
        Some(i) => raw.get(i + 1..i + 6).unwrap_or(raw).to_string(),
        None => raw.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn day_and_clock_shapes() {
        let s: Map<String, Value> = serde_json::from_value(json!({
            "date": "2026-11-25T12:00:00+09:00", "time": "2026-11-24T19:30:00+09:00"
        }))
        .unwrap();
        assert_eq!(day(&s), "2026-11-25");
        assert_eq!(clock(&s), "19:30");
        let odd: Map<String, Value> =
            serde_json::from_value(json!({"date": "today", "time": "7pm"})).unwrap();
        assert_eq!(day(&odd), "today");
        assert_eq!(clock(&odd), "7pm");
    }
}
