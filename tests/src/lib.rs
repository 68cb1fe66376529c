//! Shared helpers of the integration suite: where the test server is and how to reach it.
//!
//! The server is the one `scripts/test-server.sh start` runs (its defaults are built in here;
//! `MYSQL_URL` / `MYSQL_SOCKET_URL` override them). When it is not reachable, tests fail with
//! a message saying how to start it: they never skip silently.

pub mod client;
pub mod corpus;
pub mod derive_checks;
pub mod gateway;
pub mod proxy;

use std::path::PathBuf;

/// The repository root.
pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// The main TCP URL of the test server.
pub fn url() -> String {
    std::env::var("MYSQL_URL").unwrap_or_else(|_| {
        let port = std::env::var("MYSQL_TEST_PORT").unwrap_or_else(|_| "3307".into());
        format!("mysql://rs_native:native_pw@127.0.0.1:{port}/test")
    })
}

/// The Unix socket path of the test server.
pub fn socket_path() -> String {
    std::env::var("MYSQL_SOCKET").unwrap_or_else(|_| {
        root()
            .join("target/test-server/mysqld.sock")
            .to_string_lossy()
            .into_owned()
    })
}

/// The main URL over the Unix socket.
pub fn socket_url() -> String {
    std::env::var("MYSQL_SOCKET_URL").unwrap_or_else(|_| {
        format!(
            "mysql://rs_native:native_pw@localhost/test?socket={}",
            socket_path()
        )
    })
}

/// Both transports, for tests that run over each.
pub fn all_urls() -> Vec<(&'static str, String)> {
    vec![("tcp", url()), ("unix", socket_url())]
}

/// Connects with the blocking adapter or fails the test with instructions.
pub fn blocking(url: &str) -> mysql_blocking::Conn {
    mysql_blocking::Conn::connect(url).unwrap_or_else(|e| {
        panic!(
            "cannot reach the test server at {url}: {e}\n\
             start it with: scripts/test-server.sh start"
        )
    })
}

/// A table name unique to this process and `tag`, so tests can run in parallel.
pub fn table(tag: &str) -> String {
    format!("t_{tag}_{}", std::process::id())
}

/// Connects with any adapter or fails the test with instructions.
pub async fn connect<C: client::Client>(url: &str) -> C {
    C::connect(url).await.unwrap_or_else(|e| {
        panic!(
            "cannot reach the test server at {url}: {e}\n\
             start it with: scripts/test-server.sh start"
        )
    })
}

/// The TCP port of the test server.
pub fn port() -> u16 {
    let u = url();
    let tail = u.rsplit_once(':').expect("url with a port").1;
    tail[..tail.find(['/', '?']).unwrap_or(tail.len())]
        .parse()
        .expect("port")
}

/// Ends the test process with a message if it is still alive `limit` after this was made and
/// before it is dropped: a hang becomes a failure instead of a stalled run.
pub struct Watchdog(Option<std::sync::mpsc::Sender<()>>);

impl Watchdog {
    /// Arms the watchdog for the test named `what`.
    pub fn new(what: &'static str, limit: std::time::Duration) -> Watchdog {
        let (tx, rx) = std::sync::mpsc::channel::<()>();
        std::thread::spawn(move || {
            if let Err(std::sync::mpsc::RecvTimeoutError::Timeout) = rx.recv_timeout(limit) {
                // Straight to the process's stderr: `eprintln!` in a thread spawned by a test
                // is captured with the test's output, which `exit` then throws away.
                use std::io::Write;
                let _ = writeln!(
                    std::io::stderr(),
                    "{what}: still running after {limit:?}: hung"
                );
                std::process::exit(101);
            }
        });
        Watchdog(Some(tx))
    }
}

impl Drop for Watchdog {
    fn drop(&mut self) {
        if let Some(tx) = self.0.take() {
            let _ = tx.send(());
        }
    }
}

/// Runs every future of `futures` concurrently on the calling task and returns their outputs
/// in order. Only the futures whose waker fired are polled again, so ten thousand of them cost
/// what their own wake-ups cost (a plain poll-all join would poll all of them per wake-up).
/// Each is polled at most once per poll of the join, so a runtime's cooperative budget
/// (tokio's) cannot make it spin.
pub async fn join_all<F: std::future::Future>(futures: Vec<F>) -> Vec<F::Output> {
    use std::sync::{Arc, Mutex};
    use std::task::{Poll, Wake, Waker};

    /// The indices woken since the last poll, and the parent task to wake.
    struct Ready {
        woken: Mutex<(Vec<usize>, Option<Waker>)>,
    }
    struct Child(Arc<Ready>, usize);
    impl Wake for Child {
        fn wake(self: Arc<Self>) {
            self.wake_by_ref();
        }
        fn wake_by_ref(self: &Arc<Self>) {
            let mut w = self.0.woken.lock().unwrap();
            w.0.push(self.1);
            if let Some(parent) = w.1.take() {
                parent.wake();
            }
        }
    }

    let n = futures.len();
    let mut futures: Vec<Option<std::pin::Pin<Box<F>>>> =
        futures.into_iter().map(|f| Some(Box::pin(f))).collect();
    let mut out: Vec<Option<F::Output>> = (0..n).map(|_| None).collect();
    let ready = Arc::new(Ready {
        woken: Mutex::new(((0..n).collect(), None)),
    });
    let wakers: Vec<Waker> = (0..n)
        .map(|i| Waker::from(Arc::new(Child(ready.clone(), i))))
        .collect();
    let mut left = n;
    std::future::poll_fn(|cx| {
        // Each woken future is polled once per poll of the whole: a future woken again while
        // being polled (tokio's budget ran out) waits for the next round, which the parent's
        // waker (set first) schedules, instead of spinning here.
        let woken = {
            let mut w = ready.woken.lock().unwrap();
            w.1 = Some(cx.waker().clone());
            std::mem::take(&mut w.0)
        };
        for i in woken {
            let Some(f) = futures[i].as_mut() else {
                continue;
            };
            let mut child = std::task::Context::from_waker(&wakers[i]);
            if let Poll::Ready(v) = f.as_mut().poll(&mut child) {
                out[i] = Some(v);
                futures[i] = None;
                left -= 1;
            }
        }
        if left == 0 {
            Poll::Ready(())
        } else {
            Poll::Pending
        }
    })
    .await;
    out.into_iter()
        .map(|o| o.expect("every future finished"))
        .collect()
}

/// This process's peak resident memory (`VmHWM`), KiB: the bounded-memory tests, each alone in
/// its binary, assert on it.
pub fn peak_rss_kib() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").expect("/proc/self/status");
    let line = status
        .lines()
        .find(|l| l.starts_with("VmHWM:"))
        .expect("VmHWM");
    line.split_whitespace()
        .nth(1)
        .and_then(|n| n.parse().ok())
        .expect("a number")
}
