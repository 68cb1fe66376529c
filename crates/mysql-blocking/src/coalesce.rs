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
    /// A failure to raise the mark or to wait only means reading as usual; fails only when the
    /// mark cannot be lowered again (the read could then wait for bytes that never come: the
    /// caller breaks the connection instead).
    pub(crate) fn before_read(
        &mut self,
        stream: &Stream,
        proto: &mut Connection,
    ) -> std::io::Result<()> {
        #[cfg(target_os = "linux")]
        {
            let origin = self.origin;
            let advice = proto.read_coalescing(|| origin.elapsed());
            // The common case (no large result streaming, the mark at its default) costs the
            // core's check only.
            if advice.is_none() && self.mark.get() == 1 {
                return Ok(());
            }
            let Some(fd) = stream.tcp_fd() else {
                return Ok(());
            };
            let Some(a) = advice else {
                return self.mark.lower(fd);
            };
            // Timed out (the end of the result set, or the server slowed down) or failed: lower
            // the mark so the read returns what is there.
            if self.mark.set(fd, a.low_water)
                && !mysql_sockopt::wait_readable(fd, a.max_wait).unwrap_or(false)
            {
                self.mark.lower(fd)?;
            }
        }
        #[cfg(not(target_os = "linux"))]
        let _ = (stream, proto);
        Ok(())
    }
}
