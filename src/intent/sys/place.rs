//! `@sys.geo-city` and `@sys.location`: places.

use std::fmt;
use std::ops::Deref;

use serde::Serialize;
use serde_json::Value;

use super::{field, text, Entity};

/// A city name. `@sys.geo-city` sends text; an agent that uses `@sys.location` for the same
/// parameter sends an object, whose `city` is taken. Never empty.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
#[serde(transparent)]
pub struct GeoCity(String);

/// `@sys.location`: the parts of an address or place the user named; the others are `None`.
/// ES spells the keys `street-address`; snake_case and camelCase spellings read the same.
#[serde_with::skip_serializing_none]
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub struct Location {
    pub city: Option<String>,
    pub country: Option<String>,
    pub admin_area: Option<String>,
    pub subadmin_area: Option<String>,
    pub street_address: Option<String>,
    pub zip_code: Option<String>,
    pub business_name: Option<String>,
    pub island: Option<String>,
    pub shortcut: Option<String>,
}

impl GeoCity {
    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn into_string(self) -> String {
        self.0
    }
}

impl Entity for GeoCity {
    const WHAT: &'static str = "a city (@sys.geo-city text, or @sys.location with a city)";
    fn read(v: &Value) -> Option<Self> {
        let name = match v {
            Value::Object(place) => text(field(place, "city")?)?,
            other => text(other)?,
        };
        Some(GeoCity(name.to_string()))
    }
}

impl Entity for Location {
    const WHAT: &'static str = "a place (@sys.location object)";
    fn read(v: &Value) -> Option<Self> {
        let place = v.as_object()?;
        // A zip code may come as a number.
        let part = |key: &str| match field(place, key)? {
            Value::Number(n) => Some(n.to_string()),
            other => text(other).map(str::to_string),
        };
        let location = Location {
            city: part("city"),
            country: part("country"),
            admin_area: part("admin-area"),
            subadmin_area: part("subadmin-area"),
            street_address: part("street-address"),
            zip_code: part("zip-code"),
            business_name: part("business-name"),
            island: part("island"),
            shortcut: part("shortcut"),
        };
        (location != Location::default()).then_some(location)
    }
}

deserialize_as_entity!(GeoCity, Location);

impl Deref for GeoCity {
    type Target = str;
    fn deref(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for GeoCity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::{from_value, json, to_value};

    fn city(v: Value) -> Option<String> {
        from_value::<GeoCity>(v).ok().map(GeoCity::into_string)
    }

    #[test]
    fn a_city_from_text_trimmed() {
        assert_eq!(city(json!(" Tokyo ")).as_deref(), Some("Tokyo"));
        assert_eq!(city(json!("東京")).as_deref(), Some("東京"));
        assert_eq!(city(json!("  ")), None);
        assert_eq!(city(json!(42)), None);
    }

    #[test]
    fn a_city_from_a_location_object() {
        let es =
            json!({"city": "Paris", "country": "France", "admin-area": "", "street-address": ""});
        assert_eq!(city(es).as_deref(), Some("Paris"));
        assert_eq!(city(json!({"City": "Oslo"})).as_deref(), Some("Oslo"));
        assert_eq!(city(json!({"country": "France", "city": ""})), None);
    }

    #[test]
    fn a_city_from_a_list_skips_empty_items() {
        assert_eq!(city(json!(["", "Oslo", "Bergen"])).as_deref(), Some("Oslo"));
        assert_eq!(
            city(json!([{"city": ""}, {"city": "Lyon"}])).as_deref(),
            Some("Lyon")
        );
        assert_eq!(city(json!([])), None);
    }

    #[test]
    fn a_location_from_es_and_other_spellings() {
        let es: Location = from_value(json!({
            "street-address": "1 Rue de Rivoli", "city": "Paris", "zip-code": "75001",
            "country": "France", "admin-area": "", "business-name": ""
        }))
        .unwrap();
        assert_eq!(es.city.as_deref(), Some("Paris"));
        assert_eq!(es.street_address.as_deref(), Some("1 Rue de Rivoli"));
        assert_eq!(es.admin_area, None, "empty parts are None");
        let other: Location = from_value(json!({
            "streetAddress": "1 Rue de Rivoli", "city": "Paris", "zip_code": 75001, "country": "France"
        }))
        .unwrap();
        assert_eq!(other, es);
    }

    #[test]
    fn a_location_needs_some_part() {
        assert!(from_value::<Location>(json!({"city": "", "country": ""})).is_err());
        assert!(from_value::<Location>(json!("Paris")).is_err());
        let listed: Location = from_value(json!([{"city": ""}, {"island": "Sado"}])).unwrap();
        assert_eq!(listed.island.as_deref(), Some("Sado"));
    }

    #[test]
    fn written_back_with_es_keys() {
        let l = Location {
            city: Some("Paris".into()),
            zip_code: Some("75001".into()),
            ..Location::default()
        };
        assert_eq!(
            to_value(&l).unwrap(),
            json!({"city": "Paris", "zip-code": "75001"})
        );
        assert_eq!(to_value(city(json!("Oslo"))).unwrap(), json!("Oslo"));
    }
}
