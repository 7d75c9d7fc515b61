//! Benchmark server: intentful used as a library, as a team would, serving the built-in intents
//! (scenario W uses `input.welcome`) plus its own `GetWeather` module that calls the named
//! upstream `weather_mock` (scenario U). Like any binary that links intentful with its default
//! features, it allocates with mimalloc.
//!
//! Configured like the real binary: defaults < `intentful.toml` < `INTENTFUL_*` env, so
//! `bench/run.sh` points `INTENTFUL_UPSTREAMS__WEATHER_MOCK__BASE_URL` at the mock upstream and
//! sets one worker. Run: `cargo run --release --example bench_server`.

use std::process::ExitCode;
use std::sync::Arc;

use intentful::config::Settings;
use intentful::intent::prelude::*;
use intentful::state::AppState;
use intentful::{startup, telemetry};

/// The benchmark's intent: `GetWeather`, parameter `city`, upstream `weather_mock`.
fn register_get_weather(r: &mut Registry) {
    r.add("GetWeather", get_weather)
        .fallback("Sorry, I can't reach the weather service right now.")
        .needs_upstream("weather_mock");
}

#[derive(Deserialize)]
struct Params {
    city: Option<String>,
}

#[derive(Deserialize)]
struct Weather {
    temp_c: f64,
    summary: String,
}

async fn get_weather(ctx: Ctx, turn: Turn) -> Result<Reply, IntentError> {
    let p: Params = turn.params()?;
    let Some(city) = p.city else {
        return Ok(Reply::text("For which city?"));
    };
    let w: Weather = ctx
        .upstream("weather_mock")
        .get("/weather")
        .query(&[("city", &city)])
        .send_json()
        .await?;
    Ok(Reply::text(format!(
        "It is {:.0}°C and {} in {city}.",
        w.temp_c, w.summary
    )))
}

fn main() -> ExitCode {
    let settings = match Settings::load(None) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("bench_server: {e}");
            return ExitCode::from(2);
        }
    };
    // Held to the end: dropping it writes out the log lines still queued.
    let _log = telemetry::init_logging(&settings.log);
    let registry = Registry::builtin().and_then(|mut r| {
        register_get_weather(&mut r);
        r.finish()
    });
    let state = match registry
        .map_err(|e| e.to_string())
        .and_then(|r| AppState::new(settings, r).map_err(|e| e.to_string()))
    {
        Ok(s) => Arc::new(s),
        Err(e) => {
            eprintln!("bench_server: {e}");
            return ExitCode::from(2);
        }
    };
    let listener = match startup::bind(&state) {
        Ok(l) => l,
        Err(e) => {
            eprintln!("bench_server: cannot bind: {e}");
            return ExitCode::from(2);
        }
    };
    actix_web::rt::System::new().block_on(async move {
        let server = match startup::serve(state.clone(), listener) {
            Ok(s) => s,
            Err(e) => {
                eprintln!("bench_server: {e}");
                return ExitCode::FAILURE;
            }
        };
        actix_web::rt::spawn(startup::shutdown_on_signal(state, server.handle()));
        match server.await {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => {
                eprintln!("bench_server: {e}");
                ExitCode::FAILURE
            }
        }
    })
}
