//! # mysql-compio: MySQL / MariaDB for compio (io_uring)
//!
//! The async client of [`mysql_proto_async`] on [compio](https://docs.rs/compio), a
//! completion-based, thread-per-core runtime: on Linux every read and write is an io_uring
//! operation (compio falls back to its polling driver where the kernel refuses io_uring). All
//! protocol and client logic is shared with the other adapters; this crate connects, sleeps,
//! and keeps each socket's reads and writes in flight.
//!
//! ```no_run
//! compio::runtime::Runtime::new()?.block_on(async {
//!     let mut conn = mysql_compio::Conn::connect("mysql://root@127.0.0.1:3307/test").await?;
//!     let rows: Vec<(i64,)> = conn.query_collect("SELECT 1").await?;
//!     conn.close().await
//! })?;
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! ## Zero copy with a kernel that owns the buffer
//!
//! A read reads straight into the connection's receive buffer, lent *by value* for as long as
//! the kernel owns it ([`Connection::take_recv_buf`]), and is kept in flight by the transport,
//! not by the operation's future: a query dropped mid-read leaves the read to the next
//! operation, which completes it, so cancellation loses no byte (see [`mysql_proto_async`]'s
//! guarantees). Writes copy the request into a buffer of the transport's (the connection keeps
//! appending pipelined commands to its own meanwhile). That logic is the async layer's
//! [`Completion`], written once for any completion-based runtime; this crate supplies compio's
//! calls ([`CompioStream`]).
//!
//! ## One thread per connection
//!
//! compio's sockets and timers belong to the thread whose runtime made them. A connection
//! ([`Conn`], [`Pool`], [`SharedConn`], [`MuxPool`]) opened on a compio thread is used on that
//! thread: its types are `Send` (the client is written once for every runtime, see
//! [`ThreadBound`]), but an operation run on another thread, or outside a compio runtime,
//! breaks the connection with an error saying so instead of touching the socket, and a
//! connection dropped on another thread leaks its socket rather than closing it there. Run one
//! runtime (and pool) per thread, as compio intends.

mod io;

use std::future::Future;
use std::time::Duration;

pub use io::CompioStream;
pub use mysql_proto_async::*;

/// The compio [`Runtime`]: compio's TCP and Unix sockets (io_uring) and `compio::time::sleep`.
#[derive(Debug, Clone, Copy, Default)]
pub struct Compio;

mysql_proto_async::runtime_aliases!(Compio, "compio");

/// A compio socket as the async client's [`Transport`].
pub type CompioSocket = Completion<CompioStream>;

impl Runtime for Compio {
    type Stream = CompioSocket;

    fn connect_tcp(
        host: String,
        port: u16,
    ) -> impl Future<Output = std::io::Result<CompioSocket>> + Send {
        let connect = async move {
            let s = compio::net::TcpStream::connect((host.as_str(), port)).await?;
            s.set_nodelay(true)?;
            Ok(Completion::new(CompioStream::Tcp(s)))
        };
        BoundFuture::new(connect, CompioStream::runtime_here, no_runtime)
    }

    fn connect_unix(path: String) -> impl Future<Output = std::io::Result<CompioSocket>> + Send {
        let connect = async move {
            #[cfg(unix)]
            return Ok(Completion::new(CompioStream::Unix(
                compio::net::UnixStream::connect(path).await?,
            )));
            #[cfg(not(unix))]
            return Err(std::io::Error::new(
                std::io::ErrorKind::Unsupported,
                format!("no Unix socket {path}"),
            ));
        };
        BoundFuture::new(connect, CompioStream::runtime_here, no_runtime)
    }

    /// Off its thread or outside a compio runtime the timer fires at once (a timeout then
    /// expires instead of waiting forever).
    fn sleep(duration: Duration) -> impl Future<Output = ()> + Send {
        BoundFuture::new(
            compio::time::sleep(duration),
            CompioStream::runtime_here,
            || (),
        )
    }
}

/// The error of a connect polled off its thread or outside a compio runtime.
fn no_runtime<T>() -> std::io::Result<T> {
    Err(std::io::Error::new(
        std::io::ErrorKind::Unsupported,
        "compio connects only within a compio runtime, on the thread that called connect",
    ))
}
