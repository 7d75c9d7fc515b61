//! `@sys.unit-currency` and `@sys.duration`: an amount with its unit,
//! `{"amount": 10, "currency": "USD"}` and `{"amount": 10, "unit": "min"}` on ES and CX.

use std::fmt;

use serde::{Serialize, Serializer};
use serde_json::Value;

use super::{field, number, text, Entity};

/// An amount of money. The amount may come as text (`"1,250.50"`); the currency is an upper-case
/// code (`usd` reads as `USD`).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct UnitCurrency {
    pub amount: f64,
    pub currency: String,
}

/// A length of time as the user said it: `10 minutes` is `{amount: 10, unit: Minute}`.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Duration {
    pub amount: f64,
    pub unit: DurationUnit,
}

/// The unit of a [`Duration`]. Written back as ES names it (`s`, `min`, `h`, `day`, `wk`, `mo`,
/// `yr`); read from those and from the spelled-out names (`minutes`, `hour`...).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DurationUnit {
    Second,
    Minute,
    Hour,
    Day,
    Week,
    Month,
    Year,
}

impl Entity for UnitCurrency {
    const WHAT: &'static str = "an amount of money (@sys.unit-currency {amount, currency})";
    fn read(v: &Value) -> Option<Self> {
        let money = v.as_object()?;
        Some(UnitCurrency {
            amount: number(field(money, "amount")?)?,
            currency: text(field(money, "currency")?)?.to_ascii_uppercase(),
        })
    }
}

impl Entity for Duration {
    const WHAT: &'static str = "a duration (@sys.duration {amount, unit})";
    fn read(v: &Value) -> Option<Self> {
        let duration = v.as_object()?;
        Some(Duration {
            amount: number(field(duration, "amount")?)?,
            unit: DurationUnit::parse(text(field(duration, "unit")?)?)?,
        })
    }
}

deserialize_as_entity!(UnitCurrency, Duration);

impl Duration {
    /// As a `std::time::Duration`; `None` for months and years, whose length depends on the
    /// calendar, and for a negative amount.
    pub fn to_std(&self) -> Option<std::time::Duration> {
        let seconds = match self.unit {
            DurationUnit::Second => 1.0,
            DurationUnit::Minute => 60.0,
            DurationUnit::Hour => 3_600.0,
            DurationUnit::Day => 86_400.0,
            DurationUnit::Week => 604_800.0,
            DurationUnit::Month | DurationUnit::Year => return None,
        };
        std::time::Duration::try_from_secs_f64(self.amount * seconds).ok()
    }
}

impl DurationUnit {
    /// The ES name.
    pub fn as_str(self) -> &'static str {
        match self {
            DurationUnit::Second => "s",
            DurationUnit::Minute => "min",
            DurationUnit::Hour => "h",
            DurationUnit::Day => "day",
            DurationUnit::Week => "wk",
            DurationUnit::Month => "mo",
            DurationUnit::Year => "yr",
        }
    }

    fn parse(name: &str) -> Option<Self> {
        let name = name.to_ascii_lowercase();
        let name = name
            .strip_suffix('s')
            .filter(|n| !n.is_empty())
            .unwrap_or(&name);
        Some(match name {
            "s" | "sec" | "second" => DurationUnit::Second,
            "min" | "minute" => DurationUnit::Minute,
            "h" | "hr" | "hour" => DurationUnit::Hour,
            "day" | "d" => DurationUnit::Day,
            "wk" | "week" => DurationUnit::Week,
            "mo" | "month" => DurationUnit::Month,
            "yr" | "year" => DurationUnit::Year,
            _ => return None,
        })
    }
}

impl Serialize for DurationUnit {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl fmt::Display for UnitCurrency {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.amount, self.currency)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::{from_value, json, to_value};

    fn money(v: Value) -> Option<(f64, String)> {
        from_value::<UnitCurrency>(v)
            .ok()
            .map(|m| (m.amount, m.currency))
    }

    #[test]
    fn money_from_es_and_cx() {
        // ES parameters and CX `resolvedValue` share the shape; CX numbers are floats.
        assert_eq!(
            money(json!({"amount": 10, "currency": "USD"})),
            Some((10.0, "USD".into()))
        );
        assert_eq!(
            money(json!({"amount": 5.0, "currency": "EUR"})),
            Some((5.0, "EUR".into()))
        );
    }

    #[test]
    fn money_with_the_amount_as_text_and_a_lower_case_code() {
        assert_eq!(
            money(json!({"amount": "1,250.50", "currency": " gbp "})),
            Some((1250.5, "GBP".into()))
        );
    }

    #[test]
    fn money_from_a_list() {
        assert_eq!(
            money(json!([{"amount": 3}, {"amount": 3, "currency": "JPY"}])),
            Some((3.0, "JPY".into()))
        );
    }

    #[test]
    fn money_needs_both_parts() {
        assert_eq!(money(json!({"amount": 3})), None);
        assert_eq!(money(json!({"currency": "USD"})), None);
        assert_eq!(money(json!({"amount": "lots", "currency": "USD"})), None);
        assert_eq!(money(json!("10 USD")), None);
    }

    #[test]
    fn a_duration_from_es_names_and_spelled_out_units() {
        let d: Duration = from_value(json!({"amount": 10, "unit": "min"})).unwrap();
        assert_eq!(d.to_std(), Some(std::time::Duration::from_secs(600)));
        let d: Duration = from_value(json!({"amount": "1.5", "unit": "Hours"})).unwrap();
        assert_eq!(d.to_std(), Some(std::time::Duration::from_secs(5_400)));
        let d: Duration = from_value(json!({"amount": 2.0, "unit": "wk"})).unwrap();
        assert_eq!(d.unit, DurationUnit::Week);
        let d: Duration = from_value(json!({"amount": 3, "unit": "mo"})).unwrap();
        assert_eq!((d.unit, d.to_std()), (DurationUnit::Month, None));
        assert!(from_value::<Duration>(json!({"amount": 3, "unit": "fortnight"})).is_err());
        assert!(from_value::<Duration>(json!({"amount": 3})).is_err());
    }

    #[test]
    fn written_back_in_dialogflow_shape() {
        let m = UnitCurrency {
            amount: 10.0,
            currency: "USD".into(),
        };
        assert_eq!(
            to_value(&m).unwrap(),
            json!({"amount": 10.0, "currency": "USD"})
        );
        let d = Duration {
            amount: 10.0,
            unit: DurationUnit::Minute,
        };
        assert_eq!(to_value(d).unwrap(), json!({"amount": 10.0, "unit": "min"}));
        assert_eq!(m.to_string(), "10 USD");
    }
}
