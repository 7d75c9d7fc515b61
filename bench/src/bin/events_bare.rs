//! The event benchmark's baseline: the naive durable webhook receiver. One actix-web worker
//! checks a bearer token, takes the event id from a header and the type from the JSON body,
//! and INSERTs the event into SQLite (WAL, `synchronous = FULL`, the same unique key for
//! dedupe) in its own transaction before answering 200: one commit, so one fsync, per request.
//! That is what `bench/events.py` compares intentful's group commit against.
//!
//! Env: `PORT` (default 8082), `DB` (file, default `events-bare.sqlite3`), `TOKEN` (the bearer
//! token, default `bench-token-0123456789`).

use std::process::ExitCode;
use std::sync::{Arc, Mutex};

use actix_web::{web, App, HttpRequest, HttpResponse, HttpServer};
use rusqlite::{params, Connection};
use serde_json::Value;

struct Shared {
    db: Arc<Mutex<Connection>>,
    bearer: String,
}

async fn receive(req: HttpRequest, body: web::Bytes, shared: web::Data<Shared>) -> HttpResponse {
    let auth = req.headers().get("authorization").map(|v| v.as_bytes());
    if auth != Some(shared.bearer.as_bytes()) {
        return HttpResponse::Unauthorized().finish();
    }
    let Some(id) = req
        .headers()
        .get("x-event-id")
        .and_then(|v| v.to_str().ok())
        .map(str::to_string)
    else {
        return HttpResponse::BadRequest().finish();
    };
    let Ok(json) = serde_json::from_slice::<Value>(&body) else {
        return HttpResponse::BadRequest().finish();
    };
    let event_type = json["type"].as_str().unwrap_or_default().to_string();
    let db = shared.db.clone();
    let stored = web::block(move || {
        let conn = db.lock().map_err(|_| "poisoned".to_string())?;
        conn.execute(
            "INSERT INTO events (source, event_id, event_type, body) VALUES ('bench', ?1, ?2, ?3)
             ON CONFLICT DO NOTHING",
            params![id, event_type, body.to_vec()],
        )
        .map_err(|e| e.to_string())
    })
    .await;
    match stored {
        Ok(Ok(_)) => HttpResponse::Ok().body(r#"{"stored":1}"#),
        _ => HttpResponse::ServiceUnavailable().finish(),
    }
}

fn main() -> ExitCode {
    let port: u16 = std::env::var("PORT")
        .ok()
        .and_then(|p| p.parse().ok())
        .unwrap_or(8082);
    let path = std::env::var("DB").unwrap_or_else(|_| "events-bare.sqlite3".into());
    let token = std::env::var("TOKEN").unwrap_or_else(|_| "bench-token-0123456789".into());
    let conn = match Connection::open(&path).and_then(|c| {
        c.query_row("PRAGMA journal_mode = WAL", [], |_| Ok(()))?;
        c.execute_batch(
            "PRAGMA synchronous = FULL;
             CREATE TABLE IF NOT EXISTS events (seq INTEGER PRIMARY KEY, source TEXT NOT NULL,
                 event_id TEXT NOT NULL, event_type TEXT NOT NULL, body BLOB NOT NULL,
                 UNIQUE (source, event_id));",
        )?;
        Ok(c)
    }) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("events_bare: {path}: {e}");
            return ExitCode::FAILURE;
        }
    };
    let shared = web::Data::new(Shared {
        db: Arc::new(Mutex::new(conn)),
        bearer: format!("Bearer {token}"),
    });
    let served = actix_web::rt::System::new().block_on(async move {
        HttpServer::new(move || {
            App::new()
                .app_data(shared.clone())
                .route("/events/bench", web::post().to(receive))
        })
        .workers(1)
        .bind(("127.0.0.1", port))?
        .run()
        .await
    });
    match served {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("events_bare: {e}");
            ExitCode::FAILURE
        }
    }
}
