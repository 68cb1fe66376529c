//! What a runtime adapter supplies: a byte [`Transport`] and a [`Runtime`] (connect, sleep).

use std::future::Future;
use std::io;
use std::pin::{pin, Pin};
use std::task::{Context, Poll};
use std::time::Duration;

/// A connected byte stream. Implemented by each adapter for its socket types.
pub trait Transport: Unpin + Send + 'static {
    /// Reads into `buf`; `Ok(0)` means the peer closed. Registers `cx` when not ready.
    fn poll_read(&mut self, cx: &mut Context<'_>, buf: &mut [u8]) -> Poll<io::Result<usize>>;
    /// Writes from `buf`, returning how much was taken. Registers `cx` when not ready.
    fn poll_write(&mut self, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>>;
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

impl<T: Transport, U: Transport> Transport for Socket<T, U> {
    fn poll_read(&mut self, cx: &mut Context<'_>, buf: &mut [u8]) -> Poll<io::Result<usize>> {
        match self {
            Socket::Tcp(s) => s.poll_read(cx, buf),
            Socket::Unix(s) => s.poll_read(cx, buf),
        }
    }
    fn poll_write(&mut self, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        match self {
            Socket::Tcp(s) => s.poll_write(cx, buf),
            Socket::Unix(s) => s.poll_write(cx, buf),
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
    fn poll_read(&mut self, cx: &mut Context<'_>, buf: &mut [u8]) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.0).poll_read(cx, buf)
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
