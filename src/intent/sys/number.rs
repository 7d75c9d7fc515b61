//! `@sys.number-integer` and `@sys.number` (also `@sys.cardinal`, `@sys.ordinal`...): numbers,
//! which ES and CX send as floats (`4.0`) and replays sometimes as text (`"4"`).

use std::fmt;

use serde::Serialize;
use serde_json::Value;

use super::{number, whole, Entity};

/// A whole number: `4`, `4.0`, `"4"` or `"4.0"`; `4.5` is not one. Written back as `4`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(transparent)]
pub struct Integer(pub i64);

/// Any finite number: `4.5`, `"4.5"`, `"1,250.50"`. Written back as a plain number.
#[derive(Debug, Clone, Copy, PartialEq, PartialOrd, Serialize)]
#[serde(transparent)]
pub struct Number(pub f64);

impl Entity for Integer {
    const WHAT: &'static str = "a whole number (@sys.number-integer)";
    fn read(v: &Value) -> Option<Self> {
        whole(v).map(Integer)
    }
}

impl Entity for Number {
    const WHAT: &'static str = "a number (@sys.number)";
    fn read(v: &Value) -> Option<Self> {
        number(v).map(Number)
    }
}

deserialize_as_entity!(Integer, Number);

impl From<Integer> for i64 {
    fn from(n: Integer) -> i64 {
        n.0
    }
}

impl From<Number> for f64 {
    fn from(n: Number) -> f64 {
        n.0
    }
}

impl fmt::Display for Integer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

impl fmt::Display for Number {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::{from_value, json, to_value};

    #[test]
    fn an_integer_from_an_es_float_a_number_or_text() {
        for v in [
            json!(4),
            json!(4.0),
            json!("4"),
            json!(" 4.0 "),
            json!([4.0]),
        ] {
            assert_eq!(
                from_value::<Integer>(v.clone()).ok(),
                Some(Integer(4)),
                "{v}"
            );
        }
        for bad in [json!(4.5), json!("four"), json!(true), json!({"amount": 4})] {
            assert!(from_value::<Integer>(bad.clone()).is_err(), "{bad}");
        }
    }

    #[test]
    fn a_list_gives_its_first_usable_item() {
        assert_eq!(
            from_value::<Integer>(json!(["", "two", 2.0, 3])).ok(),
            Some(Integer(2))
        );
        assert_eq!(
            from_value::<Vec<Integer>>(json!([1, "2", 3.0])).ok(),
            Some(vec![Integer(1), Integer(2), Integer(3)])
        );
    }

    #[test]
    fn a_number_from_a_number_or_text() {
        for (v, want) in [
            (json!(4.5), 4.5),
            (json!(4), 4.0),
            (json!("4.5"), 4.5),
            (json!("1,250.50"), 1250.5),
        ] {
            assert_eq!(
                from_value::<Number>(v.clone()).ok(),
                Some(Number(want)),
                "{v}"
            );
        }
        assert!(from_value::<Number>(json!("Infinity")).is_err());
    }

    #[test]
    fn written_back_as_plain_numbers() {
        assert_eq!(to_value(Integer(4)).unwrap(), json!(4));
        assert_eq!(to_value(Number(4.5)).unwrap(), json!(4.5));
        assert_eq!(Integer(12).to_string(), "12");
    }
}
