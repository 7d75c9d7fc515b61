//! The inspector's routes. Pages are HTML (minijinja templates compiled into the binary, no
//! external assets); everything else, errors included, is JSON like the rest of the service.

use std::path::PathBuf;
use std::sync::{Arc, OnceLock};

use actix_web::http::header::ContentType;
use actix_web::{web, HttpRequest, HttpResponse, ResponseError};
use minijinja::{context, Environment};
use serde::Deserialize;
use serde_json::{json, Value};

use super::view::{Detail, Row};
use super::Inspector;
use crate::error::WebhookError;
use crate::ingest::store::ListFilter;
use crate::state::AppState;
use crate::trace::FinishedCall;
use crate::webhook::{self, Route};

/// Calls and events listed at most on one page.
const EVENTS_SHOWN: usize = 100;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/inspect", web::get().to(list))
        .route("/inspect/api/calls", web::get().to(list_json))
        .route("/inspect/calls/{id}", web::get().to(call_page))
        .route("/inspect/calls/{id}/save", web::post().to(save))
        .route("/inspect/calls/{id}/replay", web::post().to(replay))
        .route("/inspect/events", web::get().to(events))
        .default_service(web::to(|req: HttpRequest| async move {
            WebhookError::NotFound(req.path().chars().take(200).collect()).error_response()
        }));
}

fn templates() -> &'static Environment<'static> {
    static ENV: OnceLock<Environment<'static>> = OnceLock::new();
    ENV.get_or_init(|| {
        let mut env = Environment::new();
        for (name, source) in [
            ("base.html", include_str!("templates/base.html")),
            ("list.html", include_str!("templates/list.html")),
            ("call.html", include_str!("templates/call.html")),
            ("events.html", include_str!("templates/events.html")),
        ] {
            // Compiled into the binary and covered by the tests: a broken one fails them.
            if let Err(e) = env.add_template(name, source) {
                tracing::error!(template = name, "inspector template: {e}");
            }
        }
        env
    })
}

fn render(name: &str, ctx: minijinja::Value) -> HttpResponse {
    match templates().get_template(name).and_then(|t| t.render(ctx)) {
        Ok(html) => HttpResponse::Ok()
            .content_type(ContentType::html())
            .body(html),
        Err(e) => WebhookError::Unavailable(format!("inspector page: {e}")).error_response(),
    }
}

/// The inspector, after the caller proved the inspector's credential.
async fn allowed<'a>(
    state: &'a AppState,
    req: &HttpRequest,
) -> Result<&'a Inspector, HttpResponse> {
    let Some(inspector) = state.inspector.as_deref() else {
        return Err(WebhookError::NotFound(req.path().into()).error_response());
    };
    if let Some(verifier) = &inspector.verifier {
        if let Err(reason) = verifier.verify_headers(req.headers()).await {
            tracing::warn!(reason = reason.as_str(), "inspector caller refused");
            return Err(WebhookError::Unauthorized {
                challenge: verifier.challenge(),
            }
            .error_response());
        }
    }
    Ok(inspector)
}

#[derive(Deserialize)]
struct Filter {
    intent: Option<String>,
    outcome: Option<String>,
}

fn filtered(inspector: &Inspector, f: &Filter) -> Vec<Row> {
    let wanted = |want: &Option<String>, have: &str| {
        want.as_deref().is_none_or(|w| w.is_empty() || w == have)
    };
    inspector
        .calls()
        .iter()
        .map(|c| Row::of(c))
        .filter(|r| wanted(&f.intent, &r.intent) && wanted(&f.outcome, r.outcome))
        .collect()
}

async fn list(state: web::Data<AppState>, req: HttpRequest, f: web::Query<Filter>) -> HttpResponse {
    let inspector = match allowed(&state, &req).await {
        Ok(i) => i,
        Err(refusal) => return refusal,
    };
    let rows = filtered(inspector, &f);
    let mut intents: Vec<String> = state.registry.all().iter().map(|s| s.key.clone()).collect();
    intents.sort();
    render(
        "list.html",
        context! {
            rows => rows,
            intents => intents,
            outcomes => crate::webhook_metrics::OUTCOMES.iter().chain(["unknown_intent"].iter()).collect::<Vec<_>>(),
            intent => f.intent.clone().unwrap_or_default(),
            outcome => f.outcome.clone().unwrap_or_default(),
            capacity => inspector.settings.capacity,
            events => state.events.is_some(),
        },
    )
}

async fn list_json(
    state: web::Data<AppState>,
    req: HttpRequest,
    f: web::Query<Filter>,
) -> HttpResponse {
    match allowed(&state, &req).await {
        Ok(inspector) => HttpResponse::Ok().json(json!({ "calls": filtered(inspector, &f) })),
        Err(refusal) => refusal,
    }
}

/// [`allowed`], then the kept call `id` (404 when it is not, or no longer, among them).
async fn allowed_call<'a>(
    state: &'a AppState,
    req: &HttpRequest,
    id: &str,
) -> Result<(&'a Inspector, Arc<FinishedCall>), HttpResponse> {
    let inspector = allowed(state, req).await?;
    match inspector.call(id) {
        Some(call) => Ok((inspector, call)),
        None => Err(WebhookError::NotFound(format!(
            "no call {} among the ones kept",
            id.chars().take(100).collect::<String>()
        ))
        .error_response()),
    }
}

async fn call_page(
    state: web::Data<AppState>,
    req: HttpRequest,
    id: web::Path<String>,
) -> HttpResponse {
    let (inspector, call) = match allowed_call(&state, &req, &id).await {
        Ok(found) => found,
        Err(refusal) => return refusal,
    };
    render(
        "call.html",
        context! { call => Detail::of(&call, &inspector.redactor), events => state.events.is_some() },
    )
}

/// Where "Save as fixture" writes.
fn save_dir(state: &AppState, inspector: &Inspector) -> PathBuf {
    inspector
        .settings
        .save_dir
        .clone()
        .or_else(|| state.settings.record.dir.clone())
        .unwrap_or_else(|| PathBuf::from("fixtures"))
}

async fn save(state: web::Data<AppState>, req: HttpRequest, id: web::Path<String>) -> HttpResponse {
    let (inspector, call) = match allowed_call(&state, &req, &id).await {
        Ok(found) => found,
        Err(refusal) => return refusal,
    };
    let dir = save_dir(&state, inspector);
    // A few small files, on the inspector's own worker: the webhook port never waits on it.
    match crate::record::write_case(&dir, &call, &inspector.redactor) {
        Ok(path) => HttpResponse::Ok().json(json!({ "written": path.display().to_string() })),
        Err(crate::record::RecordError::NotReplayable(why)) => {
            WebhookError::NotARequest(format!("this call cannot be a fixture case: {why}"))
                .error_response()
        }
        Err(e) => WebhookError::Unavailable(e.to_string()).error_response(),
    }
}

async fn replay(
    state: web::Data<AppState>,
    req: HttpRequest,
    id: web::Path<String>,
) -> HttpResponse {
    let (_, call) = match allowed_call(&state, &req, &id).await {
        Ok(found) => found,
        Err(refusal) => return refusal,
    };
    let route = Route::from_label(call.route).unwrap_or(Route::Auto);
    let (again, outcome) = match webhook::replay(&state, route, &call.request).await {
        Ok(answer) => answer,
        Err(e) => return e.error_response(),
    };
    let before: Value = serde_json::from_slice(&call.response).unwrap_or(Value::Null);
    let after: Value = serde_json::from_slice(&again).unwrap_or(Value::Null);
    HttpResponse::Ok().json(json!({
        "outcome": outcome.as_str(),
        "same": before == after,
        "before": before,
        "after": after,
        "diff": diff(&before, &after),
    }))
}

/// A unified diff of the two answers where the fixture kit is built in; without it the page
/// shows both answers side by side.
fn diff(before: &Value, after: &Value) -> Option<String> {
    #[cfg(feature = "fixtures")]
    return crate::fixtures::json_diff(before, after);
    #[cfg(not(feature = "fixtures"))]
    {
        let _ = (before, after);
        None
    }
}

async fn events(state: web::Data<AppState>, req: HttpRequest) -> HttpResponse {
    if let Err(refusal) = allowed(&state, &req).await {
        return refusal;
    }
    let Some(ingest) = &state.events else {
        return render(
            "events.html",
            context! { configured => false, events => true },
        );
    };
    let filter = ListFilter {
        limit: EVENTS_SHOWN,
        ..ListFilter::default()
    };
    match ingest.store.list(filter).await {
        Ok(records) => {
            let rows: Vec<Value> = records
                .iter()
                .map(|r| {
                    json!({
                        "seq": r.event.seq,
                        "source": r.event.source,
                        "id": r.event.event_id,
                        "type": r.event.event_type,
                        "status": r.status.as_str(),
                        "attempts": r.jobs.iter().map(|j| j.attempts).sum::<u32>(),
                        "handlers": r.jobs.iter().map(|j| format!("{} ({})", j.handler, j.status.as_str())).collect::<Vec<_>>().join(", "),
                    })
                })
                .collect();
            render(
                "events.html",
                context! { configured => true, rows => rows, events => true },
            )
        }
        Err(e) => WebhookError::Unavailable(format!("event store: {e}")).error_response(),
    }
}
