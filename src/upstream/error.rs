//! [`UpstreamError`]: which upstream failed and how, so a fallback log line says why.

use std::fmt;

/// An upstream call that did not produce what the handler asked for.
#[derive(Debug, thiserror::Error)]
#[error("upstream `{upstream}`: {kind}")]
pub struct UpstreamError {
    pub upstream: String,
    pub kind: UpstreamErrorKind,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum UpstreamErrorKind {
    /// No upstream of that name is configured.
    NotConfigured,
    /// The turn's budget ran out before the call could start or while it ran (cut short
    /// before the upstream's own timeout): the turn's limit, not the upstream's fault.
    BudgetExhausted,
    /// The call did not finish within min(its timeout, remaining budget).
    Timeout,
    /// No connection could be made.
    Connect(String),
    /// The upstream answered with a non-success status.
    Status(u16),
    /// The body was not what the handler expected.
    Decode(String),
    /// The body was larger than the upstream's cap.
    TooLarge(u64),
    /// The bytes all upstream calls may buffer at once were in use
    /// (`upstream_limits.max_buffered_bytes`): failed without waiting.
    BufferFull,
    /// Anything else reqwest reported (bad URL, protocol error).
    Request(String),
    /// The upstream's circuit is open after repeated failures: failed without calling it.
    CircuitOpen,
    /// The upstream's concurrency limit stayed full for as long as the budget allowed.
    Saturated,
    /// Credentials could not be obtained (token endpoint down, signing failed).
    Auth(String),
}

impl UpstreamErrorKind {
    /// A bounded label for metrics and logs.
    pub fn label(&self) -> &'static str {
        match self {
            UpstreamErrorKind::NotConfigured => "not_configured",
            UpstreamErrorKind::BudgetExhausted => "budget_exhausted",
            UpstreamErrorKind::Timeout => "timeout",
            UpstreamErrorKind::Connect(_) => "connect",
            UpstreamErrorKind::Status(_) => "status",
            UpstreamErrorKind::Decode(_) => "decode",
            UpstreamErrorKind::TooLarge(_) => "too_large",
            UpstreamErrorKind::BufferFull => "buffer_full",
            UpstreamErrorKind::Request(_) => "request",
            UpstreamErrorKind::CircuitOpen => "circuit_open",
            UpstreamErrorKind::Saturated => "saturated",
            UpstreamErrorKind::Auth(_) => "auth",
        }
    }
}

impl fmt::Display for UpstreamErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            UpstreamErrorKind::NotConfigured => f.write_str("not configured"),
            UpstreamErrorKind::BudgetExhausted => f.write_str("the turn's budget ran out"),
            UpstreamErrorKind::Timeout => f.write_str("timed out"),
            UpstreamErrorKind::Connect(e) => write!(f, "connect failed: {e}"),
            UpstreamErrorKind::Status(s) => write!(f, "answered HTTP {s}"),
            UpstreamErrorKind::Decode(e) => write!(f, "body could not be decoded: {e}"),
            UpstreamErrorKind::TooLarge(cap) => write!(f, "body larger than {cap} bytes"),
            UpstreamErrorKind::BufferFull => {
                f.write_str("response buffers of all upstream calls full, body not read")
            }
            UpstreamErrorKind::Request(e) => write!(f, "request failed: {e}"),
            UpstreamErrorKind::CircuitOpen => f.write_str("circuit open, not called"),
            UpstreamErrorKind::Saturated => f.write_str("too many calls in flight"),
            UpstreamErrorKind::Auth(e) => write!(f, "credentials: {e}"),
        }
    }
}

impl UpstreamError {
    pub fn new(upstream: impl Into<String>, kind: UpstreamErrorKind) -> Self {
        UpstreamError {
            upstream: upstream.into(),
            kind,
        }
    }

    /// The HTTP status, when the upstream answered with an error status (a 404 or 409 is often
    /// an answer for the user rather than an outage).
    pub fn status(&self) -> Option<u16> {
        match self.kind {
            UpstreamErrorKind::Status(status) => Some(status),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn status_only_for_an_error_status() {
        let status = UpstreamError::new("api", UpstreamErrorKind::Status(409));
        assert_eq!(status.status(), Some(409));
        let timeout = UpstreamError::new("api", UpstreamErrorKind::Timeout);
        assert_eq!(timeout.status(), None);
    }
}
