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

const WHICH_CITY: Phrases = Phrases::new(&[
    ("en", "Which city would you like the weather for?"),
    ("ja", "どの都市の天気を知りたいですか？"),
]);

const NO_SUCH_CITY: Phrases = Phrases::new(&[
    ("en", "I couldn't find a city called {city}."),
    ("ja", "「{city}」という都市が見つかりませんでした。"),
]);

const NOW: Phrases = Phrases::new(&[
    ("en", "It is {temp}°C and {sky} in {city} right now."),
    ("ja", "{city}は現在{temp}°C、{sky}です。"),
]);

#[derive(Deserialize)]
struct Params {
    #[serde(rename = "geo-city")]
    city: Option<sys::GeoCity>,
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
    wind_speed_10m: Option<f64>,
}

async fn handle(ctx: Ctx, turn: Turn) -> Result<Reply, IntentError> {
    let p: Params = turn.params()?;
    let Some(city) = p.city else {
        return Ok(Reply::text(WHICH_CITY.get(&turn)).context("awaiting-city", 2));
    };
    let search: Search = ctx
        .upstream("geocoding")
        .get("/v1/search")
        .query(&[
            ("name", city.as_str()),
            ("count", "1"),
            // The place's name comes back in the language of the answer.
            ("language", NOW.language(&turn)),
            ("format", "json"),
        ])
        // A city's coordinates do not move: cache the lookup for a day.
        .cache(Duration::from_secs(24 * 3_600))
        .send_json()
        .await?;
    let Some(place) = search.results.into_iter().next() else {
        return Ok(Reply::text(NO_SUCH_CITY.fill(&turn, &[("city", &city)])));
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
    let text = NOW.fill(
        &turn,
        &[
            ("temp", &format!("{:.0}", now.temperature_2m)),
            ("sky", &sky(now.weather_code).get(&turn)),
            ("city", &place.name),
        ],
    );
    let mut reply = Reply::text(text)
        .param("temp_c", now.temperature_2m)
        .param("city", &place.name);
    if let Some(wind) = now.wind_speed_10m {
        reply = reply.param("wind_kmh", wind);
    }
    Ok(reply)
}

/// WMO weather interpretation codes, as Open-Meteo reports them.
fn sky(code: u16) -> Phrases {
    Phrases::new(match code {
        0 => &[("en", "clear"), ("ja", "快晴")],
        1 | 2 => &[("en", "partly cloudy"), ("ja", "晴れ時々曇り")],
        3 => &[("en", "overcast"), ("ja", "曇り")],
        45 | 48 => &[("en", "foggy"), ("ja", "霧")],
        51..=57 => &[("en", "drizzling"), ("ja", "霧雨")],
        61..=67 | 80..=82 => &[("en", "raining"), ("ja", "雨")],
        71..=77 | 85 | 86 => &[("en", "snowing"), ("ja", "雪")],
        95..=99 => &[("en", "stormy"), ("ja", "雷雨")],
        _ => &[("en", "unsettled"), ("ja", "不安定な天気")],
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use wiremock::matchers::{path, query_param};
    use wiremock::{Mock, MockServer, ResponseTemplate};

    #[tokio::test]
    async fn answers_in_japanese_with_the_place_name_the_geocoder_gives() {
        let api = MockServer::start().await;
        let tokyo =
            json!({"results": [{"name": "東京都", "latitude": 35.69, "longitude": 139.69}]});
        Mock::given(path("/v1/search"))
            .and(query_param("language", "ja"))
            .respond_with(ResponseTemplate::new(200).set_body_json(tokyo))
            .mount(&api)
            .await;
        let snow = json!({"current": {"temperature_2m": -1.4, "weather_code": 73}});
        Mock::given(path("/v1/forecast"))
            .respond_with(ResponseTemplate::new(200).set_body_json(snow))
            .mount(&api)
            .await;
        let turn = Turn::from_fixture(
            "fixtures/weather_current/ja_tokyo_answers_in_japanese.request.json",
        )
        .unwrap();
        let reply = handle(Ctx::for_tests(&api.uri()), turn).await.unwrap();
        assert_eq!(reply.first_text(), Some("東京都は現在-1°C、雪です。"));
        assert_eq!(reply.params.get("wind_kmh"), None);
    }
}
