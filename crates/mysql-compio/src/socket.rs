//! [`CompioSocket`]: a compio TCP or Unix socket as a [`Transport`], reading with io_uring
//! straight into the connection's receive buffer.
//!
//! A completion-based read owns its buffer until the kernel completes it, also after the
//! future that started it is dropped. So the socket borrows the receive buffer *by value*
//! ([`Connection::take_recv_buf`]) and keeps the read in flight in itself, not in the
//! operation's future: when a query's future is dropped mid-read, the next operation completes
//! that read and gives the buffer back, and no byte is lost (the async client's cancellation
//! guarantee). Writes are kept in flight the same way; each copies the bytes to send into a
//! buffer of the socket's (reused), because the connection keeps appending commands to its
//! send buffer while a write is in flight (pipelining); requests are small next to results.

use std::future::Future;
use std::io;
use std::mem::MaybeUninit;
use std::pin::Pin;
use std::task::{Context, Poll};

use compio::buf::{BufResult, IoBuf, IoBufMut, SetLen};
use compio::io::{AsyncRead, AsyncWrite};
use mysql_proto_async::{Connection, RecvBuf, Transport};

use crate::on_thread::{in_runtime, OnThread};

/// A write asks for at most this many bytes (a copy each).
const MAX_WRITE: usize = 256 << 10;

/// A connected compio socket.
pub(crate) enum Stream {
    Tcp(compio::net::TcpStream),
    #[cfg(unix)]
    Unix(compio::net::UnixStream),
}

type InFlight<B> = Pin<Box<dyn Future<Output = BufResult<usize, B>>>>;

/// The socket and the operations it has in flight.
struct Inner {
    stream: Stream,
    read: Option<InFlight<Spare>>,
    write: Option<InFlight<Vec<u8>>>,
    /// The write buffer while no write is in flight.
    out: Vec<u8>,
}

/// A compio socket as the async client's [`Transport`] (see the module docs).
pub struct CompioSocket(OnThread<Inner>);

impl CompioSocket {
    pub(crate) fn new(stream: Stream) -> CompioSocket {
        CompioSocket(OnThread::new(Inner {
            stream,
            read: None,
            write: None,
            out: Vec::new(),
        }))
    }
}

impl Drop for CompioSocket {
    /// Shuts the socket down at once, so the server ends the session now (rolling back what it
    /// left open): compio closes the descriptor itself only after the operations in flight
    /// were cancelled, when the runtime next turns. Dropped on another thread, the socket is
    /// left alone (see [`OnThread`]).
    fn drop(&mut self) {
        #[cfg(unix)]
        if let Ok(inner) = self.0.get() {
            let _ = match &inner.stream {
                Stream::Tcp(s) => socket2::SockRef::from(s).shutdown(std::net::Shutdown::Both),
                Stream::Unix(s) => socket2::SockRef::from(s).shutdown(std::net::Shutdown::Both),
            };
        }
    }
}

impl std::fmt::Debug for CompioSocket {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CompioSocket").finish_non_exhaustive()
    }
}

impl Transport for CompioSocket {
    fn poll_recv(
        &mut self,
        cx: &mut Context<'_>,
        proto: &mut Connection,
    ) -> Poll<io::Result<usize>> {
        let inner = self.0.get()?;
        if !in_runtime() {
            return Poll::Ready(outside());
        }
        let read = match inner.read.as_mut() {
            Some(read) => read,
            None => {
                let spare = Spare {
                    loan: proto.take_recv_buf(proto.read_hint()),
                    filled: 0,
                };
                inner.read.insert(match &inner.stream {
                    Stream::Tcp(s) => read(s.clone(), spare),
                    #[cfg(unix)]
                    Stream::Unix(s) => read(s.clone(), spare),
                })
            }
        };
        let BufResult(result, spare) = std::task::ready!(read.as_mut().poll(cx));
        inner.read = None;
        proto.give_recv_buf(spare.loan, *result.as_ref().unwrap_or(&0));
        Poll::Ready(result)
    }

    fn poll_write(&mut self, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        let inner = self.0.get()?;
        if !in_runtime() {
            return Poll::Ready(outside());
        }
        let write = match inner.write.as_mut() {
            Some(write) => write,
            None => {
                let mut out = std::mem::take(&mut inner.out);
                out.clear();
                out.extend_from_slice(&buf[..buf.len().min(MAX_WRITE)]);
                inner.write.insert(match &inner.stream {
                    Stream::Tcp(s) => write(s.clone(), out),
                    #[cfg(unix)]
                    Stream::Unix(s) => write(s.clone(), out),
                })
            }
        };
        let BufResult(result, out) = std::task::ready!(write.as_mut().poll(cx));
        inner.write = None;
        inner.out = out;
        Poll::Ready(result)
    }

    /// An io_uring write would reach the kernel only when the runtime turns, perhaps never (the
    /// connection is being dropped): so with no write in flight this is a plain non-blocking
    /// `send`; with one, it says whether that one is done.
    fn poll_write_now(&mut self, buf: &[u8]) -> Poll<io::Result<usize>> {
        let inner = self.0.get()?;
        if inner.write.is_some() {
            let mut cx = Context::from_waker(std::task::Waker::noop());
            return self.poll_write(&mut cx, buf);
        }
        #[cfg(unix)]
        {
            use std::os::fd::AsFd;
            let fd = match &inner.stream {
                Stream::Tcp(s) => s.as_fd(),
                Stream::Unix(s) => s.as_fd(),
            };
            match mysql_sockopt::send_now(fd, buf) {
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => Poll::Pending,
                r => Poll::Ready(r),
            }
        }
        #[cfg(not(unix))]
        Poll::Pending
    }

    /// The TCP socket's descriptor (for TCP keepalive and read coalescing), on the owner
    /// thread.
    #[cfg(unix)]
    fn fd(&self) -> Option<std::os::fd::BorrowedFd<'_>> {
        use std::os::fd::AsFd;
        match &self.0.get_ref()?.stream {
            Stream::Tcp(s) => Some(s.as_fd()),
            Stream::Unix(_) => None,
        }
    }
}

/// Starts a read of `stream` into `spare` (the operation begins at the first poll).
fn read<S: AsyncRead + 'static>(mut stream: S, spare: Spare) -> InFlight<Spare> {
    Box::pin(async move { stream.read(spare).await })
}

/// Starts a write of `out` to `stream`.
fn write<S: AsyncWrite + 'static>(mut stream: S, out: Vec<u8>) -> InFlight<Vec<u8>> {
    Box::pin(async move { stream.write(out).await })
}

fn outside<T>() -> io::Result<T> {
    Err(io::Error::new(
        io::ErrorKind::Unsupported,
        "a compio connection is used within a compio runtime only",
    ))
}

/// The receive buffer's free tail as the buffer of a compio read: the kernel writes into it,
/// and `filled` records how much.
struct Spare {
    loan: RecvBuf,
    filled: usize,
}

impl IoBuf for Spare {
    fn as_init(&self) -> &[u8] {
        &self.loan.spare()[..self.filled]
    }
}

impl SetLen for Spare {
    unsafe fn set_len(&mut self, len: usize) {
        self.filled = len.min(self.loan.spare().len());
    }
}

impl IoBufMut for Spare {
    fn as_uninit(&mut self) -> &mut [MaybeUninit<u8>] {
        let spare = self.loan.spare_mut();
        // SAFETY: `MaybeUninit<u8>` has the layout of `u8`, so the cast keeps the slice's
        // pointer, length and lifetime. The bytes are initialised (the receive buffer is a
        // zero-filled `Vec<u8>`), and stay so: compio's driver and the kernel only store bytes
        // read from the socket into it, never an uninitialised value. Exercised under
        // AddressSanitizer by the adapter's tests (`tests/on_thread.rs`).
        unsafe { &mut *(spare as *mut [u8] as *mut [MaybeUninit<u8>]) }
    }
}
