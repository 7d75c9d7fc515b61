//! The trace id and span id a caller sent, for the `logging.googleapis.com/trace` keys.

/// The trace id and span id from `X-Cloud-Trace-Context: TRACE/SPAN;o=1` or
/// `traceparent: 00-TRACE-SPAN-01`.
pub fn trace_from_headers(
    cloud: Option<&str>,
    traceparent: Option<&str>,
) -> Option<(String, String)> {
    let valid_trace = |t: &str| t.len() == 32 && t.bytes().all(|b| b.is_ascii_hexdigit());
    if let Some(v) = cloud {
        let (trace, rest) = v.split_once('/').unwrap_or((v, ""));
        let span = rest.split(';').next().unwrap_or("");
        if valid_trace(trace) {
            return Some((trace.to_ascii_lowercase(), span.to_string()));
        }
    }
    let v = traceparent?;
    let mut parts = v.split('-');
    let (_version, trace, span) = (parts.next()?, parts.next()?, parts.next()?);
    valid_trace(trace).then(|| (trace.to_ascii_lowercase(), span.to_string()))
}
