//! [`Turn`]: what the user said and what the agent knows, independent of ES or CX.

use std::path::Path;

use serde::de::DeserializeOwned;
use serde_json::{Map, Value};

use super::{Protocol, Request};
use crate::error::WebhookError;

/// The turn's parameters did not fit the handler's struct (`?` makes it an `IntentError`).
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct ParamsError(#[from] serde_json::Error);

/// A fixture request that could not be read as a turn.
#[derive(Debug, thiserror::Error)]
pub enum FixtureError {
    #[error("{path}: {source}")]
    Read {
        path: String,
        source: std::io::Error,
    },
    #[error("{path}: {source}")]
    Parse { path: String, source: WebhookError },
}

/// One conversational turn as an intent handler sees it.
#[derive(Debug, Clone, Default)]
pub struct Turn {
    pub protocol: Option<Protocol>,
    /// The registry key that selected the handler (CX tag, ES action or display name).
    pub key: String,
    /// Full session path, e.g. `projects/p/agent/sessions/s`.
    pub session: String,
    /// ES `responseId` or CX `detectIntentResponseId`.
    pub response_id: String,
    pub language_code: String,
    pub query_text: String,
    pub intent_display_name: String,
    /// ES `queryResult.action`.
    pub action: String,
    /// CX `fulfillmentInfo.tag`.
    pub tag: String,
    pub confidence: Option<f64>,
    /// ES query parameters, or CX session parameters overlaid with intent parameters.
    pub parameters: Map<String, Value>,
    /// ES input contexts (short ids); CX has none.
    pub contexts: Vec<InputContext>,
    /// ES `originalDetectIntentRequest.source` (e.g. `google` for Actions on Google).
    pub source: String,
    /// ES `originalDetectIntentRequest.payload` or CX `payload`.
    pub payload: Map<String, Value>,
    /// CX current page display name.
    pub page: String,
    /// CX form parameters of the current page.
    pub form: Vec<FormParameter>,
}

/// An ES context the request carried, by its short id.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct InputContext {
    pub id: String,
    pub lifespan: i32,
    pub parameters: Map<String, Value>,
}

/// A CX page form parameter and its fill state.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct FormParameter {
    pub name: String,
    pub required: bool,
    pub state: FormState,
    pub value: Option<Value>,
    pub just_collected: bool,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum FormState {
    #[default]
    Unspecified,
    Empty,
    Invalid,
    Filled,
}

impl Turn {
    /// Reads the turn's parameters into a handler's own struct.
    ///
    /// ES sends `""` for an optional parameter that was not filled and numbers as floats
    /// (`4.0`); both are normalised first so that `Option<T>` and integer fields just work.
    pub fn params<T: DeserializeOwned>(&self) -> Result<T, ParamsError> {
        read_params(&self.parameters)
    }

    /// The turn a captured request (a fixture's `.request.json`, ES or CX) gives its handler,
    /// for calling a handler directly in a test. The key is the first the request names (CX
    /// tag, ES action, ES intent display name).
    pub fn from_fixture(path: impl AsRef<Path>) -> Result<Turn, FixtureError> {
        let path = path.as_ref();
        let shown = path.display().to_string();
        let body = std::fs::read(path).map_err(|source| FixtureError::Read {
            path: shown.clone(),
            source,
        })?;
        let request = Request::parse(&body, None).map_err(|source| FixtureError::Parse {
            path: shown,
            source,
        })?;
        let key = request
            .keys()
            .into_iter()
            .find(|k| !k.is_empty())
            .unwrap_or_default()
            .to_string();
        let (turn, _) = request.into_parts();
        Ok(Turn { key, ..turn })
    }

    /// One parameter, `None` when absent or unfilled.
    pub fn param(&self, name: &str) -> Option<&Value> {
        self.parameters.get(name).filter(|v| !is_unfilled(v))
    }

    /// One parameter as text, `None` when absent, unfilled or not a string.
    pub fn param_str(&self, name: &str) -> Option<&str> {
        self.param(name).and_then(Value::as_str)
    }

    /// The value of a CX form parameter the page reports as filled.
    pub(crate) fn filled_form_value(&self, name: &str) -> Option<&Value> {
        self.form
            .iter()
            .find(|p| p.name == name && p.state == FormState::Filled)
            .and_then(|p| p.value.as_ref())
    }

    /// An input context by short id (case-insensitive, as Dialogflow lowercases ids).
    pub fn context(&self, id: &str) -> Option<&InputContext> {
        self.contexts.iter().find(|c| c.id.eq_ignore_ascii_case(id))
    }

    /// The primary language subtag, e.g. `ja` for `ja-JP`, lowercased.
    pub fn language(&self) -> String {
        self.language_code
            .split(['-', '_'])
            .next()
            .unwrap_or_default()
            .to_ascii_lowercase()
    }

    /// True when the request came through Actions on Google (which allows a 10 s deadline).
    pub fn is_actions_on_google(&self) -> bool {
        matches!(
            self.source.as_str(),
            "google" | "GOOGLE" | "ACTIONS_ON_GOOGLE" | "actions_on_google"
        )
    }
}

/// Reads parameters into a handler's struct, unfilled ones left out and whole floats made
/// integers (see [`Turn::params`]).
pub(crate) fn read_params<T: DeserializeOwned>(
    params: &Map<String, Value>,
) -> Result<T, ParamsError> {
    let cleaned: Map<String, Value> = params
        .iter()
        .filter(|(_, v)| !is_unfilled(v))
        .map(|(k, v)| (k.clone(), normalise_numbers(v)))
        .collect();
    Ok(serde_json::from_value(Value::Object(cleaned))?)
}

/// ES sends `""` for an optional parameter the user did not fill; `null` means the same.
pub(crate) fn is_unfilled(v: &Value) -> bool {
    match v {
        Value::Null => true,
        Value::String(s) => s.is_empty(),
        _ => false,
    }
}

fn normalise_numbers(v: &Value) -> Value {
    match v {
        Value::Number(n) => match n.as_f64() {
            Some(f) if n.is_f64() && f.fract() == 0.0 && f.abs() < 9.0e15 => Value::from(f as i64),
            _ => v.clone(),
        },
        Value::Array(items) => Value::Array(items.iter().map(normalise_numbers).collect()),
        Value::Object(map) => Value::Object(
            map.iter()
                .map(|(k, v)| (k.clone(), normalise_numbers(v)))
                .collect(),
        ),
        _ => v.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;
    use serde_json::json;

    fn turn_with(params: Value) -> Turn {
        Turn {
            parameters: params.as_object().cloned().unwrap_or_default(),
            ..Turn::default()
        }
    }

    #[derive(Deserialize, Debug, PartialEq)]
    struct P {
        city: Option<String>,
        guests: Option<u32>,
    }

    #[test]
    fn empty_string_is_absent() {
        let p: P = turn_with(json!({"city": "", "guests": 4.0}))
            .params()
            .unwrap();
        assert_eq!(
            p,
            P {
                city: None,
                guests: Some(4)
            }
        );
    }

    #[test]
    fn wrong_type_is_a_params_error() {
        let err = turn_with(json!({"guests": "many"}))
            .params::<P>()
            .unwrap_err();
        assert!(
            err.to_string().contains("guests") || err.to_string().contains("many"),
            "{err}"
        );
    }

    #[test]
    fn a_fixture_reads_as_the_turn_its_handler_gets() {
        let es = Turn::from_fixture("fixtures/weather_current/tokyo_sunny.request.json").unwrap();
        assert_eq!(
            (es.protocol, es.key.as_str()),
            (Some(Protocol::Es), "weather.current")
        );
        assert_eq!(es.param_str("geo-city"), Some("Tokyo"));
        let cx =
            Turn::from_fixture("fixtures/weather_current/cx_tokyo_sunny.request.json").unwrap();
        assert_eq!(
            (cx.protocol, cx.key.as_str()),
            (Some(Protocol::Cx), "weather.current")
        );
        let missing = Turn::from_fixture("fixtures/nope.request.json").unwrap_err();
        assert!(
            missing
                .to_string()
                .starts_with("fixtures/nope.request.json: "),
            "{missing}"
        );
        let settings = Turn::from_fixture("fixtures/settings.toml").unwrap_err();
        assert!(matches!(settings, FixtureError::Parse { .. }), "{settings}");
    }

    #[test]
    fn language_subtag() {
        let t = Turn {
            language_code: "ja-JP".into(),
            ..Turn::default()
        };
        assert_eq!(t.language(), "ja");
    }
}
