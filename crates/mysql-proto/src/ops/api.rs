//! The public API of every adapter, written once: [`client_api!`](crate::client_api).

/// Expands, inside an adapter crate, to the client API every adapter shares: the operations of
/// `Conn` and the types `QueryResult`, `Pipeline` and `Transaction`, each method one line that
/// builds an [operation](crate::ops) and runs it. The blocking adapter expands it with
/// `async: [], await: []`, the async one with `async: [async], await: [.await]`, so both have
/// the same names, types and documentation by construction.
///
/// The adapter supplies, next to the invocation:
///
/// * `pub struct Conn<..>` with the fields `proto: mysql_proto::Connection` and
///   `query_timeout: Option<Duration>`;
/// * `Conn::connect(opts: impl IntoOpts) -> Result<Conn>`: opens the transport and runs
///   [`Handshake`](crate::ops::Handshake) within the connect timeout;
/// * `Conn::run(&mut self, op) -> Result<O::Output>`: the runner. It answers the operation's
///   [`Progress`](crate::ops::Progress) with IO and, when `query_timeout` expires after the
///   last command was queued, returns `self.kill_running_statement()`;
/// * `Conn::run_within(&mut self, op, limit: Option<Duration>)`: the runner without the query
///   timeout, giving up (and breaking the connection) after `limit`.
///
/// `generics` are the adapter's type parameters with bounds (`R: Runtime`), `args` the same
/// as arguments (`R`); both empty for the blocking adapter.
#[macro_export]
macro_rules! client_api {
    (
        async: [$($async:tt)*], await: [$($await:tt)*],
        generics: [$($g:tt)*], args: [$($a:tt)*] $(,)?
    ) => {
        impl<$($g)*> Conn<$($a)*> {
            /// Runs `sql` (one statement, or several with `multi-statements`) and returns its
            /// results for streaming ([`QueryResult`]). Fails with [`ErrorKind::Server`] when the
            /// first statement fails; errors of later statements come from
            /// [`QueryResult::next_result`].
            ///
            /// [`ErrorKind::Server`]: $crate::ErrorKind::Server
            pub $($async)* fn query(
                &mut self,
                sql: impl AsRef<[u8]>,
            ) -> $crate::Result<QueryResult<'_, $($a)*>> {
                let op = $crate::ops::Start::<()>::new($crate::ops::Command::Query(sql.as_ref()));
                let cursor = self.run(op)$($await)*?;
                Ok(QueryResult { conn: self, cursor })
            }

            /// Runs `sql` and discards every result. Fails with the first server error.
            pub $($async)* fn query_drop(&mut self, sql: impl AsRef<[u8]>) -> $crate::Result<()> {
                let op = $crate::ops::Finish::<()>::new($crate::ops::Command::Query(sql.as_ref()));
                self.run(op)$($await)*
            }

            /// Runs `sql` and collects the rows of its first result set as `T` (a tuple of
            /// column types). Fails on a server error or when a row does not convert.
            pub $($async)* fn query_collect<T>(
                &mut self,
                sql: impl AsRef<[u8]>,
            ) -> $crate::Result<Vec<T>>
            where
                T: for<'r> $crate::FromRow<'r>,
            {
                self.query(sql)$($await)*?.collect_typed()$($await)*
            }

            /// Runs `sql` and returns the owned rows of its first result set.
            pub $($async)* fn query_rows(
                &mut self,
                sql: impl AsRef<[u8]>,
            ) -> $crate::Result<Vec<$crate::Row>> {
                self.query(sql)$($await)*?.rows()$($await)*
            }

            /// Runs `sql` and converts the first row of its first result set, if any; the rest
            /// is skipped.
            pub $($async)* fn query_first<T>(
                &mut self,
                sql: impl AsRef<[u8]>,
            ) -> $crate::Result<Option<T>>
            where
                T: for<'r> $crate::FromRow<'r>,
            {
                self.query(sql)$($await)*?.first()$($await)*
            }

            /// Prepares `sql` (`COM_STMT_PREPARE`) outside the statement cache. Fails with the
            /// server's error for invalid SQL. Close it with
            /// [`close_statement`](Self::close_statement) when done.
            pub $($async)* fn prepare(
                &mut self,
                sql: impl AsRef<[u8]>,
            ) -> $crate::Result<$crate::Statement> {
                self.run($crate::ops::Prepare::new(sql.as_ref()))$($await)*
            }

            /// Closes a statement from [`prepare`](Self::prepare) (`COM_STMT_CLOSE`, no round
            /// trip).
            pub $($async)* fn close_statement(
                &mut self,
                statement: $crate::Statement,
            ) -> $crate::Result<()> {
                self.run($crate::ops::CloseStatement::new(statement.id()))$($await)*
            }

            /// Executes a statement with `params` (binary protocol) and returns its results for
            /// streaming. `statement` is SQL text (prepared on first use and kept in the
            /// connection's LRU statement cache) or a [`Statement`](crate::Statement). `params`
            /// is a tuple of values, `()` or a `Vec<Value>`. Fails with a misuse error when the
            /// number of parameters is wrong, with the server's error when preparing or
            /// executing fails.
            pub $($async)* fn exec(
                &mut self,
                statement: impl $crate::AsStatement,
                params: impl $crate::Params,
            ) -> $crate::Result<QueryResult<'_, $($a)*>> {
                let command = $crate::ops::Command::Execute(statement.as_statement(), params);
                let cursor = self.run($crate::ops::Start::new(command))$($await)*?;
                Ok(QueryResult { conn: self, cursor })
            }

            /// Executes and discards the results; fails with the first server error.
            pub $($async)* fn exec_drop(
                &mut self,
                statement: impl $crate::AsStatement,
                params: impl $crate::Params,
            ) -> $crate::Result<()> {
                let command = $crate::ops::Command::Execute(statement.as_statement(), params);
                self.run($crate::ops::Finish::new(command))$($await)*
            }

            /// Executes and collects the rows of the first result set as `T`.
            pub $($async)* fn exec_collect<T>(
                &mut self,
                statement: impl $crate::AsStatement,
                params: impl $crate::Params,
            ) -> $crate::Result<Vec<T>>
            where
                T: for<'r> $crate::FromRow<'r>,
            {
                self.exec(statement, params)$($await)*?.collect_typed()$($await)*
            }

            /// Executes and converts the first row, if any; the rest is skipped.
            pub $($async)* fn exec_first<T>(
                &mut self,
                statement: impl $crate::AsStatement,
                params: impl $crate::Params,
            ) -> $crate::Result<Option<T>>
            where
                T: for<'r> $crate::FromRow<'r>,
            {
                self.exec(statement, params)$($await)*?.first()$($await)*
            }

            /// Executes `statement` (typically a `CALL` with `?` for every IN, OUT and INOUT
            /// parameter) and collects all it returns: every result set of the procedure
            /// ([`Output::result_sets`]($crate::Output::result_sets)), the OUT / INOUT
            /// parameters as one typed row ([`Output::out_params`]($crate::Output::out_params);
            /// bind any value, `NULL` included, for an OUT parameter), the final OK. Fails with
            /// the first server error.
            ///
            /// ```text
            /// // CREATE PROCEDURE stock(IN sku INT, OUT left_ INT, INOUT note VARCHAR(40)) ...
            /// let out = conn.call("CALL stock(?, ?, ?)", (42, None::<i64>, "checked"))?;  // .await
            /// let (left, note): (i64, String) = out.out_params().unwrap().decode()?;
            /// ```
            pub $($async)* fn call(
                &mut self,
                statement: impl $crate::AsStatement,
                params: impl $crate::Params,
            ) -> $crate::Result<$crate::Output> {
                self.run($crate::ops::Call::new(statement.as_statement(), params))$($await)*
            }

            /// Executes one statement once per parameter set, many sets per round trip, and
            /// returns the affected rows summed over the sets. On MariaDB, statements that take
            /// parameters and return no result set (INSERT, UPDATE, DELETE, REPLACE) go out as
            /// `COM_STMT_BULK_EXECUTE` commands of thousands of sets each (never much more than
            /// `max-send-buffer` bytes); otherwise each set is its own pipelined
            /// `COM_STMT_EXECUTE`.
            ///
            /// A failing set does not stop the others from being sent; the first server error
            /// is returned once all are answered. Which sets stay applied after an error
            /// differs (with bulk commands the server stops at the failing set of that command,
            /// and the engine decides about the sets before it), so run a batch inside a
            /// transaction and roll back on error when it must be all or nothing.
            pub $($async)* fn exec_batch<P, I>(
                &mut self,
                statement: impl $crate::AsStatement,
                params: impl IntoIterator<Item = P, IntoIter = I>,
            ) -> $crate::Result<u64>
            where
                P: $crate::Params,
                // Named, not `<_ as IntoIterator>::IntoIter`: the future then holds no
                // projection, and stays `Send` over borrowing iterators (see `ops::Operation`).
                I: Iterator<Item = P>,
            {
                let op = $crate::ops::ExecBatch::new(statement.as_statement(), params.into_iter());
                self.run(op)$($await)*
            }

            /// Opens a server-side cursor over the rows of `sql` with `params` (prepared
            /// for the cursor, executed with `CURSOR_TYPE_READ_ONLY`): the rows stay on the
            /// server until [`fetch`](Self::fetch)ed, so a huge result is read in bounded
            /// memory and other statements may run between fetches. Fails with the server's
            /// error, or [`ErrorKind::Misuse`] for a statement without rows. See
            /// [`ops::ServerCursor`]($crate::ops::ServerCursor).
            ///
            /// [`ErrorKind::Misuse`]: $crate::ErrorKind::Misuse
            pub $($async)* fn open_cursor(
                &mut self,
                sql: impl AsRef<[u8]>,
                params: impl $crate::Params,
            ) -> $crate::Result<$crate::ops::ServerCursor> {
                self.run($crate::ops::OpenCursor::new(sql.as_ref(), params))$($await)*
            }

            /// The next `rows` rows (at least 1) of `cursor`; `None` once it is exhausted (its
            /// statement is then closed). Fails with the server's error.
            pub $($async)* fn fetch(
                &mut self,
                cursor: &mut $crate::ops::ServerCursor,
                rows: u32,
            ) -> $crate::Result<Option<Vec<$crate::Row>>> {
                self.run($crate::ops::Fetch::new(cursor, rows))$($await)*
            }

            /// Closes `cursor` before its end (`COM_STMT_CLOSE`, no round trip).
            pub $($async)* fn close_cursor(
                &mut self,
                cursor: $crate::ops::ServerCursor,
            ) -> $crate::Result<()> {
                self.run($crate::ops::CloseCursor::new(cursor))$($await)*
            }

            /// Starts streaming the server's binary log as a replica does (`COM_BINLOG_DUMP`;
            /// see [`binlog`]($crate::binlog)): prepares the session (checksums, MariaDB's
            /// events, the GTID position), then queues the dump. Read the events with
            /// [`next_binlog_event`](Self::next_binlog_event). Needs the `REPLICATION SLAVE`
            /// privilege and a server with `log-bin`. The dump takes the connection for good:
            /// while a blocking one runs, other commands fail with a misuse error, and the
            /// server closes the connection once a dump ended (later commands fail with
            /// [`ErrorKind::Closed`]($crate::ErrorKind::Closed)): use a connection of its own.
            /// Fails with a misuse error for a malformed GTID position; the server's refusal
            /// (unknown file, purged position, no binary log) comes from the first
            /// `next_binlog_event`.
            pub $($async)* fn binlog_dump(
                &mut self,
                request: &$crate::binlog::BinlogRequest,
            ) -> $crate::Result<$crate::binlog::BinlogStream> {
                self.query_drop(request.session_sql()?)$($await)*?;
                let answer: Option<(Option<String>,)> =
                    self.query_first($crate::binlog::CHECKSUM_SQL)$($await)*?;
                let checksum = $crate::binlog::checksum_in_force(
                    answer.as_ref().and_then(|(a,)| a.as_deref()),
                )?;
                self.run($crate::ops::BinlogDump::new(request, checksum))$($await)*
            }

            /// The binary log's current file and position (`SHOW MASTER STATUS`, or MySQL
            /// 8.4's `SHOW BINARY LOG STATUS`): where a dump starting now begins, for
            /// [`BinlogRequest::file`]($crate::binlog::BinlogRequest::file). Fails with
            /// [`ErrorKind::Unsupported`]($crate::ErrorKind::Unsupported) when the server has
            /// no binary log, with the server's error without the privilege to ask.
            pub $($async)* fn binlog_position(&mut self) -> $crate::Result<(String, u32)> {
                let rows = match self.query_rows($crate::binlog::POSITION_SQL)$($await)* {
                    Err(e) if $crate::binlog::position_sql_renamed(&e) => {
                        self.query_rows($crate::binlog::POSITION_SQL_NEW)$($await)*?
                    }
                    r => r?,
                };
                $crate::binlog::position_of(rows.first())
            }

            /// The next event of a dump from [`binlog_dump`](Self::binlog_dump), decoded:
            /// `None` once a non-blocking dump reached the end of the log (and from then on).
            /// A blocking dump waits for the next event however long it takes (the
            /// `query-timeout` does not apply; bound the wait with a timeout of your own, or
            /// ask for heartbeats). Fails with the server's error when it refuses or ends the
            /// dump, and with a fatal protocol error for an event that does not decode.
            pub $($async)* fn next_binlog_event(
                &mut self,
                stream: &mut $crate::binlog::BinlogStream,
            ) -> $crate::Result<Option<$crate::binlog::BinlogEvent>> {
                let op = $crate::ops::NextBinlogEvent::new(stream);
                self.run_within(op, None)$($await)*
            }

            /// Logs in again as `user` (`COM_CHANGE_USER`, with every auth plugin, over the
            /// same TLS and compression) with `database` as the default database, then runs
            /// `init-sql` again: the server resets the session as [`reset`](Self::reset)
            /// does. Fails with [`ErrorKind::Auth`] when the server refuses the login; the
            /// connection is then closed by the server (fatal).
            ///
            /// [`ErrorKind::Auth`]: $crate::ErrorKind::Auth
            pub $($async)* fn change_user(
                &mut self,
                user: &str,
                password: Option<&str>,
                database: Option<&str>,
            ) -> $crate::Result<()> {
                self.run($crate::ops::ChangeUser::new(user, password, database))$($await)*
            }

            /// Sets query attributes for the next statement only (MySQL 8.0.23+, with the
            /// option `query-attributes=true`): name / value pairs the statement reads with
            /// `mysql_query_attribute_string('name')`. Fails with
            /// [`ErrorKind::Unsupported`]($crate::ErrorKind::Unsupported) when the connection
            /// has none (they are never dropped silently). No IO.
            pub fn set_query_attributes(
                &mut self,
                attributes: &[(&str, $crate::Value)],
            ) -> $crate::Result<()> {
                self.proto.set_query_attributes(attributes)
            }

            /// Checks the server is alive (`COM_PING`).
            pub $($async)* fn ping(&mut self) -> $crate::Result<()> {
                self.run($crate::ops::Finish::<()>::new($crate::ops::Command::Ping))$($await)*
            }

            /// Read-your-writes on a replica: waits until this server has applied `gtid` (what
            /// the writing connection's [`session`](Self::session) reported as
            /// [`last_gtid`](crate::SessionState::last_gtid); track it with
            /// `init-sql=SET SESSION session_track_system_variables='last_gtid'` on MariaDB,
            /// `session_track_gtids=OWN_GTID` on MySQL), at most `timeout` (whole milliseconds).
            /// `MASTER_GTID_WAIT` on MariaDB, `WAIT_FOR_EXECUTED_GTID_SET` on MySQL.
            ///
            /// Returns `true` once applied (reads here now see the write), `false` when the
            /// timeout passed first: read from the primary instead. Fails with the server's
            /// error (a malformed GTID).
            pub $($async)* fn wait_for_gtid(
                &mut self,
                gtid: &str,
                timeout: core::time::Duration,
            ) -> $crate::Result<bool> {
                let mariadb = self.server_info().is_mariadb;
                let secs = $crate::hosts::gtid_wait_seconds(timeout);
                let sql = $crate::hosts::gtid_wait_sql(mariadb);
                let answer: Option<(Option<i64>,)> =
                    self.exec_first(sql, (gtid, secs))$($await)*?;
                Ok($crate::hosts::gtid_waited(answer.and_then(|(v,)| v)))
            }

            /// Changes the default database (`COM_INIT_DB`, like `USE db`). Fails with the
            /// server's error for an unknown database.
            pub $($async)* fn use_database(&mut self, database: &str) -> $crate::Result<()> {
                let op = $crate::ops::Finish::<()>::new($crate::ops::Command::InitDb(database));
                self.run(op)$($await)*
            }

            /// Resets the session (`COM_RESET_CONNECTION`): temporary tables, variables,
            /// prepared statements and transactions are dropped, the login stays. What
            /// `init-sql` set is gone too (a pool with `reset-on-return` runs it again).
            pub $($async)* fn reset(&mut self) -> $crate::Result<()> {
                let op = $crate::ops::Finish::<()>::new($crate::ops::Command::ResetConnection);
                self.run(op)$($await)*
            }

            /// Says goodbye and closes: whatever the server still owes is abandoned, `COM_QUIT`
            /// is written, the socket closed. Fails with the fatal error of a broken connection
            /// (the socket is closed all the same). Dropping a `Conn` closes the socket too,
            /// without the goodbye (the server then logs an aborted connection).
            pub $($async)* fn close(mut self) -> $crate::Result<()> {
                self.run($crate::ops::Quit::default())$($await)*
            }

            /// Turns multi-statements (`SELECT 1; SELECT 2` in one query) on or off for this
            /// session (`COM_SET_OPTION`), whatever `multi-statements` said at connect. Fails
            /// with the server's error.
            pub $($async)* fn set_multi_statements(&mut self, on: bool) -> $crate::Result<()> {
                let op = $crate::ops::Finish::<()>::new($crate::ops::Command::SetMultiStatements(on));
                self.run(op)$($await)*
            }

            /// Starts building a pipeline: many commands, one round trip.
            pub fn pipeline(&mut self) -> Pipeline<'_, $($a)*> {
                Pipeline { conn: self, steps: Vec::new() }
            }

            /// Starts a transaction with the session's isolation level. Nothing is sent yet:
            /// `START TRANSACTION` goes with the transaction's first statement. Fails with the
            /// fatal error of a broken connection.
            pub fn begin(&mut self) -> $crate::Result<Transaction<'_, $($a)*>> {
                self.begin_with($crate::TxOpts::default())
            }

            /// Starts a transaction with `opts` (isolation level, read only); see
            /// [`begin`](Self::begin).
            pub fn begin_with(
                &mut self,
                opts: $crate::TxOpts,
            ) -> $crate::Result<Transaction<'_, $($a)*>> {
                self.proto.start_transaction(opts)?;
                Ok(Transaction { conn: self, finished: false })
            }

            /// Queues a raw `COM_QUERY` without waiting, abandoning what earlier operations
            /// left unread; read its events with [`next_event`](Self::next_event). For tools
            /// that consume events directly. Fails like [`Connection::query`](crate::Connection::query).
            pub fn send_query(
                &mut self,
                sql: impl AsRef<[u8]>,
            ) -> $crate::Result<$crate::CommandId> {
                self.proto.begin_operation()?;
                self.proto.query(sql)
            }

            /// Queues `COM_STMT_EXECUTE` without waiting (see [`send_query`](Self::send_query)).
            pub fn send_execute(
                &mut self,
                statement: &$crate::Statement,
                params: &[$crate::Value],
            ) -> $crate::Result<$crate::CommandId> {
                self.proto.begin_operation()?;
                self.proto.execute(statement, params)
            }

            /// Writes pending output and reads input until the core has an event of the
            /// commands in flight (after [`send_query`](Self::send_query)), and lends it. Fails
            /// with a misuse error when no command is in flight.
            pub $($async)* fn next_event(&mut self) -> $crate::Result<$crate::Event<'_>> {
                self.run($crate::ops::NextEvent)$($await)*?;
                self.proto
                    .event()
                    .ok_or_else(|| $crate::Error::protocol("no event after NextEvent"))
            }

            /// Sets (or clears) the query timeout: a statement that runs longer (counted from
            /// when its command was queued) is killed with `KILL QUERY` over a short-lived side
            /// connection, its late result is skipped, and the operation fails with
            /// [`ErrorKind::Timeout`](crate::ErrorKind::Timeout), not fatal: the connection stays
            /// usable. Defaults to the `query-timeout` option.
            pub fn set_query_timeout(&mut self, limit: Option<core::time::Duration>) {
                self.query_timeout = limit;
            }

            /// What the server said about itself in the handshake.
            pub fn server_info(&self) -> &$crate::ServerInfo {
                // Invariant: a Conn exists only after the handshake completed.
                self.proto.server_info().expect("connected")
            }

            /// The connection id, as used by `KILL`.
            pub fn connection_id(&self) -> u32 {
                self.server_info().connection_id
            }

            /// What the server reported of the session (session state tracking): the default
            /// schema (`USE`), the last GTID, tracked system variables, the transaction state.
            pub fn session(&self) -> &$crate::SessionState {
                self.proto.session()
            }

            /// The OK packet of the last statement that finished (affected rows, last insert
            /// id, warnings, info, status).
            pub fn last_ok(&self) -> &$crate::OkPacket {
                self.proto.last_ok()
            }

            /// Affected rows of the last statement.
            pub fn affected_rows(&self) -> u64 {
                self.proto.last_ok().affected_rows
            }

            /// The `AUTO_INCREMENT` value generated by the last statement.
            pub fn last_insert_id(&self) -> u64 {
                self.proto.last_ok().last_insert_id
            }

            /// The core connection, for inspection.
            pub fn protocol(&self) -> &$crate::Connection {
                &self.proto
            }

            /// After the query timeout expired: kills the running statement over a side
            /// connection and skips its late result (see [`ops::timeout`](crate::ops::timeout)).
            /// Returns the operation's error.
            #[cold]
            $($async)* fn kill_running_statement(&mut self) -> $crate::Error {
                use $crate::ops::timeout::{KillQuery, DRAIN_AFTER_KILL};
                let Some(plan) = KillQuery::plan(&self.proto) else {
                    return $crate::Error::misuse("query timeout before the handshake");
                };
                let within = Some(DRAIN_AFTER_KILL);
                let killed = match Self::connect(plan.side_opts)$($await)* {
                    Ok(mut side) => {
                        let op = $crate::ops::Finish::<()>::new(
                            $crate::ops::Command::Query(plan.sql.as_bytes()),
                        );
                        let r = side.run_within(op, within)$($await)*;
                        let _ = side.run_within($crate::ops::Quit::default(), within)$($await)*;
                        r
                    }
                    Err(e) => Err(e),
                };
                if let Err(e) = killed {
                    return self.proto.break_with(KillQuery::not_killed(&e));
                }
                match self.run_within($crate::ops::Drain, within)$($await)* {
                    Ok(()) => KillQuery::killed(),
                    Err(e) if e.kind() == $crate::ErrorKind::Timeout => {
                        self.proto.break_with(KillQuery::not_drained())
                    }
                    Err(e) => e,
                }
            }
        }

        /// The results of a query or execute: one per statement, each a result set (columns
        /// and rows) or an OK.
        ///
        /// Rows of the current result set are read with [`next_row`](Self::next_row)
        /// (borrowed from the receive buffer, no copy); [`next_result`](Self::next_result)
        /// moves to the next statement's result. Dropping it before its end is safe: the rest
        /// is skipped before the connection's next command (no IO in `Drop`).
        pub struct QueryResult<'c, $($g)*> {
            conn: &'c mut Conn<$($a)*>,
            cursor: $crate::ops::Cursor,
        }

        impl<'c, $($g)*> QueryResult<'c, $($a)*> {
            /// The command these results belong to.
            pub fn command_id(&self) -> $crate::CommandId {
                self.cursor.command_id()
            }

            /// The columns of the current result set; `None` when the current result is an OK
            /// (a statement without a result set).
            pub fn columns(&self) -> Option<&$crate::Columns> {
                self.cursor.columns()
            }

            /// Whether the current result is a result set.
            pub fn has_rows(&self) -> bool {
                self.cursor.columns().is_some()
            }

            /// The next row of the current result set, borrowed from the receive buffer; `None`
            /// at its end (or for an OK result). Fails with the server's error when the
            /// statement fails while sending rows (e.g. it was killed), or with a fatal error
            /// when the connection breaks.
            #[inline(always)]
            pub $($async)* fn next_row(&mut self) -> $crate::Result<Option<$crate::RowRef<'_>>> {
                let cursor = &mut self.cursor;
                let op = $crate::ops::poll_fn(|c: &mut $crate::Connection| cursor.poll_row(c));
                match self.conn.run(op)$($await)*? {
                    true => Ok(self.conn.proto.row()),
                    false => Ok(None),
                }
            }

            /// Skips what is left of the current result and moves to the next one. Returns
            /// `false` when there is none. Fails with the server's error when the next
            /// statement failed (no results follow an error).
            pub $($async)* fn next_result(&mut self) -> $crate::Result<bool> {
                let cursor = &mut self.cursor;
                let op = $crate::ops::poll_fn(|c: &mut $crate::Connection| cursor.poll_next_result(c));
                self.conn.run(op)$($await)*
            }

            /// The OK of the current result: for an OK result at once, for a result set once
            /// its rows have been read.
            pub fn ok(&self) -> Option<&$crate::OkPacket> {
                self.cursor.ok(&self.conn.proto)
            }

            /// Affected rows of the current result (0 until known).
            pub fn affected_rows(&self) -> u64 {
                self.ok().map_or(0, |o| o.affected_rows)
            }

            /// Last insert id of the current result (0 until known).
            pub fn last_insert_id(&self) -> u64 {
                self.ok().map_or(0, |o| o.last_insert_id)
            }

            /// Reads the remaining rows of the current result set as `T`.
            pub $($async)* fn collect_typed<T>(&mut self) -> $crate::Result<Vec<T>>
            where
                T: for<'r> $crate::FromRow<'r>,
            {
                let mut out = Vec::new();
                while let Some(row) = self.next_row()$($await)*? {
                    out.push(row.decode()?);
                }
                Ok(out)
            }

            /// Reads the remaining rows of the current result set, owned.
            pub $($async)* fn rows(&mut self) -> $crate::Result<Vec<$crate::Row>> {
                let mut out = Vec::new();
                while let Some(row) = self.next_row()$($await)*? {
                    out.push(row.to_owned());
                }
                Ok(out)
            }

            /// Converts the next row of the current result set, if any (the rest is skipped
            /// when the result is dropped).
            pub $($async)* fn first<T>(&mut self) -> $crate::Result<Option<T>>
            where
                T: for<'r> $crate::FromRow<'r>,
            {
                match self.next_row()$($await)*? {
                    Some(row) => row.decode().map(Some),
                    None => Ok(None),
                }
            }

            /// Reads everything that is left of every result, returning the first server
            /// error.
            pub $($async)* fn drop_all(mut self) -> $crate::Result<()> {
                while self.next_result()$($await)*? {}
                Ok(())
            }
        }

        impl<'c, $($g)*> Drop for QueryResult<'c, $($a)*> {
            fn drop(&mut self) {
                self.cursor.abandon(&mut self.conn.proto);
            }
        }

        /// Commands queued together and sent without waiting for each response;
        /// [`run`](Self::run) returns one result per command, in order. Responses are read
        /// while commands are written, and commands queue only as the connection has room
        /// (`max-in-flight`, `max-send-buffer`), so a pipeline of any size runs.
        ///
        /// A server error ends only its own command: **the commands after it still run** (a
        /// pipelined `COMMIT` after a failed `INSERT` commits what succeeded). To stop at the
        /// first error, run the pipeline inside a transaction and roll back when any result is
        /// an error. A lost connection fails every unfinished command. Dropping an unfinished
        /// run is safe: what the server still owes is skipped by the next operation.
        #[must_use = "a pipeline does nothing until run()"]
        pub struct Pipeline<'c, $($g)*> {
            conn: &'c mut Conn<$($a)*>,
            steps: Vec<$crate::PipelineStep>,
        }

        impl<'c, $($g)*> Pipeline<'c, $($a)*> {
            /// Adds a query whose rows are kept.
            pub fn query(mut self, sql: impl Into<String>) -> Self {
                self.steps.push($crate::PipelineStep::query(sql, true));
                self
            }

            /// Adds a query whose rows are counted, not kept.
            pub fn query_drop(mut self, sql: impl Into<String>) -> Self {
                self.steps.push($crate::PipelineStep::query(sql, false));
                self
            }

            /// Adds an execute whose rows are kept.
            pub fn exec(mut self, statement: impl $crate::AsStatement, params: impl $crate::Params) -> Self {
                self.steps.push($crate::PipelineStep::exec(statement, params, true));
                self
            }

            /// Adds an execute whose rows are counted, not kept.
            pub fn exec_drop(mut self, statement: impl $crate::AsStatement, params: impl $crate::Params) -> Self {
                self.steps.push($crate::PipelineStep::exec(statement, params, false));
                self
            }

            /// Adds a prepared [`PipelineStep`](crate::PipelineStep).
            pub fn push(mut self, step: $crate::PipelineStep) -> Self {
                self.steps.push(step);
                self
            }

            /// Number of commands added.
            pub fn len(&self) -> usize {
                self.steps.len()
            }

            /// Whether no command was added.
            pub fn is_empty(&self) -> bool {
                self.steps.is_empty()
            }

            /// Sends everything and returns one result per command, in order: `Ok` with its
            /// output, or `Err` with the server's error for that command (or, after the
            /// connection broke, the fatal error). Statements given as SQL are prepared in the
            /// same round trip on MariaDB (one extra round trip on MySQL). Fails as a whole
            /// only when the connection is unusable from the start, or on a query timeout.
            pub $($async)* fn run(self) -> $crate::Result<Vec<$crate::Result<$crate::Output>>> {
                self.conn.run($crate::ops::RunPipeline::new(self.steps))$($await)*
            }
        }

        /// An open transaction. Use the connection through it (it derefs to `Conn`), then
        /// [`commit`](Self::commit) or [`rollback`](Self::rollback). Dropped without either (a
        /// dropped future included), it rolls back: the `ROLLBACK` is queued and sent before
        /// the connection's next command (no IO in `Drop`), so the next statement always sees
        /// the rolled-back state.
        ///
        /// `START TRANSACTION` is sent together with the transaction's first statement (one
        /// round trip); if it fails, that statement's result is skipped and the error returned.
        #[must_use = "a transaction rolls back when dropped; call commit()"]
        pub struct Transaction<'c, $($g)*> {
            conn: &'c mut Conn<$($a)*>,
            finished: bool,
        }

        impl<'c, $($g)*> Transaction<'c, $($a)*> {
            /// Commits. Fails with the server's error (the transaction is then rolled back by
            /// the server or left for the connection to end).
            pub $($async)* fn commit(mut self) -> $crate::Result<()> {
                self.finished = true;
                self.conn.query_drop("COMMIT")$($await)*
            }

            /// Rolls back now.
            pub $($async)* fn rollback(mut self) -> $crate::Result<()> {
                self.finished = true;
                self.conn.query_drop("ROLLBACK")$($await)*
            }
        }

        impl<'c, $($g)*> std::ops::Deref for Transaction<'c, $($a)*> {
            type Target = Conn<$($a)*>;
            fn deref(&self) -> &Conn<$($a)*> {
                self.conn
            }
        }

        impl<'c, $($g)*> std::ops::DerefMut for Transaction<'c, $($a)*> {
            fn deref_mut(&mut self) -> &mut Conn<$($a)*> {
                self.conn
            }
        }

        impl<'c, $($g)*> Drop for Transaction<'c, $($a)*> {
            fn drop(&mut self) {
                if !self.finished {
                    self.conn.proto.abandon_transaction();
                }
            }
        }
    };
}
