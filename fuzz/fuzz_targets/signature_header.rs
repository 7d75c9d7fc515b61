//! Any header value through the HMAC signature parser, both encodings, with and without prefix.
#![no_main]
use intentful::auth::{parse_signature, SignatureEncoding};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(s) = std::str::from_utf8(data) {
        for enc in [SignatureEncoding::Hex, SignatureEncoding::Base64] {
            let _ = parse_signature(s, "", enc);
            let _ = parse_signature(s, "sha256=", enc);
        }
    }
});
