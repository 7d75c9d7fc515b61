//! The inspector in a real browser (issue 17): headless Chromium, driven through WebDriver by
//! chromedriver, opens the list and a call, sees the waterfall and the JSON, clicks "Save as
//! fixture" and the case is on disk. Needs Debian's `chromium` and `chromium-driver` (`.ci/run`
//! installs them and sets `INTENTFUL_REQUIRE_BROWSER=1`, so there it cannot be skipped).
//! With `INTENTFUL_SCREENSHOTS=<dir>` it saves the pages shown in the README.

use std::net::TcpListener;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use fantoccini::{ClientBuilder, Locator};
use intentful::config::Settings;
use intentful::intent::Registry;
use serde_json::json;

use crate::inspect::post_case;
use crate::record::upstreams_of;
use crate::support::spawn_on;

const CHROMEDRIVER: &str = "/usr/bin/chromedriver";
const CHROMIUM: &str = "/usr/bin/chromium";

struct Driver(Child);

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// chromedriver on a free port, once it accepts connections.
fn start_driver() -> (Driver, u16) {
    let port = free_port();
    let child = Command::new(CHROMEDRIVER)
        .arg(format!("--port={port}"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("chromedriver starts");
    let driver = Driver(child);
    let until = Instant::now() + Duration::from_secs(20);
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(Instant::now() < until, "chromedriver did not listen");
        std::thread::sleep(Duration::from_millis(50));
    }
    (driver, port)
}

#[actix_web::test]
async fn the_inspector_works_in_a_real_browser() {
    if !Path::new(CHROMEDRIVER).exists() || !Path::new(CHROMIUM).exists() {
        let required = std::env::var("INTENTFUL_REQUIRE_BROWSER").is_ok_and(|v| v == "1");
        assert!(
            !required,
            "INTENTFUL_REQUIRE_BROWSER=1 but {CHROMEDRIVER} is missing"
        );
        eprintln!("skipped: no {CHROMEDRIVER} (apt-get install chromium chromium-driver)");
        return;
    }
    let up = upstreams_of("weather_current/tokyo_sunny").await;
    let save = tempfile::tempdir().unwrap();
    // On loopback without a credential, as a developer runs it.
    let mut settings: Settings = crate::support::upstreams_at(&up.uri());
    settings.inspect.enabled = true;
    settings.inspect.port = 0;
    settings.inspect.save_dir = Some(save.path().to_path_buf());
    let (server, state) = spawn_on("127.0.0.1", settings, Registry::builtin().unwrap());
    let base = format!(
        "http://{}",
        state.inspector.as_ref().unwrap().addr().unwrap()
    );
    post_case(&server, "welcome/en_greets").await;
    post_case(&server, "weather_current/tokyo_sunny").await;

    let (_driver, port) = start_driver();
    let profile = tempfile::tempdir().unwrap();
    let args = [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--window-size=1280,900",
        &format!("--user-data-dir={}", profile.path().display()),
    ];
    let caps = json!({"goog:chromeOptions": {"binary": CHROMIUM, "args": args}});
    let connector = hyper_util::client::legacy::connect::HttpConnector::new();
    let browser = ClientBuilder::new(connector)
        .capabilities(caps.as_object().unwrap().clone())
        .connect(&format!("http://127.0.0.1:{port}"))
        .await
        .expect("a WebDriver session");
    let shots = std::env::var_os("INTENTFUL_SCREENSHOTS").map(std::path::PathBuf::from);

    browser.goto(&format!("{base}/inspect")).await.unwrap();
    let rows = browser
        .find_all(Locator::Css("#calls tr.call"))
        .await
        .unwrap();
    assert_eq!(rows.len(), 2);
    let newest = rows[0].text().await.unwrap();
    assert!(
        newest.contains("weather.current") && newest.contains("ok"),
        "{newest}"
    );
    if let Some(dir) = &shots {
        std::fs::create_dir_all(dir).unwrap();
        std::fs::write(
            dir.join("inspector-list.png"),
            browser.screenshot().await.unwrap(),
        )
        .unwrap();
    }

    // Open the weather call: its waterfall has the stages and both upstream calls.
    browser
        .find(Locator::Css("#calls tr.call a"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    let waterfall = browser
        .wait()
        .for_element(Locator::Id("waterfall"))
        .await
        .unwrap();
    let bars = waterfall
        .find_all(Locator::Css(".bar.upstream"))
        .await
        .unwrap();
    assert_eq!(bars.len(), 2, "geocoding and weather");
    assert_eq!(
        waterfall
            .find_all(Locator::Css(".bar.stage"))
            .await
            .unwrap()
            .len(),
        5
    );
    assert!(waterfall.find(Locator::Css(".line.deadline")).await.is_ok());
    let request = browser
        .find(Locator::Id("request"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(request.contains("\"queryResult\""), "{request}");
    let response = browser
        .find(Locator::Id("response"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(response.contains("Tokyo"), "{response}");
    if let Some(dir) = &shots {
        std::fs::write(
            dir.join("inspector-call.png"),
            browser.screenshot().await.unwrap(),
        )
        .unwrap();
    }

    // Save as fixture: the page says where, and the case is there.
    browser
        .find(Locator::Id("save"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    let result = browser.find(Locator::Id("result")).await.unwrap();
    let until = Instant::now() + Duration::from_secs(10);
    let said = loop {
        let text = result.text().await.unwrap();
        if text.starts_with("Saved: ") || Instant::now() > until {
            break text;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    let written = said
        .strip_prefix("Saved: ")
        .unwrap_or_else(|| panic!("{said}"));
    assert!(Path::new(written).exists(), "{written}");
    assert!(written.starts_with(&*save.path().to_string_lossy()));
    browser.close().await.unwrap();
}
