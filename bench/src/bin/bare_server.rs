//! The benchmark's baseline: the least a Rust webhook could do. One actix-web worker parses the
//! body into `serde_json::Value`, matches `queryResult.intent.displayName`, calls the upstream
//! for `GetWeather` with one shared `reqwest::Client`, and replies through a typed `Serialize`
//! struct with the same JSON as intentful's answer (`bench/bench.py` checks), so that both do
//! the same work out.
//! No auth, deadline, metrics or logs: that is the point of comparison. It allocates with the
//! same allocator as the bench server (this crate's feature `mimalloc`, on by default).
//!
//! Env: `PORT` (default 8081), `UPSTREAM` (base URL of the mock, default http://127.0.0.1:9100).

use std::process::ExitCode;

use actix_web::{web, App, HttpResponse, HttpServer};
use serde::Serialize;
use serde_json::{json, Value};

#[cfg(feature = "mimalloc")]
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

struct Shared {
    http: reqwest::Client,
    weather_url: String,
}

async fn webhook(body: web::Bytes, shared: web::Data<Shared>) -> HttpResponse {
    let Ok(req) = serde_json::from_slice::<Value>(&body) else {
        return HttpResponse::BadRequest().finish();
    };
    let query = &req["queryResult"];
    // The same JSON as intentful answers (bench.py checks): the text repeated as the first
    // rich message, and the welcome intent's three suggestion chips.
    let mut chips = None;
    let text = match query["intent"]["displayName"].as_str() {
        Some("Default Welcome Intent") => {
            chips = Some(["Weather in Tokyo", "Convert 10 USD to EUR", "Book a table"]);
            "Hi! I can tell you the weather, convert currencies or book you a table.".to_string()
        }
        Some("GetWeather") => {
            let city = query["parameters"]["city"].as_str().unwrap_or("Tokyo");
            match weather(&shared, city).await {
                Some(w) => format!(
                    "It is {:.0}°C and {} in {city}.",
                    w["temp_c"].as_f64().unwrap_or_default(),
                    w["summary"].as_str().unwrap_or_default()
                ),
                None => "Sorry, I can't reach the weather service right now.".to_string(),
            }
        }
        _ => return HttpResponse::Ok().json(json!({})),
    };
    let mut messages = vec![Message::Text { text: [&text] }];
    if let Some(chips) = &chips {
        messages.push(Message::QuickReplies {
            quick_replies: chips,
        });
    }
    HttpResponse::Ok().json(Answer {
        fulfillment_text: &text,
        fulfillment_messages: messages,
    })
}

/// The answer, typed and serialised straight to JSON: the least work serde can do for it.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Answer<'a> {
    fulfillment_text: &'a str,
    fulfillment_messages: Vec<Message<'a>>,
}

#[derive(Serialize)]
enum Message<'a> {
    #[serde(rename = "text")]
    Text { text: [&'a str; 1] },
    #[serde(rename = "quickReplies")]
    QuickReplies {
        #[serde(rename = "quickReplies")]
        quick_replies: &'a [&'a str],
    },
}

async fn weather(shared: &Shared, city: &str) -> Option<Value> {
    let resp = shared
        .http
        .get(&shared.weather_url)
        .query(&[("city", city)])
        .send()
        .await
        .ok()?;
    resp.error_for_status().ok()?.json().await.ok()
}

fn main() -> ExitCode {
    let port: u16 = std::env::var("PORT")
        .ok()
        .and_then(|p| p.parse().ok())
        .unwrap_or(8081);
    let upstream = std::env::var("UPSTREAM").unwrap_or_else(|_| "http://127.0.0.1:9100".into());
    let http = match reqwest::Client::builder().tcp_nodelay(true).build() {
        Ok(c) => c,
        Err(e) => {
            eprintln!("bare_server: {e}");
            return ExitCode::FAILURE;
        }
    };
    let shared = web::Data::new(Shared {
        http,
        weather_url: format!("{}/weather", upstream.trim_end_matches('/')),
    });
    actix_web::rt::System::new().block_on(async move {
        let server = HttpServer::new(move || {
            App::new()
                .app_data(shared.clone())
                .route("/webhook", web::post().to(webhook))
        })
        .workers(1)
        .bind(("127.0.0.1", port));
        match server {
            Ok(s) => match s.run().await {
                Ok(()) => ExitCode::SUCCESS,
                Err(e) => {
                    eprintln!("bare_server: {e}");
                    ExitCode::FAILURE
                }
            },
            Err(e) => {
                eprintln!("bare_server: cannot bind: {e}");
                ExitCode::FAILURE
            }
        }
    })
}
