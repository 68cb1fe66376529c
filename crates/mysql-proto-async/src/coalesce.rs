//! Read coalescing for the async adapters: applies the core's
//! [`ReadCoalescing`](mysql_proto::ReadCoalescing) advice to the TCP socket around each read.
//!
//! The low-water mark holds back the readiness the runtime's reactor waits for, so a raised
//! mark alone makes the task sleep until that many bytes arrived; the advised wait is a timer of
//! the runtime. When it fires first, the mark is lowered to 1: Linux then reports the buffered
//! bytes readable at once (`tcp_set_rcvlowat` re-checks readiness), the reactor wakes the task,
//! and the read returns what is there.

use std::io;
use std::task::{Context, Poll};
use std::time::Instant;

use mysql_proto::Connection;
use mysql_sockopt::LowWaterMark;

use crate::conn::Timer;
use crate::runtime::{Runtime, Transport};

/// The socket's low-water mark, the coalescing wait's timer, and the clock the core's advice
/// is timed by.
pub(crate) struct Coalescing {
    origin: Instant,
    mark: LowWaterMark,
    /// Armed while a read waits for the raised mark.
    timer: Option<Timer>,
    /// The last wait ran out: read without a raised mark until bytes arrive.
    expired: bool,
}

impl Coalescing {
    pub(crate) fn new() -> Coalescing {
        Coalescing {
            origin: Instant::now(),
            mark: LowWaterMark::new(),
            timer: None,
            expired: false,
        }
    }

    /// Before a read attempt: raises the socket's mark when the core advises coalescing (and
    /// arms the wait's timer), else makes sure it is 1. A failure to raise the mark only means
    /// reading as usual; fails only when the mark cannot be lowered again (the read could then
    /// wait for bytes that never come: the caller breaks the connection instead).
    pub(crate) fn before_read<R: Runtime>(
        &mut self,
        io: &impl Transport,
        proto: &mut Connection,
    ) -> io::Result<()> {
        #[cfg(target_os = "linux")]
        {
            let origin = self.origin;
            let advice = match self.expired {
                true => None,
                false => proto.read_coalescing(|| origin.elapsed()),
            };
            // The common case (no large result streaming, the mark at its default, no timer)
            // costs the core's check only.
            if advice.is_none() && self.mark.get() == 1 && self.timer.is_none() {
                return Ok(());
            }
            let Some(fd) = io.fd() else {
                return Ok(());
            };
            match advice {
                None => {
                    self.timer = None;
                    return self.mark.lower(fd);
                }
                Some(a) => {
                    if self.mark.set(fd, a.low_water) && self.timer.is_none() {
                        self.timer = Some(Box::pin(R::sleep(a.max_wait)));
                    }
                }
            }
        }
        #[cfg(not(target_os = "linux"))]
        let _ = (io, proto);
        Ok(())
    }

    /// After a read returned `Pending`: `Ready` when the coalescing wait ran out (the mark is
    /// then lowered; the caller retries the read, which the reactor wakes for any buffered
    /// bytes), with an error when the mark cannot be lowered (see
    /// [`before_read`](Self::before_read)). `Pending`, with `cx` registered, while it runs or
    /// when there is none.
    pub(crate) fn poll_expired(
        &mut self,
        io: &impl Transport,
        cx: &mut Context<'_>,
    ) -> Poll<io::Result<()>> {
        let Some(timer) = self.timer.as_mut() else {
            return Poll::Pending;
        };
        std::task::ready!(timer.as_mut().poll(cx));
        self.timer = None;
        self.expired = true;
        #[cfg(target_os = "linux")]
        if let Some(fd) = io.fd() {
            return Poll::Ready(self.mark.lower(fd));
        }
        #[cfg(not(target_os = "linux"))]
        let _ = io;
        Poll::Ready(Ok(()))
    }

    /// After a read returned bytes, end of stream or an error: the wait is over.
    pub(crate) fn after_read(&mut self) {
        self.timer = None;
        self.expired = false;
    }
}
