//! A small HTTP/1.1 server on loopback for webhook tests: it records every
//! request (method, path, headers, body), answers the first `fail_first`
//! POSTs with 500 (or every one with a redirect), keeps connections alive,
//! and counts the connections it accepted. Stopped when dropped.

use super::ports::free_port;
use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Condvar, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// One request as received.
#[derive(Debug, Clone)]
pub struct Request {
    pub method: String,
    pub path: String,
    /// Header names lowercased.
    pub headers: BTreeMap<String, String>,
    pub body: Vec<u8>,
    /// The status it was answered with.
    pub status: u16,
}

impl Request {
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body).expect("a JSON body")
    }
}

/// How the server answers.
#[derive(Debug, Clone, Default)]
pub struct Behaviour {
    /// This many POSTs get a 500 first.
    pub fail_first: usize,
    /// Every POST gets a 302 to this path instead.
    pub redirect_to: Option<String>,
}

#[derive(Default)]
struct State {
    requests: Vec<Request>,
    connections: usize,
    behaviour: Behaviour,
    posts: usize,
}

pub struct HttpServer {
    pub port: u16,
    shared: Arc<(Mutex<State>, Condvar)>,
    stop: Arc<AtomicBool>,
    accept: Option<JoinHandle<()>>,
}

impl HttpServer {
    pub fn start(behaviour: Behaviour) -> HttpServer {
        let (listener, port) = loop {
            let port = free_port();
            if let Ok(l) = TcpListener::bind(("127.0.0.1", port)) {
                break (l, port);
            }
        };
        let shared = Arc::new((
            Mutex::new(State {
                behaviour,
                ..Default::default()
            }),
            Condvar::new(),
        ));
        let stop = Arc::new(AtomicBool::new(false));
        let accept = {
            let (shared, stop) = (shared.clone(), stop.clone());
            std::thread::spawn(move || {
                for stream in listener.incoming() {
                    if stop.load(Ordering::SeqCst) {
                        break;
                    }
                    let Ok(stream) = stream else { continue };
                    shared.0.lock().unwrap().connections += 1;
                    let shared = shared.clone();
                    std::thread::spawn(move || serve(stream, &shared));
                }
            })
        };
        HttpServer {
            port,
            shared,
            stop,
            accept: Some(accept),
        }
    }

    /// `http://127.0.0.1:PORT/PATH`.
    pub fn url(&self, path: &str) -> String {
        format!(
            "http://127.0.0.1:{}/{}",
            self.port,
            path.trim_start_matches('/')
        )
    }

    pub fn requests(&self) -> Vec<Request> {
        self.shared.0.lock().unwrap().requests.clone()
    }

    /// The requests answered 2xx.
    pub fn delivered(&self) -> Vec<Request> {
        self.requests()
            .into_iter()
            .filter(|r| (200..300).contains(&r.status))
            .collect()
    }

    pub fn connections(&self) -> usize {
        self.shared.0.lock().unwrap().connections
    }

    pub fn set(&self, behaviour: Behaviour) {
        let mut s = self.shared.0.lock().unwrap();
        s.behaviour = behaviour;
        s.posts = 0;
    }

    /// Waits (at most `limit`) until `n` requests have been answered 2xx.
    pub fn wait_delivered(&self, n: usize, limit: Duration) -> Vec<Request> {
        let deadline = Instant::now() + limit;
        let (lock, cvar) = &*self.shared;
        let mut s = lock.lock().unwrap();
        loop {
            let done: Vec<Request> = s
                .requests
                .iter()
                .filter(|r| (200..300).contains(&r.status))
                .cloned()
                .collect();
            let left = deadline.saturating_duration_since(Instant::now());
            if done.len() >= n || left.is_zero() {
                return done;
            }
            s = cvar.wait_timeout(s, left).unwrap().0;
        }
    }
}

impl Drop for HttpServer {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        // Wake the accept loop so it sees the flag.
        let _ = TcpStream::connect(("127.0.0.1", self.port));
        if let Some(t) = self.accept.take() {
            let _ = t.join();
        }
    }
}

fn serve(stream: TcpStream, shared: &(Mutex<State>, Condvar)) {
    let _ = stream.set_read_timeout(Some(Duration::from_secs(30)));
    let Ok(mut writer) = stream.try_clone() else {
        return;
    };
    let mut reader = BufReader::new(stream);
    loop {
        let mut line = String::new();
        match reader.read_line(&mut line) {
            Ok(0) | Err(_) => return,
            Ok(_) => {}
        }
        let mut parts = line.split_whitespace();
        let method = parts.next().unwrap_or_default().to_string();
        let path = parts.next().unwrap_or_default().to_string();
        let mut headers = BTreeMap::new();
        loop {
            let mut h = String::new();
            if reader.read_line(&mut h).unwrap_or(0) == 0 {
                return;
            }
            let h = h.trim_end();
            if h.is_empty() {
                break;
            }
            if let Some((k, v)) = h.split_once(':') {
                headers.insert(k.trim().to_ascii_lowercase(), v.trim().to_string());
            }
        }
        let len: usize = headers
            .get("content-length")
            .and_then(|v| v.parse().ok())
            .unwrap_or(0);
        let mut body = vec![0; len];
        if reader.read_exact(&mut body).is_err() {
            return;
        }
        let (lock, cvar) = shared;
        let (status, extra) = {
            let mut s = lock.lock().unwrap();
            let answer = if method != "POST" {
                (405, String::new())
            } else if let Some(to) = s.behaviour.redirect_to.clone() {
                (302, format!("Location: {to}\r\n"))
            } else if s.posts < s.behaviour.fail_first {
                (500, String::new())
            } else {
                (200, String::new())
            };
            if method == "POST" {
                s.posts += 1;
            }
            s.requests.push(Request {
                method,
                path,
                headers,
                body,
                status: answer.0,
            });
            answer
        };
        let text = if status == 200 {
            "ok"
        } else {
            "try again later"
        };
        let response = format!(
            "HTTP/1.1 {status} X\r\n{extra}Content-Type: text/plain\r\nContent-Length: {}\r\n\r\n{text}",
            text.len()
        );
        let sent = writer
            .write_all(response.as_bytes())
            .and_then(|()| writer.flush());
        cvar.notify_all();
        if sent.is_err() {
            return;
        }
    }
}
