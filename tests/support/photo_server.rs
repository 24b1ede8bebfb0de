//! A small HTTP/1.1 server on 127.0.0.1 for the photo download tests, with the ways real
//! servers fail. Each path's first segment picks a behaviour; the rest names a demo photo:
//!
//! - `/photos/NAME`: the photo;
//! - `/missing/NAME`: 404;
//! - `/flaky/NAME`: 500 the first time, the photo after;
//! - `/slow/NAME`: waits [`SLOW_SECS`] before answering;
//! - `/loop/NAME`: redirects to `/loop2/NAME`, which redirects back;
//! - `/text/NAME`: an HTML page instead of a photo;
//! - `/huge/NAME`: claims a 2 GB body (`Content-Length`), sends a little and closes;
//! - `/dropped/NAME`: sends half of the photo and closes the connection.

#![allow(dead_code)]

use std::collections::HashMap;
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::Duration;

/// How long `/slow/` waits before its answer.
pub const SLOW_SECS: u64 = 8;

/// The demo photos folder.
pub fn demo_images() -> PathBuf {
    PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/assets/demo/images"))
}

/// A running server; it serves until the test process ends.
pub struct PhotoServer {
    /// `http://127.0.0.1:PORT`.
    pub base: String,
    requests: Arc<Mutex<HashMap<String, usize>>>,
}

impl PhotoServer {
    /// Starts a server on a free port.
    pub fn start() -> PhotoServer {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1");
        let base = format!("http://{}", listener.local_addr().unwrap());
        let requests: Arc<Mutex<HashMap<String, usize>>> = Arc::default();
        let counts = Arc::clone(&requests);
        thread::Builder::new()
            .name("test-photo-server".into())
            .spawn(move || {
                for stream in listener.incoming().flatten() {
                    let counts = Arc::clone(&counts);
                    thread::spawn(move || serve(stream, &counts));
                }
            })
            .unwrap();
        PhotoServer { base, requests }
    }

    /// The address of `path` on this server.
    pub fn url(&self, path: &str) -> String {
        format!("{}/{}", self.base, path.trim_start_matches('/'))
    }

    /// Requests received for `path` so far.
    pub fn requests_for(&self, path: &str) -> usize {
        let path = format!("/{}", path.trim_start_matches('/'));
        self.requests
            .lock()
            .unwrap()
            .get(&path)
            .copied()
            .unwrap_or(0)
    }

    /// Requests received in all.
    pub fn total_requests(&self) -> usize {
        self.requests.lock().unwrap().values().sum()
    }
}

fn serve(mut stream: TcpStream, counts: &Mutex<HashMap<String, usize>>) {
    let Some(path) = read_request_path(&mut stream) else {
        return;
    };
    let seen = {
        let mut counts = counts.lock().unwrap();
        let n = counts.entry(path.clone()).or_insert(0);
        *n += 1;
        *n
    };
    let without_query = path.split('?').next().unwrap_or_default();
    let mut parts = without_query.trim_start_matches('/').splitn(2, '/');
    let behaviour = parts.next().unwrap_or_default().to_string();
    let name = parts.next().unwrap_or_default().to_string();
    let photo = || std::fs::read(demo_images().join(&name)).unwrap_or_default();
    let _ = match behaviour.as_str() {
        "photos" => respond(&mut stream, "200 OK", "image/jpeg", &photo()),
        "flaky" if seen == 1 => respond(
            &mut stream,
            "500 Internal Server Error",
            "text/plain",
            b"busy",
        ),
        "flaky" => respond(&mut stream, "200 OK", "image/jpeg", &photo()),
        "slow" => {
            thread::sleep(Duration::from_secs(SLOW_SECS));
            respond(&mut stream, "200 OK", "image/jpeg", &photo())
        }
        "loop" => redirect(&mut stream, &format!("/loop2/{name}")),
        "loop2" => redirect(&mut stream, &format!("/loop/{name}")),
        "text" => respond(
            &mut stream,
            "200 OK",
            "text/html",
            b"<html><body>Sold out</body></html>",
        ),
        "huge" => {
            let head = "HTTP/1.1 200 OK\r\nContent-Type: image/jpeg\r\nContent-Length: 2147483648\r\nConnection: close\r\n\r\n";
            stream
                .write_all(head.as_bytes())
                .and_then(|()| stream.write_all(&photo()[..64]))
        }
        "dropped" => {
            let bytes = photo();
            let head = format!(
                "HTTP/1.1 200 OK\r\nContent-Type: image/jpeg\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                bytes.len()
            );
            stream
                .write_all(head.as_bytes())
                .and_then(|()| stream.write_all(&bytes[..bytes.len() / 2]))
        }
        _ => respond(&mut stream, "404 Not Found", "text/plain", b"not found"),
    };
    let _ = stream.flush();
}

fn read_request_path(stream: &mut TcpStream) -> Option<String> {
    let mut request = Vec::new();
    let mut buffer = [0u8; 1024];
    while !request.windows(4).any(|w| w == b"\r\n\r\n") {
        let n = stream.read(&mut buffer).ok()?;
        if n == 0 {
            return None;
        }
        request.extend_from_slice(&buffer[..n]);
    }
    let text = String::from_utf8_lossy(&request);
    let line = text.lines().next()?;
    line.split_whitespace().nth(1).map(str::to_string)
}

fn respond(stream: &mut TcpStream, status: &str, kind: &str, body: &[u8]) -> std::io::Result<()> {
    let head = format!(
        "HTTP/1.1 {status}\r\nContent-Type: {kind}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    );
    stream.write_all(head.as_bytes())?;
    stream.write_all(body)
}

fn redirect(stream: &mut TcpStream, to: &str) -> std::io::Result<()> {
    let head = format!(
        "HTTP/1.1 302 Found\r\nLocation: {to}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
    );
    stream.write_all(head.as_bytes())
}
