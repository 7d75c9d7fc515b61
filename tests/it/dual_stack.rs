//! A server bound to `::` sees IPv4 clients as `::ffff:a.b.c.d`; the allowlist judges them (and
//! a proxy's forwarded `::ffff:` address) as the IPv4 address they are.

use intentful::auth::AuthMode;
use intentful::config::Settings;
use intentful::intent::Registry;
use intentful::limits::LimitSettings;

use crate::support::{client, es_request, spawn_on, spawn_with};

async fn status(url: String, headers: &[(&str, &str)]) -> u16 {
    let mut req = client().post(url).json(&es_request("input.welcome"));
    for (k, v) in headers {
        req = req.header(*k, *v);
    }
    req.send().await.expect("a response").status().as_u16()
}

fn settings(limits: LimitSettings) -> Settings {
    let mut s = Settings {
        limits,
        ..Settings::default()
    };
    s.auth.default = AuthMode::None { acknowledged: true };
    s
}

#[actix_web::test]
async fn an_ipv4_client_of_a_dual_stack_bind_matches_an_ipv4_allowlist() {
    if std::net::TcpListener::bind("[::1]:0").is_err() {
        eprintln!("SKIPPED dual-stack allowlist test: this machine has no IPv6 loopback");
        return;
    }
    let limits = LimitSettings {
        allow_cidrs: vec!["127.0.0.0/8".parse().expect("cidr")],
        ..LimitSettings::default()
    };
    let (server, _) = spawn_on(
        "::",
        settings(limits),
        Registry::builtin().expect("registry"),
    );
    let port = server.addr.port();
    if std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        eprintln!("SKIPPED dual-stack allowlist test: `::` takes no IPv4 here (bindv6only)");
        return;
    }
    let over_v4 = status(format!("http://127.0.0.1:{port}/webhook"), &[]).await;
    assert_eq!(over_v4, 200, "an IPv4 peer (seen as ::ffff:127.0.0.1)");
    // A real IPv6 peer outside the allowlist is still refused.
    let over_v6 = status(format!("http://[::1]:{port}/webhook"), &[]).await;
    assert_eq!(over_v6, 403, "::1 is not in 127.0.0.0/8");
}

#[actix_web::test]
async fn a_forwarded_ipv4_mapped_address_matches_an_ipv4_allowlist() {
    let limits = LimitSettings {
        allow_cidrs: vec!["203.0.113.0/24".parse().expect("cidr")],
        trust_proxy_hop: true,
        ..LimitSettings::default()
    };
    let server = spawn_with(settings(limits), Registry::builtin().expect("registry"));
    let url = || server.url("/webhook");
    assert_eq!(
        status(url(), &[("x-forwarded-for", "::ffff:203.0.113.9")]).await,
        200
    );
    assert_eq!(
        status(url(), &[("x-forwarded-for", "::ffff:198.51.100.7")]).await,
        403
    );
}
