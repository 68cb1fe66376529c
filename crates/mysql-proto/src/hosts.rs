//! Several hosts behind one URL: which to connect to, in what order, and which to avoid for a
//! while. Written once here, as bookkeeping without IO or clock (times are [`Duration`]s on the
//! caller's monotonic clock, as in [`crate::pool`]); the adapters' connect tries the hosts in the
//! order [`Attempts`] gives and reports back.
//!
//! ```text
//! mysql://user:pw@db1:3306,db2:3306,[::1]:3308/app?load-balance=round-robin&target=primary
//! ```
//!
//! - `load-balance`: `failover` (default: the first host that is up, in the URL's order),
//!   `round-robin` (each new connection starts at the next host), `random`, or
//!   `least-connections` (the host with the fewest open connections of this pool first).
//! - A host that fails to connect is *down* for `host-backoff` (default 5 s), doubling with each
//!   failure in a row up to 16 times that; down hosts are tried only when no host is up (a whole
//!   cluster briefly unreachable then still gets tried, soonest-back first).
//! - `target`: `any` (default), `primary` (a server with `read_only` off) or `replica` (with
//!   `read_only` on). With several hosts or a target, each new connection asks the server
//!   (`@@global.read_only`, and Galera's `wsrep_local_state`): a Galera node that is not
//!   synced, or a server of the wrong role, is passed over for the next host.
//!
//! Read-your-writes across a primary and its replicas: the writing connection's session
//! reports the GTID of its last write (session tracking), and a replica read first waits for it
//! with a bound (`Conn::wait_for_gtid`, built on [`gtid_wait_sql`]), falling back to the primary
//! when the replica is too far behind.
//!
//! A standalone connect plans afresh each time; a pool keeps one [`HostSet`] for all its
//! connections (so round-robin spreads them, least-connections counts them, and a host that
//! failed is avoided by every later connect of the pool).

use core::time::Duration;
use std::sync::{Arc, Mutex};

use crate::error::{Error, ErrorKind};
use crate::opts::Opts;

/// How a new connection picks among several hosts (`load-balance`).
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum LoadBalance {
    /// The first host that is up, in the URL's order.
    #[default]
    Failover,
    /// Each new connection starts one host further.
    RoundRobin,
    /// A random host first.
    Random,
    /// The host with the fewest open connections (of this pool) first.
    LeastConnections,
}

impl LoadBalance {
    /// Parses `failover`, `round-robin`, `random`, `least-connections`.
    pub fn parse(s: &str) -> Option<LoadBalance> {
        Some(match s.to_ascii_lowercase().replace('_', "-").as_str() {
            "failover" | "fail-over" => LoadBalance::Failover,
            "round-robin" | "roundrobin" => LoadBalance::RoundRobin,
            "random" => LoadBalance::Random,
            "least-connections" | "leastconnections" => LoadBalance::LeastConnections,
            _ => return None,
        })
    }
}

/// Which servers a connection may use (`target`).
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Target {
    /// Any server that is up (and, on Galera, synced).
    #[default]
    Any,
    /// A server that takes writes: `read_only` off.
    Primary,
    /// A read-only server: `read_only` on.
    Replica,
}

impl Target {
    /// Parses `any`, `primary`, `replica`.
    pub fn parse(s: &str) -> Option<Target> {
        Some(match s.to_ascii_lowercase().as_str() {
            "any" => Target::Any,
            "primary" | "master" => Target::Primary,
            "replica" | "secondary" | "slave" => Target::Replica,
            _ => return None,
        })
    }
}

/// The default `host-backoff`.
pub const DEFAULT_BACKOFF: Duration = Duration::from_secs(5);

/// The query that tells a server's role: `read_only`.
pub const READ_ONLY_SQL: &str = "SELECT @@global.read_only";
/// The query that tells a Galera node's state (no row on a server without Galera).
pub const GALERA_STATE_SQL: &str = "SHOW GLOBAL STATUS LIKE 'wsrep_local_state'";
/// `wsrep_local_state` of a Galera node in sync with its cluster.
pub const GALERA_SYNCED: u32 = 4;

/// What a server said about itself (the answers to [`READ_ONLY_SQL`] and [`GALERA_STATE_SQL`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HostRole {
    /// `@@global.read_only` is on.
    pub read_only: bool,
    /// Galera's `wsrep_local_state` (4: synced), `None` without Galera.
    pub galera_state: Option<u32>,
}

impl HostRole {
    /// Whether a connection with `target` may use this server.
    pub fn serves(&self, target: Target) -> bool {
        if self.galera_state.is_some_and(|s| s != GALERA_SYNCED) {
            return false;
        }
        match target {
            Target::Any => true,
            Target::Primary => !self.read_only,
            Target::Replica => self.read_only,
        }
    }
}

/// The statement that waits for a GTID (parameters: the GTID, the timeout in seconds):
/// `MASTER_GTID_WAIT` on MariaDB, `WAIT_FOR_EXECUTED_GTID_SET` on MySQL.
pub fn gtid_wait_sql(mariadb: bool) -> &'static str {
    if mariadb {
        "SELECT MASTER_GTID_WAIT(?, ?)"
    } else {
        "SELECT WAIT_FOR_EXECUTED_GTID_SET(?, ?)"
    }
}

/// The timeout parameter of [`gtid_wait_sql`]: seconds, to the millisecond.
pub fn gtid_wait_seconds(timeout: Duration) -> f64 {
    timeout.as_millis() as f64 / 1000.0
}

/// Whether the answer of [`gtid_wait_sql`] says the GTID was applied: `0` on both servers
/// (MariaDB answers `-1` on timeout, MySQL `1`; `NULL` means neither).
pub fn gtid_waited(answer: Option<i64>) -> bool {
    answer == Some(0)
}

/// Health and load of one host.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct HostStatus {
    /// Failed to connect, and its back-off has not passed: until when.
    pub down_until: Option<Duration>,
    /// Connect failures in a row.
    pub failures: u32,
    /// Open connections counted by [`HostSet::opened`] / [`HostSet::closed`].
    pub connections: usize,
    /// Connections ever opened to it.
    pub opened: u64,
}

/// The bookkeeping of several hosts (see the module docs). A pool shares one behind a lock
/// ([`SharedHosts`]).
#[derive(Debug, Clone)]
pub struct HostSet {
    hosts: Vec<(String, u16)>,
    status: Vec<HostStatus>,
    policy: LoadBalance,
    backoff: Duration,
    turn: usize,
    rng: u64,
}

impl HostSet {
    /// The hosts of `opts`, all up; `seed` feeds `random` (any value; the adapters pass one from
    /// the standard library's random hasher keys).
    pub fn new(opts: &Opts, seed: u64) -> HostSet {
        let hosts = opts.hosts();
        HostSet {
            status: vec![HostStatus::default(); hosts.len()],
            hosts,
            policy: opts.load_balance(),
            backoff: opts.host_backoff(),
            turn: 0,
            rng: seed | 1,
        }
    }

    /// The hosts, in the URL's order.
    pub fn hosts(&self) -> &[(String, u16)] {
        &self.hosts
    }

    /// Each host's health and load, in the URL's order.
    pub fn status(&self) -> &[HostStatus] {
        &self.status
    }

    /// The index of `host:port`, if it is one of the hosts.
    pub fn index_of(&self, host: &str, port: u16) -> Option<usize> {
        self.hosts.iter().position(|(h, p)| h == host && *p == port)
    }

    /// The order to try the hosts in for a new connection at `now`: those up (or whose back-off
    /// has passed) in the policy's order; when none is, every host, soonest back first.
    pub fn plan(&mut self, now: Duration) -> Vec<usize> {
        let n = self.hosts.len();
        let up = |s: &HostStatus| s.down_until.is_none_or(|t| t <= now);
        let mut order: Vec<usize> = match self.policy {
            LoadBalance::Failover => (0..n).collect(),
            LoadBalance::RoundRobin => {
                let start = self.turn % n.max(1);
                self.turn = self.turn.wrapping_add(1);
                (0..n).map(|i| (start + i) % n).collect()
            }
            LoadBalance::Random => {
                let mut order: Vec<usize> = (0..n).collect();
                for i in (1..n).rev() {
                    let j = (self.next_random() % (i as u64 + 1)) as usize;
                    order.swap(i, j);
                }
                order
            }
            LoadBalance::LeastConnections => {
                let mut order: Vec<usize> = (0..n).collect();
                // Stable: ties keep the URL's order, rotated so that ties spread.
                let start = self.turn % n.max(1);
                self.turn = self.turn.wrapping_add(1);
                order.rotate_left(start);
                order.sort_by_key(|&i| self.status[i].connections);
                order
            }
        };
        if order.iter().any(|&i| up(&self.status[i])) {
            order.retain(|&i| up(&self.status[i]));
        } else {
            order.sort_by_key(|&i| self.status[i].down_until);
        }
        order
    }

    /// A connection to host `i` was opened (and passed the role check).
    pub fn opened(&mut self, i: usize) {
        if let Some(s) = self.status.get_mut(i) {
            s.down_until = None;
            s.failures = 0;
            s.connections += 1;
            s.opened += 1;
        }
    }

    /// A connection to host `i` was closed.
    pub fn closed(&mut self, i: usize) {
        if let Some(s) = self.status.get_mut(i) {
            s.connections = s.connections.saturating_sub(1);
        }
    }

    /// Connecting to host `i` failed at `now`: it is down for the back-off, doubled for each
    /// failure in a row before (at most 16 times).
    pub fn failed(&mut self, i: usize, now: Duration) {
        let backoff = self.backoff;
        if let Some(s) = self.status.get_mut(i) {
            let factor = 1u32 << s.failures.min(4);
            s.failures = s.failures.saturating_add(1);
            s.down_until = Some(now + backoff * factor);
        }
    }

    fn next_random(&mut self) -> u64 {
        // xorshift64*: enough to spread connections, not for secrets.
        self.rng ^= self.rng >> 12;
        self.rng ^= self.rng << 25;
        self.rng ^= self.rng >> 27;
        self.rng.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
}

/// A seed for [`HostSet`]'s `random` order, from the standard library's per-process random
/// hasher keys.
pub fn seed() -> u64 {
    use std::hash::{BuildHasher, Hasher};
    std::collections::hash_map::RandomState::new()
        .build_hasher()
        .finish()
}

/// A [`HostSet`] shared by the connects of a pool.
#[derive(Debug, Clone)]
pub struct SharedHosts(Arc<Mutex<HostSet>>);

impl SharedHosts {
    /// Shares `hosts`.
    pub fn new(hosts: HostSet) -> SharedHosts {
        SharedHosts(Arc::new(Mutex::new(hosts)))
    }

    /// Runs `f` on the hosts (the lock is held only for `f`).
    pub fn with<T>(&self, f: impl FnOnce(&mut HostSet) -> T) -> T {
        let mut guard = self.0.lock().unwrap_or_else(|p| p.into_inner());
        f(&mut guard)
    }

    /// Each host's health and load, in the URL's order.
    pub fn status(&self) -> Vec<HostStatus> {
        self.with(|h| h.status().to_vec())
    }
}

/// One connect across the hosts of its options: which host to try next, with how much of the
/// connect timeout, and the error to give when none could be had.
///
/// The adapters' connect (written once in [`connect_api!`](crate::connect_api)) loops:
/// [`next`](Self::next) gives the options of the next host to try; the adapter connects, asks
/// the server its role when [`checks_role`](Self::checks_role), and reports with
/// [`connected`](Self::connected) (true: use this connection; false: the host is passed over),
/// [`unusable`](Self::unusable) (it could not say its role) or [`failed`](Self::failed).
#[derive(Debug)]
pub struct Attempts {
    opts: Opts,
    order: Vec<usize>,
    at: usize,
    shared: Option<SharedHosts>,
    local: HostSet,
    deadline: Option<Duration>,
    current: Option<usize>,
    last_error: Option<Error>,
    passed_over: Vec<String>,
}

impl Attempts {
    /// The attempts of one connect started at `now`: through `shared` (a pool's hosts), or with
    /// a plan of their own.
    pub fn new(opts: Opts, shared: Option<&SharedHosts>, now: Duration, seed: u64) -> Attempts {
        let mut local = HostSet::new(&opts, seed);
        let order = match shared {
            Some(s) => s.with(|h| h.plan(now)),
            None => local.plan(now),
        };
        Attempts {
            deadline: opts.connect_timeout().map(|t| now + t),
            opts,
            order,
            at: 0,
            shared: shared.cloned(),
            local,
            current: None,
            last_error: None,
            passed_over: Vec::new(),
        }
    }

    fn hosts<T>(&mut self, f: impl FnOnce(&mut HostSet) -> T) -> T {
        match &self.shared {
            Some(s) => s.with(f),
            None => f(&mut self.local),
        }
    }

    /// The options for the next host to try at `now` (its share of what is left of the connect
    /// timeout), or `None` when every host was tried or the time is up: then
    /// [`into_error`](Self::into_error) says why.
    pub fn next(&mut self, now: Duration) -> Option<Opts> {
        let i = *self.order.get(self.at)?;
        let hosts_left = (self.order.len() - self.at) as u32;
        self.at += 1;
        let limit = match self.deadline {
            Some(d) if d <= now => {
                self.last_error = Some(Error::new(ErrorKind::Timeout, "connect timeout expired"));
                return None;
            }
            Some(d) => Some((d - now) / hosts_left),
            None => None,
        };
        self.current = Some(i);
        let mut one = self.opts.for_host(i);
        if self.order.len() > 1 {
            one = Opts::builder_from(one).connect_timeout(limit).build();
        }
        Some(one)
    }

    /// Whether the server must be asked its role ([`READ_ONLY_SQL`], [`GALERA_STATE_SQL`]) before
    /// the connection is used: with several hosts or a target.
    pub fn checks_role(&self) -> bool {
        self.opts.hosts_len() > 1 || self.opts.target() != Target::Any
    }

    /// The connection to the current host works and (when checked) the server said `role`:
    /// true when it serves the target (the host counts it open), false when it is passed over
    /// (close it and try the next).
    pub fn connected(&mut self, role: Option<HostRole>) -> bool {
        let Some(i) = self.current else { return false };
        if let Some(role) = role {
            if !role.serves(self.opts.target()) {
                let (host, port) = self.opts.hosts()[i].clone();
                self.passed_over.push(format!("{host}:{port} ({role:?})"));
                return false;
            }
        }
        self.hosts(|h| h.opened(i));
        true
    }

    /// The current host answered but could not say its role (`e`; a Galera node that is not
    /// ready refuses queries): it is passed over, not counted down.
    pub fn unusable(&mut self, e: Error) {
        if let Some(i) = self.current.take() {
            let (host, port) = self.opts.hosts()[i].clone();
            self.passed_over.push(format!("{host}:{port} ({e})"));
        }
    }

    /// Connecting to the current host failed with `e` at `now`: it is down for its back-off.
    /// A refused login (`Auth`) or a bad option (`Misuse`, `Tls`, `Unsupported`) would fail on
    /// every host: [`next`](Self::next) then ends the attempts.
    pub fn failed(&mut self, e: Error, now: Duration) {
        if let Some(i) = self.current.take() {
            if matches!(
                e.kind(),
                ErrorKind::Io | ErrorKind::Timeout | ErrorKind::Closed
            ) {
                self.hosts(|h| h.failed(i, now));
            } else {
                self.at = self.order.len();
            }
        }
        self.last_error = Some(e);
    }

    /// The error when no host could be had: the last connect error, or, when hosts answered but
    /// served another role, an [`ErrorKind::Unavailable`] naming them.
    pub fn into_error(self) -> Error {
        if !self.passed_over.is_empty() && self.last_error.is_none() {
            return Error::new(
                ErrorKind::Unavailable,
                format!(
                    "no host serves target {:?}: passed over {}",
                    self.opts.target(),
                    self.passed_over.join(", ")
                ),
            );
        }
        match self.last_error {
            Some(e) if self.order.len() <= 1 => e,
            Some(e) => Error::new(
                e.kind(),
                format!(
                    "no host of {} could be reached; the last said: {e}",
                    self.order.len()
                ),
            ),
            None => Error::new(ErrorKind::Unavailable, "no host to connect to"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn set(url: &str) -> HostSet {
        HostSet::new(&Opts::from_url(url).unwrap(), 42)
    }

    const THREE: &str = "mysql://u@a:1,b:2,[::1]:3/db";

    #[test]
    fn failover_takes_the_first_host_up() {
        let mut h = set(THREE);
        assert_eq!(h.hosts()[2], ("::1".to_string(), 3));
        let t = Duration::from_secs(100);
        assert_eq!(h.plan(t), vec![0, 1, 2]);
        h.failed(0, t);
        assert_eq!(h.plan(t), vec![1, 2]);
        // Back after the back-off (5 s), and the back-off doubles with each failure in a row.
        assert_eq!(h.plan(t + DEFAULT_BACKOFF), vec![0, 1, 2]);
        h.failed(0, t + DEFAULT_BACKOFF);
        assert_eq!(h.plan(t + DEFAULT_BACKOFF * 2), vec![1, 2]);
        assert_eq!(h.plan(t + DEFAULT_BACKOFF * 3), vec![0, 1, 2]);
        // A connection resets it.
        h.opened(0);
        h.failed(0, t);
        assert_eq!(h.status()[0].down_until, Some(t + DEFAULT_BACKOFF));
    }

    #[test]
    fn every_host_down_still_tries_the_soonest_back() {
        let mut h = set(THREE);
        let t = Duration::from_secs(10);
        h.failed(1, t);
        h.failed(2, t + Duration::from_secs(1));
        h.failed(0, t + Duration::from_secs(2));
        assert_eq!(h.plan(t + Duration::from_secs(3)), vec![1, 2, 0]);
    }

    #[test]
    fn round_robin_and_random_spread() {
        let mut h = set(&format!("{THREE}?load-balance=round-robin"));
        let firsts: Vec<usize> = (0..6).map(|_| h.plan(Duration::ZERO)[0]).collect();
        assert_eq!(firsts, vec![0, 1, 2, 0, 1, 2]);
        let mut h = set(&format!("{THREE}?load-balance=random"));
        let mut counts = [0; 3];
        for _ in 0..3000 {
            let plan = h.plan(Duration::ZERO);
            assert_eq!(plan.len(), 3);
            counts[plan[0]] += 1;
        }
        assert!(
            counts.iter().all(|&c| (900..1100).contains(&c)),
            "{counts:?}"
        );
    }

    #[test]
    fn least_connections_follows_the_counts() {
        let mut h = set(&format!("{THREE}?load-balance=least-connections"));
        for _ in 0..3 {
            h.opened(0);
        }
        h.opened(1);
        assert_eq!(h.plan(Duration::ZERO)[0], 2);
        h.opened(2);
        h.opened(2);
        assert_eq!(h.plan(Duration::ZERO)[0], 1);
        h.closed(0);
        h.closed(0);
        h.closed(0);
        assert_eq!(h.plan(Duration::ZERO)[0], 0);
    }

    #[test]
    fn roles_and_targets() {
        let primary = HostRole {
            read_only: false,
            galera_state: None,
        };
        let replica = HostRole {
            read_only: true,
            galera_state: None,
        };
        let joining = HostRole {
            read_only: false,
            galera_state: Some(1),
        };
        let synced = HostRole {
            read_only: false,
            galera_state: Some(GALERA_SYNCED),
        };
        assert!(primary.serves(Target::Primary) && !primary.serves(Target::Replica));
        assert!(replica.serves(Target::Replica) && !replica.serves(Target::Primary));
        assert!(replica.serves(Target::Any) && synced.serves(Target::Any));
        assert!(!joining.serves(Target::Any));
    }

    #[test]
    fn attempts_share_the_timeout_and_stop_on_a_refused_login() {
        let opts = Opts::from_url(&format!("{THREE}?connect-timeout=9s")).unwrap();
        let mut a = Attempts::new(opts.clone(), None, Duration::ZERO, 1);
        let first = a.next(Duration::ZERO).unwrap();
        assert_eq!((first.host(), first.port()), ("a", 1));
        assert_eq!(first.connect_timeout(), Some(Duration::from_secs(3)));
        a.failed(Error::new(ErrorKind::Io, "refused"), Duration::from_secs(1));
        let second = a.next(Duration::from_secs(1)).unwrap();
        assert_eq!(second.connect_timeout(), Some(Duration::from_secs(4)));
        a.failed(
            Error::new(ErrorKind::Auth, "denied"),
            Duration::from_secs(2),
        );
        assert!(a.next(Duration::from_secs(2)).is_none());
        assert_eq!(a.into_error().kind(), ErrorKind::Auth);
        // Past the deadline: a timeout.
        let mut a = Attempts::new(opts, None, Duration::ZERO, 1);
        a.next(Duration::ZERO);
        a.failed(Error::new(ErrorKind::Io, "refused"), Duration::from_secs(9));
        assert!(a.next(Duration::from_secs(9)).is_none());
        assert_eq!(a.into_error().kind(), ErrorKind::Timeout);
    }

    #[test]
    fn passed_over_hosts_make_an_unavailable_error() {
        let opts = Opts::from_url("mysql://u@a:1,b:2/db?target=primary").unwrap();
        let mut a = Attempts::new(opts, None, Duration::ZERO, 1);
        let replica = HostRole {
            read_only: true,
            galera_state: None,
        };
        a.next(Duration::ZERO).unwrap();
        assert!(a.checks_role());
        assert!(!a.connected(Some(replica)));
        a.next(Duration::ZERO).unwrap();
        assert!(!a.connected(Some(replica)));
        assert!(a.next(Duration::ZERO).is_none());
        let e = a.into_error();
        assert_eq!(e.kind(), ErrorKind::Unavailable);
        assert!(e.message().contains("a:1"), "{e}");
    }
}
