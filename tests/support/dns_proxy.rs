//! DNS servers that misbehave on purpose, for the "unknown" paths:
//!
//! - [`Silent`]: a UDP and TCP socket on loopback that never answers
//!   (every question times out).
//! - [`Proxy`]: relays questions to a real server (Knot) except those a
//!   rule says to drop, which then time out; it counts the questions it
//!   receives.
//!
//! Both run on plain threads and stop when dropped.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream, UdpSocket};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::Duration;

/// A DNS query for `name`/`qtype` with id `id`, recursion desired.
pub fn query_bytes(id: u16, name: &str, qtype: u16) -> Vec<u8> {
    let mut q = Vec::new();
    q.extend_from_slice(&id.to_be_bytes());
    q.extend_from_slice(&[0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0]);
    for label in name
        .trim_end_matches('.')
        .split('.')
        .filter(|l| !l.is_empty())
    {
        q.push(label.len() as u8);
        q.extend_from_slice(label.as_bytes());
    }
    q.push(0);
    q.extend_from_slice(&qtype.to_be_bytes());
    q.extend_from_slice(&1u16.to_be_bytes());
    q
}

/// The question of a query: lowercase name without final dot, and type.
pub fn question(msg: &[u8]) -> Option<(String, u16)> {
    let mut i = 12;
    let mut labels = Vec::new();
    loop {
        let len = *msg.get(i)? as usize;
        i += 1;
        if len == 0 {
            break;
        }
        labels.push(String::from_utf8_lossy(msg.get(i..i + len)?).to_ascii_lowercase());
        i += len;
    }
    let qtype = u16::from_be_bytes([*msg.get(i)?, *msg.get(i + 1)?]);
    Some((labels.join("."), qtype))
}

/// A name server that receives and never answers.
pub struct Silent {
    pub addr: SocketAddr,
    _udp: UdpSocket,
    _tcp: TcpListener,
}

impl Silent {
    pub fn start() -> Silent {
        let port = super::ports::free_port();
        let udp = UdpSocket::bind(("127.0.0.1", port)).expect("bind UDP");
        // Connections complete in the kernel backlog; nothing is ever read.
        let tcp = TcpListener::bind(("127.0.0.1", port)).expect("bind TCP");
        Silent {
            addr: udp.local_addr().unwrap(),
            _udp: udp,
            _tcp: tcp,
        }
    }
}

type DropRule = dyn Fn(&str, u16) -> bool + Send + Sync;

/// Relays to `upstream`, dropping the questions `drop_rule(name, qtype)` picks.
pub struct Proxy {
    pub addr: SocketAddr,
    received: Arc<AtomicU64>,
    questions: Arc<Mutex<Vec<(String, u16)>>>,
    stop: Arc<AtomicBool>,
    threads: Vec<JoinHandle<()>>,
}

impl Proxy {
    pub fn start(
        upstream: SocketAddr,
        drop_rule: impl Fn(&str, u16) -> bool + Send + Sync + 'static,
    ) -> Proxy {
        let port = super::ports::free_port();
        let udp = UdpSocket::bind(("127.0.0.1", port)).expect("bind UDP");
        let tcp = TcpListener::bind(("127.0.0.1", port)).expect("bind TCP");
        udp.set_read_timeout(Some(Duration::from_millis(50)))
            .unwrap();
        tcp.set_nonblocking(true).unwrap();
        let received = Arc::new(AtomicU64::new(0));
        let questions = Arc::new(Mutex::new(Vec::new()));
        let stop = Arc::new(AtomicBool::new(false));
        let log = questions.clone();
        let rule: Arc<DropRule> = Arc::new(move |name: &str, qtype: u16| {
            log.lock().unwrap().push((name.to_string(), qtype));
            drop_rule(name, qtype)
        });
        let udp_thread = {
            let (received, stop, rule) = (received.clone(), stop.clone(), rule.clone());
            std::thread::spawn(move || serve_udp(udp, upstream, &received, &stop, rule))
        };
        let tcp_thread = {
            let (received, stop) = (received.clone(), stop.clone());
            std::thread::spawn(move || serve_tcp(tcp, upstream, &received, &stop, rule))
        };
        Proxy {
            addr: SocketAddr::from(([127, 0, 0, 1], port)),
            received,
            questions,
            stop,
            threads: vec![udp_thread, tcp_thread],
        }
    }

    /// Questions received (relayed or dropped).
    pub fn received(&self) -> u64 {
        self.received.load(Ordering::Relaxed)
    }

    /// Every question received, in order: (name, type).
    pub fn questions(&self) -> Vec<(String, u16)> {
        self.questions.lock().unwrap().clone()
    }
}

impl Drop for Proxy {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        for t in self.threads.drain(..) {
            let _ = t.join();
        }
    }
}

fn serve_udp(
    socket: UdpSocket,
    upstream: SocketAddr,
    received: &AtomicU64,
    stop: &AtomicBool,
    rule: Arc<DropRule>,
) {
    let socket = Arc::new(socket);
    let mut buf = [0u8; 65535];
    while !stop.load(Ordering::Relaxed) {
        let Ok((n, client)) = socket.recv_from(&mut buf) else {
            continue;
        };
        received.fetch_add(1, Ordering::Relaxed);
        let msg = buf[..n].to_vec();
        if question(&msg).is_some_and(|(name, qtype)| rule(&name, qtype)) {
            continue;
        }
        let socket = socket.clone();
        std::thread::spawn(move || {
            let relay = UdpSocket::bind("127.0.0.1:0").expect("bind relay");
            relay
                .set_read_timeout(Some(Duration::from_secs(2)))
                .unwrap();
            let mut answer = [0u8; 65535];
            if relay.send_to(&msg, upstream).is_ok()
                && let Ok((m, _)) = relay.recv_from(&mut answer)
            {
                let _ = socket.send_to(&answer[..m], client);
            }
        });
    }
}

fn serve_tcp(
    listener: TcpListener,
    upstream: SocketAddr,
    received: &AtomicU64,
    stop: &AtomicBool,
    rule: Arc<DropRule>,
) {
    while !stop.load(Ordering::Relaxed) {
        let Ok((mut client, _)) = listener.accept() else {
            std::thread::sleep(Duration::from_millis(10));
            continue;
        };
        let _ = client.set_nonblocking(false);
        let _ = client.set_read_timeout(Some(Duration::from_secs(2)));
        let Some(msg) = read_framed(&mut client) else {
            continue;
        };
        received.fetch_add(1, Ordering::Relaxed);
        if question(&msg).is_some_and(|(name, qtype)| rule(&name, qtype)) {
            continue;
        }
        std::thread::spawn(move || {
            let Ok(mut server) = TcpStream::connect(upstream) else {
                return;
            };
            let _ = server.set_read_timeout(Some(Duration::from_secs(2)));
            let framed = [&(msg.len() as u16).to_be_bytes()[..], &msg].concat();
            if server.write_all(&framed).is_ok()
                && let Some(answer) = read_framed(&mut server)
            {
                let framed = [&(answer.len() as u16).to_be_bytes()[..], &answer].concat();
                let _ = client.write_all(&framed);
            }
        });
    }
}

fn read_framed(stream: &mut TcpStream) -> Option<Vec<u8>> {
    let mut len = [0u8; 2];
    stream.read_exact(&mut len).ok()?;
    let mut msg = vec![0u8; u16::from_be_bytes(len) as usize];
    stream.read_exact(&mut msg).ok()?;
    Some(msg)
}
