//! `weather.current`: tells the user the current weather in a city.
//! Parameters: `geo-city` (required; a `@sys.geo-city` string, or a `@sys.location` object with
//! `city`). Upstreams: `geocoding` (Open-Meteo geocoding), `weather` (Open-Meteo forecast).
//! Both calls are cached (coordinates a day, conditions five minutes).
//! Fixtures: fixtures/weather_current/.
use crate::intent::prelude::*;

pub fn register(r: &mut Registry) {
    r.add("weather.current", handle)
        .fallback(
            "Sorry, I can't reach the weather service right now. Please ask me again in a moment.",
        )
        .needs_upstream("geocoding")
        .needs_upstream("weather");
}

#[derive(Deserialize)]
struct Params {
    #[serde(rename = "geo-city")]
    city: Option<Value>,
}

#[derive(Deserialize)]
struct Search {
    #[serde(default)]
    results: Vec<Place>,
}

#[derive(Deserialize)]
struct Place {
    name: String,
    latitude: f64,
    longitude: f64,
}

#[derive(Deserialize)]
struct Forecast {
    current: Current,
}

#[derive(Deserialize)]
struct Current {
    temperature_2m: f64,
    weather_code: u16,
    #[serde(default)]
    wind_speed_10m: Option<f64>,
}

async fn handle(ctx: Ctx, turn: Turn) -> Result<Reply, IntentError> {
    let ja = turn.language() == "ja";
    let p: Params = turn.params()?;
    let Some(city) = p.city.as_ref().and_then(city_name) else {
        return Ok(Reply::text(if ja {
            "どの都市の天気を知りたいですか？"
        } else {
            "Which city would you like the weather for?"
        })
        .context("awaiting-city", 2));
    };
    let lang = if ja { "ja" } else { "en" };
    let search: Search = ctx
        .upstream("geocoding")
        .get("/v1/search")
        .query(&[
            ("name", city.as_str()),
            ("count", "1"),
            ("language", lang),
            ("format", "json"),
        ])
        // A city's coordinates do not move: cache the lookup for a day.
        .cache(Duration::from_secs(24 * 3_600))
        .send_json()
        .await?;
    let Some(place) = search.results.into_iter().next() else {
        return Ok(Reply::text(if ja {
            format!("「{city}」という都市が見つかりませんでした。")
        } else {
            format!("I couldn't find a city called {city}.")
        }));
    };
    let forecast: Forecast = ctx
        .upstream("weather")
        .get("/v1/forecast")
        .query(&[
            ("latitude", place.latitude.to_string()),
            ("longitude", place.longitude.to_string()),
            (
                "current",
                "temperature_2m,weather_code,wind_speed_10m".to_string(),
            ),
        ])
        // Open-Meteo updates current conditions every 15 minutes; five minutes is fresh enough
        // and spares the API (and the budget) when many users ask about the same city.
        .cache(Duration::from_secs(300))
        .send_json()
        .await?;
    let now = forecast.current;
    let sky = describe(now.weather_code, ja);
    let text = if ja {
        format!(
            "{}は現在{:.0}°C、{sky}です。",
            place.name, now.temperature_2m
        )
    } else {
        format!(
            "It is {:.0}°C and {sky} in {} right now.",
            now.temperature_2m, place.name
        )
    };
    let mut reply = Reply::text(text)
        .param("temp_c", now.temperature_2m)
        .param("city", &place.name);
    if let Some(wind) = now.wind_speed_10m {
        reply = reply.param("wind_kmh", wind);
    }
    Ok(reply)
}

/// `@sys.geo-city` is a string; `@sys.location` is an object with a `city` field.
fn city_name(v: &Value) -> Option<String> {
    let name = match v {
        Value::String(s) => s.as_str(),
        Value::Object(m) => m.get("city").and_then(Value::as_str)?,
        Value::Array(items) => return items.iter().find_map(city_name),
        _ => return None,
    };
    let name = name.trim();
    (!name.is_empty()).then(|| name.to_string())
}

/// WMO weather interpretation codes, as Open-Meteo reports them.
fn describe(code: u16, ja: bool) -> &'static str {
    let (en, jp) = match code {
        0 => ("clear", "快晴"),
        1 | 2 => ("partly cloudy", "晴れ時々曇り"),
        3 => ("overcast", "曇り"),
        45 | 48 => ("foggy", "霧"),
        51..=57 => ("drizzling", "霧雨"),
        61..=67 | 80..=82 => ("raining", "雨"),
        71..=77 | 85 | 86 => ("snowing", "雪"),
        95..=99 => ("stormy", "雷雨"),
        _ => ("unsettled", "不安定な天気"),
    };
    if ja {
        jp
    } else {
        en
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn city_from_string_location_or_list() {
        assert_eq!(city_name(&json!("Tokyo")).as_deref(), Some("Tokyo"));
        assert_eq!(
            city_name(&json!({"city": "Paris", "country": "France"})).as_deref(),
            Some("Paris")
        );
        assert_eq!(city_name(&json!(["", "Oslo"])).as_deref(), Some("Oslo"));
        assert_eq!(city_name(&json!(" ")), None);
        assert_eq!(city_name(&json!(42)), None);
    }
}
