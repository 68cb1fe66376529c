//! [`Pool`]: connections shared by threads. Written once in the core
//! ([`mysql_proto::pool_api!`]); this file supplies the clock and the waiting (the thread parks
//! until the release that grants it unparks it).

use std::sync::{Arc, OnceLock};
use std::task::{Poll, Wake, Waker};
use std::thread::{self, Thread};
use std::time::{Duration, Instant};

use mysql_proto::pool::{Grant, WaiterId};

use crate::conn::Conn;

mysql_proto::pool_api!(async: [], await: [], generics: [], args: []);

impl Pool {
    /// Parks the thread until waiter `id` is granted, the pool closes (`Ok(None)`) or `limit`
    /// passes (`Err(())`).
    fn wait_for(&self, id: WaiterId, limit: Option<Duration>) -> Result<Option<Grant<Conn>>, ()> {
        let deadline = limit.map(|l| Instant::now() + l);
        let waker = Waker::from(Arc::new(Unpark(thread::current())));
        loop {
            if let Poll::Ready(grant) = self.inner.shared.poll_grant(id, &waker) {
                return Ok(grant);
            }
            match deadline {
                None => thread::park(),
                Some(d) => match d.checked_duration_since(Instant::now()) {
                    Some(left) if !left.is_zero() => thread::park_timeout(left),
                    _ => return Err(()),
                },
            }
        }
    }
}

/// Wakes a parked thread.
struct Unpark(Thread);

impl Wake for Unpark {
    fn wake(self: Arc<Self>) {
        self.0.unpark();
    }
}

/// The pool's monotonic clock: time since the first call.
pub(crate) fn pool_clock() -> Duration {
    static EPOCH: OnceLock<Instant> = OnceLock::new();
    EPOCH.get_or_init(Instant::now).elapsed()
}
