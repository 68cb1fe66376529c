//! # mysql-smol: MySQL / MariaDB for smol
//!
//! The async client of [`mysql_proto_async`] with smol's sockets and timer. All protocol and
//! client logic is shared with the other adapters; this crate only connects and sleeps.
//!
//! ```no_run
//! smol::block_on(async {
//!     let mut conn = mysql_smol::Conn::connect("mysql://root@127.0.0.1:3307/test").await?;
//!     let rows: Vec<(i64,)> = conn.query_collect("SELECT 1").await?;
//!     conn.close().await
//! })?;
//! # Ok::<(), mysql_smol::Error>(())
//! ```

use std::io;
use std::time::Duration;

pub use mysql_proto_async::*;

/// The smol [`Runtime`]: `smol::net` sockets and `smol::Timer`.
#[derive(Debug, Clone, Copy, Default)]
pub struct Smol;

mysql_proto_async::runtime_aliases!(Smol, "smol");

#[cfg(unix)]
type UnixSocket = FuturesIo<smol::net::unix::UnixStream>;
#[cfg(not(unix))]
type UnixSocket = FuturesIo<smol::net::TcpStream>;

impl Runtime for Smol {
    type Stream = Socket<FuturesIo<smol::net::TcpStream>, UnixSocket>;

    async fn connect_tcp(host: String, port: u16) -> io::Result<Self::Stream> {
        let s = smol::net::TcpStream::connect((host.as_str(), port)).await?;
        s.set_nodelay(true)?;
        Ok(Socket::Tcp(FuturesIo(s)))
    }

    async fn connect_unix(path: String) -> io::Result<Self::Stream> {
        #[cfg(unix)]
        return Ok(Socket::Unix(FuturesIo(
            smol::net::unix::UnixStream::connect(path).await?,
        )));
        #[cfg(not(unix))]
        return Err(io::Error::new(
            io::ErrorKind::Unsupported,
            format!("no Unix socket {path}"),
        ));
    }

    async fn sleep(duration: Duration) {
        smol::Timer::after(duration).await;
    }
}
