//! `okta` / `user.account.lock`: tells the IT chat channel that a user was locked out of Okta.
//! Source: `okta` (an Okta event hook; one delivery is a batch, each event handled on its own).
//! Reads the locked user from `$.target[?@.type == 'User']` (else `$.actor`), `$.published`
//! and `$.client.ipAddress`.
//! Upstreams: `chat` (an incoming-webhook URL, e.g. Google Chat or Slack).
//! Fixtures: fixtures/events/okta_user_locked/.
use crate::ingest::prelude::*;

pub fn register(r: &mut EventRegistry) {
    r.on("okta", "user.account.lock", handle)
        .retries(5)
        .needs_upstream("chat");
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Person {
    alternate_id: String,
    #[serde(default)]
    display_name: Option<String>,
}

async fn handle(ctx: Ctx, ev: Event) -> Result<(), EventError> {
    let user: Person = match ev.path_opt("$.target[?@.type == 'User']")? {
        Some(user) => user,
        None => ev.path("$.actor")?,
    };
    let when: Option<String> = ev.path_opt("$.published")?;
    let ip: Option<String> = ev.path_opt("$.client.ipAddress")?;
    let who = match &user.display_name {
        Some(name) if !name.is_empty() => format!("{name} ({})", user.alternate_id),
        _ => user.alternate_id.clone(),
    };
    let mut text = format!("Okta locked out {who} after too many failed sign-ins");
    if let Some(ip) = ip {
        text.push_str(&format!(" from {ip}"));
    }
    if let Some(when) = when {
        text.push_str(&format!(" at {when}"));
    }
    text.push('.');
    ctx.upstream("chat")
        .post("")
        .json(&json!({ "text": text }))
        .send()
        .await?;
    Ok(())
}
