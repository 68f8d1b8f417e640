//! Ports for the test servers. A port the kernel hands out for `bind(:0)`
//! comes from the ephemeral range, where any outgoing connection (to
//! PostgreSQL, to Knot, ...) may take it again before the server binds it.
//! These come from below that range instead, each handed out once per test
//! process (a counter from a PID-derived start, so that two test processes
//! rarely meet), and only when both TCP and UDP can bind it right now.

use std::net::{TcpListener, UdpSocket};
use std::sync::atomic::{AtomicU32, Ordering};

/// Below Linux's default ephemeral range (32768–60999).
const FIRST: u32 = 20_000;
const COUNT: u32 = 12_000;

static NEXT: AtomicU32 = AtomicU32::new(u32::MAX);

/// A port on 127.0.0.1 free for TCP and UDP when asked, never handed out
/// before by this process.
pub fn free_port() -> u16 {
    let _ = NEXT.compare_exchange(
        u32::MAX,
        std::process::id().wrapping_mul(7_919) % COUNT,
        Ordering::SeqCst,
        Ordering::SeqCst,
    );
    free_port_after(&NEXT)
}

/// The next port from `next` that both TCP and UDP can bind right now.
fn free_port_after(next: &AtomicU32) -> u16 {
    for _ in 0..COUNT {
        let port = (FIRST + next.fetch_add(1, Ordering::SeqCst) % COUNT) as u16;
        let tcp = TcpListener::bind(("127.0.0.1", port));
        let udp = UdpSocket::bind(("127.0.0.1", port));
        if tcp.is_ok() && udp.is_ok() {
            return port;
        }
    }
    panic!("no free port between {FIRST} and {}", FIRST + COUNT);
}

// Whether a port is still free *after* it was handed out cannot be checked
// without a race (sibling tests start servers while this runs, and so may any
// other process on the machine); what is checked is what free_port promises:
// unique, in range, and never one that is taken when it is asked for.
#[test]
fn ports_are_handed_out_once_and_are_free() {
    let ports: Vec<u16> = (0..50).map(|_| free_port()).collect();
    let mut unique = ports.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(unique.len(), ports.len());
    for port in ports {
        assert!((FIRST..FIRST + COUNT).contains(&u32::from(port)));
    }
}

#[test]
fn a_port_taken_when_asked_is_skipped() {
    // Hold a port of the range (TCP, then UDP) and start a private counter
    // on it: free_port_after must pass over it.
    let (held, index) = (0..COUNT)
        .rev()
        .find_map(|i| {
            let port = (FIRST + i) as u16;
            TcpListener::bind(("127.0.0.1", port)).ok().map(|l| (l, i))
        })
        .expect("a port of the range can be bound");
    let taken = held.local_addr().unwrap().port();
    let next = AtomicU32::new(index);
    let given = free_port_after(&next);
    assert_ne!(given, taken, "handed out a port a listener holds");
    assert!(next.load(Ordering::SeqCst) > index + 1);
    let (udp_held, index) = (0..COUNT)
        .find_map(|i| {
            let port = (FIRST + i) as u16;
            UdpSocket::bind(("127.0.0.1", port)).ok().map(|s| (s, i))
        })
        .expect("a port of the range can be bound (UDP)");
    let taken = udp_held.local_addr().unwrap().port();
    assert_ne!(
        free_port_after(&AtomicU32::new(index)),
        taken,
        "handed out a port held on UDP"
    );
}
