//! `intentful events ...`: look into the store, replay, and send signed sample events.
//!
//! The commands open the store file directly (SQLite allows a reader and a writer beside a
//! running server); a replay is picked up by a running server within `events.poll_interval_ms`,
//! else at its next start.

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use serde_json::Value;

use super::store::{EventRecord, EventStatus, EventStore, ListFilter};
use super::verify::Outgoing;
use super::{open_store, EventRegistry, Ingest};
use crate::config::Settings;
use crate::upstream::Upstreams;

#[derive(Debug, clap::Subcommand)]
pub enum EventsCommand {
    /// List stored events, newest first, with each handler's job.
    List {
        /// pending, done, dead or ignored.
        #[arg(long)]
        status: Option<String>,
        #[arg(long)]
        source: Option<String>,
        #[arg(long, default_value_t = 50)]
        limit: usize,
        /// One JSON object per line instead of a table.
        #[arg(long)]
        json: bool,
    },
    /// Show one event (by the number `list` prints): headers, body and jobs.
    Show { seq: i64 },
    /// Run an event's handlers again (`replay SEQ`), or every dead job (`replay --dead`).
    Replay {
        seq: Option<i64>,
        #[arg(long, conflicts_with = "seq")]
        dead: bool,
    },
    /// Sign a sample event as the source's provider would (with its first secret) and POST it.
    Send {
        /// The event body, e.g. a fixture's `.event.json`.
        file: PathBuf,
        #[arg(long)]
        source: String,
        /// Default: http://127.0.0.1:<server.port>/events/<source>.
        #[arg(long)]
        url: Option<String>,
        /// The event type, for senders that put it in a header (GitHub, Shopify).
        #[arg(long = "type")]
        event_type: Option<String>,
        /// The event id, for senders that put it in a header; default a new UUID.
        #[arg(long)]
        id: Option<String>,
    },
}

/// Runs one `events` command; the exit code says whether it worked.
pub async fn run(settings: Settings, command: EventsCommand) -> ExitCode {
    let result = match command {
        EventsCommand::Send {
            file,
            source,
            url,
            event_type,
            id,
        } => send(&settings, &file, &source, url, event_type, id).await,
        other => with_store(&settings, other).await,
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("intentful events: {e}");
            ExitCode::FAILURE
        }
    }
}

async fn with_store(settings: &Settings, command: EventsCommand) -> Result<(), String> {
    let path = settings.events.dir.join(super::store::FILE_NAME);
    if settings.events.postgres_url().is_none() && !path.exists() {
        return Err(format!(
            "no event store at {} (events.dir); it is created when the server starts with a source configured",
            path.display()
        ));
    }
    let store: Arc<dyn EventStore> =
        open_store(&settings.events, None).map_err(|e| e.to_string())?;
    let now = super::Clock::new().now_ms();
    match command {
        EventsCommand::List {
            status,
            source,
            limit,
            json,
        } => {
            let status = status
                .map(|s| {
                    EventStatus::parse(&s).ok_or_else(|| {
                        format!("--status is pending, done, dead or ignored, not `{s}`")
                    })
                })
                .transpose()?;
            let records = store
                .list(ListFilter {
                    status,
                    source,
                    limit,
                })
                .await
                .map_err(|e| e.to_string())?;
            for r in &records {
                if json {
                    println!("{}", serde_json::to_string(r).unwrap_or_default());
                } else {
                    println!("{}", line(r));
                }
            }
            if !json {
                eprintln!("{} event(s)", records.len());
            }
            Ok(())
        }
        EventsCommand::Show { seq } => {
            let r = store
                .get(seq)
                .await
                .map_err(|e| e.to_string())?
                .ok_or_else(|| format!("no event {seq}"))?;
            let mut v = serde_json::to_value(&r).map_err(|e| e.to_string())?;
            v["body"] = serde_json::from_slice(&r.event.body)
                .unwrap_or_else(|_| Value::String(String::from_utf8_lossy(&r.event.body).into()));
            println!("{}", serde_json::to_string_pretty(&v).unwrap_or_default());
            Ok(())
        }
        EventsCommand::Replay { dead: true, .. } => {
            let n = store.requeue_dead(now).await.map_err(|e| e.to_string())?;
            println!("{n} dead job(s) queued again");
            Ok(())
        }
        EventsCommand::Replay { seq: Some(seq), .. } => {
            let r = store
                .get(seq)
                .await
                .map_err(|e| e.to_string())?
                .ok_or_else(|| format!("no event {seq}"))?;
            let handlers = current_route(settings, store.clone(), &r)?;
            if handlers.is_empty() {
                return Err(format!(
                    "no handler takes event {seq} ({} {}) now",
                    r.event.source, r.event.event_type
                ));
            }
            store
                .requeue(seq, handlers.clone(), now)
                .await
                .map_err(|e| e.to_string())?;
            println!("event {seq} queued again for {}", handlers.join(", "));
            Ok(())
        }
        EventsCommand::Replay { .. } => Err("give an event number, or --dead".into()),
        EventsCommand::Send { .. } => Err("send needs no store".into()),
    }
}

/// The handlers the event would be routed to if it arrived now.
fn current_route(
    settings: &Settings,
    store: Arc<dyn EventStore>,
    r: &EventRecord,
) -> Result<Vec<String>, String> {
    let registry = EventRegistry::builtin().map_err(|e| e.to_string())?;
    let margin = std::time::Duration::from_millis(settings.deadline.upstream_margin_ms);
    let upstreams =
        Upstreams::from_settings(&settings.upstreams, margin).map_err(|e| e.to_string())?;
    let upstreams = Arc::new(upstreams);
    let ingest = Ingest::with_store(settings, registry, upstreams, store)?;
    let source = ingest
        .source(&r.event.source)
        .ok_or_else(|| format!("source `{}` is no longer configured", r.event.source))?;
    let json: Value = serde_json::from_slice(&r.event.body).unwrap_or(Value::Null);
    Ok(ingest.route(source, &r.event.event_type, &json))
}

fn line(r: &EventRecord) -> String {
    let received = time::OffsetDateTime::from_unix_timestamp_nanos(
        i128::from(r.event.received_at) * 1_000_000,
    )
    .ok()
    .and_then(|t| {
        t.format(&time::format_description::well_known::Rfc3339)
            .ok()
    })
    .unwrap_or_default();
    let jobs: Vec<String> = r
        .jobs
        .iter()
        .map(|j| format!("{}={}/{}", j.handler, j.status.as_str(), j.attempts))
        .collect();
    format!(
        "{:>6}  {received}  {:<8} {:<12} {:<28} {:<36} {}",
        r.event.seq,
        r.status.as_str(),
        r.event.source,
        r.event.event_type,
        r.event.event_id,
        jobs.join(" ")
    )
}

async fn send(
    settings: &Settings,
    file: &std::path::Path,
    source_name: &str,
    url: Option<String>,
    event_type: Option<String>,
    id: Option<String>,
) -> Result<(), String> {
    let s = settings
        .sources
        .get(source_name)
        .ok_or_else(|| format!("no [sources.{source_name}] in the settings"))?;
    let source = super::source::Source::new(source_name, s, settings.events.body_limit_bytes)?;
    let body = std::fs::read(file).map_err(|e| format!("{}: {e}", file.display()))?;
    let json: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
    let empty = actix_web::http::header::HeaderMap::new();
    let first = source
        .units(&json)
        .first()
        .copied()
        .cloned()
        .unwrap_or(Value::Null);
    let event_type = event_type
        .or_else(|| source.event_type.extract(&empty, &first))
        .unwrap_or_default();
    let id = id
        .or_else(|| source.event_id.extract(&empty, &first))
        .unwrap_or_else(|| format!("msg_{}", uuid::Uuid::new_v4().simple()));
    let now = super::Clock::new().now_secs();
    let mut headers = source.verifier.sign(&Outgoing {
        body: &body,
        id: &id,
        event_type: &event_type,
        now,
    });
    // A source that reads its id or type from a header of its own gets it too.
    for (extractor, value) in [(&source.event_id, &id), (&source.event_type, &event_type)] {
        if let super::extract::Extractor::Header(name) = extractor {
            if !headers
                .iter()
                .any(|(k, _)| k.eq_ignore_ascii_case(name.as_str()))
            {
                headers.push((name.to_string(), value.clone()));
            }
        }
    }
    let url = url.unwrap_or_else(|| {
        format!(
            "http://127.0.0.1:{}/events/{source_name}",
            settings.server.port
        )
    });
    let http = reqwest::Client::builder()
        .timeout(std::time::Duration::from_secs(30))
        .build()
        .map_err(|e| e.to_string())?;
    let mut req = http
        .post(&url)
        .header("content-type", "application/json")
        .body(body);
    for (k, v) in &headers {
        req = req.header(k.as_str(), v.as_str());
    }
    let resp = req.send().await.map_err(|e| format!("{url}: {e}"))?;
    let status = resp.status();
    let text = resp.text().await.unwrap_or_default();
    println!("HTTP {status} {text}");
    if status.is_success() {
        Ok(())
    } else {
        Err(format!("the server answered {status}"))
    }
}
