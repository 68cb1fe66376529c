//! Read coalescing: while a large result set streams in, the reader may sleep until several of
//! the server's writes have arrived instead of waking for each one.
//!
//! A server sends a large result in writes of its network buffer (16 KiB for MariaDB). A client
//! that decodes faster than the server produces finds the socket empty after each write, sleeps,
//! and is woken for the next: one sleep and wake-up per 16 KiB, which costs about a quarter of a
//! client's CPU time while streaming (measured with `benches/e2e`: about 2,240 context switches
//! for a 200,000-row result). Asking the kernel to wake the reader only once
//! [`ReadCoalescing::low_water`] bytes are readable (`SO_RCVLOWAT`) saves most of them.
//!
//! The price is latency at the end of the result set: its last bytes are fewer than the mark,
//! so the reader sleeps until [`ReadCoalescing::max_wait`] runs out. The core bounds that price:
//! it coalesces only once the rows have streamed for at least [`TAIL_SHARE`] times the wait (so
//! the wait adds at most 1/16 to the result's time, and usually far less), never waits longer
//! than [`MAX_WAIT`], and sizes the wait from the rate the server has been sending at (twice the
//! time it took for [`MAX_LOW_WATER`] bytes so far). It therefore starts after about 4 MiB, and
//! a result under 128 KiB never even reads the clock.
//! Adapters supply the clock (the core has none) and apply the advice to their socket.

use core::time::Duration;

/// The most bytes a reader is asked to wait for: eight MariaDB network-buffer writes (measured
/// with `benches/e2e`: 128 KiB took 4-8% less client CPU per row than 64 KiB, the tokio adapter
/// gaining most), and small next to the receive buffer of a socket streaming that fast (the
/// adapters cap it at a quarter of it, so the kernel neither grows it nor clamps the window).
pub const MAX_LOW_WATER: usize = 128 << 10;

/// The longest a reader is asked to wait for [`MAX_LOW_WATER`] bytes.
pub const MAX_WAIT: Duration = Duration::from_millis(2);

/// The rows must have streamed for this many times the wait before coalescing starts: the wait
/// at the end of the result set then adds at most this fraction (1/16) to its time.
pub const TAIL_SHARE: u32 = 16;

/// Advice for the next socket read of a streaming result set, from
/// [`Connection::read_coalescing`](crate::Connection::read_coalescing).
///
/// Set the socket's receive low-water mark (`SO_RCVLOWAT`) to `low_water`, then wait until the
/// socket is readable or `max_wait` has passed, whichever comes first (poll / epoll, or a
/// timer); if the time ran out, set the mark back to 1 so the read returns what has arrived.
/// Never let a *blocking* read wait on a raised mark: Linux may report the socket readable
/// below its mark (receive window nearly closed, memory pressure) while a blocking `recv` still
/// waits for the mark's bytes, which then never come; lower the mark after the wait (the
/// blocking adapter does), or read without blocking (the async adapters do). Without advice
/// (`None`), keep the mark at 1.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReadCoalescing {
    /// Bytes to wait for (at most [`MAX_LOW_WATER`]).
    pub low_water: usize,
    /// The longest to wait for them (at most [`MAX_WAIT`]).
    pub max_wait: Duration,
}

/// The state behind the advice: whether rows are streaming, how many bytes arrived since the
/// clock was first read for this stream, and when that was.
#[derive(Debug, Clone, Default)]
pub(crate) struct Coalescer {
    /// Rows of a result set were streaming at the last advice.
    streaming: bool,
    /// When the clock was first read during the current stream (adapter's clock): once the
    /// stream has brought [`MAX_LOW_WATER`] bytes, so that small results never read it.
    since: Option<Duration>,
    /// Bytes received since the stream started, then since `since`.
    bytes: u64,
}

impl Coalescer {
    /// Counts `n` received bytes towards the current stream's rate.
    #[inline]
    pub(crate) fn on_recv(&mut self, n: usize) {
        self.bytes += n as u64;
    }

    /// The advice for the next read: `streaming` says whether rows of a result set are arriving;
    /// `now` reads the adapter's monotonic clock (called only once a stream has brought
    /// [`MAX_LOW_WATER`] bytes).
    #[inline]
    pub(crate) fn advise(
        &mut self,
        streaming: bool,
        now: impl FnOnce() -> Duration,
    ) -> Option<ReadCoalescing> {
        if !streaming {
            self.streaming = false;
            return None;
        }
        if !self.streaming {
            // A new stream: count its bytes from here.
            *self = Coalescer {
                streaming: true,
                since: None,
                bytes: 0,
            };
            return None;
        }
        if self.bytes < MAX_LOW_WATER as u64 {
            return None;
        }
        let now = now();
        let Some(since) = self.since else {
            self.since = Some(now);
            self.bytes = 0;
            return None;
        };
        let elapsed = now.saturating_sub(since);
        if elapsed.is_zero() {
            return None;
        }
        // Time the server has been taking for MAX_LOW_WATER bytes, doubled for slack.
        let nanos = elapsed.as_nanos() * 2 * MAX_LOW_WATER as u128 / self.bytes as u128;
        let wait = Duration::from_nanos(nanos.min(MAX_WAIT.as_nanos()) as u64);
        (elapsed >= wait * TAIL_SHARE).then_some(ReadCoalescing {
            low_water: MAX_LOW_WATER,
            max_wait: wait,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn us(n: u64) -> Duration {
        Duration::from_micros(n)
    }

    /// Streams at `rate` bytes per microsecond for `span` microseconds, asking before each read
    /// of `chunk` bytes; returns the first advice given and when.
    fn stream(rate: u64, chunk: usize, span: u64) -> Option<(u64, ReadCoalescing)> {
        let mut c = Coalescer::default();
        let mut t = 0;
        while t <= span {
            if let Some(a) = c.advise(true, || us(t)) {
                return Some((t, a));
            }
            c.on_recv(chunk);
            t += chunk as u64 / rate;
        }
        None
    }

    #[test]
    fn a_fast_stream_is_coalesced_once_the_wait_is_a_small_share_of_it() {
        // 256 bytes/us (256 MB/s) in 16 KiB writes: 128 KiB take 512 us, so the wait is
        // 1,024 us and coalescing starts 16 times that after the clock was first read, when the
        // first 128 KiB had arrived (at 512 us).
        let (t, a) = stream(256, 16 << 10, 100_000).unwrap();
        assert_eq!(a.low_water, MAX_LOW_WATER);
        assert_eq!(a.max_wait, us(1024));
        assert!(
            (512 + 16 * 1024..512 + 16 * 1024 + 64).contains(&t),
            "started at {t} us"
        );
    }

    #[test]
    fn a_slow_stream_waits_at_most_max_wait_and_starts_later() {
        // 4 bytes/us in 200-byte reads: 128 KiB take 32.8 ms; the wait is capped at 2 ms, and
        // coalescing starts once 16 times that (32 ms) has passed and another 128 KiB arrived
        // since the clock was first read (at 32.8 ms, when the first 128 KiB had).
        let (t, a) = stream(4, 200, 1_000_000).unwrap();
        assert_eq!(a.max_wait, MAX_WAIT);
        assert!((65_600..65_700).contains(&t), "started at {t} us");
    }

    #[test]
    fn short_streams_and_other_responses_get_no_advice_nor_read_the_clock() {
        assert_eq!(stream(256, 16 << 10, 16_000), None);
        let mut c = Coalescer::default();
        let mut clock_reads = 0;
        assert_eq!(c.advise(false, || panic!("not streaming")), None);
        // A stream of less than 128 KiB never reads the clock.
        for _ in 0..7 {
            assert_eq!(
                c.advise(true, || {
                    clock_reads += 1;
                    us(0)
                }),
                None
            );
            c.on_recv(16 << 10);
        }
        assert_eq!(clock_reads, 0);
        c.on_recv(16 << 10);
        assert_eq!(c.advise(true, || us(7)), None);
        assert_eq!(c.since, Some(us(7)), "the clock is read from 128 KiB on");
    }

    #[test]
    fn a_new_stream_starts_counting_afresh() {
        let mut c = Coalescer::default();
        let mut t = 0;
        while c.advise(true, || us(t)).is_none() {
            c.on_recv(16 << 10);
            t += 64;
        }
        // The result set ended (another response is awaited): no advice, and the next stream
        // must prove itself again.
        assert_eq!(c.advise(false, || us(t)), None);
        assert_eq!(c.advise(true, || us(t + 1)), None);
        c.on_recv(1 << 20);
        assert_eq!(c.advise(true, || us(t + 65)), None);
        assert_eq!(c.since, Some(us(t + 65)));
    }

    #[test]
    fn a_stalled_clock_gives_no_advice() {
        let mut c = Coalescer::default();
        assert_eq!(c.advise(true, || us(5)), None);
        c.on_recv(1 << 20);
        assert_eq!(c.advise(true, || us(5)), None);
        c.on_recv(1 << 20);
        assert_eq!(c.advise(true, || us(5)), None);
        // A clock going backwards counts as no time passed.
        assert_eq!(c.advise(true, || us(1)), None);
    }
}
