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

#[cfg(all(test, target_os = "linux"))]
mod tests {
    use super::*;
    use mysql_proto::testing::{feed, handshake_done, query_result};
    use std::net::{TcpListener, TcpStream};
    use std::time::Duration;

    /// Regression: a blocking read must never wait on a raised mark. Linux may report a socket
    /// readable below its mark (receive window nearly closed, memory pressure) while a blocking
    /// `recv` still waits for the mark's bytes; a row larger than 16 MiB once hung that way.
    /// Streams a large scripted result into the core until it advises coalescing, over a socket
    /// holding 64 KiB its peer wrote (more than the mark the kernel accepts for its receive
    /// buffer, so every wait ends at once): each coalesced wait must leave the mark at 1.
    #[test]
    fn a_coalesced_wait_leaves_the_mark_at_one() {
        use std::io::Write;
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let socket = TcpStream::connect(listener.local_addr().unwrap()).unwrap();
        let (mut peer, _) = listener.accept().unwrap();
        let writer = std::thread::spawn(move || {
            peer.write_all(&[0; 64 << 10]).unwrap();
            peer
        });
        let stream = Stream::Tcp(socket);
        let mut proto = handshake_done();
        proto.query("SELECT n, s FROM t").unwrap();
        let text = "x".repeat(200);
        let rows: Vec<Vec<Option<&[u8]>>> = (0..40_000)
            .map(|_| vec![Some(&b"1"[..]), Some(text.as_bytes())])
            .collect();
        let mut c = Coalescing::new();
        let mut coalesced = 0;
        for chunk in query_result(&["n", "s"], &rows).chunks(16 << 10) {
            let t = Instant::now();
            let gathered = c.before_read(&stream, &mut proto).unwrap();
            if gathered > 0 {
                coalesced += 1;
                assert_eq!(gathered, mysql_proto::connection::coalescing::MAX_LOW_WATER);
                assert!(
                    t.elapsed() < Duration::from_millis(100),
                    "{:?}",
                    t.elapsed()
                );
            }
            assert_eq!(c.mark.get(), 1, "a read would wait on a raised mark");
            feed(&mut proto, chunk);
            while proto.poll_event().unwrap().is_some() {}
            std::thread::sleep(Duration::from_micros(100));
        }
        assert!(coalesced > 10, "coalesced {coalesced} reads");
        drop(writer.join().unwrap());
    }
}
