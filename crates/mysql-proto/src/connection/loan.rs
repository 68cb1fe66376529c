//! The receive buffer lent by value, for completion-based IO (io_uring, IOCP).
//!
//! [`Connection::recv_buf`] lends a `&mut [u8]`: enough for a readiness-based runtime, which
//! reads only once the socket is readable and finishes the read before the borrow ends. A
//! completion-based runtime hands the buffer to the kernel, which writes into it whenever the
//! read completes, possibly after the future that started it was dropped: the buffer must be
//! owned by the operation, not borrowed. Without a loan by value such an adapter would read
//! into a buffer of its own and copy every byte into the connection's; with it, the kernel
//! writes straight into the receive buffer, as the other adapters' reads do.
//!
//! ```
//! # use mysql_proto::{Connection, Opts};
//! let mut conn = Connection::new(Opts::from_url("mysql://root@localhost/").unwrap());
//! let mut loan = conn.take_recv_buf(conn.read_hint());
//! // ... the kernel fills the start of `loan.spare_mut()` (here, by hand) ...
//! loan.spare_mut()[..4].copy_from_slice(&[1, 0, 0, 0]);
//! conn.give_recv_buf(loan, 4);
//! assert!(!conn.advance().unwrap()); // a frame header alone: more input is needed
//! ```

use super::*;

/// The connection's receive buffer, lent by value by [`Connection::take_recv_buf`]: read into
/// [`spare_mut`](Self::spare_mut), then give it back with [`Connection::give_recv_buf`]. While it is
/// lent, the connection decodes nothing ([`Connection::advance`] returns `Ok(false)`).
/// Dropping it instead of giving it back loses the bytes it held: the connection then breaks
/// at its next read.
#[derive(Debug)]
pub struct RecvBuf {
    buf: Vec<u8>,
    start: usize,
}

impl RecvBuf {
    /// The free tail to read into (never empty); its first `n` bytes are kept by
    /// [`Connection::give_recv_buf`]`(self, n)`.
    pub fn spare_mut(&mut self) -> &mut [u8] {
        &mut self.buf[self.start..]
    }

    /// The free tail, to look at (what a read wrote into it).
    pub fn spare(&self) -> &[u8] {
        &self.buf[self.start..]
    }
}

/// What is lent: the buffer's address and length (to know it again, and to put a buffer as
/// long back when it is lost). It goes back to the layer it came from: the layer cannot change
/// while nothing is decoded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Loan {
    addr: usize,
    len: usize,
}

impl Connection {
    /// Lends the receive buffer by value, with the free tail [`recv_buf`](Self::recv_buf)
    /// would lend (at least `hint` bytes) as its [`spare_mut`](RecvBuf::spare_mut) part: for an
    /// adapter whose reads own their buffer until the kernel completes them (see the
    /// [module docs](self::loan)). Give it back with [`give_recv_buf`](Self::give_recv_buf)
    /// before decoding again. Never fails; lending again before the last loan came back
    /// breaks the connection (the bytes of that loan are lost) with [`ErrorKind::Misuse`].
    pub fn take_recv_buf(&mut self, hint: usize) -> RecvBuf {
        let spare = self.recv_buf(hint).len();
        let buf = std::mem::take(self.recv_vec());
        self.loaned = Some(Loan {
            addr: buf.as_ptr() as usize,
            len: buf.len(),
        });
        RecvBuf {
            start: buf.len() - spare,
            buf,
        }
    }

    /// Takes back the buffer lent by [`take_recv_buf`](Self::take_recv_buf), keeping the first
    /// `n` bytes read into its spare part (clamped to it): what
    /// [`handle_recv`](Self::handle_recv)`(n)` does after [`recv_buf`](Self::recv_buf). A buffer
    /// that is not the one lent breaks the connection with [`ErrorKind::Misuse`].
    pub fn give_recv_buf(&mut self, buf: RecvBuf, n: usize) {
        let Some(loan) = self.loaned else {
            self.fatal.get_or_insert(Error::misuse(
                "a receive buffer was given back but none was lent",
            ));
            return;
        };
        if buf.buf.as_ptr() as usize != loan.addr || buf.buf.len() != loan.len {
            self.fatal.get_or_insert(Error::misuse(
                "a receive buffer not lent by this connection",
            ));
            self.forget_loan();
            return;
        }
        self.loaned = None;
        *self.recv_vec() = buf.buf;
        self.handle_recv(n);
    }

    /// Whether the receive buffer is lent by value.
    pub(super) fn recv_lent(&self) -> bool {
        self.loaned.is_some()
    }

    /// Gives up the loan that is out, if any (before lending again, or when a foreign buffer
    /// came back): it took the buffered bytes with it, so the stream cannot be decoded any
    /// further and the connection breaks. A zeroed buffer as long takes its place, so every
    /// position into it stays in bounds.
    pub(super) fn forget_loan(&mut self) {
        let Some(loan) = self.loaned.take() else {
            return;
        };
        self.fatal.get_or_insert(Error::misuse(
            "the receive buffer was lent again before it was given back",
        ));
        *self.recv_vec() = vec![0; loan.len];
    }

    /// The vector behind the slice [`recv_buf`](Self::recv_buf) lends: the TLS session's raw
    /// input, the compressed input, or the plaintext buffer.
    fn recv_vec(&mut self) -> &mut Vec<u8> {
        #[cfg(feature = "tls")]
        if let Some(tls) = self.tls.as_mut() {
            return tls.raw_in();
        }
        match self.compress.as_mut() {
            Some(z) => z.lent_input(),
            None => &mut self.rx,
        }
    }
}
