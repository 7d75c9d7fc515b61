//! What the Dialogflow console shows, as the webhook request Dialogflow sends. Accepted: an ES
//! or CX WebhookRequest as such (ES "Diagnostic info" > "Fulfillment request"), wrapped in a
//! `fulfillmentRequest`/`webhookRequest` key or not; an ES DetectIntentResponse (the "Raw API
//! response"), whose session comes from its contexts; a CX simulator response (a
//! DetectIntentResponse or its `queryResult`), which carries no webhook tag: pass one.

use serde_json::{json, Map, Value};

/// A session path for a console response that names none (a CX simulator response).
const CX_SESSION: &str = "projects/imported/locations/global/agents/imported/sessions/imported";
const ES_SESSION: &str = "projects/imported/agent/sessions/imported";

/// The webhook request `input` stands for; `tag` is the CX fulfillment tag when the input has
/// none.
pub fn webhook_request(input: Value, tag: Option<&str>) -> Result<Value, String> {
    let mut v = unwrap(input);
    let Some(obj) = v.as_object_mut() else {
        return Err("expected a JSON object".into());
    };
    if obj.contains_key("detectIntentResponseId")
        || obj.contains_key("fulfillmentInfo")
        || obj.contains_key("sessionInfo")
    {
        if let Some(tag) = tag {
            obj.insert("fulfillmentInfo".into(), json!({ "tag": tag }));
        }
        return Ok(v);
    }
    let bare_cx = obj.contains_key("currentPage") || obj.contains_key("match");
    let found = obj.get("queryResult").cloned();
    // A bare CX QueryResult, as the simulator shows it.
    let Some(result) = found.or_else(|| bare_cx.then(|| v.clone())) else {
        return Err(
            "not a Dialogflow webhook request or console response: expected \
             `queryResult` (ES), `fulfillmentInfo`/`sessionInfo` (CX) or a CX simulator response"
                .into(),
        );
    };
    let obj = v.as_object().cloned().unwrap_or_default();
    let is_cx = result.get("currentPage").is_some()
        || result.get("match").is_some()
        || result.get("responseMessages").is_some()
        || (result.get("text").is_some() && result.get("queryText").is_none());
    if is_cx {
        return cx_request(&obj, &result, tag);
    }
    Ok(es_request(obj, result))
}

/// Removes a wrapper key around the request.
fn unwrap(v: Value) -> Value {
    for key in [
        "fulfillmentRequest",
        "fulfillment_request",
        "webhookRequest",
        "webhook_request",
    ] {
        if let Some(inner) = v.get(key).filter(|i| i.is_object()) {
            return inner.clone();
        }
    }
    v
}

fn es_request(mut obj: Map<String, Value>, mut result: Value) -> Value {
    if obj.contains_key("session") {
        return Value::Object(obj);
    }
    // A DetectIntentResponse: the webhook's own answer is not part of the request.
    if let Some(r) = result.as_object_mut() {
        for key in ["webhookSource", "webhookPayload", "diagnosticInfo"] {
            r.remove(key);
        }
    }
    let session = result["outputContexts"]
        .as_array()
        .and_then(|c| c.first())
        .and_then(|c| c["name"].as_str())
        .and_then(|name| name.split_once("/contexts/"))
        .map_or(ES_SESSION.to_string(), |(session, _)| session.to_string());
    let mut out = Map::new();
    out.insert(
        "responseId".into(),
        obj.remove("responseId")
            .unwrap_or_else(|| json!("imported")),
    );
    out.insert("session".into(), json!(session));
    out.insert("queryResult".into(), result);
    out.insert(
        "originalDetectIntentRequest".into(),
        json!({"source": "DIALOGFLOW_CONSOLE", "payload": {}}),
    );
    Value::Object(out)
}

fn cx_request(obj: &Map<String, Value>, r: &Value, tag: Option<&str>) -> Result<Value, String> {
    let tag = tag
        .map(str::to_string)
        .or_else(|| find_tag(r))
        .ok_or("a CX simulator response does not say which webhook tag was called: pass --tag")?;
    let s = |v: &Value| v.as_str().unwrap_or_default().to_string();
    let mut out = json!({
        "detectIntentResponseId": obj.get("responseId").map(s).unwrap_or_else(|| "imported".into()),
        "languageCode": s(&r["languageCode"]),
        "fulfillmentInfo": {"tag": tag},
        "sessionInfo": {
            "session": CX_SESSION,
            "parameters": r.get("parameters").cloned().unwrap_or_else(|| json!({})),
        },
    });
    let intent = r
        .get("intent")
        .or_else(|| r.get("match").and_then(|m| m.get("intent")));
    if let Some(intent) = intent {
        out["intentInfo"] = json!({
            "lastMatchedIntent": s(&intent["name"]),
            "displayName": s(&intent["displayName"]),
            "confidence": r.get("intentDetectionConfidence").cloned().unwrap_or(json!(1.0)),
        });
    }
    if let Some(page) = r.get("currentPage") {
        out["pageInfo"] =
            json!({"currentPage": s(&page["name"]), "displayName": s(&page["displayName"])});
    }
    for key in [
        "text",
        "transcript",
        "triggerEvent",
        "triggerIntent",
        "dtmfDigits",
    ] {
        if let Some(v) = r.get(key) {
            out[key] = v.clone();
        }
    }
    Ok(out)
}

/// A webhook tag named anywhere in a simulator response's diagnostic info.
fn find_tag(v: &Value) -> Option<String> {
    match v {
        Value::Object(map) => map.iter().find_map(|(k, v)| {
            let key = k.to_ascii_lowercase().replace([' ', '_'], "");
            match v {
                Value::String(t) if (key == "tag" || key == "webhooktag") && !t.is_empty() => {
                    Some(t.clone())
                }
                _ => find_tag(v),
            }
        }),
        Value::Array(items) => items.iter().find_map(find_tag),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_es_fulfillment_request_is_kept_and_a_raw_response_gets_its_session() {
        let req = json!({"session": "projects/p/agent/sessions/s", "queryResult": {"action": "a"}});
        assert_eq!(webhook_request(req.clone(), None).unwrap(), req);
        let wrapped = json!({"fulfillmentRequest": req.clone()});
        assert_eq!(webhook_request(wrapped, None).unwrap(), req);
        let raw = json!({"responseId": "r1", "queryResult": {
            "queryText": "hi", "action": "input.welcome", "webhookPayload": {}, "diagnosticInfo": {},
            "outputContexts": [{"name": "projects/p/agent/sessions/s9/contexts/x"}]}});
        let got = webhook_request(raw, None).unwrap();
        assert_eq!(got["session"], "projects/p/agent/sessions/s9");
        assert_eq!(got["responseId"], "r1");
        assert!(got["queryResult"].get("diagnosticInfo").is_none());
    }

    #[test]
    fn a_cx_simulator_response_needs_a_tag() {
        let sim = json!({"responseId": "r", "queryResult": {"text": "weather in Tokyo",
            "languageCode": "en", "parameters": {"geo-city": "Tokyo"},
            "currentPage": {"name": "projects/p/locations/l/agents/a/flows/f/pages/p1", "displayName": "Weather"},
            "intent": {"name": "projects/p/locations/l/agents/a/intents/i", "displayName": "weather"}}});
        assert!(webhook_request(sim.clone(), None)
            .unwrap_err()
            .contains("--tag"));
        let got = webhook_request(sim, Some("weather.current")).unwrap();
        assert_eq!(got["fulfillmentInfo"]["tag"], "weather.current");
        assert_eq!(got["sessionInfo"]["parameters"]["geo-city"], "Tokyo");
        assert_eq!(got["text"], "weather in Tokyo");
        assert!(webhook_request(json!({"x": 1}), None).is_err());
    }
}
