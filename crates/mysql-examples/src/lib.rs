//! Runnable examples of mysql-rs, in `examples/` (see the README there and each file's docs):
//!
//! | example | shows |
//! |---|---|
//! | `blocking` | `mysql-blocking`: connect, query, prepared statements, a transaction |
//! | `tokio`, `smol`, `async_std` | the same on each async runtime |
//! | `mio_loop` | the sans-IO core driven by a mio (`epoll`) loop: three connections, one thread |
//! | `nonblocking` | a libpq-style asynchronous API (send, consume input, is busy, get result) over the core on a non-blocking socket, the program doing other work meanwhile |
//! | `local_executor` | `mysql-smol` on `futures::executor::LocalPool`, an executor that is none of the four runtimes |
//!
//! `cargo run -p mysql-examples --example NAME` against the test server
//! (`scripts/test-server.sh start`), or any server: `MYSQL_URL=mysql://... cargo run ...`.
//! `tests/examples.rs` runs every one and checks its output.

/// The server the examples use: `$MYSQL_URL`, else the project's test server.
pub fn url() -> String {
    std::env::var("MYSQL_URL")
        .unwrap_or_else(|_| "mysql://rs_native:native_pw@127.0.0.1:3307/test".to_string())
}
