//! `booking.table`, `booking.confirm`, `booking.cancel`: books a restaurant table over several
//! turns. Slots missing from the first sentence are asked for one by one, carried in the
//! `booking` context; the user then confirms (`booking-confirm` context), the booking is posted
//! upstream, both contexts are cleared and the follow-up event `booking_confirmed` lets the
//! agent speak its own confirmation.
//! Parameters: `guests` (number, 1-12), `date` (`@sys.date`), `time` (`@sys.time`); on CX these
//! are the page's form parameters, and an out-of-range `guests` is marked INVALID.
//! Upstream: `reservations` (`POST /bookings` with `{guests, date, time, session}` ->
//! `{"reference": "..."}`; 409 when full).
//! Fixtures: fixtures/booking_table/.
use crate::intent::prelude::*;

pub fn register(r: &mut Registry) {
    r.add("booking.table", collect)
        .fallback("Sorry, I can't take bookings right now.");
    r.add("booking.confirm", confirm)
        .fallback("Sorry, I couldn't complete the booking. Please try again in a moment.")
        .needs_upstream("reservations");
    r.add("booking.cancel", cancel)
        .fallback("OK, I've cancelled that.");
}

const FORM: Form = Form::new(
    "booking",
    &[
        ("guests", "How many people is the table for?"),
        ("date", "For which day?"),
        ("time", "At what time?"),
    ],
);

const MAX_GUESTS: i64 = 12;

/// What the user has told us so far.
#[derive(Serialize, Deserialize)]
struct Booking {
    guests: Option<sys::Integer>,
    date: Option<sys::Date>,
    time: Option<sys::Time>,
}

async fn collect(_ctx: Ctx, turn: Turn) -> Result<Reply, IntentError> {
    let mut booking: Booking = FORM.read(&turn)?;
    if booking
        .guests
        .is_some_and(|sys::Integer(n)| !(1..=MAX_GUESTS).contains(&n))
    {
        booking.guests = None;
        let again =
            format!("We can seat 1 to {MAX_GUESTS} guests. How many people should I book for?");
        return Ok(FORM.reask(&booking, "guests", again));
    }
    let (Some(guests), Some(date), Some(time)) = (&booking.guests, &booking.date, &booking.time)
    else {
        return Ok(FORM.ask(&booking));
    };
    let text = format!("A table for {guests} on {date} at {time}. Shall I book it?");
    Ok(FORM
        .keep(&booking, Reply::text(text).chips(["Yes", "No"]))
        .context("booking-confirm", 2))
}

#[derive(Deserialize)]
struct Booked {
    reference: String,
}

/// What the `booking_confirmed` event carries.
#[derive(Serialize)]
struct Confirmed {
    #[serde(flatten)]
    booking: Booking,
    reference: String,
}

async fn confirm(ctx: Ctx, turn: Turn) -> Result<Reply, IntentError> {
    let booking: Booking = FORM.read(&turn)?;
    let (Some(guests), Some(date), Some(time)) = (&booking.guests, &booking.date, &booking.time)
    else {
        let again = Reply::text("Let's start again: how many people is the table for?");
        return Ok(FORM.keep(&booking, again).delete_context("booking-confirm"));
    };
    let result = ctx
        .upstream("reservations")
        .post("/bookings")
        .json(&json!({
            "guests": guests,
            "date": date.to_string(),
            "time": time.to_string(),
            "session": turn.session,
        }))
        .send_json::<Booked>()
        .await;
    let booked = match result {
        Ok(booked) => booked,
        Err(e) if e.status() == Some(409) => {
            let sorry =
                Reply::text("Sorry, that time is fully booked. What other time would suit you?");
            let other_time = Booking {
                time: None,
                ..booking
            };
            return Ok(FORM
                .keep(&other_time, sorry)
                .delete_context("booking-confirm"));
        }
        Err(e) => return Err(e.into()),
    };
    Ok(
        Reply::text(format!("Booked! Your reference is {}.", booked.reference))
            .param("booking_reference", &booked.reference)
            .delete_context("booking")
            .delete_context("booking-confirm")
            .followup_with(
                "booking_confirmed",
                Confirmed {
                    booking,
                    reference: booked.reference,
                },
            ),
    )
}

async fn cancel(_ctx: Ctx, _turn: Turn) -> Result<Reply, IntentError> {
    Ok(Reply::text("No problem, I've cancelled that.")
        .delete_context("booking")
        .delete_context("booking-confirm"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use wiremock::matchers::{body_json, method, path};
    use wiremock::{Mock, MockServer, ResponseTemplate};

    #[tokio::test]
    async fn confirm_posts_the_day_and_clock_time_and_fires_the_event() {
        let api = MockServer::start().await;
        Mock::given(method("POST"))
            .and(path("/bookings"))
            .and(body_json(json!({
                "guests": 4, "date": "2026-11-25", "time": "19:30",
                "session": "projects/intentful-demo/agent/sessions/f73d9b90018be12d"
            })))
            .respond_with(ResponseTemplate::new(200).set_body_json(json!({"reference": "R-1"})))
            .expect(1)
            .mount(&api)
            .await;
        let turn =
            Turn::from_fixture("fixtures/booking_table/confirm_books_and_fires_event.request.json")
                .unwrap();
        let reply = confirm(Ctx::for_tests(&api.uri()), turn).await.unwrap();
        assert_eq!(reply.first_text(), Some("Booked! Your reference is R-1."));
        let event = reply.followup.unwrap();
        assert_eq!(event.name, "booking_confirmed");
        assert_eq!(event.params["reference"], "R-1");
        assert_eq!(
            event.params["date"], "2026-11-25T12:00:00+09:00",
            "as Dialogflow sent it"
        );
    }

    #[tokio::test]
    async fn a_guest_count_sent_as_text_is_read() {
        let mut turn = Turn::from_fixture(
            "fixtures/booking_table/missing_time_asks_and_keeps_slots.request.json",
        )
        .unwrap();
        turn.parameters.insert("guests".into(), json!("3"));
        let reply = collect(Ctx::for_tests("http://127.0.0.1:9"), turn)
            .await
            .unwrap();
        assert_eq!(reply.first_text(), Some("At what time?"));
        assert_eq!(reply.contexts[0].params["guests"], 3);
    }
}
