//! One integration test binary (one link step): fixture replay, registry drift, deadline,
//! bad input and the HTTP surface, against the real server on port 0 or the in-process app.

mod auth;
mod bad_input;
mod cli;
mod cx;
mod deadline;
mod drift;
mod fixtures_replay;
mod metrics;
mod shutdown;
mod support;
