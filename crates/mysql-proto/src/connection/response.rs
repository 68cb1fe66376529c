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
//! | `Start` | LOCAL INFILE (0xFB), query only | none: the request is declined with an empty packet | `Start` |
//! | `Start` | column count (query only) | none | `Columns(n)` |
//! | `Columns(n)` | column definition | `ResultSetStart` after the n-th with `DEPRECATE_EOF` | `Columns(n-1)` / `ColumnsEof` / `Rows` |
//! | `ColumnsEof` | EOF (0xFE) | `ResultSetStart` | `Rows` |
//! | `Rows` | 0xFE, shorter than 16 MiB - 1 | `ResultSetEnd` | `Start` if more results, else done |
//! | `Rows` | ERR (0xFF) | `ServerError` | done |
//! | `Rows` | text row | `Row` | `Rows` |
//!
//! Any other packet, an empty packet, or a malformed one is a protocol error, which is fatal for
//! the connection and every queued command. A command marked *discarded* runs through the same
//! table but its events are dropped, which is how a response abandoned by the caller is drained.

use std::collections::VecDeque;
use std::sync::Arc;

use crate::codec::{framing, Reader, MAX_PAYLOAD};
use crate::constants::{CLIENT_DEPRECATE_EOF, MARIADB_CLIENT_EXTENDED_TYPE_INFO};
use crate::error::{Error, Result, ServerError};
use crate::packets::text_row::check_text_row;
use crate::packets::{parse_err, Column, EofPacket, OkPacket};
use crate::value::Columns;

use super::event::CommandId;

/// What kind of response a command expects.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Expect {
    /// OK or ERR only (ping, init_db, reset connection).
    OkOrErr,
    /// Results and result sets (query).
    Results,
}

/// Where a command's response stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Response {
    Start,
    Columns { remaining: u64 },
    ColumnsEof,
    Rows,
}

/// A command whose response is still (partly) owed by the server.
#[derive(Debug)]
pub(crate) struct InFlight {
    pub(crate) id: CommandId,
    pub(crate) expect: Expect,
    pub(crate) seq: u8,
    pub(crate) state: Response,
    pub(crate) discard: bool,
}

/// The event a packet produced, stored until the caller reads it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Produced {
    ResultSetStart(CommandId),
    Row(CommandId),
    ResultSetEnd(CommandId),
    Ok(CommandId),
    ServerError(CommandId),
}

/// The in-flight queue and the state shared by the response machines.
#[derive(Debug, Default)]
pub(crate) struct Responses {
    pub(crate) queue: VecDeque<InFlight>,
    pub(crate) capabilities: u32,
    pub(crate) mariadb_capabilities: u32,
    pub(crate) max_columns: usize,
    pub(crate) columns: Option<Columns>,
    pub(crate) building: Vec<Column>,
    pub(crate) ok: OkPacket,
    pub(crate) error: Option<ServerError>,
}

impl Responses {
    /// Handles one packet for the command at the head of the queue (the caller checked there
    /// is one). Returns the event produced, if any.
    pub(crate) fn on_packet(&mut self, p: &[u8], tx: &mut Vec<u8>) -> Result<Option<Produced>> {
        let deprecate_eof = self.capabilities & CLIENT_DEPRECATE_EOF != 0;
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
            (Response::Start, 0x00) => {
                self.ok = OkPacket::parse(p, self.capabilities)?;
                self.end_result();
                Produced::Ok(id)
            }
            (Response::Start | Response::Rows, 0xff) => {
                self.error = Some(parse_err(p)?);
                self.queue.pop_front();
                Produced::ServerError(id)
            }
            (Response::Start, 0xfb) if head.expect == Expect::Results => {
                // LOAD DATA LOCAL INFILE request: never honoured (CLIENT_LOCAL_FILES is not
                // negotiated); an empty packet declines it and the server answers OK or ERR.
                head.seq = framing::write_packet(tx, head.seq, &[]);
                return Ok(None);
            }
            (Response::Start, _) if head.expect == Expect::Results => {
                let mut r = Reader::new(p);
                let n = r.lenenc_int()?;
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
                head.state = Response::Columns { remaining: n };
                self.building = Vec::with_capacity(n as usize);
                return Ok(None);
            }
            (Response::Start, b) => {
                return Err(Error::protocol(format!(
                    "unexpected packet 0x{b:02x} in response to a command that expects OK or ERR"
                )))
            }
            (Response::Columns { remaining }, _) => {
                let ext = self.mariadb_capabilities & MARIADB_CLIENT_EXTENDED_TYPE_INFO != 0;
                self.building.push(Column::parse(p, ext)?);
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
                self.columns = Some(Arc::from(std::mem::take(&mut self.building)));
                Produced::ResultSetStart(id)
            }
            (Response::ColumnsEof, _) => {
                EofPacket::parse(p)?;
                head.state = Response::Rows;
                self.columns = Some(Arc::from(std::mem::take(&mut self.building)));
                Produced::ResultSetStart(id)
            }
            (Response::Rows, 0xfe) if p.len() < MAX_PAYLOAD => {
                self.ok = if deprecate_eof {
                    OkPacket::parse(p, self.capabilities)?
                } else {
                    let eof = EofPacket::parse(p)?;
                    OkPacket {
                        status: eof.status,
                        warnings: eof.warnings,
                        ..OkPacket::default()
                    }
                };
                self.end_result();
                Produced::ResultSetEnd(id)
            }
            (Response::Rows, _) => {
                let n = self.columns.as_ref().map_or(0, |c| c.len());
                check_text_row(p, n)?;
                Produced::Row(id)
            }
        };
        Ok(if discard { None } else { Some(produced) })
    }

    /// After an OK or end of result set: another result follows, or the command is done.
    fn end_result(&mut self) {
        if self.ok.status.more_results() {
            if let Some(head) = self.queue.front_mut() {
                head.state = Response::Start;
            }
        } else {
            self.queue.pop_front();
        }
    }
}
