//! A fault-injecting TCP proxy for tests, on loopback only: it sits between a client and the
//! test server and can cut the connection after N bytes in either direction, deliver the
//! server's bytes one at a time, stall, flip a byte, or pace them (a server slower than the
//! client).

use std::io::{Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant};

/// What the proxy does to each connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fault {
    /// Forward faithfully.
    None,
    /// Close both sides after forwarding this many bytes from the server.
    CutToClientAfter(usize),
    /// Close both sides after forwarding this many bytes from the client.
    CutToServerAfter(usize),
    /// Forward the server's bytes one at a time (one write each).
    OneByteAtATime,
    /// Forward this many bytes from the server, then stop forwarding (keep the sockets open).
    StallToClientAfter(usize),
    /// XOR the server's byte at this offset with 0xFF.
    FlipToClientAt(usize),
    /// Forward the server's bytes in writes of at most 16 KiB (as MariaDB writes a large
    /// result), pausing this long after each: a server slower than the client.
    Paced(Duration),
}

/// A running proxy; stops accepting when dropped.
pub struct FaultProxy {
    port: u16,
    stop: Arc<AtomicBool>,
    fault: Arc<Mutex<Fault>>,
    to_client: Arc<AtomicUsize>,
    shared: Arc<Shared>,
}

/// What the accept loop and the pumps share with the test.
#[derive(Default)]
struct Shared {
    /// While set, new connections are closed at once (a server that is down).
    down: AtomicBool,
    /// The client side of every connection forwarded, to sever them.
    clients: Mutex<Vec<TcpStream>>,
    /// `COM_QUIT` packets seen from clients (each the last bytes of a client's write).
    quits: AtomicUsize,
    /// When the proxy last began a write to a client.
    last_to_client: Mutex<Option<Instant>>,
}

impl FaultProxy {
    /// Starts a proxy on 127.0.0.1 (a free port) forwarding to `upstream_port` on 127.0.0.1.
    pub fn start(upstream_port: u16, fault: Fault) -> FaultProxy {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind proxy");
        let port = listener.local_addr().unwrap().port();
        listener.set_nonblocking(true).unwrap();
        let stop = Arc::new(AtomicBool::new(false));
        let fault = Arc::new(Mutex::new(fault));
        let to_client = Arc::new(AtomicUsize::new(0));
        let shared = Arc::new(Shared::default());
        let (stop2, fault2, counter) = (stop.clone(), fault.clone(), to_client.clone());
        let shared2 = shared.clone();
        thread::spawn(move || {
            while !stop2.load(Ordering::Relaxed) {
                match listener.accept() {
                    Ok((client, _)) if shared2.down.load(Ordering::Relaxed) => drop(client),
                    Ok((client, _)) => {
                        client.set_nonblocking(false).unwrap();
                        shared2
                            .clients
                            .lock()
                            .unwrap()
                            .push(client.try_clone().unwrap());
                        if let Ok(server) = TcpStream::connect(("127.0.0.1", upstream_port)) {
                            let f = *fault2.lock().unwrap();
                            if let Fault::Paced(_) = f {
                                // Each paced write goes out at once, as from a server (MariaDB
                                // sets TCP_NODELAY); Nagle would merge them into 64 KiB.
                                client.set_nodelay(true).unwrap();
                            }
                            serve(client, server, f, counter.clone(), shared2.clone());
                        }
                    }
                    Err(_) => thread::sleep(Duration::from_millis(1)),
                }
            }
        });
        FaultProxy {
            port,
            stop,
            fault,
            to_client,
            shared,
        }
    }

    /// A server restart as clients see it: every forwarded connection is cut now, and new
    /// ones are closed at once until [`up`](Self::up).
    pub fn down(&self) {
        self.shared.down.store(true, Ordering::Relaxed);
        for c in self.shared.clients.lock().unwrap().drain(..) {
            let _ = c.shutdown(Shutdown::Both);
        }
    }

    /// Accepts and forwards connections again.
    pub fn up(&self) {
        self.shared.down.store(false, Ordering::Relaxed);
    }

    /// `COM_QUIT` packets clients sent so far (plain connections only: TLS hides them).
    pub fn quits(&self) -> usize {
        self.shared.quits.load(Ordering::Relaxed)
    }

    /// Changes the fault for connections accepted from now on.
    pub fn set_fault(&self, fault: Fault) {
        *self.fault.lock().unwrap() = fault;
    }

    /// When the proxy last began writing server bytes to a client (any connection): a client
    /// that has read a response to its end cannot have done so before this instant.
    pub fn last_write_to_client(&self) -> Option<Instant> {
        *self.shared.last_to_client.lock().unwrap()
    }

    /// Bytes forwarded from the server to clients so far (all connections).
    pub fn bytes_to_client(&self) -> usize {
        self.to_client.load(Ordering::Relaxed)
    }

    /// The proxy's port.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// `url` (a test-server URL) pointed at the proxy instead.
    pub fn url(&self, url: &str) -> String {
        let (head, tail) = url.rsplit_once(':').expect("url with a port");
        let rest = tail.find(['/', '?']).map_or("", |i| &tail[i..]);
        format!("{head}:{}{rest}", self.port)
    }
}

impl Drop for FaultProxy {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
    }
}

fn serve(
    client: TcpStream,
    server: TcpStream,
    fault: Fault,
    counter: Arc<AtomicUsize>,
    shared: Arc<Shared>,
) {
    let (c2, s2) = (client.try_clone().unwrap(), server.try_clone().unwrap());
    let c2_counter = Arc::new(AtomicUsize::new(0));
    let shared2 = shared.clone();
    thread::spawn(move || pump(server, client, fault, true, counter, shared));
    thread::spawn(move || pump(c2, s2, fault, false, c2_counter, shared2));
}

/// Copies `from` to `to`, applying `fault` for this direction (`to_client`), counting bytes.
fn pump(
    mut from: TcpStream,
    mut to: TcpStream,
    fault: Fault,
    to_client: bool,
    counter: Arc<AtomicUsize>,
    shared: Arc<Shared>,
) {
    let mut buf = [0u8; 16 * 1024];
    let mut sent = 0usize;
    loop {
        let n = match from.read(&mut buf) {
            Ok(0) | Err(_) => break,
            Ok(n) => n,
        };
        counter.fetch_add(n, Ordering::Relaxed);
        if to_client {
            *shared.last_to_client.lock().unwrap() = Some(Instant::now());
        } else if buf[..n].ends_with(&[1, 0, 0, 0, 1]) {
            shared.quits.fetch_add(1, Ordering::Relaxed);
        }
        let chunk = &mut buf[..n];
        let limit = match (fault, to_client) {
            (Fault::CutToClientAfter(k), true) | (Fault::CutToServerAfter(k), false) => Some(k),
            _ => None,
        };
        if let (Fault::FlipToClientAt(at), true) = (fault, to_client) {
            if at >= sent && at < sent + n {
                chunk[at - sent] ^= 0xff;
            }
        }
        if let (Fault::StallToClientAfter(k), true) = (fault, to_client) {
            let take = k.saturating_sub(sent).min(n);
            let _ = to.write_all(&chunk[..take]);
            sent += take;
            if sent >= k {
                // Keep the connection open but silent until the peer gives up.
                let _ = from.read_to_end(&mut Vec::new());
                break;
            }
            continue;
        }
        if let Some(k) = limit {
            let take = k.saturating_sub(sent).min(n);
            let _ = to.write_all(&chunk[..take]);
            sent += take;
            if sent >= k {
                break;
            }
            continue;
        }
        if let (Fault::Paced(pause), true) = (fault, to_client) {
            if to.write_all(chunk).is_err() {
                break;
            }
            sent += n;
            thread::sleep(pause);
            continue;
        }
        if let (Fault::OneByteAtATime, true) = (fault, to_client) {
            for b in chunk.iter() {
                if to.write_all(std::slice::from_ref(b)).is_err() {
                    return;
                }
            }
        } else if to.write_all(chunk).is_err() {
            break;
        }
        sent += n;
    }
    let _ = to.shutdown(Shutdown::Both);
    let _ = from.shutdown(Shutdown::Both);
}
