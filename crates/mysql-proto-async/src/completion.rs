//! [`Completion`]: the [`Transport`] of a completion-based runtime (io_uring), written once over
//! the few calls of its sockets ([`CompletionIo`]).
//!
//! A completion-based read owns its buffer until the kernel completes it, also after the
//! future that started it is dropped, so a borrowed slice cannot serve it. The transport
//! borrows the receive buffer *by value* ([`Connection::take_recv_buf`]) and keeps the read in
//! flight in itself, not in the operation's future: when a query's future is dropped mid-read,
//! the next operation completes that read and gives the buffer back, and no byte is lost (the
//! async client's cancellation guarantee). Writes are kept in flight the same way; each copies
//! the bytes to send into a buffer of the transport's (reused), because the connection keeps
//! appending commands to its send buffer while a write is in flight (pipelining); requests are
//! small next to results. Such runtimes are thread-per-core: the transport is [`ThreadBound`].

use std::future::Future;
use std::io;
use std::pin::Pin;
use std::task::{Context, Poll};

use mysql_proto::{Connection, RecvBuf};

use crate::runtime::Transport;
use crate::thread_bound::ThreadBound;

/// A write asks for at most this many bytes (a copy each).
const MAX_WRITE: usize = 256 << 10;

/// What [`Completion`] needs of a completion-based runtime's socket. The futures own what they
/// are given (the runtime keeps it while the kernel works) and hand it back.
pub trait CompletionIo: Unpin + 'static {
    /// Reads into the start of `buf.spare_mut()`; returns how many bytes (0: the peer closed).
    fn read(&self, buf: RecvBuf) -> impl Future<Output = (io::Result<usize>, RecvBuf)> + 'static;
    /// Writes from the start of `buf`; returns how many bytes were taken.
    fn write(&self, buf: Vec<u8>) -> impl Future<Output = (io::Result<usize>, Vec<u8>)> + 'static;
    /// Writes what the socket takes at once, never waiting (`WouldBlock` when it is full): a
    /// runtime's own write reaches the kernel only when its event loop turns, perhaps never
    /// (a pool dropping the connection sends `COM_QUIT` so).
    fn write_now(&self, buf: &[u8]) -> io::Result<usize>;
    /// Whether the runtime runs on this thread (its operations cannot start elsewhere).
    fn runtime_here() -> bool;
    /// The TCP socket's descriptor (keepalive, read coalescing), if any.
    #[cfg(unix)]
    fn fd(&self) -> Option<std::os::fd::BorrowedFd<'_>>;
    /// Shuts the socket down at once (the connection is dropped: the server ends the session
    /// now, while the runtime closes the descriptor only once its operations are cancelled).
    fn shutdown(&self);
}

type InFlight<B> = Pin<Box<dyn Future<Output = (io::Result<usize>, B)>>>;

/// The socket and the operations it has in flight.
struct Inner<S> {
    socket: S,
    read: Option<InFlight<RecvBuf>>,
    write: Option<InFlight<Vec<u8>>>,
    /// The write buffer while no write is in flight.
    out: Vec<u8>,
}

/// A completion-based socket as the async client's [`Transport`] (see the module docs).
pub struct Completion<S: CompletionIo>(ThreadBound<Inner<S>>);

impl<S: CompletionIo> Completion<S> {
    /// Wraps a connected socket, bound to the current thread.
    pub fn new(socket: S) -> Completion<S> {
        Completion(ThreadBound::new(Inner {
            socket,
            read: None,
            write: None,
            out: Vec::new(),
        }))
    }

    /// The socket and its operations, on its thread, within its runtime.
    fn inner(&mut self) -> io::Result<&mut Inner<S>> {
        let inner = self.0.get()?;
        match S::runtime_here() {
            true => Ok(inner),
            false => Err(io::Error::new(
                io::ErrorKind::Unsupported,
                "a connection of a completion-based runtime is used within that runtime only",
            )),
        }
    }
}

impl<S: CompletionIo> Drop for Completion<S> {
    fn drop(&mut self) {
        if let Some(inner) = self.0.get_ref() {
            inner.socket.shutdown();
        }
    }
}

impl<S: CompletionIo> std::fmt::Debug for Completion<S> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Completion").finish_non_exhaustive()
    }
}

impl<S: CompletionIo> Transport for Completion<S> {
    fn poll_recv(
        &mut self,
        cx: &mut Context<'_>,
        proto: &mut Connection,
    ) -> Poll<io::Result<usize>> {
        let inner = self.inner()?;
        let read = match inner.read.as_mut() {
            Some(read) => read,
            None => {
                let loan = proto.take_recv_buf(proto.read_hint());
                inner.read.insert(Box::pin(inner.socket.read(loan)))
            }
        };
        let (result, loan) = std::task::ready!(read.as_mut().poll(cx));
        inner.read = None;
        proto.give_recv_buf(loan, *result.as_ref().unwrap_or(&0));
        Poll::Ready(result)
    }

    fn poll_write(&mut self, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        let inner = self.inner()?;
        let write = match inner.write.as_mut() {
            Some(write) => write,
            None => {
                let mut out = std::mem::take(&mut inner.out);
                out.clear();
                out.extend_from_slice(&buf[..buf.len().min(MAX_WRITE)]);
                inner.write.insert(Box::pin(inner.socket.write(out)))
            }
        };
        let (result, out) = std::task::ready!(write.as_mut().poll(cx));
        inner.write = None;
        inner.out = out;
        Poll::Ready(result)
    }

    /// With no write in flight, a plain non-blocking write ([`CompletionIo::write_now`]); with
    /// one, whether that one is done.
    fn poll_write_now(&mut self, buf: &[u8]) -> Poll<io::Result<usize>> {
        let inner = self.inner()?;
        if inner.write.is_some() {
            let mut cx = Context::from_waker(std::task::Waker::noop());
            return self.poll_write(&mut cx, buf);
        }
        match inner.socket.write_now(buf) {
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => Poll::Pending,
            r => Poll::Ready(r),
        }
    }

    #[cfg(unix)]
    fn fd(&self) -> Option<std::os::fd::BorrowedFd<'_>> {
        self.0.get_ref()?.socket.fd()
    }
}
