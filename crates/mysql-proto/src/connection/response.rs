//! Response machines: how the packets answering one command become events.
//!
//! # Theory of operation
//!
//! Every command sent is pushed on the in-flight queue with the sequence id its response starts
//! at. Responses arrive in command order, so packets always belong to the command at the head of
//! the queue. Each in-flight command has a [`Response`] state; a packet moves it along this
//! table and may produce one event. When a command's last packet has been handled it is popped,
//! and the next packet belongs to the next command (its sequence ids start afresh).
//!
//! | state | packet | event | next state |
//! |---|---|---|---|
//! | `Start` | OK (0x00) | `Ok` | `Start` if `SERVER_MORE_RESULTS_EXISTS`, else done |
//! | `Start` | ERR (0xFF) | `ServerError` | done |
//! | `Start` | LOCAL INFILE (0xFB), query only, accepted (see [`crate::local_infile`]) | none: the runner sends the file | `Infile`, then `Start` |
//! | `Start` | LOCAL INFILE (0xFB), refused | none: an empty file is sent; the command's last event becomes a `ServerError` (code 2068) | `Start` |
//! | `Infile` | anything | protocol error (the server must wait for the file) | |
//! | `Fetch` (`COM_STMT_FETCH`) | any | as in `Rows`, with the cursor's columns made current | `Rows` |
//! | `Start` | column count (query, execute) | none | `Columns(n)` |
//! | `Start` | column count with "metadata follows" 0 (execute, `MARIADB_CLIENT_CACHE_METADATA`) | `ResultSetStart` with the statement's cached columns | `Rows` (`ColumnsEof` without `DEPRECATE_EOF`) |
//! | `Start` | PREPARE_OK (prepare) | `Prepared` if no parameters and no columns | `Params(n)` / `Columns(n)` |
//! | `Params(n)` | parameter definition | none | `Params(n-1)`, then `ParamsEof` / the columns / `Prepared` |
//! | `ParamsEof` | EOF | none, or `Prepared` when there are no columns | `Columns(n)` / done |
//! | `Columns(n)` | column definition | `ResultSetStart` after the n-th with `DEPRECATE_EOF` | `Columns(n-1)` / `ColumnsEof` / `Rows` |
//! | `ColumnsEof` | EOF (0xFE) | `ResultSetStart` | `Rows` |
//! | `Rows` | 0xFE, shorter than 16 MiB - 1 | `ResultSetEnd` | `Start` if more results, else done |
//! | `Rows` | ERR (0xFF) | `ServerError` | done |
//! | `Rows` | text row (query) or binary row (execute) | `Row` | `Rows` |
//! | `Start` (binlog dump) | 0x00 then an event | `BinlogEvent` | `Start` |
//! | `Start` (binlog dump) | EOF (0xFE) | `BinlogEnd` | done |
//!
//! For a prepare, the end of the column definitions produces `Prepared` instead of
//! `ResultSetStart` and ends the command.
//!
//! With MariaDB's `MARIADB_CLIENT_CACHE_METADATA` (10.6+), every column count packet carries a
//! "metadata follows" byte, and the server leaves out the column definitions of an execute whose
//! result columns are those it sent last for that statement (at prepare or with an earlier
//! execute). The machine keeps, per statement id, the columns last received, and uses them then;
//! a skip for a statement it has no columns for is a protocol error.
//!
//! Any other packet, an empty packet, or a malformed one is a protocol error, which is fatal for
//! the connection and every queued command. A command marked *discarded* runs through the same
//! table but its events are dropped, which is how a response abandoned by the caller is drained.

use std::collections::{HashMap, VecDeque};
use std::hash::{BuildHasherDefault, Hasher};
use std::sync::Arc;

use crate::codec::{framing, Reader, MAX_PAYLOAD};
use crate::constants::{
    StatusFlags, CLIENT_DEPRECATE_EOF, MARIADB_CLIENT_CACHE_METADATA,
    MARIADB_CLIENT_EXTENDED_TYPE_INFO,
};
use crate::error::{Error, Result, ServerError};
use crate::local_infile::{LocalInfile, REFUSED_CODE};
use crate::packets::{parse_err, Column, EofPacket, OkPacket, PrepareOk, SessionState};
use crate::value::binary_row::{check_binary_row_layout, layout_into, RowLayout};
use crate::value::text_row::check_text_row;
use crate::value::{Columns, RowFormat};

use super::event::CommandId;
use super::statement::Statement;

/// What kind of response a command expects.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Expect {
    /// OK or ERR only (ping, init_db, reset connection, statement reset).
    OkOrErr,
    /// Results and result sets with rows in this format (query: text, execute: binary).
    Results(RowFormat),
    /// PREPARE_OK and definitions (prepare).
    Prepare,
    /// Binlog events until an EOF (`COM_BINLOG_DUMP`); `endless` without `BINLOG_DUMP_NON_BLOCK`.
    Binlog { endless: bool },
}

/// Where a command's response stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Response {
    Start,
    Params {
        remaining: u16,
        columns: u16,
    },
    ParamsEof {
        columns: u16,
    },
    Columns {
        remaining: u64,
    },
    ColumnsEof,
    Rows,
    /// The client is sending the file of an accepted LOCAL INFILE request.
    Infile,
    /// `COM_STMT_FETCH`: rows of a cursor come with no column count or definitions.
    Fetch,
}

/// A command whose response is still (partly) owed by the server.
#[derive(Debug)]
pub(crate) struct InFlight {
    pub(crate) id: CommandId,
    pub(crate) expect: Expect,
    pub(crate) seq: u8,
    pub(crate) state: Response,
    pub(crate) discard: bool,
    /// For an execute: the statement id (`LAST_PREPARED` for "the one just prepared"), whose
    /// cached columns stand in for metadata the server skips.
    pub(crate) statement: Option<u32>,
    /// Whether a result set of this command has started (only the first one's columns are
    /// the statement's metadata; later ones come from stored procedures).
    pub(crate) had_result_set: bool,
    /// `COM_RESET_CONNECTION`: its OK drops every statement (and their cached metadata).
    pub(crate) resets_statements: bool,
    /// A query's LOCAL INFILE bookkeeping (`None` for nearly every command).
    pub(crate) infile: Option<Box<InfileCheck>>,
    /// `COM_STMT_FETCH`: the cursor's columns, current once its first packet arrives.
    pub(crate) fetch_columns: Option<Columns>,
}

/// The files a query's statements named, and why a request for one was refused.
#[derive(Debug, Default)]
pub(crate) struct InfileCheck {
    pub(crate) expected: VecDeque<Vec<u8>>,
    pub(crate) refused: Option<String>,
}

/// The event a packet produced, stored until the caller reads it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Produced {
    ResultSetStart(CommandId),
    Row(CommandId, RowFormat),
    ResultSetEnd(CommandId),
    Ok(CommandId),
    ServerError(CommandId),
    Prepared(CommandId),
    BinlogEvent(CommandId),
    BinlogEnd(CommandId),
}

/// A row taken by [`Responses::streaming_row`].
#[derive(Debug, Clone, Copy)]
pub(crate) struct StreamedRow {
    pub(crate) id: CommandId,
    pub(crate) format: RowFormat,
    /// The command's results are being discarded: no event.
    pub(crate) discard: bool,
}

impl Produced {
    pub(crate) fn id(&self) -> CommandId {
        match self {
            Produced::ResultSetStart(id)
            | Produced::Row(id, _)
            | Produced::ResultSetEnd(id)
            | Produced::Ok(id)
            | Produced::ServerError(id)
            | Produced::Prepared(id)
            | Produced::BinlogEvent(id)
            | Produced::BinlogEnd(id) => *id,
        }
    }
}

/// The in-flight queue and the state shared by the response machines.
#[derive(Debug, Default)]
pub(crate) struct Responses {
    pub(crate) queue: VecDeque<InFlight>,
    pub(crate) capabilities: u32,
    pub(crate) mariadb_capabilities: u32,
    pub(crate) max_columns: usize,
    pub(crate) columns: Option<Columns>,
    /// The value layout of `columns` for checking binary rows (see `binary_row::layout`).
    pub(crate) layout: RowLayout,
    /// While column definitions arrive: the index of the next one, and whether all so far are
    /// byte for byte those of `columns` (the same query again), which are then reused as they
    /// are, with no parsing or allocation.
    pub(crate) column_index: usize,
    pub(crate) reusing: bool,
    pub(crate) building: Vec<Column>,
    pub(crate) params: Vec<Column>,
    pub(crate) prepare_ok: Option<PrepareOk>,
    pub(crate) prepared: Option<Statement>,
    pub(crate) ok: OkPacket,
    /// The status flags of the last OK or result set end (or of the handshake), also of a
    /// discarded command: where the session stands (in a transaction, ...).
    pub(crate) status: StatusFlags,
    /// What the server reported of the session (`CLIENT_SESSION_TRACK`).
    pub(crate) session: SessionState,
    pub(crate) error: Option<ServerError>,
    /// With `MARIADB_CLIENT_CACHE_METADATA`: the last columns the server sent for each
    /// prepared statement (at prepare, or with an execute's result), used when it skips them.
    pub(crate) statement_columns: HashMap<u32, Columns, BuildHasherDefault<StatementIdHasher>>,
    /// The id of the statement whose prepare completed last (for executes of "the statement
    /// just prepared").
    pub(crate) last_prepared: Option<u32>,
    /// Closed statements whose cached columns an in-flight execute may still need.
    pub(crate) forget_later: Vec<u32>,
    /// The `local-infile` option.
    pub(crate) local_infile: LocalInfile,
    /// The file of the accepted LOCAL INFILE request being sent, and whether bytes went out.
    pub(crate) infile_request: Option<(Vec<u8>, bool)>,
}

impl Responses {
    /// Takes a command's final OK as the current one: its status flags and session changes
    /// are the session's (also for a discarded command). Fails for malformed session data.
    fn take_ok(&mut self, ok: OkPacket) -> Result<()> {
        self.ok = ok;
        self.status = self.ok.status;
        if !self.ok.session_state.is_empty() {
            self.session.apply(&self.ok.session_state)?;
        }
        Ok(())
    }

    /// An EOF packet as an OK; with `CLIENT_DEPRECATE_EOF` the OK (0xFE header) that replaces it.
    fn eof_as_ok(&self, p: &[u8], deprecate_eof: bool) -> Result<OkPacket> {
        if deprecate_eof {
            return OkPacket::parse(p, self.capabilities);
        }
        let eof = EofPacket::parse(p)?;
        Ok(OkPacket {
            status: eof.status,
            warnings: eof.warnings,
            ..OkPacket::default()
        })
    }

    /// The fast path for nearly every packet: when `p` is a row of the result set being
    /// streamed, checks it against its columns and returns the row event's command, format and
    /// whether it is discarded; `None` for any other packet (handled by
    /// [`on_packet`](Self::on_packet)). (A row never starts with 0xFF, an ERR, or 0xFE, an
    /// EOF/OK unless it is a row of 16 MiB or more.) Kept apart from `on_packet` so that its
    /// small result stays in registers.
    #[inline(always)]
    pub(crate) fn streaming_row(&self, p: &[u8]) -> Option<Result<StreamedRow>> {
        let head = self.queue.front()?;
        if head.state != Response::Rows || *p.first()? >= 0xfe {
            return None;
        }
        let (id, discard) = (head.id, head.discard);
        Some(self.check_row(p, head.expect).map(|format| StreamedRow {
            id,
            format,
            discard,
        }))
    }

    /// Handles one packet for the command at the head of the queue (the caller checked there
    /// is one) that [`streaming_row`](Self::streaming_row) did not take. Returns the event
    /// produced, if any.
    #[inline(never)]
    pub(crate) fn on_packet(&mut self, p: &[u8], tx: &mut Vec<u8>) -> Result<Option<Produced>> {
        let deprecate_eof = self.capabilities & CLIENT_DEPRECATE_EOF != 0;
        let ext = self.extended_metadata();
        let cache_metadata = self.cache_metadata();
        let Some(head) = self.queue.front_mut() else {
            return Err(Error::protocol(
                "packet received while no command is in flight",
            ));
        };
        let (id, discard) = (head.id, head.discard);
        let Some(&first) = p.first() else {
            return Err(Error::protocol("empty packet in a command response"));
        };
        let produced = match (head.state, first) {
            // A binlog event: 0x00, then the event.
            (Response::Start, 0x00) if matches!(head.expect, Expect::Binlog { .. }) => {
                Produced::BinlogEvent(id)
            }
            // The end of a non-blocking dump: an EOF packet (an OK with the 0xFE header).
            (Response::Start, 0xfe) if matches!(head.expect, Expect::Binlog { .. }) => {
                self.pop_command();
                Produced::BinlogEnd(id)
            }
            (Response::Start, 0x00) if head.expect != Expect::Prepare => {
                let resets_statements = head.resets_statements;
                self.take_ok(OkPacket::parse(p, self.capabilities)?)?;
                if resets_statements {
                    self.statement_columns.clear();
                    self.last_prepared = None;
                }
                self.end_result(id, Produced::Ok(id))
            }
            // COM_SET_OPTION is answered with an EOF packet (an OK with the 0xFE header when
            // CLIENT_DEPRECATE_EOF was agreed).
            (Response::Start, 0xfe) if head.expect == Expect::OkOrErr => {
                self.take_ok(self.eof_as_ok(p, deprecate_eof)?)?;
                self.end_result(id, Produced::Ok(id))
            }
            (Response::Start | Response::Rows, 0xff) => {
                let server = parse_err(p)?;
                // After a refused LOCAL INFILE request the refusal is the cause to report.
                let refused = head.infile.as_mut().and_then(|c| c.refused.take());
                self.error = Some(refused.map_or(server, refusal));
                self.pop_command();
                Produced::ServerError(id)
            }
            (Response::Start, 0x00) if head.expect == Expect::Prepare => {
                let ok = PrepareOk::parse(p)?;
                self.prepare_ok = Some(ok);
                self.params = Vec::with_capacity(ok.num_params.min(4096) as usize);
                self.building = Vec::with_capacity(ok.num_columns.min(4096) as usize);
                head.state = Response::Params {
                    remaining: ok.num_params,
                    columns: ok.num_columns,
                };
                return self.after_definitions(id, discard, deprecate_eof);
            }
            (Response::Start, 0xfb) if matches!(head.expect, Expect::Results(_)) => {
                let name = &p[1..];
                let check = head.infile.get_or_insert_with(Default::default);
                let expected = check.expected.pop_front();
                match infile_verdict(&self.local_infile, name, expected.as_deref()) {
                    Ok(()) => {
                        self.infile_request = Some((name.to_vec(), false));
                        head.state = Response::Infile;
                    }
                    Err(reason) => {
                        // The protocol's only refusal is an empty file; the command then fails.
                        check.refused.get_or_insert(reason);
                        head.seq = framing::write_packet(tx, head.seq, &[]);
                    }
                }
                return Ok(None);
            }
            (Response::Fetch, _) => {
                let columns = head.fetch_columns.take().unwrap_or_default();
                head.state = Response::Rows;
                self.use_columns(columns);
                return self.on_packet(p, tx);
            }
            (Response::Infile, _) => {
                return Err(Error::protocol(
                    "server sent a packet while the client was sending a LOCAL INFILE file",
                ))
            }
            (Response::Start, _) if matches!(head.expect, Expect::Results(_)) => {
                let mut r = Reader::new(p);
                let n = r.lenenc_int()?;
                let metadata_follows = !cache_metadata || r.u8()? != 0;
                r.finish("the column count")?;
                if n == 0 {
                    return Err(Error::protocol("result set with zero columns"));
                }
                if n > self.max_columns as u64 {
                    return Err(Error::limit(format!(
                        "result set has {n} columns, more than max_columns ({})",
                        self.max_columns
                    )));
                }
                if !metadata_follows {
                    // The server skipped the metadata: the statement's columns are unchanged.
                    let statement = match head.statement {
                        Some(super::LAST_PREPARED_STATEMENT) => self.last_prepared,
                        other => other,
                    };
                    let first = !head.had_result_set;
                    let cached = statement
                        .filter(|_| first)
                        .and_then(|s| self.statement_columns.get(&s))
                        .filter(|c| c.len() as u64 == n)
                        .cloned()
                        .ok_or_else(|| {
                            Error::protocol(
                                "server skipped result metadata the client does not have",
                            )
                        })?;
                    head.had_result_set = true;
                    if deprecate_eof {
                        head.state = Response::Rows;
                        self.use_columns(cached);
                        return Ok((!discard).then_some(Produced::ResultSetStart(id)));
                    }
                    head.state = Response::ColumnsEof;
                    self.reusing = false;
                    self.building = cached.to_vec();
                    return Ok(None);
                }
                head.state = Response::Columns { remaining: n };
                self.column_index = 0;
                self.reusing = self.columns.as_ref().is_some_and(|c| c.len() as u64 == n);
                self.building = Vec::new();
                if !self.reusing {
                    self.building.reserve(n as usize);
                }
                return Ok(None);
            }
            (Response::Start, b) => {
                return Err(Error::protocol(format!(
                    "unexpected packet 0x{b:02x} at the start of a command response"
                )))
            }
            (Response::Params { remaining, columns }, _) => {
                self.params.push(Column::parse(p, ext)?);
                head.state = Response::Params {
                    remaining: remaining - 1,
                    columns,
                };
                return self.after_definitions(id, discard, deprecate_eof);
            }
            (Response::ParamsEof { columns }, _) => {
                EofPacket::parse(p)?;
                head.state = Response::Columns {
                    remaining: columns as u64,
                };
                return self.after_definitions(id, discard, deprecate_eof);
            }
            (Response::Columns { remaining }, _) if head.expect == Expect::Prepare => {
                self.building.push(Column::parse(p, ext)?);
                head.state = Response::Columns {
                    remaining: remaining - 1,
                };
                return self.after_definitions(id, discard, deprecate_eof);
            }
            (Response::ColumnsEof, _) if head.expect == Expect::Prepare => {
                EofPacket::parse(p)?;
                return Ok(self.finish_prepare(id, discard));
            }
            (Response::Columns { remaining }, _) => {
                let i = self.column_index;
                self.column_index += 1;
                let same = self.reusing
                    && self
                        .columns
                        .as_ref()
                        .and_then(|c| c.get(i))
                        .is_some_and(|c| c.raw() == p);
                if !same {
                    if self.reusing {
                        // The first difference: the earlier definitions were the same.
                        self.reusing = false;
                        if let Some(previous) = &self.columns {
                            self.building.extend(previous[..i].iter().cloned());
                        }
                    }
                    self.building.push(Column::parse(p, ext)?);
                }
                if remaining > 1 {
                    head.state = Response::Columns {
                        remaining: remaining - 1,
                    };
                    return Ok(None);
                }
                if !deprecate_eof {
                    head.state = Response::ColumnsEof;
                    return Ok(None);
                }
                head.state = Response::Rows;
                self.set_columns();
                Produced::ResultSetStart(id)
            }
            (Response::ColumnsEof, _) => {
                EofPacket::parse(p)?;
                head.state = Response::Rows;
                self.set_columns();
                Produced::ResultSetStart(id)
            }
            (Response::Rows, 0xfe) if p.len() < MAX_PAYLOAD => {
                self.take_ok(self.eof_as_ok(p, deprecate_eof)?)?;
                self.end_result(id, Produced::ResultSetEnd(id))
            }
            (Response::Rows, _) => {
                let expect = head.expect;
                Produced::Row(id, self.check_row(p, expect)?)
            }
        };
        Ok(if discard { None } else { Some(produced) })
    }

    /// Checks a row of the current result set against its columns, so that reading its values
    /// later cannot fail on structure; returns its format.
    #[inline(always)]
    fn check_row(&self, p: &[u8], expect: Expect) -> Result<RowFormat> {
        let columns = self.columns.as_deref().unwrap_or(&[]);
        let format = match expect {
            Expect::Results(f) => f,
            _ => RowFormat::Text,
        };
        match format {
            RowFormat::Text => check_text_row(p, columns.len())?,
            RowFormat::Binary => check_binary_row_layout(p, &self.layout, columns)?,
        }
        Ok(format)
    }

    /// Ends the column definitions of a result set: they become the current columns, and for
    /// the first result set of an execute, the statement's cached metadata.
    fn set_columns(&mut self) {
        let columns: Columns = match (&self.columns, self.reusing) {
            (Some(same), true) => same.clone(),
            _ => Arc::from(std::mem::take(&mut self.building)),
        };
        self.reusing = false;
        let cache_metadata = self.cache_metadata();
        if let Some(head) = self.queue.front_mut() {
            if let (Some(statement), false) = (head.statement, head.had_result_set) {
                let statement = match statement {
                    super::LAST_PREPARED_STATEMENT => self.last_prepared,
                    s => Some(s),
                };
                if let Some(s) = statement.filter(|_| cache_metadata) {
                    self.statement_columns.insert(s, columns.clone());
                }
            }
            head.had_result_set = true;
        }
        self.use_columns(columns);
    }

    /// Drops the cached columns of a closed statement, or, while an execute in flight may still
    /// need them, once no execute is in flight.
    pub(crate) fn forget_statement(&mut self, statement: u32) {
        self.forget_later.push(statement);
        self.purge_forgotten();
    }

    fn purge_forgotten(&mut self) {
        if !self.forget_later.is_empty() && !self.queue.iter().any(|c| c.statement.is_some()) {
            for s in self.forget_later.drain(..) {
                self.statement_columns.remove(&s);
            }
        }
    }

    /// Ends the command at the head of the queue.
    fn pop_command(&mut self) {
        self.queue.pop_front();
        self.purge_forgotten();
    }

    fn use_columns(&mut self, columns: Columns) {
        // The same columns again (a statement's cached metadata, executed again): same layout.
        if !self
            .columns
            .as_ref()
            .is_some_and(|c| Arc::ptr_eq(c, &columns))
        {
            layout_into(&columns, &mut self.layout);
        }
        self.columns = Some(columns);
    }

    fn cache_metadata(&self) -> bool {
        self.mariadb_capabilities & MARIADB_CLIENT_CACHE_METADATA != 0
    }

    fn extended_metadata(&self) -> bool {
        self.mariadb_capabilities & MARIADB_CLIENT_EXTENDED_TYPE_INFO != 0
    }

    /// During a prepare, after PREPARE_OK or a definition: moves past finished lists and
    /// completes the prepare when nothing is left.
    fn after_definitions(
        &mut self,
        id: CommandId,
        discard: bool,
        deprecate_eof: bool,
    ) -> Result<Option<Produced>> {
        let Some(head) = self.queue.front_mut() else {
            return Ok(None);
        };
        let had_params = self.prepare_ok.is_some_and(|ok| ok.num_params > 0);
        match head.state {
            Response::Params {
                remaining: 0,
                columns,
            } => {
                head.state = if had_params && !deprecate_eof {
                    Response::ParamsEof { columns }
                } else {
                    Response::Columns {
                        remaining: columns as u64,
                    }
                };
                if matches!(head.state, Response::Columns { .. }) {
                    return self.after_definitions(id, discard, deprecate_eof);
                }
                Ok(None)
            }
            Response::Columns { remaining: 0 } => {
                let had_columns = self.prepare_ok.is_some_and(|ok| ok.num_columns > 0);
                if had_columns && !deprecate_eof {
                    head.state = Response::ColumnsEof;
                    return Ok(None);
                }
                Ok(self.finish_prepare(id, discard))
            }
            _ => Ok(None),
        }
    }

    fn finish_prepare(&mut self, id: CommandId, discard: bool) -> Option<Produced> {
        self.pop_command();
        let ok = self.prepare_ok.take()?;
        let columns: Columns = Arc::from(std::mem::take(&mut self.building));
        if self.cache_metadata() {
            self.statement_columns
                .insert(ok.statement_id, columns.clone());
        }
        self.last_prepared = Some(ok.statement_id);
        self.prepared = Some(Statement {
            id: ok.statement_id,
            params: Arc::from(std::mem::take(&mut self.params)),
            columns,
        });
        (!discard).then_some(Produced::Prepared(id))
    }

    /// After an OK or end of result set: another result follows, or the command is done.
    /// After a result's OK or end: the command goes on when more results follow, else it is
    /// popped. Returns the event to produce: `done`, or a `ServerError` when the command ends
    /// after a refused LOCAL INFILE request.
    fn end_result(&mut self, id: CommandId, done: Produced) -> Produced {
        if self.ok.status.more_results() {
            if let Some(head) = self.queue.front_mut() {
                head.state = Response::Start;
            }
            return done;
        }
        let refused = self
            .queue
            .front_mut()
            .and_then(|h| h.infile.as_mut())
            .and_then(|c| c.refused.take());
        self.pop_command();
        match refused {
            Some(reason) => {
                self.error = Some(refusal(reason));
                Produced::ServerError(id)
            }
            None => done,
        }
    }
}

/// Whether to send the file a LOCAL INFILE request names: `expected` is the next file the
/// query's statements named.
fn infile_verdict(
    setting: &LocalInfile,
    name: &[u8],
    expected: Option<&[u8]>,
) -> std::result::Result<(), String> {
    let shown = String::from_utf8_lossy(name);
    if !setting.is_on() {
        return Err(format!(
            "the server asked for `{shown}` but LOCAL INFILE is off (option local-infile)"
        ));
    }
    if expected != Some(name) {
        return Err(match expected {
            Some(e) => format!(
                "the server asked for `{shown}` but the statement named `{}`",
                String::from_utf8_lossy(e)
            ),
            None => format!("the server asked for `{shown}`, a file no statement named"),
        });
    }
    match std::str::from_utf8(name) {
        Ok(n) if setting.allows(n) => Ok(()),
        Ok(_) => Err(format!(
            "`{shown}` is outside the directories of local-infile-paths"
        )),
        Err(_) => Err("the file name is not UTF-8".into()),
    }
}

/// The `ServerError` event that ends a statement whose LOCAL INFILE request was refused.
fn refusal(reason: String) -> ServerError {
    ServerError {
        code: REFUSED_CODE,
        sql_state: "HY000".into(),
        message: format!("LOAD DATA LOCAL INFILE request refused: {reason}"),
    }
}

/// Hashes statement ids as they are: the server hands them out in sequence, so they spread
/// over the buckets without mixing, and a lookup per execute costs a few instructions instead
/// of a SipHash round.
#[derive(Debug, Default)]
pub(crate) struct StatementIdHasher(u64);

impl Hasher for StatementIdHasher {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = (self.0 << 8) | b as u64;
        }
    }

    fn write_u32(&mut self, n: u32) {
        // Spread the sequential ids over the high bits hashbrown uses for its control bytes.
        self.0 = (n as u64).wrapping_mul(0x9e37_79b9_7f4a_7c15);
    }
}
