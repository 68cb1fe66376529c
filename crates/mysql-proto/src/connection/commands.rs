//! Commands of a [`Connection`]: each appends its packet to the send buffer and returns a
//! [`CommandId`]; the in-flight queue and what is deferred to the next command.

use super::*;

impl Connection {
    /// Queues `COM_QUERY` with SQL text (several statements when multi-statements are on).
    /// Fails with a misuse error before `Connected` or after `quit`, and with the fatal error
    /// if the connection is broken.
    pub fn query(&mut self, sql: impl AsRef<[u8]>) -> Result<CommandId> {
        let sql = sql.as_ref();
        let id = if self.has_query_attributes() {
            self.check_ready()?;
            self.check_in_flight()?;
            self.flush_deferred()?;
            let (names, values) = std::mem::take(&mut self.attributes);
            let start = framing::begin_packet(&mut self.tx);
            crate::packets::query_attributes::encode_query(sql, &names, &values, &mut self.tx);
            let seq = framing::finish_packet(&mut self.tx, start, 0);
            self.push_in_flight(Expect::Results(RowFormat::Text), seq)
        } else {
            self.command(Command::Query, sql, Expect::Results(RowFormat::Text))?
        };
        if self.opts.local_infile().is_on() {
            // The files the statements name: the only ones a LOCAL INFILE request may ask for.
            let expected = crate::local_infile::statement_files(sql);
            if let (Some(last), false) = (self.responses.queue.back_mut(), expected.is_empty()) {
                last.infile = Some(Box::new(response::InfileCheck {
                    expected: expected.into(),
                    refused: None,
                }));
            }
        }
        Ok(id)
    }

    /// Queues `COM_STMT_PREPARE`; answered by [`Event::Prepared`] or [`Event::ServerError`].
    pub fn prepare(&mut self, sql: impl AsRef<[u8]>) -> Result<CommandId> {
        self.command(Command::StmtPrepare, sql.as_ref(), Expect::Prepare)
    }

    /// Queues `COM_STMT_EXECUTE` of `statement` with `params` (binary protocol); answered like
    /// a query, with binary rows. Parameters of [`LONG_DATA_CHUNK`] bytes or more are sent first
    /// with `COM_STMT_SEND_LONG_DATA`. Fails with a misuse error when the number of parameters
    /// differs from the statement's.
    pub fn execute(&mut self, statement: &Statement, params: &[Value]) -> Result<CommandId> {
        self.execute_slice(statement, ParamSlice::Values(params))
    }

    /// [`execute`](Self::execute) with the parameters as any [`Params`] (a tuple of Rust
    /// values, a slice of [`Value`], `()`), encoded from where they are: binding a `&str` or
    /// a tuple of numbers allocates nothing ([`Params::with_params`]). Fails as
    /// [`execute`](Self::execute).
    ///
    /// ```
    /// # use mysql_proto::{Connection, Opts, Statement};
    /// # fn demo(conn: &mut Connection, statement: &Statement) -> mysql_proto::Result<()> {
    /// let id = conn.execute_params(statement, &(42, "answer"))?;
    /// # Ok(()) }
    /// ```
    pub fn execute_params<P: Params + ?Sized>(
        &mut self,
        statement: &Statement,
        params: &P,
    ) -> Result<CommandId> {
        let mut queued = None;
        params.with_params(&mut |set| queued = Some(self.execute_slice(statement, set)));
        queued.unwrap_or_else(|| Err(Error::misuse("Params::with_params lent no parameters")))
    }

    /// [`execute`](Self::execute) of one borrowed parameter set.
    fn execute_slice(
        &mut self,
        statement: &Statement,
        params: ParamSlice<'_>,
    ) -> Result<CommandId> {
        self.execute_flags(statement, params, 0)
    }

    /// Queues `COM_STMT_EXECUTE` of `statement` asking for a read-only server-side cursor:
    /// answered by `ResultSetStart` and a `ResultSetEnd` without rows whose status has
    /// `SERVER_STATUS_CURSOR_EXISTS` (the rows stay on the server; read them with
    /// [`fetch`](Self::fetch)), or like an ordinary execute when the statement returns no
    /// result set. Fails like [`execute`](Self::execute).
    pub fn execute_cursor<P: Params + ?Sized>(
        &mut self,
        statement: &Statement,
        params: &P,
    ) -> Result<CommandId> {
        let mut queued = None;
        params.with_params(&mut |set| {
            let cursor = crate::packets::stmt::CURSOR_TYPE_READ_ONLY;
            queued = Some(self.execute_flags(statement, set, cursor))
        });
        queued.unwrap_or_else(|| Err(Error::misuse("Params::with_params lent no parameters")))
    }

    /// Queues `COM_STMT_FETCH`: up to `rows` more rows of the cursor `statement_id` opened
    /// (by [`execute_cursor`](Self::execute_cursor)), whose result `columns` describe.
    /// Answered by `Row` events (no `ResultSetStart`), then a `ResultSetEnd` whose status has
    /// `SERVER_STATUS_LAST_ROW_SENT` once the cursor is exhausted, or a `ServerError`. Other
    /// commands may run between fetches.
    pub fn fetch(&mut self, statement_id: u32, rows: u32, columns: Columns) -> Result<CommandId> {
        let mut body = [0u8; 8];
        body[..4].copy_from_slice(&statement_id.to_le_bytes());
        body[4..].copy_from_slice(&rows.max(1).to_le_bytes());
        let id = self.command(
            Command::StmtFetch,
            &body,
            Expect::Results(RowFormat::Binary),
        )?;
        if let Some(last) = self.responses.queue.back_mut() {
            last.state = Response::Fetch;
            last.fetch_columns = Some(columns);
        }
        Ok(id)
    }

    fn execute_flags(
        &mut self,
        statement: &Statement,
        params: ParamSlice<'_>,
        flags: u8,
    ) -> Result<CommandId> {
        self.check_ready()?;
        self.check_in_flight()?;
        self.flush_deferred()?;
        if params.len() != statement.params.len() {
            return Err(Error::misuse(format!(
                "statement takes {} parameters, {} given",
                statement.params.len(),
                params.len()
            )));
        }
        // Which parameters go as long data; empty (no allocation) when none does.
        let mut long = Vec::new();
        for (i, p) in params.iter().enumerate() {
            if let ValueRef::Bytes(b) = p {
                if b.len() >= LONG_DATA_CHUNK {
                    long.resize(params.len(), false);
                    long[i] = true;
                    for chunk in b.chunks(LONG_DATA_CHUNK) {
                        let start = framing::begin_packet(&mut self.tx);
                        encode_send_long_data(statement.id, i as u16, chunk, &mut self.tx);
                        framing::finish_packet(&mut self.tx, start, 0);
                        self.seal_command();
                    }
                }
            }
        }
        let start = framing::begin_packet(&mut self.tx);
        if self.has_query_attributes() {
            let (names, values) = std::mem::take(&mut self.attributes);
            crate::packets::query_attributes::encode_execute(
                statement.id,
                flags,
                params,
                &long,
                &names,
                &values,
                &mut self.tx,
            );
        } else {
            encode_execute_with_flags(statement.id, flags, params, &long, &mut self.tx);
        }
        let seq = framing::finish_packet(&mut self.tx, start, 0);
        let id = self.push_in_flight(Expect::Results(RowFormat::Binary), seq);
        self.set_statement_of_last(statement.id);
        Ok(id)
    }

    /// Queues `COM_STMT_EXECUTE` of the statement whose `COM_STMT_PREPARE` was queued just
    /// before, without waiting for its id (MariaDB's statement id `0xFFFFFFFF`), so prepare and
    /// execute share one round trip. Fails with [`ErrorKind::Unsupported`] on MySQL servers and
    /// with a misuse error unless the previous command queued was a prepare (or another such
    /// execute). If the prepare fails, this execute fails too (with the server's error).
    pub fn execute_last_prepared(&mut self, params: &[Value]) -> Result<CommandId> {
        self.check_ready()?;
        if !self.server_info().is_some_and(|i| i.is_mariadb) {
            return Err(Error::unsupported(
                "executing a statement whose prepare is in flight needs MariaDB; \
                 on MySQL wait for Event::Prepared and use execute()",
            ));
        }
        if !self.last_was_prepare {
            return Err(Error::misuse(
                "execute_last_prepared must follow prepare or another execute_last_prepared",
            ));
        }
        self.check_in_flight()?;
        let start = framing::begin_packet(&mut self.tx);
        encode_execute(
            LAST_PREPARED_STATEMENT,
            ParamSlice::Values(params),
            &[],
            &mut self.tx,
        );
        let seq = framing::finish_packet(&mut self.tx, start, 0);
        let id = self.push_in_flight(Expect::Results(RowFormat::Binary), seq);
        self.set_statement_of_last(LAST_PREPARED_STATEMENT);
        // Chains: the next command may execute the same statement with -1 again.
        self.last_was_prepare = true;
        Ok(id)
    }

    /// Whether [`bulk_execute`](Self::bulk_execute) can run `statement`: the server is MariaDB
    /// with `COM_STMT_BULK_EXECUTE` (10.2.7+), and the statement takes parameters and returns no
    /// result set (INSERT, UPDATE, DELETE, REPLACE, ...).
    pub fn supports_bulk_execute(&self, statement: &Statement) -> bool {
        self.server_info().is_some_and(|i| {
            i.mariadb_capabilities & crate::constants::MARIADB_CLIENT_STMT_BULK_OPERATIONS != 0
        }) && !statement.params.is_empty()
            && statement.columns.is_empty()
    }

    /// Queues one MariaDB `COM_STMT_BULK_EXECUTE` of `statement` with as many leading parameter
    /// sets of `rows` as fit in one command (about [`BULK_CHUNK_BYTES`], and only sets whose
    /// non-NULL values keep one type per parameter); returns its id and how many sets it took.
    /// Call again with the rest. The answer is one OK whose affected rows are summed over the
    /// sets, or one ERR: the server stops at the failing set, and which earlier sets of the same
    /// command stay applied depends on the table engine (run it in a transaction for all or
    /// nothing).
    ///
    /// Fails with [`ErrorKind::Unsupported`] unless
    /// [`supports_bulk_execute`](Self::supports_bulk_execute) (use [`execute`](Self::execute)
    /// per set instead), and with a misuse error for no rows or a row whose number of values
    /// differs from the statement's parameters; nothing is queued then.
    pub fn bulk_execute<R: AsRef<[Value]>>(
        &mut self,
        statement: &Statement,
        rows: &[R],
    ) -> Result<(CommandId, usize)> {
        self.check_bulk(statement)?;
        let n = statement.params.len();
        if let Some((i, r)) = rows.iter().enumerate().find(|(_, r)| r.as_ref().len() != n) {
            return Err(Error::misuse(format!(
                "statement takes {n} parameters, parameter set {i} has {}",
                r.as_ref().len()
            )));
        }
        let mut sets = rows.iter().map(AsRef::as_ref).peekable();
        self.bulk_execute_from(statement, &mut sets)?
            .ok_or_else(|| Error::misuse("bulk execute of no parameter sets"))
    }

    /// [`bulk_execute`](Self::bulk_execute) taking the parameter sets from an iterator: as many
    /// as fit in one command are encoded from where they are (a tuple of `&str`s is not copied
    /// but into the command) and consumed; the first that does not fit stays for the next call.
    /// Returns the command's id and how many sets it took, or `None` when `sets` is empty.
    ///
    /// Fails like `bulk_execute`; a set whose number of values differs from the statement's
    /// parameters ends the command before it, and the next call fails on it with a misuse
    /// error (queueing nothing, leaving it in `sets`).
    pub fn bulk_execute_from<P: Params>(
        &mut self,
        statement: &Statement,
        sets: &mut impl crate::batch::PeekSets<P>,
    ) -> Result<Option<(CommandId, usize)>> {
        self.check_bulk(statement)?;
        if sets.peek().is_none() {
            return Ok(None);
        }
        self.check_in_flight()?;
        self.flush_deferred()?;
        let n = statement.params.len();
        let start = framing::begin_packet(&mut self.tx);
        // A command never holds much more than max-send-buffer, so a batch always fits the limit.
        let chunk = BULK_CHUNK_BYTES.min(self.opts.max_send_buffer()).max(1);
        let mut bulk = BulkExecute::begin(statement.id, n, chunk, &mut self.tx);
        let mut wrong_count = None;
        while let Some(set) = sets.peek() {
            let mut taken = false;
            set.with_params(&mut |values| {
                if values.len() != n {
                    wrong_count = Some(values.len());
                } else {
                    taken = bulk.push(values, &mut self.tx);
                }
            });
            if !taken {
                break;
            }
            sets.next();
        }
        if bulk.sets() == 0 {
            self.tx.truncate(start);
            return Err(Error::misuse(format!(
                "statement takes {n} parameters, a parameter set has {}",
                wrong_count.unwrap_or(0)
            )));
        }
        let taken = bulk.finish(&mut self.tx);
        let seq = framing::finish_packet(&mut self.tx, start, 0);
        let id = self.push_in_flight(Expect::Results(RowFormat::Binary), seq);
        Ok(Some((id, taken)))
    }

    /// The connection can take commands and `statement` a bulk execute.
    fn check_bulk(&self, statement: &Statement) -> Result<()> {
        self.check_ready()?;
        if !self.supports_bulk_execute(statement) {
            return Err(Error::unsupported(
                "COM_STMT_BULK_EXECUTE needs a MariaDB server that offers it and a statement \
                 with parameters and no result set",
            ));
        }
        Ok(())
    }

    /// Makes the next command first queue a `ROLLBACK` whose response is skipped. This is how a
    /// transaction guard dropped without commit rolls back without doing IO in `Drop`.
    pub fn rollback_before_next_command(&mut self) {
        self.rollback_before_next = true;
    }

    /// Whether a `ROLLBACK` waits to go ahead of the next command
    /// ([`rollback_before_next_command`](Self::rollback_before_next_command)).
    pub fn rollback_pending(&self) -> bool {
        self.rollback_before_next
    }

    /// Queues now what waits to go ahead of the next command (a dropped guard's `ROLLBACK`, its
    /// response skipped), for a caller that wants it on the wire without queueing a command of
    /// its own (a pool taking a connection back). Fails like any command on a connection that
    /// cannot take one.
    pub fn send_deferred(&mut self) -> Result<()> {
        self.flush_deferred()
    }

    /// Queues `COM_STMT_CLOSE` (no response). Closing an unknown statement is harmless.
    pub fn close_statement(&mut self, statement_id: u32) -> Result<()> {
        self.check_ready()?;
        let mut body = [Command::StmtClose as u8, 0, 0, 0, 0];
        body[1..].copy_from_slice(&statement_id.to_le_bytes());
        framing::write_packet(&mut self.tx, 0, &body);
        self.seal_command();
        self.responses.forget_statement(statement_id);
        Ok(())
    }

    /// Queues `COM_STMT_RESET` (clears long data sent for the statement); answered by `Ok`.
    pub fn reset_statement(&mut self, statement_id: u32) -> Result<CommandId> {
        self.command(
            Command::StmtReset,
            &statement_id.to_le_bytes(),
            Expect::OkOrErr,
        )
    }

    /// The per-connection statement cache (SQL text to prepared statement), for adapters that
    /// prepare on first use. Cleared by [`reset_connection`](Self::reset_connection).
    pub fn statement_cache(&mut self) -> &mut StatementCache {
        &mut self.statements
    }

    /// Caches `statement` for `sql` and queues `COM_STMT_CLOSE` for every statement the cache
    /// pushes out.
    pub fn cache_statement(&mut self, sql: &[u8], statement: Statement) -> Result<()> {
        for old in self.statements.insert(sql, statement) {
            self.close_statement(old.id)?;
        }
        Ok(())
    }

    /// Changes the statement cache capacity; the cached statements are closed.
    pub fn set_statement_cache_capacity(&mut self, capacity: usize) -> Result<()> {
        for old in self.statements.drain() {
            self.close_statement(old.id)?;
        }
        self.statements = StatementCache::new(capacity);
        Ok(())
    }

    /// Queues `COM_SET_OPTION` turning multi-statements on or off for this session (whatever
    /// was negotiated at connect); answered by `Ok` (the server's EOF) or `ServerError`.
    pub fn set_multi_statements(&mut self, on: bool) -> Result<CommandId> {
        // MYSQL_OPTION_MULTI_STATEMENTS_ON = 0, _OFF = 1.
        let option: u16 = if on { 0 } else { 1 };
        self.command(Command::SetOption, &option.to_le_bytes(), Expect::OkOrErr)
    }

    /// Queues `COM_BINLOG_DUMP` for `request`: answered by one [`Event::BinlogEvent`] per
    /// event, then, for a non-blocking request, [`Event::BinlogEnd`]; or a `ServerError`.
    /// Prepare the session first (the adapters' `binlog_dump` does: see [`crate::binlog`]). A
    /// blocking dump never ends: every later command fails with a misuse error, and the
    /// connection is done with once the caller stops reading.
    pub fn binlog_dump(&mut self, request: &crate::binlog::BinlogRequest) -> Result<CommandId> {
        let expect = Expect::Binlog {
            endless: !request.non_blocking,
        };
        self.command(Command::BinlogDump, &request.dump_body(), expect)
    }

    /// Queues `COM_PING`; answered by `Ok`.
    pub fn ping(&mut self) -> Result<CommandId> {
        self.command(Command::Ping, &[], Expect::OkOrErr)
    }

    /// Queues `COM_INIT_DB` (`USE db`); answered by `Ok` or `ServerError`.
    pub fn init_db(&mut self, database: &str) -> Result<CommandId> {
        self.command(Command::InitDb, database.as_bytes(), Expect::OkOrErr)
    }

    /// Queues `COM_RESET_CONNECTION` (session state reset without re-authenticating). The
    /// server drops every prepared statement, so the statement cache is cleared.
    pub fn reset_connection(&mut self) -> Result<CommandId> {
        let id = self.command(Command::ResetConnection, &[], Expect::OkOrErr)?;
        self.statements.clear();
        if let Some(last) = self.responses.queue.back_mut() {
            last.resets_statements = true;
        }
        Ok(id)
    }

    /// Sets query attributes (MySQL 8.0.23+: name / value pairs the server exposes to the
    /// statement through `mysql_query_attribute_string('name')`, e.g. a trace id) for the next
    /// [`query`](Self::query) or execute only. Fails with [`ErrorKind::Unsupported`] unless
    /// the connection negotiated them (option `query-attributes=true`, which a server without
    /// them, MariaDB included, refuses at connect): they are never dropped silently.
    pub fn set_query_attributes(&mut self, attributes: &[(&str, Value)]) -> Result<()> {
        if !self.has_query_attributes() {
            return Err(Error::unsupported(
                "query attributes need a MySQL 8.0.23+ server and the option query-attributes=true",
            ));
        }
        self.attributes = attributes
            .iter()
            .map(|(n, v)| (n.to_string(), v.clone()))
            .unzip();
        Ok(())
    }

    fn has_query_attributes(&self) -> bool {
        self.responses.capabilities & crate::constants::CLIENT_QUERY_ATTRIBUTES != 0
    }

    /// Queues `COM_CHANGE_USER`: logs in again as `user` (with the auth plugins and auth switch
    /// of the handshake, over the same TLS and compression), with `database` as the default.
    /// The server resets the session as `COM_RESET_CONNECTION` does, so the statement cache
    /// and session state are cleared. Answered like a handshake: [`Event::Connected`] once the
    /// server accepts, or a fatal [`ErrorKind::Auth`] error from [`advance`](Self::advance)
    /// (the server closes the connection after a failed change). Fails with a misuse error
    /// while commands are in flight.
    pub fn change_user(
        &mut self,
        user: &str,
        password: Option<&str>,
        database: Option<&str>,
    ) -> Result<()> {
        self.check_ready()?;
        if !self.responses.queue.is_empty() {
            return Err(Error::misuse(
                "change_user with commands in flight: read their responses first",
            ));
        }
        // The server ends the session (and its transaction) anyway.
        self.rollback_before_next = false;
        let Phase::Ready(info) = &self.phase else {
            return Err(Error::misuse("change_user before the handshake finished"));
        };
        let info = info.clone();
        let mut opts = self.opts.clone();
        opts.set_login(user, password, database);
        let secure = self.is_tls() || opts.is_unix_socket();
        let scramble = self.scramble.clone();
        let h =
            Handshake::change_user(&opts, info, scramble, secure, &mut self.tx, &mut *self.rng)?;
        self.seal_command();
        self.opts = opts;
        self.phase = Phase::Handshake(h);
        self.statements.clear();
        self.responses.statement_columns.clear();
        self.responses.last_prepared = None;
        self.responses.session = SessionState::new(self.opts.database());
        self.ops = crate::ops::OpState::default();
        Ok(())
    }

    /// Queues `COM_QUIT`. The server answers by closing the connection; no more commands can be
    /// queued. Commands queued before still get their responses.
    pub fn quit(&mut self) -> Result<()> {
        self.check_ready()?;
        framing::write_packet(&mut self.tx, 0, &[Command::Quit as u8]);
        self.seal_command();
        self.phase = Phase::Quit;
        Ok(())
    }

    /// Drops every further event of command `id`: the rest of its response is read and
    /// skipped by [`advance`](Self::advance). Use it when the caller loses interest in a
    /// response (a dropped result stream) so that the next command's events follow cleanly.
    /// Unknown or finished ids are ignored.
    #[inline]
    pub fn discard(&mut self, id: CommandId) {
        if let Some(c) = self.responses.queue.iter_mut().find(|c| c.id == id) {
            c.discard = true;
        }
        if matches!(&self.current, Some(Current::Response(p, _)) if p.id() == id) {
            self.release_current();
        }
    }

    /// [`discard`](Self::discard) for every command in flight: used by adapters that run one
    /// operation at a time, so that whatever an abandoned operation left owing is skipped.
    pub fn discard_all(&mut self) {
        self.discard_all_except(&[]);
    }

    /// [`discard`](Self::discard) for every command in flight but those in `keep` (commands an
    /// adapter sent ahead and still reads, e.g. a pipelined `START TRANSACTION`).
    #[inline]
    pub fn discard_all_except(&mut self, keep: &[CommandId]) {
        if mark_discarded(&mut self.responses, &self.current, keep) {
            self.release_current();
        }
    }

    /// [`discard_all_except`](Self::discard_all_except) the commands sent ahead by an
    /// operation (see [`begin_operation`](Self::begin_operation)), without taking the list apart.
    #[inline]
    pub(crate) fn discard_all_but_sent_ahead(&mut self) {
        if mark_discarded(&mut self.responses, &self.current, self.ops.sent_ahead()) {
            self.release_current();
        }
    }

    fn command(&mut self, cmd: Command, body: &[u8], expect: Expect) -> Result<CommandId> {
        self.check_ready()?;
        self.check_in_flight()?;
        self.flush_deferred()?;
        self.write_command(cmd, body, expect)
    }

    fn write_command(&mut self, cmd: Command, body: &[u8], expect: Expect) -> Result<CommandId> {
        let start = framing::begin_packet(&mut self.tx);
        self.tx.push(cmd as u8);
        self.tx.extend_from_slice(body);
        let seq = framing::finish_packet(&mut self.tx, start, 0);
        Ok(self.push_in_flight(expect, seq))
    }

    /// Refuses any other command while a blocking binlog dump, which never ends, is in flight
    /// (nothing is queued, nothing of the dump is discarded). Such a dump is always the last
    /// command queued, since none may follow it: a look at the back of the queue suffices.
    #[inline]
    pub(crate) fn check_no_endless_dump(&self) -> Result<()> {
        let endless = |c: &&InFlight| matches!(c.expect, Expect::Binlog { endless: true });
        match self.responses.queue.back().filter(endless) {
            Some(dump) => Err(Error::misuse(format!(
                "command {} is a binlog dump that never ends: use another connection",
                dump.id.get()
            ))),
            None => Ok(()),
        }
    }

    /// Refuses a command beyond the in-flight limit (nothing is queued; read responses first).
    fn check_in_flight(&self) -> Result<()> {
        self.check_no_endless_dump()?;
        let max = self.opts.max_in_flight();
        if self.responses.queue.len() >= max {
            return Err(Error::misuse(format!(
                "{max} commands already in flight (max-in-flight): read responses before queueing more"
            )));
        }
        if self.send_buffered() > self.opts.max_send_buffer() {
            return Err(Error::misuse(format!(
                "send buffer holds more than max-send-buffer ({} bytes): write it out first",
                self.opts.max_send_buffer()
            )));
        }
        Ok(())
    }

    /// Queues what an earlier call deferred (a guard's ROLLBACK) ahead of the next command.
    fn flush_deferred(&mut self) -> Result<()> {
        if std::mem::take(&mut self.rollback_before_next) {
            let id = self.write_command(
                Command::Query,
                b"ROLLBACK",
                Expect::Results(RowFormat::Text),
            )?;
            self.discard(id);
        }
        Ok(())
    }

    /// With compression on, compresses the command just written to the send buffer: each
    /// command starts its own compressed packets, numbered from 0.
    #[inline]
    fn seal_command(&mut self) {
        if let Some(z) = self.compress.as_mut() {
            z.seal(&self.tx[self.tx_pos..], SealAs::Command);
            self.tx.clear();
            self.tx_pos = 0;
        }
    }

    fn push_in_flight(&mut self, expect: Expect, seq: u8) -> CommandId {
        self.seal_command();
        self.last_was_prepare = expect == Expect::Prepare;
        let id = CommandId(self.next_id);
        self.next_id += 1;
        self.responses.queue.push_back(InFlight {
            id,
            expect,
            seq,
            state: Response::Start,
            discard: false,
            statement: None,
            had_result_set: false,
            resets_statements: false,
            infile: None,
            fetch_columns: None,
        });
        id
    }

    /// Records which statement the command queued last executes (for cached metadata).
    fn set_statement_of_last(&mut self, statement: u32) {
        if let Some(last) = self.responses.queue.back_mut() {
            last.statement = Some(statement);
        }
    }
}

/// Marks every command in flight but those in `keep` discarded; whether the lent event belongs
/// to one of them (the caller then releases it).
#[inline]
fn mark_discarded(
    responses: &mut Responses,
    current: &Option<Current>,
    keep: &[CommandId],
) -> bool {
    for c in responses.queue.iter_mut() {
        if !keep.contains(&c.id) {
            c.discard = true;
        }
    }
    matches!(current, Some(Current::Response(p, _)) if !keep.contains(&p.id()))
}
