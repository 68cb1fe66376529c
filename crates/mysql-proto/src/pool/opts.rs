//! [`PoolOpts`]: the pool's limits and policies, from a URL or set by hand.

use core::time::Duration;

/// The pool's limits and policies. In a URL they sit next to the connection's options
/// (`mysql://u:p@host/db?pool-max=32&acquire-timeout=5s`); see [`crate::Opts`].
///
/// | URL key            | field               | default |
/// |--------------------|---------------------|---------|
/// | `pool-min`         | `min_size`          | 0       |
/// | `pool-max`         | `max_size`          | 10      |
/// | `acquire-timeout`  | `acquire_timeout`   | 30 s    |
/// | `idle-timeout`     | `idle_timeout`      | 10 min  |
/// | `max-lifetime`     | `max_lifetime`      | none    |
/// | `check-after-idle` | `check_after_idle`  | 1 min   |
/// | `reset-on-return`  | `reset_on_return`   | false   |
///
/// Durations take `ms` or `s` (`250ms`, `1.5s`, plain seconds); `off` (or `none`) turns a
/// limit off.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PoolOpts {
    /// Most connections open at once (idle, lent, or being opened). At least 1.
    pub max_size: usize,
    /// Connections the idle timeout never closes (the pool opens connections only on demand,
    /// and keeps this many once opened).
    pub min_size: usize,
    /// How long an acquire may wait for a connection, including opening one; then it fails
    /// with [`ErrorKind::Timeout`](crate::ErrorKind::Timeout). `None`: wait forever.
    pub acquire_timeout: Option<Duration>,
    /// An idle connection older than this (since it was returned) is closed, unless only
    /// `min_size` are open.
    pub idle_timeout: Option<Duration>,
    /// A connection older than this (since it was opened) is closed when seen idle or returned.
    pub max_lifetime: Option<Duration>,
    /// A connection idle longer than this is pinged before it is lent (and replaced when the
    /// ping fails). A connection the server closed meanwhile is noticed without a ping anyway
    /// when its socket already says so. `None`: never ping.
    pub check_after_idle: Option<Duration>,
    /// Reset each returned connection with `COM_RESET_CONNECTION` (session variables, temporary
    /// tables, user locks, prepared statements: the statement cache starts empty again). Without
    /// it only an open transaction is rolled back.
    pub reset_on_return: bool,
}

impl Default for PoolOpts {
    /// 10 connections, none kept open, acquire waits up to 30 s, idle connections closed after
    /// 10 minutes and pinged after 1 minute, no lifetime limit, no reset on return.
    fn default() -> Self {
        PoolOpts {
            max_size: 10,
            min_size: 0,
            acquire_timeout: Some(Duration::from_secs(30)),
            idle_timeout: Some(Duration::from_secs(600)),
            max_lifetime: None,
            check_after_idle: Some(Duration::from_secs(60)),
            reset_on_return: false,
        }
    }
}
