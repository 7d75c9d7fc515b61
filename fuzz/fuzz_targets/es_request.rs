//! Any bytes through the webhook body parser (ES, CX and auto-detect), the turn and the
//! renderer: never a panic. What `/webhook` reads as ES (or CX) must also parse on the ES (or
//! CX) route.
#![no_main]
use intentful::protocol::{CxSettings, Protocol, Reply, Request};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let cx = CxSettings::default();
    if let Ok(request) = Request::parse(data, None) {
        assert!(Request::parse(data, Some(request.protocol())).is_ok());
    }
    for protocol in [Some(Protocol::Es), None, Some(Protocol::Cx)] {
        if let Ok(request) = Request::parse(data, protocol) {
            let _ = request.keys();
            let (turn, ctx) = request.into_parts();
            let _ = turn.params::<serde_json::Value>();
            let reply = Reply::text(turn.query_text.clone())
                .context("c", 1)
                .param("p", &turn.session);
            let _ = ctx.render(reply, &cx);
            let _ = ctx.render(Reply::passthrough(), &cx);
        }
    }
});
