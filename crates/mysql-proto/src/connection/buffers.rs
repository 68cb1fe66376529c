//! Input and output of a [`Connection`]: the receive buffer lent to the adapter's reads (and
//! the TLS layer under it), the send buffer its writes drain.

use super::*;

impl Connection {
    /// Lends the free tail of the receive buffer, at least `hint` bytes (and at least what the
    /// frame being received still needs), capped so the buffer never exceeds one frame (16 MiB)
    /// plus 64 KiB. Read into it, then call [`handle_recv`](Self::handle_recv). Ends the current
    /// event. Call it only after [`advance`](Self::advance) returned `Ok(false)`: then the slice
    /// is never empty. A completion-based adapter, whose reads own their buffer, borrows it by
    /// value instead: [`take_recv_buf`](Self::take_recv_buf). Calling this while that loan is
    /// out breaks the connection (the loan's bytes are lost).
    pub fn recv_buf(&mut self, hint: usize) -> &mut [u8] {
        self.release_current();
        self.forget_loan();
        // Raw bytes go to rustls; the plaintext reaches the frame buffer in handle_recv. (An
        // `if let` returning the borrow would keep `self` borrowed below: NLL problem case 3.)
        #[cfg(feature = "tls")]
        #[allow(clippy::unnecessary_unwrap)]
        if self.tls.is_some() {
            // Invariant: checked just above.
            let buf = self.tls.as_mut().expect("tls").recv_buf(hint);
            self.lent = buf.len();
            return buf;
        }
        #[allow(clippy::unnecessary_unwrap)]
        if self.compress.is_some() {
            // Invariant: checked just above.
            let buf = self.compress.as_mut().expect("compress").lend(hint);
            self.lent = buf.len();
            return buf;
        }
        self.plain_recv_buf(hint)
    }

    /// How many bytes to ask of the next socket read, for [`recv_buf`](Self::recv_buf): starts
    /// at 8 KiB (an idle connection holds little memory) and doubles, up to 64 KiB, each time
    /// a read fills the whole slice (a large result is streaming).
    pub fn read_hint(&self) -> usize {
        self.read_hint
    }

    /// The free tail of the plaintext receive buffer (see [`recv_buf`](Self::recv_buf)).
    fn plain_recv_buf(&mut self, hint: usize) -> &mut [u8] {
        if self.rx_start == self.rx_end {
            self.rx_start = 0;
            self.rx_end = 0;
            if self.rx.len() > SHRINK_ABOVE {
                self.rx = Vec::new();
            }
        }
        let want = hint.max(self.frame_shortfall()).max(1);
        // Unread bytes move to the front when the tail is too short, and also when they are few:
        // a streaming result leaves part of a packet behind after each read, and moving it (a
        // short copy) makes every read land at the start of the buffer, in cache lines the last
        // read warmed, instead of sweeping a large buffer.
        let unread = self.rx_end - self.rx_start;
        if self.rx_start > 0 && (unread <= COMPACT_BELOW || self.rx.len() - self.rx_end < want) {
            self.rx.copy_within(self.rx_start..self.rx_end, 0);
            self.rx_start = 0;
            self.rx_end = unread;
        }
        if self.rx.len() - self.rx_end < want {
            let grown = (self.rx_end + want).max(self.rx.len() * 2);
            self.rx.resize(grown.min(MAX_BUFFER).max(self.rx.len()), 0);
        }
        self.lent = self.rx.len() - self.rx_end;
        &mut self.rx[self.rx_end..]
    }

    /// Records that `n` bytes were written into the slice from [`recv_buf`](Self::recv_buf).
    /// `n` larger than that slice is clamped.
    pub fn handle_recv(&mut self, n: usize) {
        if n >= self.lent && self.read_hint < MAX_READ_HINT {
            self.read_hint *= 2;
        }
        self.coalescer.on_recv(n);
        #[cfg(feature = "tls")]
        if self.tls.is_some() {
            // Decrypt into the plaintext buffer: drop consumed bytes first, then append (the
            // Vec's capacity is reused, so this is amortised O(bytes)).
            self.release_current();
            if self.rx_start > 0 {
                self.rx.copy_within(self.rx_start..self.rx_end, 0);
                self.rx_end -= self.rx_start;
                self.rx_start = 0;
            }
            let mut plain = std::mem::take(&mut self.rx);
            plain.truncate(self.rx_end);
            // Invariant: checked just above.
            let tls = self.tls.as_mut().expect("tls");
            // Under compression the plaintext is compressed packets, inflated as needed.
            let r = match self.compress.as_mut() {
                Some(z) => tls.handle_recv(n, z.input()),
                None => tls.handle_recv(n, &mut plain),
            };
            self.rx_end = plain.len();
            self.rx = plain;
            if let Err(e) = r {
                self.fatal.get_or_insert(e);
            }
            return;
        }
        if let Some(z) = self.compress.as_mut() {
            z.filled(n);
            return;
        }
        self.rx_end = (self.rx_end + n).min(self.rx.len());
    }

    /// Before a socket read that may have to wait: whether to coalesce it, i.e. let the socket
    /// wake the reader only once [`ReadCoalescing::low_water`] bytes are readable or
    /// [`ReadCoalescing::max_wait`] has passed (see [`coalescing`] for why and how long).
    /// `Some` only while the rows of a large result set stream in over TCP (Linux wakes a Unix
    /// socket's reader for every write whatever the mark), and when the `read-coalescing`
    /// option is on (the default). `now` reads the adapter's monotonic clock (any fixed
    /// origin); it is called only while rows stream. Never fails. An adapter that cannot set a
    /// low-water mark simply never asks.
    ///
    /// ```
    /// # use mysql_proto::{Connection, Opts};
    /// let mut conn = Connection::new(Opts::from_url("mysql://root@localhost/").unwrap());
    /// // Nothing streams yet: keep the socket's low-water mark at 1 byte.
    /// assert_eq!(conn.read_coalescing(|| std::time::Duration::ZERO), None);
    /// ```
    #[inline]
    pub fn read_coalescing(
        &mut self,
        now: impl FnOnce() -> core::time::Duration,
    ) -> Option<ReadCoalescing> {
        let streaming = self
            .responses
            .queue
            .front()
            .is_some_and(|c| c.state == Response::Rows)
            && self.opts.read_coalescing()
            && !self.opts.is_unix_socket();
        self.coalescer.advise(streaming, now)
    }

    /// Records that the peer closed its side. Pending input is still decoded; a response cut
    /// short fails with [`ErrorKind::Closed`].
    pub fn handle_eof(&mut self) {
        self.eof = true;
    }

    /// The bytes waiting to be written to the peer (empty when there are none). With TLS, this
    /// encrypts what the commands queued; if encryption fails the result is empty and the error
    /// is returned by [`fatal_error`](Self::fatal_error) and the next [`advance`](Self::advance).
    pub fn pending_send(&mut self) -> &[u8] {
        #[cfg(feature = "tls")]
        if let Some(tls) = self.tls.as_mut() {
            if let Some(z) = self.compress.as_mut() {
                return match tls.pending_send(z.unsent()) {
                    Ok((taken, out)) => {
                        z.consume(taken);
                        out
                    }
                    Err(e) => {
                        self.fatal.get_or_insert(e);
                        &[]
                    }
                };
            }
            let plain = &self.tx[self.tx_pos..];
            return match tls.pending_send(plain) {
                Ok((taken, out)) => {
                    self.tx_pos += taken;
                    if self.tx_pos == self.tx.len() {
                        self.tx.clear();
                        self.tx_pos = 0;
                    }
                    out
                }
                Err(e) => {
                    self.fatal.get_or_insert(e);
                    &[]
                }
            };
        }
        if let Some(z) = self.compress.as_ref() {
            return z.unsent();
        }
        &self.tx[self.tx_pos..]
    }

    /// Drops the first `n` bytes of [`pending_send`](Self::pending_send) after they were written.
    pub fn consume_send(&mut self, n: usize) {
        #[cfg(feature = "tls")]
        if let Some(tls) = self.tls.as_mut() {
            tls.consume_send(n);
            return;
        }
        if let Some(z) = self.compress.as_mut() {
            z.consume(n);
            return;
        }
        self.tx_pos = (self.tx_pos + n).min(self.tx.len());
        if self.tx_pos == self.tx.len() {
            self.tx.clear();
            self.tx_pos = 0;
            if self.tx.capacity() > SHRINK_ABOVE {
                self.tx = Vec::new();
            }
        }
    }

    /// Whether [`pending_send`](Self::pending_send) may have bytes to write: commands queued
    /// and not yet written, or TLS records (handshake, alerts) to send. When `false`, a write
    /// attempt can be skipped.
    #[inline]
    pub fn wants_write(&self) -> bool {
        #[cfg(feature = "tls")]
        if self.tls.as_ref().is_some_and(|t| t.wants_write()) {
            return true;
        }
        if let Some(z) = self.compress.as_ref() {
            return !z.unsent().is_empty();
        }
        self.tx_pos < self.tx.len()
    }

    /// Bytes still missing from the frame at the front of the receive buffer.
    fn frame_shortfall(&self) -> usize {
        let have = self.rx_end - self.rx_start;
        match framing::FrameHeader::parse(&self.rx[self.rx_start..self.rx_end]) {
            Some(h) => (4 + h.len).saturating_sub(have),
            None => 4 - have,
        }
    }
}
