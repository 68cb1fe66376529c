//! The adapters' connection pool, written once: [`pool_api!`](crate::pool_api).

/// Expands, inside an adapter crate, to its connection pool: `Pool` (cloneable, shared by
/// threads or tasks) and `PooledConn` (a lent connection, handed back when dropped), built on
/// [`SharedPool`](crate::pool::SharedPool) and the pool's edges ([`check_in`](crate::pool::check_in),
/// [`check_out`](crate::pool::check_out), [`retire`](crate::pool::retire)). Like
/// [`client_api!`](crate::client_api) the blocking adapter expands it with
/// `async: [], await: []` and the async one with `async: [async], await: [.await]`, so both
/// pools have the same names, types, behaviour and documentation.
///
/// The adapter supplies, next to the invocation:
///
/// * everything [`client_api!`](crate::client_api) needs, with `Conn`'s field `proto` and its
///   method `run_within` visible to the invoking module;
/// * `Conn::io_without_waiting(&mut self)`: writes what the socket takes now and feeds the core
///   what the socket already holds, never waiting; an IO error breaks the connection;
/// * `Conn::flush_without_waiting(&mut self)`: the same without the read;
/// * `pool_clock() -> Duration`: a monotonic clock (any origin);
/// * `Pool::wait_for(&self, id: WaiterId, limit: Option<Duration>) -> Result<Option<Grant<Conn>>, ()>`
///   (async in an async adapter): waits, at most `limit`, until
///   [`SharedPool::poll_grant`](crate::pool::SharedPool::poll_grant) is ready; `Err(())` when
///   the time ran out.
#[macro_export]
macro_rules! pool_api {
    (
        async: [$($async:tt)*], await: [$($await:tt)*],
        generics: [$($g:tt)*], args: [$($a:tt)*] $(,)?
    ) => {
        /// A pool of connections, shared by cloning (every clone is a handle to the same pool).
        ///
        /// Options come with the connection's (`pool-max`, `acquire-timeout`, ... in the URL,
        /// or [`OptsBuilder::pool`](mysql_proto::OptsBuilder::pool); see
        /// [`PoolOpts`](mysql_proto::pool::PoolOpts)). Connections open on demand, up to
        /// `max_size`; callers beyond that wait in line (first come, first served) up to the
        /// acquire timeout. No background task or thread: upkeep happens when connections
        /// are taken and handed back. A connection is lent after its last user's leftovers
        /// were skipped and, when it sat idle past `check-after-idle`, after a ping; one the
        /// server closed is replaced. Handed back (the guard dropped) inside a transaction it
        /// is rolled back at once; broken, it is closed. The statement cache stays with the
        /// connection. Dropping the last handle closes the idle connections cleanly
        /// (`COM_QUIT`), as does [`close`](Self::close).
        ///
        /// With several hosts in the URL (see [`mysql_proto::hosts`]) the pool keeps one host
        /// table for all its connects: `load-balance` picks the host of each new connection,
        /// a host that failed to connect is avoided for its back-off, and the connections of a
        /// host that died are replaced on the others as they are found dead
        /// ([`hosts`](Self::hosts) shows each host's connections and health).
        pub struct Pool<$($g)*> {
            inner: std::sync::Arc<PoolInner<$($a)*>>,
        }

        /// What every handle of a [`Pool`] shares.
        struct PoolInner<$($g)*> {
            shared: $crate::pool::SharedPool<Conn<$($a)*>>,
            opts: $crate::Opts,
            /// With several hosts: their health and load, shared by every connect of the pool.
            hosts: Option<$crate::hosts::SharedHosts>,
        }

        /// A connection lent by a [`Pool`]: use it as a `Conn` (it derefs to one). Dropping it
        /// hands the connection back; nothing is awaited in `Drop`.
        pub struct PooledConn<$($g)*> {
            conn: Option<Conn<$($a)*>>,
            born: core::time::Duration,
            pool: std::sync::Arc<PoolInner<$($a)*>>,
        }

        impl<$($g)*> Pool<$($a)*> {
            /// A pool for the server of `opts` (a URL or [`Opts`](mysql_proto::Opts)), with its
            /// pool options. Opens nothing yet. Fails with [`ErrorKind::Misuse`] for a bad URL.
            ///
            /// [`ErrorKind::Misuse`]: $crate::ErrorKind::Misuse
            pub fn new(opts: impl $crate::IntoOpts) -> $crate::Result<Self> {
                let opts = opts.into_opts()?;
                let shared = $crate::pool::SharedPool::new(opts.pool().clone());
                let hosts = (opts.hosts_len() > 1).then(|| {
                    let set = $crate::hosts::HostSet::new(&opts, $crate::hosts::seed());
                    $crate::hosts::SharedHosts::new(set)
                });
                let inner = std::sync::Arc::new(PoolInner { shared, opts, hosts });
                Ok(Pool { inner })
            }

            /// Lends a connection: an idle one, a new one while fewer than `max_size` are
            /// open, else the first one handed back to the callers waiting before this one.
            ///
            /// Fails with [`ErrorKind::Timeout`] when none came within the acquire timeout,
            /// with the connect error when opening one failed (the next caller tries again),
            /// and with [`ErrorKind::Closed`] after [`close`](Self::close). Cancellation safe:
            /// a dropped call leaves the pool's counts exact.
            ///
            /// [`ErrorKind::Timeout`]: $crate::ErrorKind::Timeout
            /// [`ErrorKind::Closed`]: $crate::ErrorKind::Closed
            pub $($async)* fn get(&self) -> $crate::Result<PooledConn<$($a)*>> {
                use $crate::pool::{Acquire, Grant};
                let inner = &self.inner;
                let start = pool_clock();
                let deadline = inner.opts.pool().acquire_timeout.map(|t| start + t);
                let mut waited = false;
                loop {
                    inner.close_retired();
                    let grant = match inner.shared.acquire(pool_clock()) {
                        Acquire::Ready(grant) => grant,
                        Acquire::Closed => return Err($crate::pool::closed()),
                        Acquire::Wait(id) => {
                            waited = true;
                            let in_use = inner.shared.status().in_use;
                            let span = $crate::trace::PoolWaitSpan::start(inner.opts.pool().max_size, in_use);
                            let waiting = $crate::pool::Waiting::new(&inner.shared, id, pool_clock);
                            let left = deadline.map(|d| d.saturating_sub(pool_clock()));
                            match self.wait_for(id, left)$($await)* {
                                Ok(Some(grant)) => {
                                    waiting.done();
                                    span.end("granted");
                                    grant
                                }
                                Ok(None) => {
                                    waiting.done();
                                    span.end("closed");
                                    return Err($crate::pool::closed());
                                }
                                Err(()) => {
                                    waiting.timed_out();
                                    span.end("timeout");
                                    return Err($crate::pool::timed_out(inner.opts.pool().acquire_timeout));
                                }
                            }
                        }
                    };
                    let (conn, opened) = match grant {
                        Grant::Open => {
                            let opening = $crate::pool::Opening::new(&inner.shared);
                            let opts = $crate::pool::connect_opts(&inner.opts, deadline, pool_clock());
                            let conn = Conn::connect_among(opts, inner.hosts.as_ref())$($await)*?;
                            opening.opened();
                            let born = pool_clock();
                            (PooledConn { conn: Some(conn), born, pool: inner.clone() }, true)
                        }
                        Grant::Conn(p) => {
                            let mut conn = PooledConn { conn: Some(p.conn), born: p.born, pool: inner.clone() };
                            if !conn.check_out(p.check, deadline)$($await)* {
                                conn.discard();
                                continue;
                            }
                            (conn, false)
                        }
                    };
                    let waited = match waited {
                        true => pool_clock().saturating_sub(start),
                        false => core::time::Duration::ZERO,
                    };
                    inner.shared.acquired(waited, opened);
                    return Ok(conn);
                }
            }

            /// The counts now: open, idle, in use, waiting.
            pub fn status(&self) -> $crate::pool::PoolStatus {
                self.inner.shared.status()
            }

            /// The counts now and what the pool did since it was created (acquires, waits and
            /// their time, timeouts, connections opened and closed).
            pub fn metrics(&self) -> $crate::pool::PoolMetrics {
                self.inner.shared.metrics()
            }

            /// With several hosts: each host's health (down until when, failures in a row) and
            /// load (connections open, ever opened), in the URL's order; empty with one host.
            pub fn hosts(&self) -> Vec<$crate::hosts::HostStatus> {
                self.inner.hosts.as_ref().map_or_else(Vec::new, |h| h.status())
            }

            /// The options the pool connects with.
            pub fn opts(&self) -> &$crate::Opts {
                &self.inner.opts
            }

            /// Closes the pool: idle connections are closed now (`COM_QUIT`), lent ones when
            /// handed back; waiting and later [`get`](Self::get) calls fail with
            /// [`ErrorKind::Closed`]. Never waits.
            ///
            /// [`ErrorKind::Closed`]: $crate::ErrorKind::Closed
            pub fn close(&self) {
                self.inner.shared.close();
                self.inner.close_retired();
            }
        }

        impl<$($g)*> Clone for Pool<$($a)*> {
            /// Another handle to the same pool.
            fn clone(&self) -> Self {
                Pool { inner: self.inner.clone() }
            }
        }

        impl<$($g)*> std::fmt::Debug for Pool<$($a)*> {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.debug_struct("Pool").field("status", &self.status()).finish()
            }
        }

        impl<$($g)*> PoolInner<$($a)*> {
            /// Closes the connections the pool retired, without waiting.
            fn close_retired(&self) {
                for mut conn in self.shared.take_retired() {
                    self.host_closed(&conn);
                    $crate::pool::retire(&mut conn.proto);
                    let _ = conn.flush_without_waiting();
                }
            }

            /// `conn` leaves the pool: one connection less on its host.
            fn host_closed(&self, conn: &Conn<$($a)*>) {
                if let Some(hosts) = &self.hosts {
                    let opts = conn.proto.opts();
                    hosts.with(|h| {
                        if let Some(i) = h.index_of(opts.host(), opts.port()) {
                            h.closed(i);
                        }
                    });
                }
            }
        }

        impl<$($g)*> Drop for PoolInner<$($a)*> {
            /// The last handle is gone (and no connection is lent): close the idle ones.
            fn drop(&mut self) {
                self.shared.close();
                self.close_retired();
            }
        }

        impl<$($g)*> PooledConn<$($a)*> {
            /// Takes the connection out of the pool: it is no longer counted, and its slot
            /// goes to the next caller.
            pub fn detach(mut self) -> Conn<$($a)*> {
                let conn = self.conn.take().expect("a lent connection");
                self.pool.shared.forget();
                self.pool.host_closed(&conn);
                conn
            }

            /// Readies a connection to be lent; `false` when it is broken or closed.
            $($async)* fn check_out(
                &mut self,
                ping: bool,
                deadline: Option<core::time::Duration>,
            ) -> bool {
                let conn = self.conn.as_mut().expect("a lent connection");
                let owed = conn.proto.in_flight() > 0;
                conn.io_without_waiting();
                if !$crate::pool::check_out(&mut conn.proto) {
                    return false;
                }
                // The owed answers were read: what follows them (the server's goodbye) shows
                // only to another read.
                if owed {
                    conn.io_without_waiting();
                    if !$crate::pool::check_out(&mut conn.proto) {
                        return false;
                    }
                }
                if !ping {
                    return true;
                }
                let left = deadline.map_or($crate::pool::CHECK_TIMEOUT, |d| {
                    d.saturating_sub(pool_clock()).min($crate::pool::CHECK_TIMEOUT)
                });
                let op = $crate::ops::Finish::<()>::new($crate::ops::Command::Ping);
                conn.run_within(op, Some(left))$($await)*.is_ok()
            }

            /// Hands the connection back as broken (it is closed).
            fn discard(mut self) {
                if let Some(conn) = self.conn.take() {
                    self.pool.shared.release(conn, self.born, pool_clock(), false);
                }
            }
        }

        impl<$($g)*> std::ops::Deref for PooledConn<$($a)*> {
            type Target = Conn<$($a)*>;
            fn deref(&self) -> &Conn<$($a)*> {
                self.conn.as_ref().expect("a lent connection")
            }
        }

        impl<$($g)*> std::ops::DerefMut for PooledConn<$($a)*> {
            fn deref_mut(&mut self) -> &mut Conn<$($a)*> {
                self.conn.as_mut().expect("a lent connection")
            }
        }

        impl<$($g)*> std::fmt::Debug for PooledConn<$($a)*> {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.debug_struct("PooledConn").field("conn", &self.conn).finish()
            }
        }

        impl<$($g)*> Drop for PooledConn<$($a)*> {
            /// Hands the connection back: a transaction left open is rolled back (with
            /// `reset-on-return`, the session is reset), written at once without waiting;
            /// a broken connection is closed.
            fn drop(&mut self) {
                let Some(mut conn) = self.conn.take() else { return };
                let reset = self.pool.opts.pool().reset_on_return;
                let reusable = $crate::pool::check_in(&mut conn.proto, reset);
                let _ = conn.flush_without_waiting();
                let reusable = reusable && conn.proto.fatal_error().is_none();
                self.pool.shared.release(conn, self.born, pool_clock(), reusable);
                self.pool.close_retired();
            }
        }
    };
}
