//! # mysql-tokio: MySQL / MariaDB for tokio
//!
//! The async client of [`mysql_proto_async`] with tokio's sockets and timer. All protocol and
//! client logic is shared with the other adapters; this crate only connects and sleeps.
//!
//! ```no_run
//! # async fn demo() -> mysql_tokio::Result<()> {
//! let mut conn = mysql_tokio::Conn::connect("mysql://root@127.0.0.1:3307/test").await?;
//! let rows: Vec<(i64, String)> = conn.query_collect("SELECT 1, 'one'").await?;
//! conn.close().await
//! # }
//! ```
//!
//! One connection for many tasks ([`SharedConn`], [`MuxPool`]), and the whole of it for a
//! transaction:
//!
//! ```no_run
//! # async fn demo() -> mysql_tokio::Result<()> {
//! let pool = mysql_tokio::MuxPool::connect("mysql://app:secret@127.0.0.1/shop", 2).await?;
//! let conn = pool.get().await?; // a SharedConn: Clone it into as many tasks as you like
//! let name: Option<(String,)> = conn.exec_first("SELECT name FROM users WHERE id = ?", (7,)).await?;
//! let mut x = conn.exclusive().await?; // the whole connection, for a transaction
//! let mut tx = x.begin()?;
//! tx.exec_drop("UPDATE users SET seen = NOW() WHERE id = ?", (7,)).await?;
//! tx.commit().await?;
//! # Ok(()) }
//! ```

use std::future::Future;
use std::io;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};

pub use mysql_proto_async::*;

/// The tokio [`Runtime`]: tokio's TCP and Unix sockets and `tokio::time::sleep`.
#[derive(Debug, Clone, Copy, Default)]
pub struct Tokio;

mysql_proto_async::runtime_aliases!(Tokio, "tokio");

#[cfg(unix)]
type UnixSocket = TokioIo<tokio::net::UnixStream>;
#[cfg(not(unix))]
type UnixSocket = TokioIo<tokio::net::TcpStream>;

impl Runtime for Tokio {
    type Stream = Socket<TokioIo<tokio::net::TcpStream>, UnixSocket>;

    async fn connect_tcp(host: String, port: u16) -> io::Result<Self::Stream> {
        let s = tokio::net::TcpStream::connect((host.as_str(), port)).await?;
        s.set_nodelay(true)?;
        Ok(Socket::Tcp(TokioIo(s)))
    }

    async fn connect_unix(path: String) -> io::Result<Self::Stream> {
        #[cfg(unix)]
        return Ok(Socket::Unix(TokioIo(
            tokio::net::UnixStream::connect(path).await?,
        )));
        #[cfg(not(unix))]
        return Err(io::Error::new(
            io::ErrorKind::Unsupported,
            format!("no Unix socket {path}"),
        ));
    }

    fn sleep(duration: Duration) -> impl Future<Output = ()> + Send {
        tokio::time::sleep(duration)
    }
}

/// A tokio socket as a [`Transport`].
#[derive(Debug)]
pub struct TokioIo<T>(pub T);

impl<T: AsyncRead + AsyncWrite + Descriptor + Unpin + Send + 'static> Transport for TokioIo<T> {
    #[inline]
    fn poll_recv(
        &mut self,
        cx: &mut Context<'_>,
        proto: &mut Connection,
    ) -> Poll<io::Result<usize>> {
        recv_into(proto, |buf| {
            let mut rb = ReadBuf::new(buf);
            std::task::ready!(Pin::new(&mut self.0).poll_read(cx, &mut rb))?;
            Poll::Ready(Ok(rb.filled().len()))
        })
    }

    fn poll_write(&mut self, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.0).poll_write(cx, buf)
    }

    #[cfg(unix)]
    fn fd(&self) -> Option<std::os::fd::BorrowedFd<'_>> {
        Some(self.0.as_fd())
    }
}
