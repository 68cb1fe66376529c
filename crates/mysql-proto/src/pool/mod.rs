//! Connection pooling, written once for every adapter: the bookkeeping ([`PoolState`], no IO
//! and no clock), the same behind a lock with wakers and metrics ([`SharedPool`]), what
//! happens to a connection at the pool's edges ([`check_in`], [`check_out`], [`retire`]), and
//! the adapters' `Pool` / `PooledConn` API ([`pool_api!`](crate::pool_api)), which each
//! adapter expands with its IO and its way of waiting.
//!
//! # Theory of operation
//!
//! Every connection the pool owns is counted in `open`: idle ones, lent ones, and slots
//! reserved for a connection being opened. [`PoolState::acquire`] lends the most recently
//! returned idle connection (the warmest), else reserves a slot to open one while `open` is
//! under `max_size`, else queues the caller as a waiter. Waiters are served strictly in order:
//! while anyone waits, a newcomer queues too, and [`PoolState::release`] hands a returned
//! connection (or, if it is not reusable, a freed slot) to the first waiter directly, so no
//! newcomer can take it first. A waiter that gives up ([`PoolState::cancel`]) passes on what it
//! was granted. Connections past `max_lifetime` or idle past `idle_timeout` (while more than
//! `min_size` are open) are retired: collected for the adapter to close
//! ([`PoolState::take_retired`]), never handed out.
//!
//! There is no background task: upkeep happens on acquire and release. A connection handed
//! back gets its open transaction rolled back, or its session reset, queued and written at
//! once without waiting ([`check_in`]); the answer is read when it is next lent
//! ([`check_out`]), which also notices a connection the server closed meanwhile (its socket
//! says so) and, after a long idle, pings it.
//!
//! ```
//! use core::time::Duration;
//! use mysql_proto::pool::{Acquire, Grant, PoolOpts, PoolState};
//!
//! let mut pool: PoolState<&str> = PoolState::new(PoolOpts { max_size: 1, ..PoolOpts::default() });
//! let t = Duration::ZERO;
//! assert!(matches!(pool.acquire(t), Acquire::Ready(Grant::Open))); // open one
//! let Acquire::Wait(waiter) = pool.acquire(t) else { panic!() };  // the pool is full
//! assert_eq!(pool.release("conn", t, t, true), Some(waiter));     // handed to the waiter
//! assert!(matches!(pool.grant(waiter), Some(Grant::Conn(p)) if p.conn == "conn"));
//! ```

mod api;
mod checkin;
mod guard;
mod opts;
mod shared;
mod state;

use core::time::Duration;

use crate::error::{Error, ErrorKind};
use crate::opts::Opts;

pub use checkin::{check_in, check_out, retire};
pub use guard::{Opening, Waiting};
pub use opts::PoolOpts;
pub use shared::{PoolMetrics, SharedPool};
pub use state::{Acquire, Grant, PoolState, PoolStatus, Pooled, WaiterId};

/// The longest a health-check ping may take before the connection counts as dead (less when
/// the acquire timeout is nearer).
pub const CHECK_TIMEOUT: Duration = Duration::from_secs(5);

/// The error of an acquire on a closed pool.
pub fn closed() -> Error {
    Error::new(ErrorKind::Closed, "the pool is closed")
}

/// The error of an acquire that waited the whole acquire timeout (`limit`) in vain.
pub fn timed_out(limit: Option<Duration>) -> Error {
    let limit = limit.unwrap_or_default();
    Error::new(
        ErrorKind::Timeout,
        format!("no pooled connection became free within the acquire timeout ({limit:?})"),
    )
}

/// The options to open a pooled connection with: `opts`, its connect timeout cut to what is
/// left of the acquire's `deadline` at `now`.
pub fn connect_opts(opts: &Opts, deadline: Option<Duration>, now: Duration) -> Opts {
    let Some(left) = deadline.map(|d| d.saturating_sub(now)) else {
        return opts.clone();
    };
    let limit = opts.connect_timeout().map_or(left, |t| t.min(left));
    Opts::builder_from(opts.clone())
        .connect_timeout(Some(limit))
        .build()
}
