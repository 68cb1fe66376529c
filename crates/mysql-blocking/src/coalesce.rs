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
    /// mark, waits until that many bytes arrived or the advised time passed, and lowers the mark
    /// again, so the read returns what is there. Otherwise makes sure the mark is 1.
    /// Returns how many bytes the wait gathered at most (the mark; 0 without coalescing), for
    /// sizing the read. A failure to raise the mark or to wait only means reading as usual;
    /// fails only when the mark cannot be lowered again (the read could then wait for bytes
    /// that never come: the caller breaks the connection instead).
    pub(crate) fn before_read(
        &mut self,
        stream: &Stream,
        proto: &mut Connection,
    ) -> std::io::Result<usize> {
        #[cfg(target_os = "linux")]
        {
            let origin = self.origin;
            let advice = proto.read_coalescing(|| origin.elapsed());
            // The common case (no large result streaming, the mark at its default) costs the
            // core's check only.
            if advice.is_none() && self.mark.get() == 1 {
                return Ok(0);
            }
            let Some(fd) = stream.tcp_fd() else {
                return Ok(0);
            };
            let Some(a) = advice else {
                return self.mark.lower(fd).map(|()| 0);
            };
            if self.mark.set(fd, a.low_water) {
                // Sleep until the mark's bytes arrived or the time ran out (the end of the result
                // set, or the server slowed down); a failed wait just reads now.
                let _ = mysql_sockopt::wait_readable(fd, a.max_wait);
                // The read itself never waits on a raised mark: Linux may report the socket
                // readable below the mark (receive window nearly closed, memory pressure) while
                // a blocking read would still wait for the mark's bytes, which then never come.
                self.mark.lower(fd)?;
                return Ok(a.low_water);
            }
        }
        #[cfg(not(target_os = "linux"))]
        let _ = (stream, proto);
        Ok(0)
    }
}
