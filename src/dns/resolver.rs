//! Asking DNS: one hickory resolver, the name servers to ask, a shared
//! cache that asks each (name, type) once even when many checks want it at
//! the same moment, a bound on queries in flight, and a count of the
//! queries sent.
//!
//! Answers are reduced to what the checks need: records, "no such record"
//! (with NXDOMAIN told apart from NODATA), or a failure (timeout, SERVFAIL,
//! REFUSED, ...). A failure is never turned into "no record": the checks
//! report it as unknown.

use crate::error::{Error, Result};
use hickory_resolver::TokioResolver;
use hickory_resolver::config::{
    ConnectionConfig, NameServerConfig, ResolveHosts, ResolverConfig, ResolverOpts,
};
use hickory_resolver::net::runtime::TokioRuntimeProvider;
use hickory_resolver::net::{DnsError, NetError};
use hickory_resolver::proto::op::ResponseCode;
use hickory_resolver::proto::rr::{Name, RData, RecordType};
use std::collections::HashMap;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::{OnceCell, Semaphore};

/// Where and how to ask.
#[derive(Debug, Clone)]
pub struct ResolverOptions {
    /// Name servers to ask (recursive resolvers, or authoritative servers
    /// when checking fresh data). Empty: the system's (`/etc/resolv.conf`).
    pub nameservers: Vec<SocketAddr>,
    /// How long to wait for one answer.
    pub timeout: Duration,
    /// How many times to ask before giving up on a name.
    pub attempts: usize,
    /// Most queries in flight at once.
    pub max_in_flight: usize,
    /// Zones whose names are asked of their own (authoritative) servers
    /// rather than of `nameservers`: fresh answers, no resolver between.
    pub authorities: Vec<(String, Vec<SocketAddr>)>,
}

impl Default for ResolverOptions {
    fn default() -> Self {
        ResolverOptions {
            nameservers: Vec::new(),
            timeout: Duration::from_secs(3),
            attempts: 2,
            max_in_flight: 64,
            authorities: Vec::new(),
        }
    }
}

/// Parses `IP` or `IP:PORT` (`[v6]:PORT` for IPv6 with a port).
pub fn parse_nameserver(text: &str) -> Result<SocketAddr> {
    if let Ok(addr) = text.parse::<SocketAddr>() {
        return Ok(addr);
    }
    text.parse::<IpAddr>()
        .map(|ip| SocketAddr::new(ip, 53))
        .map_err(|_| {
            Error::invalid(format!("name server {text:?}"), "is not IP or IP:PORT")
                .with_hint("e.g. 192.0.2.53, 192.0.2.53:5353 or [2001:db8::53]:53")
        })
}

/// Why an answer could not be had; each names the server(s) asked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Failure {
    Timeout(String),
    ServFail(String),
    Refused(String),
    /// Anything else (unreachable server, malformed answer, ...).
    Other(String),
}

impl std::fmt::Display for Failure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Failure::Timeout(servers) => write!(f, "no answer from {servers}"),
            Failure::ServFail(servers) => write!(f, "SERVFAIL from {servers}"),
            Failure::Refused(servers) => write!(f, "REFUSED by {servers}"),
            Failure::Other(why) => f.write_str(why),
        }
    }
}

/// The answer to one question.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Answer<T> {
    /// At least one record (CNAMEs followed).
    Records(Vec<T>),
    /// No record of this type: the name does not exist at all (`nxdomain`)
    /// or has other types only.
    Empty { nxdomain: bool },
    /// The question could not be answered.
    Failed(Failure),
}

impl<T> Answer<T> {
    /// The records, none when empty or failed.
    pub fn records(&self) -> &[T] {
        match self {
            Answer::Records(records) => records,
            _ => &[],
        }
    }

    pub fn failure(&self) -> Option<&Failure> {
        match self {
            Answer::Failed(f) => Some(f),
            _ => None,
        }
    }

    /// A "void lookup" in RFC 7208's sense: NXDOMAIN or no answer.
    pub fn is_void(&self) -> bool {
        matches!(self, Answer::Empty { .. })
    }

    fn map<U>(&self, f: impl Fn(&T) -> Option<U>) -> Answer<U> {
        match self {
            Answer::Records(records) => {
                let mapped: Vec<U> = records.iter().filter_map(f).collect();
                if mapped.is_empty() {
                    Answer::Empty { nxdomain: false }
                } else {
                    Answer::Records(mapped)
                }
            }
            Answer::Empty { nxdomain } => Answer::Empty {
                nxdomain: *nxdomain,
            },
            Answer::Failed(f) => Answer::Failed(f.clone()),
        }
    }
}

/// An MX record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mx {
    pub preference: u16,
    /// The exchange, lowercase, without the final dot; empty for the
    /// null MX of RFC 7505 (`0 .`).
    pub exchange: String,
}

/// An SRV record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Srv {
    pub priority: u16,
    pub weight: u16,
    pub port: u16,
    /// Lowercase, without the final dot; empty for "service not offered".
    pub target: String,
}

type CacheKey = (String, RecordType);

/// The shared resolver. Cheap to share by reference across tasks.
pub struct Resolver {
    inner: TokioResolver,
    /// The servers `inner` asks, as errors name them.
    servers: String,
    /// Zone (lowercase, no final dot) → the resolver asking its servers,
    /// and those servers as errors name them.
    routes: Vec<(String, TokioResolver, String)>,
    cache: Mutex<HashMap<CacheKey, Arc<OnceCell<Answer<RData>>>>>,
    in_flight: Semaphore,
    sent: AtomicU64,
}

impl Resolver {
    pub fn new(options: &ResolverOptions) -> Result<Resolver> {
        let config = if options.nameservers.is_empty() {
            hickory_resolver::system_conf::read_system_conf()
                .map_err(unavailable)?
                .0
        } else {
            servers_config(&options.nameservers)
        };
        let routes = options
            .authorities
            .iter()
            .filter(|(_, servers)| !servers.is_empty())
            .map(|(zone, servers)| {
                Ok((
                    normalize(zone),
                    build(servers_config(servers), options)?,
                    shown(servers.iter().copied()),
                ))
            })
            .collect::<Result<_>>()?;
        let servers = shown(config.name_servers().iter().map(|ns| {
            let port = ns.connections.first().map_or(53, |c| c.port);
            SocketAddr::new(ns.ip, port)
        }));
        Ok(Resolver {
            servers,
            inner: build(config, options)?,
            routes,
            cache: Mutex::new(HashMap::new()),
            in_flight: Semaphore::new(options.max_in_flight.max(1)),
            sent: AtomicU64::new(0),
        })
    }

    /// The hickory resolver that asks about `name`: its zone's own servers
    /// when routed, else the configured ones.
    fn route(&self, name: &str) -> (&TokioResolver, &str) {
        self.routes
            .iter()
            .filter(|(zone, _, _)| name == zone || name.ends_with(&format!(".{zone}")))
            .max_by_key(|(zone, _, _)| zone.len())
            .map_or((&self.inner, &self.servers), |(_, r, s)| (r, s))
    }

    /// How many questions went to the name servers through this resolver
    /// (each (name, type) is asked once).
    pub fn queries_sent(&self) -> u64 {
        self.sent.load(Ordering::Relaxed)
    }

    /// Asks for `name`/`rtype` once, however many callers ask.
    async fn ask(&self, name: &str, rtype: RecordType) -> Answer<RData> {
        let key = (normalize(name), rtype);
        let cell = {
            let mut cache = self.cache.lock().unwrap_or_else(|e| e.into_inner());
            cache.entry(key.clone()).or_default().clone()
        };
        cell.get_or_init(|| self.ask_wire(&key.0, rtype))
            .await
            .clone()
    }

    async fn ask_wire(&self, name: &str, rtype: RecordType) -> Answer<RData> {
        // Labels as raw octets: SPF macros can build names holding ':',
        // '/', '%' or spaces, which DNS carries (RFC 2181 §11).
        let fqdn = Name::from_labels(name.split('.').map(str::as_bytes)).map(|mut n| {
            n.set_fqdn(true);
            n
        });
        let Ok(fqdn) = fqdn else {
            return Answer::Failed(Failure::Other(format!("{name:?} is not a DNS name")));
        };
        let _permit = self.in_flight.acquire().await;
        self.sent.fetch_add(1, Ordering::Relaxed);
        let (resolver, servers) = self.route(name);
        match resolver.lookup(fqdn.clone(), rtype).await {
            Ok(lookup) => {
                let records: Vec<RData> = lookup
                    .answers()
                    .iter()
                    .filter(|r| r.data.record_type() == rtype)
                    .map(|r| r.data.clone())
                    .collect();
                if records.is_empty() {
                    Answer::Empty { nxdomain: false }
                } else {
                    Answer::Records(records)
                }
            }
            Err(e) => classify(&e, servers),
        }
    }

    pub async fn txt(&self, name: &str) -> Answer<String> {
        self.ask(name, RecordType::TXT).await.map(|r| match r {
            RData::TXT(txt) => {
                let bytes: Vec<u8> = txt
                    .txt_data
                    .iter()
                    .flat_map(|s| s.iter().copied())
                    .collect();
                Some(String::from_utf8_lossy(&bytes).into_owned())
            }
            _ => None,
        })
    }

    pub async fn mx(&self, name: &str) -> Answer<Mx> {
        self.ask(name, RecordType::MX).await.map(|r| match r {
            RData::MX(mx) => Some(Mx {
                preference: mx.preference,
                exchange: name_text(&mx.exchange),
            }),
            _ => None,
        })
    }

    pub async fn a(&self, name: &str) -> Answer<Ipv4Addr> {
        self.ask(name, RecordType::A).await.map(|r| match r {
            RData::A(a) => Some(a.0),
            _ => None,
        })
    }

    pub async fn aaaa(&self, name: &str) -> Answer<Ipv6Addr> {
        self.ask(name, RecordType::AAAA).await.map(|r| match r {
            RData::AAAA(a) => Some(a.0),
            _ => None,
        })
    }

    /// A and AAAA together. Failed if either failed; empty if both are.
    pub async fn addresses(&self, name: &str) -> Answer<IpAddr> {
        let (v4, v6) = tokio::join!(self.a(name), self.aaaa(name));
        if let Some(f) = v4.failure().or(v6.failure()) {
            return Answer::Failed(f.clone());
        }
        let records: Vec<IpAddr> = v4
            .records()
            .iter()
            .map(|ip| IpAddr::V4(*ip))
            .chain(v6.records().iter().map(|ip| IpAddr::V6(*ip)))
            .collect();
        if records.is_empty() {
            let nxdomain = matches!(v4, Answer::Empty { nxdomain: true })
                && matches!(v6, Answer::Empty { nxdomain: true });
            Answer::Empty { nxdomain }
        } else {
            Answer::Records(records)
        }
    }

    /// The target of `name`'s CNAME record, if it is an alias.
    pub async fn cname(&self, name: &str) -> Answer<String> {
        self.ask(name, RecordType::CNAME).await.map(|r| match r {
            RData::CNAME(target) => Some(name_text(&target.0)),
            _ => None,
        })
    }

    /// The PTR names of `ip`.
    pub async fn ptr(&self, ip: IpAddr) -> Answer<String> {
        let reverse = name_text(&Name::from(ip));
        self.ask(&reverse, RecordType::PTR).await.map(|r| match r {
            RData::PTR(ptr) => Some(name_text(&ptr.0)),
            _ => None,
        })
    }

    pub async fn srv(&self, name: &str) -> Answer<Srv> {
        self.ask(name, RecordType::SRV).await.map(|r| match r {
            RData::SRV(srv) => Some(Srv {
                priority: srv.priority,
                weight: srv.weight,
                port: srv.port,
                target: name_text(&srv.target),
            }),
            _ => None,
        })
    }

    /// Name server host names of `name`.
    pub async fn ns(&self, name: &str) -> Answer<String> {
        self.ask(name, RecordType::NS).await.map(|r| match r {
            RData::NS(ns) => Some(name_text(&ns.0)),
            _ => None,
        })
    }

    /// The zone serial of `name` (its SOA).
    pub async fn soa_serial(&self, name: &str) -> Answer<u32> {
        self.ask(name, RecordType::SOA).await.map(|r| match r {
            RData::SOA(soa) => Some(soa.serial),
            _ => None,
        })
    }
}

fn unavailable(e: NetError) -> Error {
    Error::unavailable("DNS resolver", e.to_string())
        .with_hint("give a name server with --nameserver IP[:PORT]")
}

/// Asks `servers` over UDP, and TCP when an answer is truncated.
fn servers_config(servers: &[SocketAddr]) -> ResolverConfig {
    let servers = servers
        .iter()
        .map(|addr| {
            let mut udp = ConnectionConfig::udp();
            udp.port = addr.port();
            let mut tcp = ConnectionConfig::tcp();
            tcp.port = addr.port();
            NameServerConfig::new(addr.ip(), true, vec![udp, tcp])
        })
        .collect();
    ResolverConfig::from_parts(None, vec![], servers)
}

fn build(config: ResolverConfig, options: &ResolverOptions) -> Result<TokioResolver> {
    let mut opts = ResolverOpts::default();
    opts.timeout = options.timeout;
    // hickory counts retries after the first try.
    opts.attempts = options.attempts.max(1) - 1;
    opts.use_hosts_file = ResolveHosts::Never;
    opts.preserve_intermediates = true;
    opts.edns0 = true;
    opts.cache_size = 16_384;
    TokioResolver::builder_with_config(config, TokioRuntimeProvider::default())
        .with_options(opts)
        .build()
        .map_err(unavailable)
}

/// Lowercase, no final dot.
fn normalize(name: &str) -> String {
    name.trim_end_matches('.').to_ascii_lowercase()
}

/// The labels as they are, not in master-file form (`foo:bar`, not
/// `foo\058bar`): the name is asked again as text.
fn name_text(name: &Name) -> String {
    let labels: Vec<String> = name
        .iter()
        .map(|label| String::from_utf8_lossy(label).into_owned())
        .collect();
    normalize(&labels.join("."))
}

/// Servers as errors name them: `192.0.2.53:53, [2001:db8::53]:53`.
fn shown(servers: impl Iterator<Item = SocketAddr>) -> String {
    let mut all: Vec<String> = servers.map(|s| s.to_string()).collect();
    all.dedup();
    if all.is_empty() {
        "the system's resolvers".to_string()
    } else {
        all.join(", ")
    }
}

fn classify(e: &NetError, servers: &str) -> Answer<RData> {
    match e {
        NetError::Dns(DnsError::NoRecordsFound(no)) => Answer::Empty {
            nxdomain: no.response_code == ResponseCode::NXDomain,
        },
        NetError::Dns(DnsError::ResponseCode(ResponseCode::ServFail)) => {
            Answer::Failed(Failure::ServFail(servers.to_string()))
        }
        NetError::Dns(DnsError::ResponseCode(ResponseCode::Refused)) => {
            Answer::Failed(Failure::Refused(servers.to_string()))
        }
        NetError::Timeout => Answer::Failed(Failure::Timeout(servers.to_string())),
        other => {
            let text = other.to_string();
            if text.contains("timed out") {
                Answer::Failed(Failure::Timeout(servers.to_string()))
            } else {
                Answer::Failed(Failure::Other(text))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nameserver_forms() {
        assert_eq!(
            parse_nameserver("192.0.2.1").unwrap(),
            "192.0.2.1:53".parse().unwrap()
        );
        assert_eq!(
            parse_nameserver("127.0.0.1:5353").unwrap(),
            "127.0.0.1:5353".parse().unwrap()
        );
        assert_eq!(
            parse_nameserver("[::1]:5353").unwrap(),
            "[::1]:5353".parse().unwrap()
        );
        assert_eq!(parse_nameserver("::1").unwrap().port(), 53);
        let err = parse_nameserver("ns.example").unwrap_err();
        assert!(err.what.contains("ns.example"), "{err}");
    }
}
