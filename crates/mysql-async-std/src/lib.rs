//! # mysql-async-std: MySQL / MariaDB for async-std
//!
//! **async-std is discontinued upstream; prefer `mysql-smol`** (identical API). This crate is the
//! async client of [`mysql_proto_async`] with async-std's sockets and timer; it only connects
//! and sleeps.
//!
//! ```no_run
//! async_std::task::block_on(async {
//!     let mut conn = mysql_async_std::Conn::connect("mysql://root@127.0.0.1:3307/test").await?;
//!     let rows: Vec<(i64,)> = conn.query_collect("SELECT 1").await?;
//!     conn.close().await
//! })?;
//! # Ok::<(), mysql_async_std::Error>(())
//! ```

use std::future::Future;
use std::io;
use std::time::Duration;

pub use mysql_proto_async::*;

/// The async-std [`Runtime`]: `async_std::net` sockets and `async_std::task::sleep`.
#[derive(Debug, Clone, Copy, Default)]
pub struct AsyncStd;

mysql_proto_async::runtime_aliases!(AsyncStd, "async-std");

#[cfg(unix)]
type UnixSocket = FuturesIo<async_std::os::unix::net::UnixStream>;
#[cfg(not(unix))]
type UnixSocket = FuturesIo<async_std::net::TcpStream>;

impl Runtime for AsyncStd {
    type Stream = Socket<FuturesIo<async_std::net::TcpStream>, UnixSocket>;

    async fn connect_tcp(host: String, port: u16) -> io::Result<Self::Stream> {
        let s = async_std::net::TcpStream::connect((host.as_str(), port)).await?;
        s.set_nodelay(true)?;
        Ok(Socket::Tcp(FuturesIo(s)))
    }

    async fn connect_unix(path: String) -> io::Result<Self::Stream> {
        #[cfg(unix)]
        return Ok(Socket::Unix(FuturesIo(
            async_std::os::unix::net::UnixStream::connect(path).await?,
        )));
        #[cfg(not(unix))]
        return Err(io::Error::new(
            io::ErrorKind::Unsupported,
            format!("no Unix socket {path}"),
        ));
    }

    fn sleep(duration: Duration) -> impl Future<Output = ()> + Send {
        async_std::task::sleep(duration)
    }
}
