//! [`Pool`]: connections shared by tasks, on any [`Runtime`]. Written once in the core
//! ([`mysql_proto::pool_api!`]); this file supplies the clock and the waiting (a future woken
//! by the release that grants it, raced against the runtime's timer).

use std::future::poll_fn;
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use mysql_proto::pool::{Grant, WaiterId};

use crate::conn::Conn;
use crate::runtime::{timeout, Runtime};

mysql_proto::pool_api!(async: [async], await: [.await], generics: [R: Runtime], args: [R]);

impl<R: Runtime> Pool<R> {
    /// Waits until waiter `id` is granted, the pool closes (`Ok(None)`) or `limit` passes
    /// (`Err(())`).
    async fn wait_for(
        &self,
        id: WaiterId,
        limit: Option<Duration>,
    ) -> Result<Option<Grant<Conn<R>>>, ()> {
        let shared = &self.inner.shared;
        timeout::<R, _>(limit, poll_fn(|cx| shared.poll_grant(id, cx.waker()))).await
    }
}

/// The pool's monotonic clock: time since the first call.
pub(crate) fn pool_clock() -> Duration {
    static EPOCH: OnceLock<Instant> = OnceLock::new();
    EPOCH.get_or_init(Instant::now).elapsed()
}
