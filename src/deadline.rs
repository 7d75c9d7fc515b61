//! The handler's budget: the platform's limit for this call minus a safety margin, or an
//! intent's own budget when that is smaller. The limit is Dialogflow's: ES 5 s (10 s from
//! Actions on Google), CX the timeout configured on the webhook that called.

use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::protocol::Protocol;

/// `[deadline]`: the platform limits and the margins kept free before them.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct DeadlineSettings {
    /// Dialogflow ES platform limit.
    pub es_ms: u64,
    /// Platform limit when the ES request comes from Actions on Google.
    pub aog_ms: u64,
    /// Dialogflow CX webhook timeout as configured on the agent (5 s default, 30 s max).
    pub cx_ms: u64,
    /// Kept free before the platform limit for rendering and the network back to Dialogflow.
    pub margin_ms: u64,
    /// Kept free between an upstream call's timeout and the handler's deadline.
    pub upstream_margin_ms: u64,
}

impl Default for DeadlineSettings {
    fn default() -> Self {
        DeadlineSettings {
            es_ms: 5_000,
            aog_ms: 10_000,
            cx_ms: 5_000,
            margin_ms: 500,
            upstream_margin_ms: 150,
        }
    }
}

/// What the budget of one call depends on.
#[derive(Debug, Clone, Copy)]
pub struct BudgetQuery {
    pub protocol: Protocol,
    pub actions_on_google: bool,
    /// CX: the timeout of the webhook that serves this tag (`intents.<key>.cx_timeout_ms`).
    pub tag_timeout: Option<Duration>,
    /// CX: the timeout of the named webhook route (`cx.webhooks.<name>.timeout_ms`).
    pub route_timeout: Option<Duration>,
    /// The intent's configured budget (`intents.<key>.budget_ms`).
    pub configured: Option<Duration>,
    /// The budget the intent declared in code.
    pub in_code: Option<Duration>,
}

impl BudgetQuery {
    pub fn new(protocol: Protocol) -> Self {
        BudgetQuery {
            protocol,
            actions_on_google: false,
            tag_timeout: None,
            route_timeout: None,
            configured: None,
            in_code: None,
        }
    }
}

impl DeadlineSettings {
    /// The platform limit: ES 5 s (10 s from Actions on Google); CX the tag's webhook timeout,
    /// else the route's named webhook, else `deadline.cx_ms`.
    pub fn platform_limit(&self, call: &BudgetQuery) -> Duration {
        match call.protocol {
            Protocol::Es if call.actions_on_google => Duration::from_millis(self.aog_ms),
            Protocol::Es => Duration::from_millis(self.es_ms),
            Protocol::Cx => call
                .tag_timeout
                .or(call.route_timeout)
                .unwrap_or(Duration::from_millis(self.cx_ms)),
        }
    }

    /// The handler's budget: the platform limit minus the margin, or the intent's own budget
    /// (configured, else declared in code) when it is smaller.
    pub fn budget(&self, call: &BudgetQuery) -> Duration {
        let ceiling = self
            .platform_limit(call)
            .saturating_sub(Duration::from_millis(self.margin_ms));
        call.configured
            .or(call.in_code)
            .map_or(ceiling, |b| b.min(ceiling))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn budget_rules() {
        let d = DeadlineSettings::default();
        let es = BudgetQuery::new(Protocol::Es);
        assert_eq!(d.budget(&es), Duration::from_millis(4_500));
        let aog = BudgetQuery {
            actions_on_google: true,
            ..es
        };
        assert_eq!(d.budget(&aog), Duration::from_millis(9_500));
        let coded = BudgetQuery {
            in_code: Some(Duration::from_secs(2)),
            ..es
        };
        assert_eq!(d.budget(&coded), Duration::from_secs(2));
        let configured = BudgetQuery {
            configured: Some(Duration::from_secs(1)),
            ..coded
        };
        assert_eq!(d.budget(&configured), Duration::from_secs(1), "config wins");
        let generous = BudgetQuery {
            configured: Some(Duration::from_secs(60)),
            ..es
        };
        assert_eq!(
            d.budget(&generous),
            Duration::from_millis(4_500),
            "never past the platform limit"
        );
    }

    #[test]
    fn cx_budget_per_route_and_per_tag() {
        let d = DeadlineSettings::default();
        let cx = BudgetQuery::new(Protocol::Cx);
        assert_eq!(d.budget(&cx), Duration::from_millis(4_500));
        let routed = BudgetQuery {
            route_timeout: Some(Duration::from_secs(30)),
            ..cx
        };
        assert_eq!(d.budget(&routed), Duration::from_millis(29_500));
        let tagged = BudgetQuery {
            tag_timeout: Some(Duration::from_secs(10)),
            ..routed
        };
        assert_eq!(d.budget(&tagged), Duration::from_millis(9_500));
        let es_ignores_cx = BudgetQuery {
            protocol: Protocol::Es,
            ..tagged
        };
        assert_eq!(d.budget(&es_ignores_cx), Duration::from_millis(4_500));
    }
}
