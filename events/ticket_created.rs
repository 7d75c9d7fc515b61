//! `helpdesk` / `ticket.created`: a high-priority ticket starts a Dialogflow CX conversation
//! (`detectIntent` with the event `ticket_created` on a session derived from the ticket id, the
//! ticket as session parameters) and the agent's reply goes to the support chat.
//! Source: `helpdesk` (Standard Webhooks). Reads `$.data.id`, `$.data.subject`,
//! `$.data.priority`, `$.data.language` (optional, `en`).
//! Upstreams: `dialogflow` (base URL = the agent, e.g.
//! `https://global-dialogflow.googleapis.com/v3/projects/P/locations/global/agents/A`, auth
//! `signed_jwt` with a service-account key), `chat` (an incoming-webhook URL).
//! Fixtures: fixtures/events/ticket_created/.
use crate::ingest::prelude::*;

pub fn register(r: &mut EventRegistry) {
    r.on("helpdesk", "ticket.created", handle)
        .retries(8)
        .needs_upstream("dialogflow")
        .needs_upstream("chat");
}

#[derive(Deserialize)]
struct Ticket {
    id: Value,
    subject: String,
    priority: String,
    #[serde(default)]
    language: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct DetectIntentResponse {
    #[serde(default)]
    query_result: QueryResult,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase")]
struct QueryResult {
    #[serde(default)]
    response_messages: Vec<ResponseMessage>,
}

#[derive(Deserialize)]
struct ResponseMessage {
    #[serde(default)]
    text: Option<Text>,
}

#[derive(Deserialize)]
struct Text {
    #[serde(default)]
    text: Vec<String>,
}

async fn handle(ctx: Ctx, ev: Event) -> Result<(), EventError> {
    let ticket: Ticket = ev.path("$.data")?;
    let priority = ticket.priority.to_ascii_lowercase();
    if priority != "high" && priority != "urgent" {
        return Ok(());
    }
    let id = match &ticket.id {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    };
    let reply: DetectIntentResponse = ctx
        .upstream("dialogflow")
        .post(&format!("/sessions/{}:detectIntent", session_id(&id)))
        .json(&json!({
            "queryInput": {
                "event": {"event": "ticket_created"},
                "languageCode": ticket.language.as_deref().unwrap_or("en"),
            },
            "queryParams": {"parameters": {
                "ticket_id": id,
                "ticket_subject": ticket.subject,
                "ticket_priority": priority,
            }},
        }))
        .send_json()
        .await?;
    let said: Vec<String> = reply
        .query_result
        .response_messages
        .into_iter()
        .filter_map(|m| m.text)
        .flat_map(|t| t.text)
        .filter(|t| !t.trim().is_empty())
        .collect();
    let text = if said.is_empty() {
        format!(
            "High-priority ticket {id}: {} (the agent had no reply)",
            ticket.subject
        )
    } else {
        format!(
            "High-priority ticket {id}: {}\n{}",
            ticket.subject,
            said.join("\n")
        )
    };
    ctx.upstream("chat")
        .post("")
        .json(&json!({ "text": text }))
        .send()
        .await?;
    Ok(())
}

/// A CX session id (at most 36 characters) that is the same for every event of one ticket, so
/// the conversation about a ticket continues in one session.
fn session_id(ticket: &str) -> String {
    let plain = !ticket.is_empty()
        && ticket.len() <= 29
        && ticket
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
    if plain {
        format!("ticket-{ticket}")
    } else {
        use sha2::Digest;
        let digest = hex::encode(sha2::Sha256::digest(ticket.as_bytes()));
        format!("ticket-{}", &digest[..29])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sessions_are_stable_and_short() {
        assert_eq!(session_id("T-1042"), "ticket-T-1042");
        let long = session_id("a ticket id with spaces and more than enough characters");
        assert_eq!(long.len(), 36);
        assert_eq!(
            long,
            session_id("a ticket id with spaces and more than enough characters")
        );
        assert_ne!(session_id("x/y"), session_id("x/z"));
    }
}
