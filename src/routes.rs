//! The HTTP surface: webhook routes, health, readiness, metrics and the intent list, with JSON
//! answers for unknown routes and wrong methods. Health and readiness answer GET and HEAD to
//! anyone; where metrics and the intent list are served, and to whom, is `admin.rs`'s.

use actix_web::body::{EitherBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::middleware::Next;
use actix_web::{web, HttpRequest, HttpResponse, ResponseError};
use serde_json::json;

use crate::admin;
use crate::error::WebhookError;
use crate::state::AppState;
use crate::telemetry;
use crate::webhook::{self, Route};

/// Registers every route on an app or a scope.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(webhook_resource("/webhook", Route::Auto))
        .service(webhook_resource("/webhook/es", Route::Es))
        .service(webhook_resource("/webhook/cx", Route::Cx))
        .service(
            web::resource("/webhook/cx/{name}")
                .route(web::post().to(named_cx_webhook))
                .default_service(web::to(|| async {
                    Err::<HttpResponse, _>(WebhookError::MethodNotAllowed { allow: "POST" })
                })),
        )
        .service(get_resource("/healthz", healthz))
        .service(get_resource("/readyz", readyz))
        .service(get_resource("/metrics", metrics))
        .service(get_resource("/intents", intents))
        .configure(crate::ingest::route::configure) // issue 16: /events/{source}
        .default_service(web::to(not_found));
}

fn webhook_resource(path: &'static str, route: Route) -> actix_web::Resource {
    web::resource(path)
        .route(web::post().to(
            move |req: HttpRequest, payload: web::Payload, state: web::Data<AppState>| {
                webhook::handle(route, None, req, payload, state)
            },
        ))
        .default_service(web::to(|| async {
            Err::<HttpResponse, _>(WebhookError::MethodNotAllowed { allow: "POST" })
        }))
}

/// A GET resource that answers HEAD as well (actix-http leaves the body out).
fn get_resource<F, Args>(path: &'static str, handler: F) -> actix_web::Resource
where
    F: actix_web::Handler<Args> + Clone,
    Args: actix_web::FromRequest + 'static,
    F::Output: actix_web::Responder + 'static,
{
    web::resource(path)
        .route(web::get().to(handler.clone()))
        .route(web::head().to(handler))
        .default_service(web::to(|| async {
            Err::<HttpResponse, _>(WebhookError::MethodNotAllowed { allow: "GET" })
        }))
}

/// `/webhook/cx/<name>`: a CX webhook configured under `[cx.webhooks.<name>]`, whose timeout
/// sets the budget. Whether the name is configured is told only to a verified caller.
async fn named_cx_webhook(
    req: HttpRequest,
    payload: web::Payload,
    state: web::Data<AppState>,
) -> HttpResponse {
    let name = req.match_info().get("name").unwrap_or_default().to_string();
    webhook::handle(Route::CxNamed, Some(name), req, payload, state).await
}

async fn healthz(_: web::Data<AppState>) -> HttpResponse {
    HttpResponse::Ok().json(json!({"status": "ok"}))
}

async fn readyz(state: web::Data<AppState>) -> HttpResponse {
    let upstreams: Vec<&str> = state.upstreams.names().collect();
    // An open circuit is degraded, not unready: this instance still answers every turn (with
    // the fallback, at once), and taking it out of rotation would not heal the upstream.
    let circuits: serde_json::Map<String, serde_json::Value> = state
        .upstreams
        .circuits()
        .into_iter()
        .map(|(name, s)| (name.to_string(), s.as_str().into()))
        .collect();
    // issue 16: a store that cannot commit means events would be refused with 503.
    let store = match &state.events {
        Some(events) => Some(events.ready().await.map_err(|e| e.to_string())),
        None => None,
    };
    let store_ok = !matches!(store, Some(Err(_)));
    let mut body = json!({
        "status": if !state.is_ready() { "shutting_down" } else if !store_ok { "event_store_unwritable" } else { "ready" },
        "intents": state.registry.all().len(),
        "upstreams": upstreams,
        "circuits": circuits,
    });
    if let Some(r) = store {
        body["event_store"] = r.err().unwrap_or_else(|| "ok".into()).into();
    }
    if state.is_ready() && store_ok {
        HttpResponse::Ok().json(body)
    } else {
        HttpResponse::ServiceUnavailable().json(body)
    }
}

async fn metrics(req: HttpRequest, state: web::Data<AppState>) -> HttpResponse {
    if let Err(refused) = state.admin.check(&req, &state.gate).await {
        return refused.error_response();
    }
    HttpResponse::Ok()
        .content_type("text/plain; version=0.0.4")
        .body(telemetry::render_metrics())
}

async fn intents(req: HttpRequest, state: web::Data<AppState>) -> HttpResponse {
    if let Err(refused) = state.admin.check(&req, &state.gate).await {
        return refused.error_response();
    }
    let list: Vec<_> = state
        .registry
        .all()
        .into_iter()
        .map(|spec| {
            json!({
                "key": spec.key,
                "file": spec.file,
                "upstreams": spec.upstreams,
                "fallback": spec.fallback.as_ref().and_then(|r| r.first_text()),
                "budget_ms": spec.budget.map(|b| b.as_millis() as u64),
            })
        })
        .collect();
    HttpResponse::Ok().json(json!({ "intents": list }))
}

async fn not_found(req: HttpRequest) -> Result<HttpResponse, WebhookError> {
    Err(WebhookError::NotFound(
        req.path().chars().take(200).collect(),
    ))
}

/// Middleware: on the admin listener, every path but the four it serves is an unknown path.
pub async fn admin_listener_only_serves_its_paths(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<EitherBody<impl MessageBody>>, actix_web::Error> {
    let on_admin = req.app_data::<web::Data<AppState>>().is_some_and(|s| {
        s.admin.listener_of(req.app_config().local_addr()) == admin::Listener::Admin
    });
    if on_admin && !admin::ADMIN_PATHS.contains(&req.path()) {
        let path: String = req.path().chars().take(200).collect();
        let refusal = WebhookError::NotFound(path).error_response();
        return Ok(req.into_response(refusal).map_into_right_body());
    }
    next.call(req)
        .await
        .map(ServiceResponse::map_into_left_body)
}
