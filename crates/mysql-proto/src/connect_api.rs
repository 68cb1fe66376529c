//! The adapters' `Conn::connect`, written once: [`connect_api!`](crate::connect_api).

/// Expands, inside an adapter crate, to `Conn::connect` (one host, or several: see
/// [`crate::hosts`]) and `Conn::connect_among` (the same through a pool's shared
/// [`SharedHosts`](crate::hosts::SharedHosts)). Like [`client_api!`](crate::client_api) it is
/// expanded with `async: [], await: []` (blocking) or `async: [async], await: [.await]`.
///
/// The adapter supplies, next to the invocation: `Conn::connect_one(opts: Opts) -> Result<Conn>`
/// (async in an async adapter), which connects to the one host of `opts` within its connect
/// timeout; the client API of [`client_api!`](crate::client_api) (`query_first`, `close`, the
/// field `proto`); and `pool_clock() -> Duration`, a monotonic clock.
#[macro_export]
macro_rules! connect_api {
    (
        async: [$($async:tt)*], await: [$($await:tt)*],
        generics: [$($g:tt)*], args: [$($a:tt)*] $(,)?
    ) => {
        impl<$($g)*> Conn<$($a)*> {
            /// Connects and authenticates, all within the connect timeout (10 s by default).
            /// Accepts a URL or [`Opts`](mysql_proto::Opts). With several hosts
            /// (`mysql://u:p@h1:3306,h2:3307/db`) it tries them in the `load-balance` order,
            /// each with its share of the connect timeout, passing over hosts that do not serve
            /// the `target` (see [`mysql_proto::hosts`]).
            ///
            /// Fails with [`ErrorKind::Misuse`] for a bad URL, [`ErrorKind::Io`] when the server
            /// cannot be reached, [`ErrorKind::Timeout`] when the connect timeout expires,
            /// [`ErrorKind::Auth`] when the server refuses the login, and
            /// [`ErrorKind::Unavailable`] when every host answered but none serves the target.
            ///
            /// [`ErrorKind::Misuse`]: $crate::ErrorKind::Misuse
            /// [`ErrorKind::Io`]: $crate::ErrorKind::Io
            /// [`ErrorKind::Timeout`]: $crate::ErrorKind::Timeout
            /// [`ErrorKind::Auth`]: $crate::ErrorKind::Auth
            /// [`ErrorKind::Unavailable`]: $crate::ErrorKind::Unavailable
            pub $($async)* fn connect(opts: impl $crate::IntoOpts) -> $crate::Result<Self> {
                Self::connect_among(opts.into_opts()?, None)$($await)*
            }

            /// [`connect`](Self::connect) through `hosts`, the host bookkeeping a pool shares
            /// between its connects (`None`: plan afresh).
            pub(crate) $($async)* fn connect_among(
                opts: $crate::Opts,
                hosts: Option<&$crate::hosts::SharedHosts>,
            ) -> $crate::Result<Self> {
                use $crate::hosts::Attempts;
                let seed = $crate::hosts::seed();
                let mut attempts = Attempts::new(opts, hosts, pool_clock(), seed);
                while let Some(one) = attempts.next(pool_clock()) {
                    let mut conn = match Self::connect_one(one)$($await)* {
                        Ok(conn) => conn,
                        Err(e) => {
                            attempts.failed(e, pool_clock());
                            continue;
                        }
                    };
                    if conn.proto.opts().socket_upgrade() {
                        conn = conn.moved_to_local_socket()$($await)*;
                    }
                    let role = match attempts.checks_role() {
                        false => None,
                        true => match conn.host_role()$($await)* {
                            Ok(role) => Some(role),
                            Err(e) => {
                                attempts.unusable(e);
                                let _ = conn.close()$($await)*;
                                continue;
                            }
                        },
                    };
                    if attempts.connected(role) {
                        return Ok(conn);
                    }
                    let _ = conn.close()$($await)*;
                }
                Err(attempts.into_error())
            }

            /// `prefer-socket`: the same login over the server's Unix socket, or `self` when
            /// that cannot be had.
            $($async)* fn moved_to_local_socket(mut self) -> Self {
                let sql = $crate::opts::SERVER_SOCKET_SQL;
                if let Ok(Some((Some(path),))) = self.query_first::<(Option<String>,)>(sql)$($await)* {
                    let local = self.proto.opts().with_socket(path);
                    if let Ok(local) = Self::connect_one(local)$($await)* {
                        let _ = self.close()$($await)*;
                        return local;
                    }
                }
                self
            }

            /// Asks the server its role: `read_only`, and Galera's state.
            $($async)* fn host_role(&mut self) -> $crate::Result<$crate::hosts::HostRole> {
                let read_only: Option<(i64,)> =
                    self.query_first($crate::hosts::READ_ONLY_SQL)$($await)*?;
                let galera: Option<(String, String)> =
                    self.query_first($crate::hosts::GALERA_STATE_SQL)$($await)*?;
                Ok($crate::hosts::HostRole {
                    read_only: read_only.is_some_and(|(r,)| r != 0),
                    galera_state: galera.and_then(|(_, state)| state.parse().ok()),
                })
            }
        }
    };
}
