//! Reading a webhook body safely: content type, size cap without reading past it, a read
//! deadline, and JSON parsing that tells malformed JSON (400) from the wrong shape (422).

use std::future::{poll_fn, Future};
use std::pin::pin;
use std::task::Poll;
use std::time::Duration;

use actix_web::http::header::{CONTENT_LENGTH, CONTENT_TYPE};
use actix_web::{web, HttpRequest};
use bytes::Bytes;
use futures::StreamExt;
use serde::de::DeserializeOwned;

use crate::chunks::Chunks;
use crate::error::WebhookError;

/// Deepest JSON nesting we parse; real webhook requests stay far below it. serde_json's own
/// recursion limit (128) also holds, this is the product's explicit contract.
pub const MAX_JSON_DEPTH: usize = 64;

/// Checks the content type: `application/json`, any parameters (charset) allowed.
pub fn check_content_type(req: &HttpRequest) -> Result<(), WebhookError> {
    let raw = req
        .headers()
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let essence = raw.split(';').next().unwrap_or("").trim();
    if essence.eq_ignore_ascii_case("application/json") {
        Ok(())
    } else {
        Err(WebhookError::UnsupportedMediaType(
            raw.chars().take(100).collect(),
        ))
    }
}

/// Reads the whole body, refusing with 413 as soon as it is known to exceed `limit` (from
/// `Content-Length` before reading anything, else while streaming) and with 408 when the client
/// takes longer than `read_timeout`.
pub async fn read_limited(
    req: &HttpRequest,
    mut payload: web::Payload,
    limit: usize,
    read_timeout: Duration,
) -> Result<Bytes, WebhookError> {
    let declared = req
        .headers()
        .get(CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|n| n > limit as u64) {
        return Err(WebhookError::TooLarge { limit });
    }
    let read = async {
        let mut body = Chunks::default();
        while let Some(chunk) = payload.next().await {
            let chunk = chunk.map_err(|e| WebhookError::MalformedJson(format!("body: {e}")))?;
            if body.len() + chunk.len() > limit {
                return Err(WebhookError::TooLarge { limit });
            }
            body.push(chunk, declared.unwrap_or(0).min(limit as u64) as usize);
        }
        Ok(body.into_bytes())
    };
    within(read_timeout, read).await
}

/// `read`, cut with [`WebhookError::BodyTimeout`] once `limit` has passed.
///
/// The timer is armed only if the body is still incomplete after one yield. On HTTP/1, actix
/// polls the handler before it hands over the body bytes it has already received, so the first
/// poll waits; by the second, a body that came with its head (nearly every webhook call) is
/// complete. Arming a timer for every call and removing it again (a timer-wheel insert and
/// removal) cost about 300 instructions and 30 instruction-cache misses per welcome call under
/// callgrind. A body that really is late gets its timer on the second poll, which the yield's
/// own wake-up guarantees. The timer is polled outside tokio's cooperative budget, as
/// `tokio::time::timeout` polls its own: a read that used up the task's budget is still cut.
async fn within<T>(
    limit: Duration,
    read: impl Future<Output = Result<T, WebhookError>>,
) -> Result<T, WebhookError> {
    let deadline = tokio::time::Instant::now() + limit;
    let mut read = pin!(read);
    let mut timer = pin!(None);
    let mut yielded = false;
    poll_fn(|cx| {
        if let Poll::Ready(result) = read.as_mut().poll(cx) {
            return Poll::Ready(result);
        }
        if !yielded {
            yielded = true;
            cx.waker().wake_by_ref();
            return Poll::Pending;
        }
        if timer.is_none() {
            timer.set(Some(tokio::task::unconstrained(tokio::time::sleep_until(
                deadline,
            ))));
        }
        match timer.as_mut().as_pin_mut().map(|t| t.poll(cx)) {
            Some(Poll::Ready(())) => Poll::Ready(Err(WebhookError::BodyTimeout)),
            _ => Poll::Pending,
        }
    })
    .await
}

/// Parses JSON into `T`: syntax errors are 400, valid JSON of the wrong shape is 422.
pub fn parse<T: DeserializeOwned>(body: &[u8], what: &str) -> Result<T, WebhookError> {
    parse_with(body, what, |text| serde_json::from_str(text))
}

/// [`parse`] with the parse itself given by the caller, which gets the body as text.
///
/// The body is checked as UTF-8 once, whole: serde_json then reads its strings without
/// checking each one (per string, that was about 2,500 instructions of a welcome call), and
/// the parts a parse skips unread are UTF-8 too.
pub fn parse_with<'b, T>(
    body: &'b [u8],
    what: &str,
    parse: impl FnOnce(&'b str) -> Result<T, serde_json::Error>,
) -> Result<T, WebhookError> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Err(WebhookError::EmptyBody);
    }
    let text = checked_text(body)?;
    let value = parse(text).map_err(|e| classify(e, what))?;
    // serde also builds structs from arrays; a webhook request is always an object.
    let first = body.iter().find(|b| !b.is_ascii_whitespace());
    if first != Some(&b'{') {
        return Err(WebhookError::NotARequest(format!(
            "not a {what}: expected a JSON object"
        )));
    }
    Ok(value)
}

/// The body as text, once it is known to be no deeper than [`MAX_JSON_DEPTH`] and valid UTF-8:
/// what every parse of a body checks first.
pub fn checked_text(body: &[u8]) -> Result<&str, WebhookError> {
    check_depth(body)?;
    std::str::from_utf8(body).map_err(|e| {
        WebhookError::MalformedJson(format!(
            "invalid UTF-8 at byte {} of the body",
            e.valid_up_to()
        ))
    })
}

fn classify(e: serde_json::Error, what: &str) -> WebhookError {
    use serde_json::error::Category;
    match e.classify() {
        Category::Syntax | Category::Eof | Category::Io => {
            WebhookError::MalformedJson(e.to_string())
        }
        Category::Data => WebhookError::NotARequest(format!("not a {what}: {e}")),
    }
}

/// Refuses JSON nested deeper than [`MAX_JSON_DEPTH`] before serde sees it.
///
/// Every level opens with a bracket, so a body with no more brackets than the limit (those in
/// strings included) cannot be too deep: one vectorised count answers for nearly every request.
/// Other bodies get a byte scan that jumps through strings with memchr (a body is mostly
/// strings; byte by byte, that scan cost as much as a tenth of the typed parse).
pub(crate) fn check_depth(body: &[u8]) -> Result<(), WebhookError> {
    if open_brackets(body) <= MAX_JSON_DEPTH {
        return Ok(());
    }
    let mut depth = 0usize;
    let mut i = 0;
    while i < body.len() {
        match body[i] {
            b'"' => {
                // Unterminated: not ours to report, serde says where.
                let Some(end) = string_end(body, i + 1) else {
                    return Ok(());
                };
                i = end + 1;
                continue;
            }
            b'{' | b'[' => {
                depth += 1;
                if depth > MAX_JSON_DEPTH {
                    return Err(WebhookError::NotARequest(format!(
                        "JSON nested deeper than {MAX_JSON_DEPTH} levels"
                    )));
                }
            }
            b'}' | b']' => depth = depth.saturating_sub(1),
            _ => {}
        }
        i += 1;
    }
    Ok(())
}

/// How many `{` and `[` bytes `body` holds.
fn open_brackets(body: &[u8]) -> usize {
    // `[` is `{` without bit 0x20. Byte-sized counters over chunks that cannot overflow them
    // let the compiler count 16 or 32 bytes per instruction.
    body.chunks(255)
        .map(|chunk| {
            chunk
                .iter()
                .fold(0u8, |n, &b| n + u8::from(b | 0x20 == b'{')) as usize
        })
        .sum()
}

/// The index of the quote that closes the JSON string whose text starts at `start`; `None` when
/// it is unterminated. Strings are most of a body, so this jumps through them with memchr
/// rather than byte by byte.
fn string_end(body: &[u8], start: usize) -> Option<usize> {
    let mut j = start;
    loop {
        j += memchr::memchr2(b'"', b'\\', body.get(j..)?)?;
        if body[j] == b'"' {
            return Some(j);
        }
        j += 2;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::Value;

    #[test]
    fn classification() {
        assert!(matches!(
            parse::<Value>(b"", "x"),
            Err(WebhookError::EmptyBody)
        ));
        assert!(matches!(
            parse::<Value>(b"{\"a\":", "x"),
            Err(WebhookError::MalformedJson(_))
        ));
        #[derive(serde::Deserialize, Debug)]
        struct S {
            #[allow(dead_code)]
            a: u8,
        }
        assert!(matches!(
            parse::<S>(b"[1]", "x"),
            Err(WebhookError::NotARequest(_))
        ));
    }

    #[test]
    fn open_brackets_counts_both_kinds_past_a_byte_counter() {
        assert_eq!(
            open_brackets(b"{\"a\": [1, {\"b\": \"[{\"}], \"c\": \"}]{\"}"),
            6
        );
        assert_eq!(open_brackets(b" \"x\" ]} "), 0);
        // More than a byte counter holds, across chunk boundaries.
        let many = "[{".repeat(700);
        assert_eq!(open_brackets(many.as_bytes()), 1400);
    }

    #[test]
    fn depth_limit_ignores_brackets_in_strings() {
        let deep = "[".repeat(MAX_JSON_DEPTH + 1) + &"]".repeat(MAX_JSON_DEPTH + 1);
        assert!(matches!(
            parse::<Value>(deep.as_bytes(), "x"),
            Err(WebhookError::NotARequest(_))
        ));
        let ok = format!("{{\"s\": \"{}\"}}", "[".repeat(500));
        assert!(parse::<Value>(ok.as_bytes(), "x").is_ok());
        // Escaped quotes and backslashes do not end a string early.
        let escaped = format!("{{\"s\": \"a\\\"{}\\\\\", \"t\": 1}}", "[".repeat(500));
        assert!(parse::<Value>(escaped.as_bytes(), "x").is_ok(), "{escaped}");
        let deep_after_escape = format!(
            "{{\"s\": \"\\\\\", \"t\": {}{}}}",
            "[".repeat(MAX_JSON_DEPTH + 1),
            "]".repeat(MAX_JSON_DEPTH + 1)
        );
        assert!(matches!(
            parse::<Value>(deep_after_escape.as_bytes(), "x"),
            Err(WebhookError::NotARequest(_))
        ));
        // An unterminated string is serde's to report, as malformed JSON.
        assert!(matches!(
            parse::<Value>(b"{\"s\": \"abc\\", "x"),
            Err(WebhookError::MalformedJson(_))
        ));
    }

    /// A read that is ready after `pending` polls, waking itself each time (as a payload
    /// stream does when data arrives) unless `silent`.
    fn ready_after(pending: usize, silent: bool) -> impl Future<Output = Result<u8, WebhookError>> {
        let mut left = pending;
        poll_fn(move |cx| {
            if left == 0 {
                return Poll::Ready(Ok(7));
            }
            left -= 1;
            if !silent {
                cx.waker().wake_by_ref();
            }
            Poll::Pending
        })
    }

    #[tokio::test(start_paused = true)]
    async fn a_body_read_that_finishes_in_time_is_not_cut() {
        let limit = Duration::from_millis(100);
        let read = |pending, silent| {
            tokio::time::timeout(limit * 10, within(limit, ready_after(pending, silent)))
        };
        assert_eq!(read(0, false).await.expect("finished").ok(), Some(7));
        // actix's first poll comes before it hands over the body: a read that waits once,
        // without anything to wake it, is polled again by the yield.
        let started = tokio::time::Instant::now();
        assert_eq!(read(1, true).await.expect("finished").ok(), Some(7));
        assert_eq!(started.elapsed(), Duration::ZERO, "polled again at once");
        assert_eq!(read(50, false).await.expect("finished").ok(), Some(7));
    }

    #[tokio::test(start_paused = true)]
    async fn a_body_that_stops_coming_is_cut_at_the_limit() {
        let limit = Duration::from_millis(100);
        let started = tokio::time::Instant::now();
        // Pending forever and never waking: only our own timer can end it. The outer timeout
        // turns a missing timer into a failure rather than a hung test.
        let cut = tokio::time::timeout(
            limit * 10,
            within(limit, std::future::pending::<Result<u8, _>>()),
        )
        .await
        .expect("the read is cut by its own timer");
        assert!(matches!(cut, Err(WebhookError::BodyTimeout)));
        assert_eq!(started.elapsed(), limit);
        // Still waiting after the yield (the body is late, not just unread): cut all the same.
        let cut = tokio::time::timeout(limit * 10, within(limit, ready_after(usize::MAX, true)))
            .await
            .expect("cut");
        assert!(matches!(cut, Err(WebhookError::BodyTimeout)));
    }

    /// A read that keeps spending tokio's cooperative budget is still cut: the timer is polled
    /// outside the budget. Real time: paused time never advances while a task keeps waking.
    #[tokio::test]
    async fn a_read_that_spends_the_budget_is_still_cut() {
        let busy = async {
            let mut spent = 0u64;
            while spent < u64::MAX {
                tokio::task::consume_budget().await;
                spent += 1;
            }
            Ok::<u8, WebhookError>(0)
        };
        let cut = tokio::time::timeout(
            Duration::from_secs(10),
            within(Duration::from_millis(50), busy),
        )
        .await
        .expect("cut by its own timer, not the test's");
        assert!(matches!(cut, Err(WebhookError::BodyTimeout)));
    }
}
