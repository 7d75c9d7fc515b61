//! One integration test binary (one link step): fixture replay, registry drift, deadline,
//! bad input and the HTTP surface, against the real server on port 0 or the in-process app.

// Test code, helpers included: a failed unwrap is a failed test.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod admin;
mod auth;
mod auth_order;
mod bad_input;
mod cli;
mod cx;
mod deadline;
mod disconnects;
mod drift;
mod dual_stack;
mod events_cli;
mod events_crash;
mod events_fixtures;
mod events_http;
mod events_postgres_start;
mod events_two_instances;
mod events_worker;
mod example_config;
mod fixtures_replay;
mod google_keys;
mod hostile_input;
mod http_layer;
mod inspect;
mod inspect_browser;
mod limits;
mod limits_shared;
mod log_fields;
mod log_filter;
mod log_format;
mod log_leaks;
mod log_outcome;
mod log_stall;
mod metrics;
mod record;
mod record_cli;
mod shutdown;
mod slow_clients;
mod support;
mod tls;
mod trace;
mod upstream_auth;
mod upstream_breaker;
mod upstream_cache;
mod upstream_kit;
mod upstream_limits;
mod upstream_retry;
