//! [`Form`]: asking for an intent's parameters over several turns, one question at a time.
//!
//! The handler declares its slots in the order to ask them, each with its question, and keeps
//! what was filled in a struct of `Option` fields. The slots filled so far travel between turns
//! in a context named after the form: on ES an output context, on CX (where a reply's context is
//! a session parameter) the session parameter of that name. Each turn [`Form::read`] gathers them,
//! overlaid with what this turn filled (ES parameters; CX session and intent parameters and the
//! page's filled form parameters), so the same handler also serves a CX page whose form
//! Dialogflow fills itself and that calls the webhook to check the values.
//!
//! ```text
//! const FORM: Form = Form::new("booking", &[("guests", "How many people?"), ("date", "Which day?")]);
//!
//! let booking: Booking = FORM.read(&turn)?;
//! let (Some(guests), Some(date)) = (booking.guests, &booking.date) else {
//!     return Ok(FORM.ask(&booking));
//! };
//! ```

use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::{Map, Value};

use crate::protocol::{is_unfilled, read_params, ParamsError, Reply, Turn};

/// How many turns the form's context lives without an answer that renews it.
const LIFESPAN: i32 = 5;

/// Slots asked for in order, carried between turns in the context `context`.
#[derive(Debug, Clone, Copy)]
pub struct Form {
    context: &'static str,
    slots: &'static [(&'static str, &'static str)],
}

impl Form {
    /// `slots` are `(parameter name, question)` in the order to ask them.
    pub const fn new(
        context: &'static str,
        slots: &'static [(&'static str, &'static str)],
    ) -> Form {
        Form { context, slots }
    }

    /// The slots filled so far, read into the handler's struct as [`Turn::params`] reads.
    pub fn read<T: DeserializeOwned>(&self, turn: &Turn) -> Result<T, ParamsError> {
        let carried = turn
            .context(self.context)
            .map(|c| &c.parameters)
            .or_else(|| turn.parameters.get(self.context)?.as_object());
        let mut filled = Map::new();
        for &(name, _) in self.slots {
            let latest = [
                turn.filled_form_value(name),
                turn.parameters.get(name),
                carried.and_then(|c| c.get(name)),
            ]
            .into_iter()
            .flatten()
            .find(|v| !is_unfilled(v));
            if let Some(value) = latest {
                filled.insert(name.to_string(), value.clone());
            }
        }
        read_params(&filled)
    }

    /// Asks the question of the first slot `filled` lacks (a field that is `None`), keeping the
    /// others for the next turn. When none is missing it asks the first slot again.
    pub fn ask(&self, filled: &impl Serialize) -> Reply {
        let present = serde_json::to_value(filled).unwrap_or(Value::Null);
        let question = self
            .slots
            .iter()
            .find(|(name, _)| present.get(name).is_none_or(Value::is_null))
            .or(self.slots.first())
            .map_or("", |(_, question)| question);
        self.keep(filled, Reply::text(question))
    }

    /// Asks for `slot` again with `question`, after refusing its value: on CX the page marks it
    /// INVALID and re-prompts. `filled` should no longer hold the refused value.
    pub fn reask(&self, filled: &impl Serialize, slot: &str, question: impl Into<String>) -> Reply {
        self.keep(filled, Reply::text(question).invalid_form_param(slot))
    }

    /// `reply`, keeping `filled` for the next turn.
    pub fn keep(&self, filled: &impl Serialize, reply: Reply) -> Reply {
        reply.context_with(self.context, LIFESPAN, filled)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;
    use serde_json::json;

    use crate::intent::sys;
    use crate::protocol::{FormParameter, FormState, InputContext};

    const FORM: Form = Form::new(
        "order",
        &[
            ("size", "Which size?"),
            ("count", "How many?"),
            ("day", "For when?"),
        ],
    );

    #[derive(Debug, Default, PartialEq, Serialize, Deserialize)]
    struct Order {
        size: Option<String>,
        count: Option<sys::Integer>,
        day: Option<sys::Date>,
    }

    fn turn(params: Value) -> Turn {
        Turn {
            parameters: params.as_object().cloned().unwrap_or_default(),
            ..Turn::default()
        }
    }

    fn with_context(mut t: Turn, params: Value) -> Turn {
        t.contexts.push(InputContext {
            id: "order".into(),
            lifespan: 3,
            parameters: params.as_object().cloned().unwrap_or_default(),
        });
        t
    }

    #[test]
    fn this_turn_fills_over_the_context_and_unfilled_values_do_not_erase() {
        let t = with_context(
            turn(json!({"count": 3.0, "size": "", "other": "x"})),
            json!({"size": "L", "count": 1, "size.original": "large"}),
        );
        let order: Order = FORM.read(&t).unwrap();
        assert_eq!(order.size.as_deref(), Some("L"));
        assert_eq!(order.count, Some(sys::Integer(3)));
        assert_eq!(order.day, None);
    }

    #[test]
    fn on_cx_the_context_is_a_session_parameter_and_filled_form_values_count() {
        let mut t = turn(json!({"order": {"size": "M"}, "count": 2}));
        t.form = vec![
            FormParameter {
                name: "count".into(),
                state: FormState::Filled,
                value: Some(json!(4.0)),
                ..FormParameter::default()
            },
            FormParameter {
                name: "day".into(),
                state: FormState::Invalid,
                value: Some(json!("2026-12-04")),
                ..FormParameter::default()
            },
        ];
        let order: Order = FORM.read(&t).unwrap();
        assert_eq!(order.size.as_deref(), Some("M"));
        assert_eq!(order.count, Some(sys::Integer(4)), "the form's value wins");
        assert_eq!(order.day, None, "an invalid form value is not filled");
    }

    #[test]
    fn a_value_that_does_not_fit_is_a_params_error() {
        assert!(FORM.read::<Order>(&turn(json!({"count": "many"}))).is_err());
    }

    #[test]
    fn ask_asks_the_first_missing_slot_and_keeps_the_rest() {
        let order = Order {
            size: Some("L".into()),
            ..Order::default()
        };
        let reply = FORM.ask(&order);
        assert_eq!(reply.first_text(), Some("How many?"));
        assert_eq!(reply.contexts.len(), 1);
        assert_eq!(reply.contexts[0].id, "order");
        assert_eq!(reply.contexts[0].lifespan, LIFESPAN);
        assert_eq!(
            reply.contexts[0].params,
            json!({"size": "L"}).as_object().cloned().unwrap()
        );
        let done = Order {
            size: Some("L".into()),
            count: Some(sys::Integer(1)),
            day: serde_json::from_value(json!("2026-12-04")).unwrap(),
        };
        assert_eq!(FORM.ask(&done).first_text(), Some("Which size?"));
    }

    #[test]
    fn reask_marks_the_slot_invalid_for_cx() {
        let reply = FORM.reask(&Order::default(), "count", "1 to 9, please.");
        assert_eq!(reply.first_text(), Some("1 to 9, please."));
        assert_eq!(reply.invalid_form_params, ["count"]);
        assert_eq!(reply.contexts[0].id, "order");
        assert!(reply.contexts[0].params.is_empty());
    }
}
