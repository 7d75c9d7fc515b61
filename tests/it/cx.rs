//! CX through the real server: unknown tags, named webhooks and their budgets.

use intentful::config::{CxWebhook, Settings, UnknownIntentPolicy};
use intentful::intent::prelude::*;
use intentful::intent::Registry;
use serde_json::Value;

use crate::support::{client, spawn_with};

fn cx_request(tag: &str) -> Value {
    json!({
        "detectIntentResponseId": "5f1c7a52-0000-4000-8000-000000000001",
        "fulfillmentInfo": {"tag": tag},
        "sessionInfo": {"session": "projects/p/locations/global/agents/a/sessions/s", "parameters": {}},
        "text": "hello",
        "languageCode": "en"
    })
}

fn registry() -> Registry {
    let mut r = Registry::default();
    r.add("remaining", |ctx: Ctx, _turn: Turn| async move {
        Ok(Reply::text(ctx.remaining().as_millis().to_string()))
    });
    r.add("es.only", |_ctx: Ctx, _turn: Turn| async move {
        Ok(Reply::text("x").session_entities(SessionEntities::default()))
    })
    .fallback("cannot say that on CX");
    r.finish().expect("registry")
}

async fn post(url: &str, body: &Value) -> (u16, Value) {
    let resp = client()
        .post(url)
        .json(body)
        .send()
        .await
        .expect("response");
    let status = resp.status().as_u16();
    (status, resp.json().await.expect("json"))
}

fn first_text(v: &Value) -> String {
    v["fulfillmentResponse"]["messages"][0]["text"]["text"][0]
        .as_str()
        .unwrap_or_default()
        .to_string()
}

#[actix_web::test]
async fn unknown_tag_is_empty_or_the_configured_fallback() {
    let server = spawn_with(Settings::default(), registry());
    let (status, body) = post(&server.url("/webhook/cx"), &cx_request("no.such.tag")).await;
    assert_eq!((status, body), (200, json!({})));

    let mut settings = Settings::default();
    settings.fallback.unknown_intent = UnknownIntentPolicy::Fallback;
    let server = spawn_with(settings, registry());
    let (status, body) = post(&server.url("/webhook"), &cx_request("no.such.tag")).await;
    assert_eq!(status, 200);
    assert_eq!(first_text(&body), Settings::default().fallback.text);
}

#[actix_web::test]
async fn a_reply_cx_cannot_express_becomes_the_fallback() {
    let server = spawn_with(Settings::default(), registry());
    let (status, body) = post(&server.url("/webhook/cx"), &cx_request("es.only")).await;
    assert_eq!(status, 200);
    assert_eq!(first_text(&body), "cannot say that on CX");
}

#[actix_web::test]
async fn named_cx_webhooks_carry_their_own_timeout() {
    let mut settings = Settings::default();
    settings
        .cx
        .webhooks
        .insert("slow".into(), CxWebhook { timeout_ms: 30_000 });
    let server = spawn_with(settings, registry());

    let (_, body) = post(&server.url("/webhook/cx"), &cx_request("remaining")).await;
    let default_ms: u64 = first_text(&body).parse().expect("number");
    assert!(default_ms <= 4_500 && default_ms > 4_000, "{default_ms}");

    let (_, body) = post(&server.url("/webhook/cx/slow"), &cx_request("remaining")).await;
    let slow_ms: u64 = first_text(&body).parse().expect("number");
    assert!(slow_ms <= 29_500 && slow_ms > 29_000, "{slow_ms}");

    let (status, body) = post(&server.url("/webhook/cx/unknown"), &cx_request("remaining")).await;
    assert_eq!(status, 404);
    assert_eq!(body["error"]["code"], "not_found");
}

#[actix_web::test]
async fn the_auto_route_tells_cx_from_es() {
    let server = spawn_with(Settings::default(), registry());
    let (status, body) = post(&server.url("/webhook"), &cx_request("remaining")).await;
    assert_eq!(status, 200);
    assert!(body.get("fulfillmentResponse").is_some(), "{body}");
}
