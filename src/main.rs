//! The `intentful` command: `serve [--record DIR]` (default), `fulfill FILE`,
//! `fixtures check [DIR]`, `fixtures import FILE [--live]`, `events ...`.
//!
//! `fulfill` and `fixtures check` run the in-process app through the fixture kit (feature
//! `fixtures`); a build without it (the production image) keeps the commands and says so.

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;

use clap::{Parser, Subcommand};

use intentful::config::Settings;
use intentful::state::AppState;
use intentful::{startup, telemetry};

/// The binary's allocator (the library leaves the choice to whoever links it): a webhook call
/// makes a few dozen small, short-lived allocations, the load mimalloc is built for.
#[cfg(feature = "mimalloc")]
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[derive(Parser)]
#[command(
    name = "intentful",
    version,
    about = "Dialogflow ES/CX webhook fulfillment"
)]
struct Cli {
    /// Settings file (defaults < this file < INTENTFUL_* env); must exist when given.
    /// Without it, `intentful.toml` is read if there is one.
    #[arg(long, global = true)]
    config: Option<PathBuf>,
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
    /// Serve the webhook (the default).
    Serve {
        /// Record every answered call as a fixture case under DIR (sets `record.dir`).
        #[arg(long, value_name = "DIR")]
        record: Option<PathBuf>,
    },
    /// Answer one WebhookRequest from a file with the in-process app and print the response.
    Fulfill {
        /// A WebhookRequest JSON file (ES or CX), e.g. a fixture's `.request.json`.
        request: PathBuf,
        /// `auto`, `es` or `cx`.
        #[arg(long, default_value = "auto")]
        protocol: String,
    },
    /// Fixture tools.
    Fixtures {
        #[command(subcommand)]
        command: FixturesCommand,
    },
    /// Event triggers: list, show, replay, send (issue 16).
    Events {
        #[command(subcommand)]
        command: intentful::ingest::cli::EventsCommand,
    },
}

#[derive(Subcommand)]
enum FixturesCommand {
    /// Replay every fixture case against its upstream stubs and compare with the golden files.
    Check {
        #[arg(default_value = "fixtures")]
        dir: PathBuf,
        /// Rewrite golden responses with the current answers (same as BLESS=1).
        #[arg(long)]
        bless: bool,
    },
    /// Turn a request copied from the Dialogflow console (ES "Diagnostic info" fulfillment
    /// request or raw response, CX simulator or WebhookRequest JSON) into a fixture case.
    Import {
        /// The JSON file; `-` reads standard input.
        file: PathBuf,
        /// Call the configured upstreams once to capture the stubs and the answer.
        #[arg(long)]
        live: bool,
        /// Where the case goes (under `<intent file>/`).
        #[arg(long, default_value = "fixtures")]
        out: PathBuf,
        /// The CX webhook tag, for a CX simulator response (it does not say).
        #[arg(long)]
        tag: Option<String>,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let settings = match Settings::load(cli.config.as_deref()) {
        Ok(mut s) => {
            if let Some(Command::Serve {
                record: Some(dir), ..
            }) = &cli.command
            {
                s.record.dir = Some(dir.clone());
            }
            s
        }
        Err(e) => {
            eprintln!("intentful: {e}");
            return ExitCode::from(2);
        }
    };
    let system = actix_web::rt::System::new();
    system.block_on(async move {
        match cli.command.unwrap_or(Command::Serve { record: None }) {
            Command::Serve { .. } => serve(settings).await,
            Command::Fulfill { request, protocol } => fulfill(settings, &request, &protocol).await,
            Command::Fixtures {
                command: FixturesCommand::Check { dir, bless },
            } => check_fixtures(&dir, bless).await,
            Command::Fixtures {
                command:
                    FixturesCommand::Import {
                        file,
                        live,
                        out,
                        tag,
                    },
            } => import_fixture(settings, &file, live, &out, tag).await,
            Command::Events { command } => intentful::ingest::cli::run(settings, command).await,
        }
    })
}

async fn serve(settings: Settings) -> ExitCode {
    // Held to the end: dropping it writes out the log lines still queued.
    let _log = telemetry::init_logging(&settings.log);
    let state = match AppState::with_builtin_intents(settings) {
        Ok(s) => Arc::new(s),
        Err(e) => {
            tracing::error!("start-up failed: {e}");
            eprintln!("intentful: {e}");
            return ExitCode::from(2);
        }
    };
    for route in state.auth.unacknowledged_open_routes() {
        tracing::warn!(
            route = %route,
            "webhook auth is `none`: anyone who finds the URL can call it; configure [auth.default] \
             (basic, header, google_id_token or hmac) or set acknowledged = true"
        );
    }
    startup::warn_if_grace_is_short(&state.settings);
    if let Some(pg) = &state.pg {
        // Connect and migrate now: a wrong URL or an unreachable database stops the start.
        if let Err(e) = pg.migrate().await {
            tracing::error!("start-up failed: events.store: {e}");
            eprintln!("intentful: events.store: {e}");
            return ExitCode::from(2);
        }
    }
    let listener = match startup::bind(&state) {
        Ok(l) => l,
        Err(e) => {
            eprintln!("intentful: cannot bind: {e}");
            return ExitCode::from(2);
        }
    };
    let addr = listener
        .local_addr()
        .map(|a| a.to_string())
        .unwrap_or_default();
    tracing::info!(%addr, intents = state.registry.all().len(), "intentful listening");
    let server = match startup::serve(state.clone(), listener) {
        Ok(server) => server,
        Err(e) => {
            eprintln!("intentful: {e}");
            return ExitCode::FAILURE;
        }
    };
    // issue 16: the event workers run beside the server and stop after it.
    let workers = state.events.clone().map(intentful::ingest::Workers::start);
    let grace = std::time::Duration::from_millis(state.settings.server.shutdown_grace_ms);
    let observers = state.observers.clone();
    actix_web::rt::spawn(startup::shutdown_on_signal(state, server.handle()));
    let served = server.await;
    if let Some(w) = workers {
        w.stop(grace).await;
    }
    // issue 17: calls still queued for the recorder are written before the process ends.
    for observer in &observers {
        observer.flush(grace);
    }
    match served {
        Ok(()) => {
            // Here rather than in the signal task, which the runtime may drop before it logs.
            tracing::info!("stopped");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("intentful: {e}");
            ExitCode::FAILURE
        }
    }
}

#[cfg(feature = "fixtures")]
async fn fulfill(settings: Settings, request: &Path, protocol: &str) -> ExitCode {
    use actix_web::{test, web};

    let uri = match protocol {
        "auto" => "/webhook",
        "es" => "/webhook/es",
        "cx" => "/webhook/cx",
        other => {
            eprintln!("intentful: --protocol must be auto, es or cx, not `{other}`");
            return ExitCode::from(2);
        }
    };
    let body = match std::fs::read(request) {
        Ok(b) => b,
        Err(e) => {
            eprintln!("intentful: {}: {e}", request.display());
            return ExitCode::from(2);
        }
    };
    let state = match AppState::with_builtin_intents(settings) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("intentful: {e}");
            return ExitCode::from(2);
        }
    };
    let app = test::init_service(startup::app(web::Data::new(state))).await;
    let req = test::TestRequest::post()
        .uri(uri)
        .insert_header(("content-type", "application/json"))
        .set_payload(body)
        .to_request();
    let resp = test::call_service(&app, req).await;
    let status = resp.status();
    let bytes = test::read_body(resp).await;
    let text = serde_json::from_slice::<serde_json::Value>(&bytes)
        .ok()
        .and_then(|v| serde_json::to_string_pretty(&v).ok())
        .unwrap_or_else(|| String::from_utf8_lossy(&bytes).into_owned());
    println!("{text}");
    if status.is_success() {
        ExitCode::SUCCESS
    } else {
        eprintln!("intentful: HTTP {status}");
        ExitCode::FAILURE
    }
}

#[cfg(feature = "fixtures")]
async fn check_fixtures(dir: &Path, bless: bool) -> ExitCode {
    use intentful::fixtures::{self, ReplayOptions};

    let cases = match fixtures::discover(dir) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("intentful: {e}");
            return ExitCode::from(2);
        }
    };
    let mut opts = match ReplayOptions::for_dir(dir) {
        Ok(o) => o,
        Err(e) => {
            eprintln!("intentful: {e}");
            return ExitCode::from(2);
        }
    };
    opts.bless |= bless;
    let mut results = fixtures::replay_all(&cases, &opts).await;
    // issue 16: the event cases under <dir>/events.
    match fixtures::replay_event_dir(dir, opts.bless).await {
        Ok(events) => results.extend(events),
        Err(e) => {
            eprintln!("intentful: {e}");
            return ExitCode::from(2);
        }
    }
    let failed: Vec<_> = results.iter().filter(|r| !r.passed()).collect();
    for r in &results {
        if r.passed() {
            let note = if r.blessed { " (blessed)" } else { "" };
            println!("ok   {} ({} ms){note}", r.name, r.elapsed.as_millis());
        }
    }
    for r in &failed {
        println!("{}", r.report());
    }
    println!(
        "fixtures: {} passed, {} failed",
        results.len() - failed.len(),
        failed.len()
    );
    if failed.is_empty() && !results.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}

#[cfg(feature = "fixtures")]
async fn import_fixture(
    settings: Settings,
    file: &Path,
    live: bool,
    out: &Path,
    tag: Option<String>,
) -> ExitCode {
    use intentful::fixtures::{import, ImportOptions};

    let read = if file == Path::new("-") {
        let mut text = Vec::new();
        std::io::Read::read_to_end(&mut std::io::stdin(), &mut text).map(|_| text)
    } else {
        std::fs::read(file)
    };
    let input = match read {
        Ok(bytes) => bytes,
        Err(e) => {
            eprintln!("intentful: {}: {e}", file.display());
            return ExitCode::from(2);
        }
    };
    let opts = ImportOptions {
        live,
        out: out.to_path_buf(),
        tag,
    };
    match import(settings, &input, &opts).await {
        Ok(done) => {
            println!("{}", done.report());
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("intentful: {e}");
            ExitCode::from(2)
        }
    }
}

#[cfg(not(feature = "fixtures"))]
async fn import_fixture(
    _settings: Settings,
    _file: &Path,
    _live: bool,
    _out: &Path,
    _tag: Option<String>,
) -> ExitCode {
    without_fixture_kit("fixtures import")
}

#[cfg(not(feature = "fixtures"))]
async fn fulfill(_settings: Settings, _request: &Path, _protocol: &str) -> ExitCode {
    without_fixture_kit("fulfill")
}

#[cfg(not(feature = "fixtures"))]
async fn check_fixtures(_dir: &Path, _bless: bool) -> ExitCode {
    without_fixture_kit("fixtures check")
}

#[cfg(not(feature = "fixtures"))]
fn without_fixture_kit(command: &str) -> ExitCode {
    eprintln!(
        "intentful: `{command}` needs the fixture kit, which this build leaves out (built \
         without the cargo feature `fixtures`, as the production image is); run it from a \
         checkout: cargo run -- {command}"
    );
    ExitCode::from(2)
}
