//! Any bytes through the webhook body parser (ES, CX and auto-detect), the turn and the
//! renderer: never a panic.
#![no_main]
use intentful::protocol::Reply;
use intentful::webhook::{parse_request, Parsed, Route};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let settings = intentful::config::Settings::default();
    for route in [Route::Es, Route::Auto, Route::Cx] {
        if let Ok(mut parsed) = parse_request(route, data) {
            let turn = parsed.take_turn();
            let _ = turn.params::<serde_json::Value>();
            let reply = Reply::text(turn.query_text.clone()).context("c", 1).param("p", &turn.session);
            let _ = parsed.render(&reply, &settings);
            if let Parsed::Es(_) = parsed {
                let _ = parsed.render(&Reply::passthrough(), &settings);
            }
        }
    }
});
