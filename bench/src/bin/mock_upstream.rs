//! The benchmark's mock upstream for `GET /weather?city=X`: a raw tokio HTTP/1.1 keep-alive
//! server that answers every request with the same small JSON. It parses nothing beyond the end
//! of the request head (and skips a `Content-Length` body, for the event handlers' POSTs in
//! `bench/instances.sh`), so it is never the bottleneck (`bench/run.sh` checks that with its
//! own wrk run). Not a general HTTP server: no chunked bodies.
//!
//! Env: `PORT` (default 9100).

use std::process::ExitCode;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

const BODY: &str = r#"{"city":"Tokyo","temp_c":21.4,"summary":"sunny"}"#;

fn response() -> Vec<u8> {
    format!(
        "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\r\n{BODY}",
        BODY.len()
    )
    .into_bytes()
}

/// Answers each complete request head in the buffer; pipelined requests get one answer each.
async fn serve(mut stream: TcpStream, answer: &[u8]) -> std::io::Result<()> {
    stream.set_nodelay(true)?;
    let mut buf = Vec::with_capacity(4096);
    let mut chunk = [0u8; 4096];
    loop {
        let n = stream.read(&mut chunk).await?;
        if n == 0 {
            return Ok(());
        }
        buf.extend_from_slice(&chunk[..n]);
        let mut out = Vec::new();
        while let Some(end) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            let whole = end + 4 + content_length(&buf[..end]);
            if buf.len() < whole {
                break;
            }
            buf.drain(..whole);
            out.extend_from_slice(answer);
        }
        if !out.is_empty() {
            stream.write_all(&out).await?;
        }
    }
}

/// The head's `Content-Length`, 0 without one.
fn content_length(head: &[u8]) -> usize {
    head.split(|b| *b == b'\n')
        .filter_map(|line| {
            let line = std::str::from_utf8(line).ok()?;
            let (name, value) = line.split_once(':')?;
            name.trim()
                .eq_ignore_ascii_case("content-length")
                .then(|| value.trim().parse().ok())?
        })
        .next()
        .unwrap_or(0)
}

fn main() -> ExitCode {
    let port: u16 = std::env::var("PORT")
        .ok()
        .and_then(|p| p.parse().ok())
        .unwrap_or(9100);
    // One thread: it shares wrk's core and must not steal the server's.
    let rt = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("mock_upstream: {e}");
            return ExitCode::FAILURE;
        }
    };
    rt.block_on(async move {
        let listener = match TcpListener::bind(("127.0.0.1", port)).await {
            Ok(l) => l,
            Err(e) => {
                eprintln!("mock_upstream: cannot bind: {e}");
                return ExitCode::FAILURE;
            }
        };
        let answer: &'static [u8] = Box::leak(response().into_boxed_slice());
        loop {
            match listener.accept().await {
                Ok((stream, _)) => {
                    tokio::spawn(async move {
                        // A reset connection only ends that connection.
                        let _ = serve(stream, answer).await;
                    });
                }
                Err(e) => eprintln!("mock_upstream: accept: {e}"),
            }
        }
    })
}
