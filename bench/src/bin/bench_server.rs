//! Benchmark server: intentful used as a library, as a team would, with two intents of its own:
//! `input.welcome` (scenario W, no upstream) and `GetWeather`, which calls the named upstream
//! `weather_mock` (scenario U). They are fixed here rather than taken from `intents/`, so that
//! rewriting the example intents neither changes what the benchmark measures nor the JSON the
//! bare server must match. It allocates with the same allocator as the bare server (this
//! crate's feature `mimalloc`, on by default).
//!
//! Configured like the real binary: defaults < `intentful.toml` < `INTENTFUL_*` env, so
//! `bench/run.sh` points `INTENTFUL_UPSTREAMS__WEATHER_MOCK__BASE_URL` at the mock upstream and
//! sets one worker. Run: `cargo run --release -p intentful-bench --bin bench_server`.

use std::process::ExitCode;
use std::sync::Arc;

use intentful::config::Settings;
use intentful::intent::prelude::*;
use intentful::state::AppState;
use intentful::{startup, telemetry};

#[cfg(feature = "mimalloc")]
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// The benchmark's intents: the welcome (W) and `GetWeather` (U, parameter `city`, upstream
/// `weather_mock`).
fn register(r: &mut Registry) {
    r.add("input.welcome", welcome)
        .fallback("Hello! How can I help you?");
    r.add("GetWeather", get_weather)
        .fallback("Sorry, I can't reach the weather service right now.")
        .needs_upstream("weather_mock");
}

async fn welcome(_ctx: Ctx, _turn: Turn) -> Result<Reply, IntentError> {
    Ok(
        Reply::text("Hi! I can tell you the weather, convert currencies or book you a table.")
            .quick_replies(
                "",
                ["Weather in Tokyo", "Convert 10 USD to EUR", "Book a table"],
            ),
    )
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
    let mut registry = Registry::default();
    register(&mut registry);
    let registry = registry.finish();
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
