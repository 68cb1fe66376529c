//! [`PoolState`]: the pool's bookkeeping, no IO and no clock (see the [module docs](super)).

use core::time::Duration;
use std::collections::VecDeque;

use super::PoolOpts;

/// A connection lent by the pool.
#[derive(Debug)]
pub struct Pooled<C> {
    /// The connection.
    pub conn: C,
    /// When it was opened (pass it back to [`PoolState::release`]).
    pub born: Duration,
    /// It sat idle longer than `check_after_idle`: check it before use.
    pub check: bool,
}

/// What a caller of [`PoolState::acquire`] (or a woken waiter) is granted.
#[derive(Debug)]
pub enum Grant<C> {
    /// An idle connection.
    Conn(Pooled<C>),
    /// A reserved slot: open a new connection, then lend it (on failure call
    /// [`PoolState::open_failed`]).
    Open,
}

/// The answer of [`PoolState::acquire`].
#[derive(Debug)]
pub enum Acquire<C> {
    /// Granted at once.
    Ready(Grant<C>),
    /// The pool is closed.
    Closed,
    /// Queued: wait until [`PoolState::release`] or [`PoolState::open_failed`] names this
    /// waiter, then take the grant with [`PoolState::grant`]; on giving up, [`PoolState::cancel`].
    Wait(WaiterId),
}

/// A queued acquirer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct WaiterId(u64);

/// Counts a user can read (metrics).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct PoolStatus {
    /// Connections the pool owns: idle, lent, or being opened.
    pub open: usize,
    /// Idle connections.
    pub idle: usize,
    /// Connections lent out or being opened (`open - idle`).
    pub in_use: usize,
    /// Callers waiting for a connection.
    pub waiting: usize,
}

/// The pool's bookkeeping; see the module docs.
#[derive(Debug)]
pub struct PoolState<C> {
    opts: PoolOpts,
    /// Idle connections, the most recently returned at the back: (connection, born, since).
    idle: VecDeque<(C, Duration, Duration)>,
    open: usize,
    waiters: VecDeque<WaiterId>,
    granted: Vec<(WaiterId, Grant<C>)>,
    retired: Vec<C>,
    next_waiter: u64,
    closed: bool,
}

impl<C> PoolState<C> {
    /// An empty pool.
    pub fn new(mut opts: PoolOpts) -> Self {
        opts.max_size = opts.max_size.max(1);
        opts.min_size = opts.min_size.min(opts.max_size);
        PoolState {
            opts,
            closed: false,
            idle: VecDeque::new(),
            open: 0,
            waiters: VecDeque::new(),
            granted: Vec::new(),
            retired: Vec::new(),
            next_waiter: 0,
        }
    }

    /// The options.
    pub fn opts(&self) -> &PoolOpts {
        &self.opts
    }

    /// Lends an idle connection, reserves a slot to open one, or queues the caller (see the
    /// module docs). Expired idle connections met on the way are retired.
    pub fn acquire(&mut self, now: Duration) -> Acquire<C> {
        if self.closed {
            return Acquire::Closed;
        }
        if self.waiters.is_empty() {
            if let Some(p) = self.take_idle(now) {
                return Acquire::Ready(Grant::Conn(p));
            }
            if self.open < self.opts.max_size {
                self.open += 1;
                return Acquire::Ready(Grant::Open);
            }
        }
        let id = WaiterId(self.next_waiter);
        self.next_waiter += 1;
        self.waiters.push_back(id);
        Acquire::Wait(id)
    }

    /// What waiter `id` was granted, once [`release`](Self::release) or
    /// [`open_failed`](Self::open_failed) named it; `None` before.
    pub fn grant(&mut self, id: WaiterId) -> Option<Grant<C>> {
        let i = self.granted.iter().position(|(w, _)| *w == id)?;
        Some(self.granted.swap_remove(i).1)
    }

    /// Waiter `id` gives up at `now` (an acquire timed out or was dropped): it leaves the queue,
    /// and what it had been granted passes to the next waiter (returned, to be woken) or back to
    /// the pool. Unknown ids are ignored.
    pub fn cancel(&mut self, id: WaiterId, now: Duration) -> Option<WaiterId> {
        self.waiters.retain(|w| *w != id);
        match self.grant(id)? {
            Grant::Conn(p) => self.hand_over(p.conn, p.born, now),
            Grant::Open => {
                self.open -= 1;
                self.grant_open_slot()
            }
        }
    }

    /// Takes back a lent connection (`born` as lent). `reusable` is false when it broke, or
    /// when the adapter could not bring it back to a clean state (it is then retired). Returns
    /// the waiter it (or the slot it freed) was handed to, which the adapter wakes.
    pub fn release(
        &mut self,
        conn: C,
        born: Duration,
        now: Duration,
        reusable: bool,
    ) -> Option<WaiterId> {
        let too_old = self
            .opts
            .max_lifetime
            .is_some_and(|l| now.saturating_sub(born) >= l);
        if !reusable || too_old || self.closed {
            self.retired.push(conn);
            self.open -= 1;
            return self.grant_open_slot();
        }
        self.hand_over(conn, born, now)
    }

    /// Opening a connection for a granted slot failed: the slot is freed, and passes to the next
    /// waiter (returned, to be woken), who tries in turn.
    pub fn open_failed(&mut self) -> Option<WaiterId> {
        self.open = self.open.saturating_sub(1);
        self.grant_open_slot()
    }

    /// Whether [`take_retired`](Self::take_retired) has connections to give.
    pub fn has_retired(&self) -> bool {
        !self.retired.is_empty()
    }

    /// The connections retired since the last call, for the adapter to close (`COM_QUIT`).
    pub fn take_retired(&mut self) -> Vec<C> {
        std::mem::take(&mut self.retired)
    }

    /// Retires the idle connections that expired by `now` (maintenance on acquire and release;
    /// no background task).
    pub fn retire_expired(&mut self, now: Duration) {
        // The common case, nothing expired: no allocation.
        if !self.idle.iter().any(|(_, b, s)| self.expired(*b, *s, now)) {
            return;
        }
        let mut kept = VecDeque::with_capacity(self.idle.len());
        for (conn, born, since) in std::mem::take(&mut self.idle) {
            if self.expired(born, since, now) {
                self.retired.push(conn);
                self.open -= 1;
            } else {
                kept.push_back((conn, born, since));
            }
        }
        self.idle = kept;
    }

    /// The counts, for metrics.
    pub fn status(&self) -> PoolStatus {
        PoolStatus {
            open: self.open,
            idle: self.idle.len(),
            in_use: self.open - self.idle.len(),
            waiting: self.waiters.len(),
        }
    }

    /// Closes the pool: every idle connection is retired, later acquires get
    /// [`Acquire::Closed`], connections returned later are retired. Returns the waiters to wake
    /// (their [`grant`](Self::grant) is `None` and they fail); a waiter already granted a
    /// connection or a slot keeps it.
    pub fn close(&mut self) -> Vec<WaiterId> {
        self.closed = true;
        self.open -= self.idle.len();
        self.retired
            .extend(self.idle.drain(..).map(|(conn, _, _)| conn));
        self.waiters.drain(..).collect()
    }

    /// Whether [`close`](Self::close) was called.
    pub fn is_closed(&self) -> bool {
        self.closed
    }

    /// The warmest idle connection that has not expired; expired ones met are retired.
    fn take_idle(&mut self, now: Duration) -> Option<Pooled<C>> {
        while let Some((conn, born, since)) = self.idle.pop_back() {
            if self.expired(born, since, now) {
                self.retired.push(conn);
                self.open -= 1;
                continue;
            }
            let check = self
                .opts
                .check_after_idle
                .is_some_and(|c| now.saturating_sub(since) >= c);
            return Some(Pooled { conn, born, check });
        }
        None
    }

    /// A reusable connection: to the first waiter, else idle.
    fn hand_over(&mut self, conn: C, born: Duration, now: Duration) -> Option<WaiterId> {
        match self.waiters.pop_front() {
            Some(w) => {
                let pooled = Pooled {
                    conn,
                    born,
                    check: false,
                };
                self.granted.push((w, Grant::Conn(pooled)));
                Some(w)
            }
            None => {
                self.idle.push_back((conn, born, now));
                None
            }
        }
    }

    /// A freed slot: to the first waiter, who opens a connection in it.
    fn grant_open_slot(&mut self) -> Option<WaiterId> {
        let w = self.waiters.pop_front()?;
        self.open += 1;
        self.granted.push((w, Grant::Open));
        Some(w)
    }
}

impl<C> PoolState<C> {
    /// Past its lifetime, or idle past the idle timeout while more than `min_size` are open.
    fn expired(&self, born: Duration, since: Duration, now: Duration) -> bool {
        let o = &self.opts;
        o.max_lifetime
            .is_some_and(|l| now.saturating_sub(born) >= l)
            || (self.open > o.min_size
                && o.idle_timeout
                    .is_some_and(|t| now.saturating_sub(since) >= t))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const T0: Duration = Duration::ZERO;

    fn secs(s: u64) -> Duration {
        Duration::from_secs(s)
    }

    fn pool(max: usize) -> PoolState<u32> {
        PoolState::new(PoolOpts {
            max_size: max,
            idle_timeout: Some(secs(100)),
            max_lifetime: Some(secs(1000)),
            check_after_idle: Some(secs(10)),
            ..PoolOpts::default()
        })
    }

    #[test]
    fn opens_up_to_max_then_queues_in_order() {
        let mut p = pool(2);
        assert!(matches!(p.acquire(T0), Acquire::Ready(Grant::Open)));
        assert!(matches!(p.acquire(T0), Acquire::Ready(Grant::Open)));
        let Acquire::Wait(a) = p.acquire(T0) else {
            panic!()
        };
        let Acquire::Wait(b) = p.acquire(T0) else {
            panic!()
        };
        assert_eq!(
            p.status(),
            PoolStatus {
                open: 2,
                idle: 0,
                in_use: 2,
                waiting: 2
            }
        );
        assert_eq!(p.release(1, T0, T0, true), Some(a));
        // A newcomer queues behind `b` although a release is coming.
        let Acquire::Wait(c) = p.acquire(T0) else {
            panic!()
        };
        assert_eq!(p.release(2, T0, T0, true), Some(b));
        assert!(matches!(
            p.grant(a),
            Some(Grant::Conn(Pooled { conn: 1, .. }))
        ));
        assert!(matches!(
            p.grant(b),
            Some(Grant::Conn(Pooled { conn: 2, .. }))
        ));
        assert!(p.grant(c).is_none());
        assert_eq!(p.release(1, T0, T0, true), Some(c));
        assert_eq!(
            p.status(),
            PoolStatus {
                open: 2,
                idle: 0,
                in_use: 2,
                waiting: 0
            }
        );
    }

    #[test]
    fn the_warmest_idle_connection_is_lent_and_checked_after_a_long_idle() {
        let mut p = pool(3);
        for _ in 0..3 {
            let _ = p.acquire(T0);
        }
        assert_eq!(p.release(1, T0, secs(1), true), None);
        assert_eq!(p.release(2, T0, secs(20), true), None);
        let Acquire::Ready(Grant::Conn(warm)) = p.acquire(secs(25)) else {
            panic!()
        };
        assert_eq!((warm.conn, warm.check), (2, false));
        let Acquire::Ready(Grant::Conn(cold)) = p.acquire(secs(25)) else {
            panic!()
        };
        assert_eq!((cold.conn, cold.check), (1, true));
    }

    #[test]
    fn broken_and_old_connections_are_retired_and_their_slot_passed_on() {
        let mut p = pool(1);
        let _ = p.acquire(T0);
        let Acquire::Wait(w) = p.acquire(T0) else {
            panic!()
        };
        assert_eq!(p.release(1, T0, secs(1), false), Some(w));
        assert!(matches!(p.grant(w), Some(Grant::Open)));
        assert_eq!(p.take_retired(), vec![1]);
        // Past its lifetime when returned: retired.
        assert_eq!(p.release(2, T0, secs(1000), true), None);
        assert_eq!(p.take_retired(), vec![2]);
        assert_eq!(p.status().open, 0);
        // Idle past the idle timeout: retired on the next acquire, which opens a new one.
        let _ = p.acquire(secs(1000));
        assert_eq!(p.release(3, secs(1000), secs(1001), true), None);
        assert!(matches!(p.acquire(secs(1200)), Acquire::Ready(Grant::Open)));
        assert_eq!(p.take_retired(), vec![3]);
        assert_eq!(
            p.status(),
            PoolStatus {
                open: 1,
                idle: 0,
                in_use: 1,
                waiting: 0
            }
        );
    }

    #[test]
    fn a_cancelled_waiter_passes_its_grant_on() {
        let mut p = pool(1);
        let _ = p.acquire(T0);
        let Acquire::Wait(a) = p.acquire(T0) else {
            panic!()
        };
        let Acquire::Wait(b) = p.acquire(T0) else {
            panic!()
        };
        assert_eq!(p.release(1, T0, T0, true), Some(a));
        // `a` gave up after being granted: `b` gets the connection.
        assert_eq!(p.cancel(a, T0), Some(b));
        assert!(matches!(
            p.grant(b),
            Some(Grant::Conn(Pooled { conn: 1, .. }))
        ));
        // A failed open passes the slot on too.
        let Acquire::Wait(c) = p.acquire(T0) else {
            panic!()
        };
        assert_eq!(p.release(1, T0, T0, false), Some(c));
        assert!(matches!(p.grant(c), Some(Grant::Open)));
        let Acquire::Wait(d) = p.acquire(T0) else {
            panic!()
        };
        assert_eq!(p.open_failed(), Some(d));
        assert!(matches!(p.grant(d), Some(Grant::Open)));
        // `d`'s open fails too, with nobody waiting: the slot is simply freed.
        assert_eq!(p.open_failed(), None);
        assert_eq!(
            p.status(),
            PoolStatus {
                open: 0,
                idle: 0,
                in_use: 0,
                waiting: 0
            }
        );
    }

    #[test]
    fn close_retires_idle_fails_waiters_and_retires_what_comes_back() {
        let mut p = pool(2);
        let _ = p.acquire(T0);
        let _ = p.acquire(T0);
        let Acquire::Wait(w) = p.acquire(T0) else {
            panic!()
        };
        assert_eq!(p.release(1, T0, T0, true), Some(w));
        let Acquire::Wait(late) = p.acquire(T0) else {
            panic!()
        };
        // `w` was granted connection 1 before the close and keeps it; `late` is woken to fail.
        assert_eq!(p.close(), vec![late]);
        assert!(p.grant(late).is_none());
        assert!(matches!(p.acquire(T0), Acquire::Closed));
        assert!(matches!(
            p.grant(w),
            Some(Grant::Conn(Pooled { conn: 1, .. }))
        ));
        assert_eq!(p.release(1, T0, T0, true), None);
        assert_eq!(p.release(2, T0, T0, true), None);
        assert_eq!(p.take_retired(), vec![1, 2]);
        assert_eq!(p.status(), PoolStatus::default());
    }

    #[test]
    fn the_idle_timeout_keeps_min_size_open() {
        let mut p = PoolState::new(PoolOpts {
            max_size: 3,
            min_size: 2,
            idle_timeout: Some(secs(10)),
            ..PoolOpts::default()
        });
        for _ in 0..3 {
            let _ = p.acquire(T0);
        }
        for c in 1..=3 {
            assert_eq!(p.release(c, T0, T0, true), None);
        }
        p.retire_expired(secs(100));
        assert_eq!(p.take_retired().len(), 1);
        assert_eq!(p.status().open, 2);
    }

    /// Random acquires, releases, cancels and failed opens: the counts stay exact and within
    /// the limit, every connection is somewhere, nothing is granted twice.
    #[test]
    fn counts_stay_exact_under_random_operations() {
        let mut seed = 0x9e37_79b9_7f4a_7c15u64;
        let mut next = |bound: u64| {
            seed ^= seed >> 12;
            seed ^= seed << 25;
            seed ^= seed >> 27;
            seed.wrapping_mul(0x2545_f491_4f6c_dd1d) % bound
        };
        let mut p = pool(4);
        let (mut lent, mut opening, mut waiting) = (Vec::new(), 0usize, Vec::new());
        let mut next_conn = 0u32;
        let mut now = T0;
        for _ in 0..20_000 {
            now += Duration::from_millis(next(3000));
            let granted = |g: Grant<u32>, lent: &mut Vec<u32>, opening: &mut usize| match g {
                Grant::Conn(c) => lent.push(c.conn),
                Grant::Open => *opening += 1,
            };
            match next(5) {
                0 | 1 => match p.acquire(now) {
                    Acquire::Ready(g) => granted(g, &mut lent, &mut opening),
                    Acquire::Wait(w) => waiting.push(w),
                    Acquire::Closed => unreachable!("never closed here"),
                },
                2 if !lent.is_empty() => {
                    let c = lent.swap_remove(next(lent.len() as u64) as usize);
                    let _ = p.release(c, now, now, next(4) != 0);
                }
                3 if opening > 0 => {
                    opening -= 1;
                    if next(3) == 0 {
                        let _ = p.open_failed();
                    } else {
                        next_conn += 1;
                        lent.push(next_conn);
                    }
                }
                _ if !waiting.is_empty() => {
                    let w = waiting.swap_remove(next(waiting.len() as u64) as usize);
                    let _ = p.cancel(w, now);
                }
                _ => {}
            }
            // Waiters whose grant arrived take it.
            waiting.retain(|w| match p.grant(*w) {
                Some(g) => {
                    granted(g, &mut lent, &mut opening);
                    false
                }
                None => true,
            });
            p.retire_expired(now);
            p.take_retired();
            let s = p.status();
            assert!(s.open <= 4, "{s:?}");
            assert_eq!(s.open, s.idle + lent.len() + opening, "{s:?}");
            assert_eq!(s.waiting, waiting.len());
            let mut all: Vec<u32> = lent.clone();
            all.extend(p.idle.iter().map(|(c, _, _)| *c));
            all.sort_unstable();
            all.dedup();
            assert_eq!(all.len(), lent.len() + s.idle, "a connection lent twice");
        }
    }
}
