//! Read coalescing for the blocking adapter: applies the core's
//! [`ReadCoalescing`](mysql_proto::ReadCoalescing) advice to the TCP socket before each read.

use std::time::Instant;

use mysql_proto::Connection;

use crate::stream::Stream;

/// The socket's low-water mark, and the clock the core's advice is timed by.
#[derive(Debug)]
pub(crate) struct Coalescing {
    origin: Instant,
    mark: mysql_sockopt::LowWaterMark,
}

impl Coalescing {
    pub(crate) fn new() -> Coalescing {
        Coalescing {
            origin: Instant::now(),
            mark: mysql_sockopt::LowWaterMark::new(),
        }
    }

    /// Before a read: asks the core whether to coalesce; if so, raises the socket's low-water
    /// mark and waits until that many bytes arrived or the advised time passed (then lowers the
    /// mark again, so the read returns what is there). Otherwise makes sure the mark is 1.
    /// Never fails: a failing socket call turns coalescing off for the connection, and the
    /// read goes ahead as usual.
    pub(crate) fn before_read(&mut self, stream: &Stream, proto: &mut Connection) {
        #[cfg(target_os = "linux")]
        {
            let origin = self.origin;
            let advice = proto.read_coalescing(|| origin.elapsed());
            // The common case (no large result streaming, the mark at its default) costs the
            // core's check only.
            if advice.is_none() && self.mark.get() == 1 {
                return;
            }
            let Some(fd) = stream.tcp_fd().filter(|_| !self.mark.failed()) else {
                return;
            };
            if !self.mark.set(fd, advice.map_or(1, |a| a.low_water)) {
                return;
            }
            if let Some(a) = advice {
                // Timed out: the end of the result set, or the server slowed down; lower the
                // mark so the read returns what is there. (A failed wait does the same.)
                if !mysql_sockopt::wait_readable(fd, a.max_wait).unwrap_or(false) {
                    self.mark.set(fd, 1);
                }
            }
        }
        #[cfg(not(target_os = "linux"))]
        let _ = (stream, proto);
    }
}
