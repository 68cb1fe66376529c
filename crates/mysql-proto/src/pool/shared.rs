//! [`SharedPool`]: the [`PoolState`] behind a lock, with the wakers of its waiters and the
//! counters of its metrics. Shared by every handle of an adapter's pool; still no IO and no
//! clock (time is passed in).

use core::task::{Poll, Waker};
use core::time::Duration;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Mutex, MutexGuard};

use super::state::{Acquire, Grant, PoolState, PoolStatus, WaiterId};
use super::PoolOpts;

/// A pool's bookkeeping, shared between threads or tasks: acquire, wait (by [`Waker`]),
/// give up, release. Every call takes the lock briefly and never blocks on anything else.
#[derive(Debug)]
pub struct SharedPool<C> {
    inner: Mutex<Inner<C>>,
    /// Connections wait in `take_retired` (so the common call needs no lock).
    has_retired: AtomicBool,
    acquired: AtomicU64,
    opened: AtomicU64,
}

#[derive(Debug)]
struct Inner<C> {
    state: PoolState<C>,
    wakers: Vec<(WaiterId, Waker)>,
    metrics: PoolMetrics,
}

/// What a pool has done since it was created, for a user's metrics.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct PoolMetrics {
    /// The counts now.
    pub status: PoolStatus,
    /// Connections lent (acquires that succeeded).
    pub acquired: u64,
    /// Acquires that had to wait for a connection to be returned.
    pub waited: u64,
    /// Their total waiting time.
    pub wait_time: Duration,
    /// The longest of those waits.
    pub max_wait: Duration,
    /// Acquires that failed with a timeout.
    pub timed_out: u64,
    /// Connections opened.
    pub opened: u64,
    /// Connections closed by the pool (broken, expired, failed a check, or at close).
    pub retired: u64,
}

impl<C> SharedPool<C> {
    /// An empty pool with `opts`.
    pub fn new(opts: PoolOpts) -> Self {
        SharedPool {
            inner: Mutex::new(Inner {
                state: PoolState::new(opts),
                wakers: Vec::new(),
                metrics: PoolMetrics::default(),
            }),
            has_retired: AtomicBool::new(false),
            acquired: AtomicU64::new(0),
            opened: AtomicU64::new(0),
        }
    }

    /// The options (as clamped: `max_size` at least 1, `min_size` at most `max_size`).
    pub fn opts(&self) -> PoolOpts {
        self.lock().state.opts().clone()
    }

    /// [`PoolState::acquire`], retiring the idle connections that expired first.
    pub fn acquire(&self, now: Duration) -> Acquire<C> {
        let mut inner = self.lock();
        inner.state.retire_expired(now);
        let acquire = inner.state.acquire(now);
        self.note_retired(&inner);
        acquire
    }

    /// Polls waiter `id` for its grant: `Ready(Some(grant))` once it was granted,
    /// `Ready(None)` when the pool was closed meanwhile, else `Pending` with `waker` kept to be
    /// woken by the release that grants it.
    pub fn poll_grant(&self, id: WaiterId, waker: &Waker) -> Poll<Option<Grant<C>>> {
        let mut inner = self.lock();
        if let Some(grant) = inner.state.grant(id) {
            inner.wakers.retain(|(w, _)| *w != id);
            return Poll::Ready(Some(grant));
        }
        if inner.state.is_closed() {
            return Poll::Ready(None);
        }
        match inner.wakers.iter_mut().find(|(w, _)| *w == id) {
            Some((_, kept)) => kept.clone_from(waker),
            None => inner.wakers.push((id, waker.clone())),
        }
        Poll::Pending
    }

    /// Waiter `id` gives up (timed out, or its future was dropped): what it was granted passes
    /// on. `timed_out` counts it in the metrics.
    pub fn cancel(&self, id: WaiterId, now: Duration, timed_out: bool) {
        let mut inner = self.lock();
        inner.wakers.retain(|(w, _)| *w != id);
        inner.metrics.timed_out += u64::from(timed_out);
        let next = inner.state.cancel(id, now);
        self.wake(inner, next);
    }

    /// Takes back a lent connection ([`PoolState::release`]) and wakes the waiter it was handed
    /// to.
    pub fn release(&self, conn: C, born: Duration, now: Duration, reusable: bool) {
        let mut inner = self.lock();
        let next = inner.state.release(conn, born, now, reusable);
        self.wake(inner, next);
    }

    /// Opening a connection for a granted slot failed ([`PoolState::open_failed`]).
    pub fn open_failed(&self) {
        let mut inner = self.lock();
        let next = inner.state.open_failed();
        self.wake(inner, next);
    }

    /// A lent connection leaves the pool for good (detached by its user): it is no longer
    /// counted, and its slot passes to the next waiter.
    pub fn forget(&self) {
        self.open_failed();
    }

    /// Counts a successful acquire that waited `waited` (zero: it did not wait), and whether
    /// it opened a new connection.
    pub fn acquired(&self, waited: Duration, opened: bool) {
        self.acquired.fetch_add(1, Ordering::Relaxed);
        if opened {
            self.opened.fetch_add(1, Ordering::Relaxed);
        }
        if !waited.is_zero() {
            let m = &mut self.lock().metrics;
            m.waited += 1;
            m.wait_time += waited;
            m.max_wait = m.max_wait.max(waited);
        }
    }

    /// The connections retired since the last call, for the adapter to close.
    pub fn take_retired(&self) -> Vec<C> {
        if !self.has_retired.load(Ordering::Acquire) {
            return Vec::new();
        }
        let mut inner = self.lock();
        self.has_retired.store(false, Ordering::Release);
        let retired = inner.state.take_retired();
        inner.metrics.retired += retired.len() as u64;
        retired
    }

    /// Closes the pool ([`PoolState::close`]) and wakes every waiter (they fail).
    pub fn close(&self) {
        let mut inner = self.lock();
        let woken = inner.state.close();
        self.note_retired(&inner);
        let wakers: Vec<Waker> = inner.wakers.drain(..).map(|(_, w)| w).collect();
        drop(inner);
        drop(woken);
        wakers.into_iter().for_each(Waker::wake);
    }

    /// Whether [`close`](Self::close) was called.
    pub fn is_closed(&self) -> bool {
        self.lock().state.is_closed()
    }

    /// The counts now.
    pub fn status(&self) -> PoolStatus {
        self.lock().state.status()
    }

    /// The counts now and the counters since creation.
    pub fn metrics(&self) -> PoolMetrics {
        let inner = self.lock();
        PoolMetrics {
            status: inner.state.status(),
            acquired: self.acquired.load(Ordering::Relaxed),
            opened: self.opened.load(Ordering::Relaxed),
            ..inner.metrics
        }
    }

    /// The lock. No code panics while holding it, so poisoning cannot leave the state
    /// half-changed; a poisoned lock (a panic elsewhere) is taken over.
    fn lock(&self) -> MutexGuard<'_, Inner<C>> {
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Flags retired connections for `take_retired` (called with the lock held).
    fn note_retired(&self, inner: &Inner<C>) {
        if inner.state.has_retired() {
            self.has_retired.store(true, Ordering::Release);
        }
    }

    /// Wakes waiter `next` (if any) after unlocking.
    fn wake(&self, mut inner: MutexGuard<'_, Inner<C>>, next: Option<WaiterId>) {
        self.note_retired(&inner);
        let Some(id) = next else { return };
        let i = inner.wakers.iter().position(|(w, _)| *w == id);
        let waker = i.map(|i| inner.wakers.swap_remove(i).1);
        drop(inner);
        if let Some(w) = waker {
            w.wake();
        }
    }
}
