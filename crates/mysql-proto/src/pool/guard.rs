//! Guards that keep a pool's counts exact when an acquire gives up half-way (a timeout, a
//! dropped future, a failed connect): a queued waiter is cancelled, a reserved slot freed.

use core::time::Duration;

use super::shared::SharedPool;
use super::state::WaiterId;

/// A queued acquire: dropped before [`done`](Self::done), it cancels the waiter (what it was
/// granted passes on).
#[derive(Debug)]
#[must_use]
pub struct Waiting<'p, C> {
    pool: &'p SharedPool<C>,
    id: WaiterId,
    clock: fn() -> Duration,
    timed_out: bool,
    armed: bool,
}

impl<'p, C> Waiting<'p, C> {
    /// Guards waiter `id` of `pool`; `clock` is the pool's monotonic clock.
    pub fn new(pool: &'p SharedPool<C>, id: WaiterId, clock: fn() -> Duration) -> Self {
        Waiting {
            pool,
            id,
            clock,
            timed_out: false,
            armed: true,
        }
    }

    /// The waiter took its grant (or the pool closed): nothing to cancel.
    pub fn done(mut self) {
        self.armed = false;
    }

    /// The waiter gives up because its time ran out (counted in the metrics).
    pub fn timed_out(mut self) {
        self.timed_out = true;
    }
}

impl<C> Drop for Waiting<'_, C> {
    fn drop(&mut self) {
        if self.armed {
            self.pool.cancel(self.id, (self.clock)(), self.timed_out);
        }
    }
}

/// A slot reserved to open a connection in: dropped before [`opened`](Self::opened) (the
/// connect failed, or its future was dropped), the slot is freed and passes on.
#[derive(Debug)]
#[must_use]
pub struct Opening<'p, C> {
    pool: &'p SharedPool<C>,
    armed: bool,
}

impl<'p, C> Opening<'p, C> {
    /// Guards a slot of `pool` granted with [`Grant::Open`](super::Grant::Open).
    pub fn new(pool: &'p SharedPool<C>) -> Self {
        Opening { pool, armed: true }
    }

    /// The connection is open (and now lent).
    pub fn opened(mut self) {
        self.armed = false;
    }
}

impl<C> Drop for Opening<'_, C> {
    fn drop(&mut self) {
        if self.armed {
            self.pool.open_failed();
        }
    }
}
