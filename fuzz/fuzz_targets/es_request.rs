//! Any bytes through the webhook body parser (ES, CX and auto-detect), the turn and the
//! renderer: never a panic. What `/webhook` reads as ES (or CX) must also parse on the ES (or
//! CX) route: the auto-detection's fast path may not accept what the protocol's own parse
//! refuses.
#![no_main]
use intentful::protocol::Reply;
use intentful::webhook::{parse_request, Parsed, Route};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let settings = intentful::config::Settings::default();
    match parse_request(Route::Auto, data) {
        Ok(Parsed::Es(_)) => assert!(parse_request(Route::Es, data).is_ok()),
        Ok(Parsed::Cx(_)) => assert!(parse_request(Route::Cx, data).is_ok()),
        Err(_) => {}
    }
    for route in [Route::Es, Route::Auto, Route::Cx] {
        if let Ok(mut parsed) = parse_request(route, data) {
            let turn = parsed.take_turn();
            let _ = turn.params::<serde_json::Value>();
            let reply = Reply::text(turn.query_text.clone()).context("c", 1).param("p", &turn.session);
            let _ = parsed.render(reply, &settings);
            if let Parsed::Es(_) = parsed {
                let _ = parsed.render(Reply::passthrough(), &settings);
            }
        }
    }
});
