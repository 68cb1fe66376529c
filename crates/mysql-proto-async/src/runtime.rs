//! What a runtime adapter supplies: a byte [`Transport`] and a [`Runtime`] (connect, sleep).

use std::future::Future;
use std::io;
use std::pin::{pin, Pin};
use std::task::{ready, Context, Poll};
use std::time::Duration;

use mysql_proto::Connection;

/// A connected byte stream. Implemented by each adapter for its socket types.
///
/// Reads go straight into the connection's receive buffer, so the transport chooses how to
/// borrow it: a readiness-based socket (tokio, smol, async-std) reads into the slice
/// [`Connection::recv_buf`] lends (see [`recv_into`]); a completion-based one (compio's
/// io_uring), whose reads own their buffer until the kernel completes them, borrows it by
/// value ([`Connection::take_recv_buf`]). Either way no byte is copied.
pub trait Transport: Unpin + Send + 'static {
    /// Reads once into `proto`'s receive buffer and records the bytes read
    /// ([`Connection::handle_recv`]); returns how many. `Ok(0)` means the peer closed (the
    /// caller records it). Registers `cx` when nothing is ready; a read left in flight when the
    /// caller stops polling is completed by the next call, so no byte is lost.
    fn poll_recv(
        &mut self,
        cx: &mut Context<'_>,
        proto: &mut Connection,
    ) -> Poll<io::Result<usize>>;
    /// Writes from `buf`, returning how much was taken. Registers `cx` when not ready. Until
    /// it returns `Ready`, the next call passes the same bytes first (more may follow): a
    /// transport may keep a write in flight across calls.
    fn poll_write(&mut self, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>>;
    /// Writes what the socket takes now, never waiting and registering no waker (a pool's
    /// check-in, a goodbye: nobody polls again); `Pending` when nothing could be written.
    /// The default polls [`poll_write`](Self::poll_write) once with a no-op waker, which a
    /// readiness-based socket completes at once; a completion-based one, whose writes complete
    /// only when its event loop turns, overrides it.
    fn poll_write_now(&mut self, buf: &[u8]) -> Poll<io::Result<usize>> {
        self.poll_write(&mut Context::from_waker(std::task::Waker::noop()), buf)
    }
    /// The socket's descriptor, whose receive low-water mark read coalescing raises (see
    /// [`mysql_proto::ReadCoalescing`]; the core advises it for TCP only). `None`, the
    /// default, leaves coalescing off.
    #[cfg(unix)]
    fn fd(&self) -> Option<std::os::fd::BorrowedFd<'_>> {
        None
    }
}

/// What [`FuturesIo`] and the adapters' wrappers need of a socket besides reading and writing:
/// on Unix, its descriptor (for read coalescing); elsewhere nothing.
#[cfg(unix)]
pub trait Descriptor: std::os::fd::AsFd {}
#[cfg(unix)]
impl<T: std::os::fd::AsFd> Descriptor for T {}
/// What [`FuturesIo`] and the adapters' wrappers need of a socket besides reading and writing:
/// on Unix, its descriptor (for read coalescing); elsewhere nothing.
#[cfg(not(unix))]
pub trait Descriptor {}
#[cfg(not(unix))]
impl<T> Descriptor for T {}

/// An async runtime's sockets and timer.
pub trait Runtime: Send + Sync + 'static {
    /// The runtime's connected socket (TCP or Unix).
    type Stream: Transport;
    /// Connects over TCP (with `TCP_NODELAY`).
    fn connect_tcp(
        host: String,
        port: u16,
    ) -> impl Future<Output = io::Result<Self::Stream>> + Send;
    /// Connects to a Unix socket.
    fn connect_unix(path: String) -> impl Future<Output = io::Result<Self::Stream>> + Send;
    /// Completes after `duration`.
    fn sleep(duration: Duration) -> impl Future<Output = ()> + Send;
}

/// Either of two transports: a TCP or a Unix socket.
#[derive(Debug)]
pub enum Socket<T, U> {
    /// TCP.
    Tcp(T),
    /// Unix socket.
    Unix(U),
}

/// [`Transport::poll_recv`] for a readiness-based socket: `read` reads into the free tail of
/// the receive buffer, lent as a slice.
#[inline]
pub fn recv_into(
    proto: &mut Connection,
    read: impl FnOnce(&mut [u8]) -> Poll<io::Result<usize>>,
) -> Poll<io::Result<usize>> {
    let n = ready!(read(proto.recv_buf(proto.read_hint())))?;
    if n > 0 {
        proto.handle_recv(n);
    }
    Poll::Ready(Ok(n))
}

impl<T: Transport, U: Transport> Transport for Socket<T, U> {
    #[inline]
    fn poll_recv(
        &mut self,
        cx: &mut Context<'_>,
        proto: &mut Connection,
    ) -> Poll<io::Result<usize>> {
        match self {
            Socket::Tcp(s) => s.poll_recv(cx, proto),
            Socket::Unix(s) => s.poll_recv(cx, proto),
        }
    }
    #[inline]
    fn poll_write(&mut self, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        match self {
            Socket::Tcp(s) => s.poll_write(cx, buf),
            Socket::Unix(s) => s.poll_write(cx, buf),
        }
    }
    fn poll_write_now(&mut self, buf: &[u8]) -> Poll<io::Result<usize>> {
        match self {
            Socket::Tcp(s) => s.poll_write_now(buf),
            Socket::Unix(s) => s.poll_write_now(buf),
        }
    }
    #[cfg(unix)]
    fn fd(&self) -> Option<std::os::fd::BorrowedFd<'_>> {
        match self {
            Socket::Tcp(s) => s.fd(),
            Socket::Unix(_) => None,
        }
    }
}

/// Adapts any `futures-io` stream (smol's and async-std's sockets) into a [`Transport`].
#[derive(Debug)]
pub struct FuturesIo<T>(pub T);

impl<T> Transport for FuturesIo<T>
where
    T: futures_io::AsyncRead + futures_io::AsyncWrite + Descriptor + Unpin + Send + 'static,
{
    #[inline]
    fn poll_recv(
        &mut self,
        cx: &mut Context<'_>,
        proto: &mut Connection,
    ) -> Poll<io::Result<usize>> {
        recv_into(proto, |buf| Pin::new(&mut self.0).poll_read(cx, buf))
    }
    fn poll_write(&mut self, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.0).poll_write(cx, buf)
    }
    #[cfg(unix)]
    fn fd(&self) -> Option<std::os::fd::BorrowedFd<'_>> {
        Some(self.0.as_fd())
    }
}

/// Runs `fut`, giving up after `limit` (`None`: no limit). `Err(())` means the time ran out;
/// `fut` is then dropped.
pub async fn timeout<R: Runtime, F: Future>(
    limit: Option<Duration>,
    fut: F,
) -> Result<F::Output, ()> {
    let Some(limit) = limit else {
        return Ok(fut.await);
    };
    let mut fut = pin!(fut);
    let mut timer = pin!(R::sleep(limit));
    std::future::poll_fn(|cx| {
        if let Poll::Ready(v) = fut.as_mut().poll(cx) {
            return Poll::Ready(Ok(v));
        }
        timer.as_mut().poll(cx).map(Err)
    })
    .await
}
