//! The bookkeeping every operation shares, as methods of [`Connection`]: starting an
//! operation, making room for its commands, reading what was sent ahead, finishing a command.

use crate::connection::{CommandId, Connection, Event, Statement};
use crate::error::{Error, Result};
use crate::ops::Progress;
use crate::packets::OkPacket;
use crate::transaction::TxOpts;

/// What outlives one operation (see the module docs of [`crate::ops`]).
#[derive(Debug, Default)]
pub(crate) struct OpState {
    /// The OK of the last statement an operation finished.
    pub(crate) last_ok: OkPacket,
    /// Commands sent ahead whose results the next operation reads first.
    sent_ahead: Vec<CommandId>,
    /// Statements to send ahead of the next command (a transaction not yet started).
    send_next: Vec<&'static str>,
}

impl OpState {
    /// The commands sent ahead whose results are still to be read.
    #[inline]
    pub(crate) fn sent_ahead(&self) -> &[CommandId] {
        &self.sent_ahead
    }
}

impl Connection {
    /// The OK packet of the last statement an operation finished (affected rows, last insert
    /// id, warnings, info, status); the default OK before any.
    #[inline]
    pub fn last_ok(&self) -> &OkPacket {
        &self.ops.last_ok
    }

    /// Keeps the OK of the ready event as [`last_ok`](Self::last_ok).
    #[inline]
    pub(crate) fn keep_last_ok(&mut self) {
        let (ops, ok) = self.ops_and_ok();
        ops.last_ok.clone_from(ok);
    }

    /// Starts an operation: fails with the fatal error if the connection is broken, with a
    /// misuse error while a blocking binlog dump is in flight, and
    /// abandons whatever earlier operations left unread (their responses are skipped as they
    /// arrive), except the results of commands sent ahead, which the new operation reads.
    #[inline(always)]
    pub fn begin_operation(&mut self) -> Result<()> {
        if let Some(e) = self.fatal_error() {
            return Err(e.clone());
        }
        if self.in_flight() > 0 {
            // A blocking binlog dump never ends: no operation may abandon it.
            self.check_no_endless_dump()?;
            self.discard_all_but_sent_ahead();
        }
        Ok(())
    }

    /// Makes the next command start a transaction with `opts`: its statements are sent ahead of
    /// that command, in the same round trip, and their results read first (a failure is that
    /// command's error, and the command's own result is then skipped). Nothing is queued now.
    /// Fails with the fatal error if the connection is broken.
    pub fn start_transaction(&mut self, opts: TxOpts) -> Result<()> {
        if let Some(e) = self.fatal_error() {
            return Err(e.clone());
        }
        self.ops.send_next = opts.statements();
        Ok(())
    }

    /// Ends a transaction that was neither committed nor rolled back (a dropped guard): if it
    /// never reached the server nothing is sent, else a `ROLLBACK` goes ahead of the next
    /// command, its result skipped. No IO.
    pub fn abandon_transaction(&mut self) {
        if self.ops.send_next.is_empty() {
            self.rollback_before_next_command();
        } else {
            self.ops.send_next.clear();
        }
    }

    /// For a connection coming back from a borrower that may have left a transaction behind
    /// (a shared connection's exclusive checkout): statements waiting to start one are
    /// dropped, commands it sent ahead forgotten, and if the server's last status says a
    /// transaction is open, a `ROLLBACK` goes ahead of the next command. No IO.
    pub fn abandon_transaction_if_open(&mut self) {
        self.ops.send_next.clear();
        self.ops.sent_ahead.clear();
        if self.status().in_transaction() {
            self.rollback_before_next_command();
        }
    }

    /// Whether `commands` more commands (plus those deferred, see
    /// [`deferred_commands`](Self::deferred_commands)) fit under `max-in-flight` and the send
    /// buffer is within `max-send-buffer`. An idle connection always has room for one.
    #[inline]
    pub fn has_room(&self, commands: usize) -> bool {
        let max = self.opts().max_in_flight().max(1);
        let need = (commands + self.deferred_commands()).min(max);
        self.send_buffered() <= self.opts().max_send_buffer()
            && (self.in_flight() == 0 || self.in_flight() + need <= max)
    }

    /// Waits, at the start of an operation, until its first `commands` commands can be queued,
    /// and queues the statements sent ahead of them (see
    /// [`start_transaction`](Self::start_transaction)). Without room it reads: responses owed
    /// to abandoned operations are skipped, results of commands sent ahead are checked (a
    /// failure is returned). Call it after [`begin_operation`](Self::begin_operation) and
    /// before the operation's own commands are in flight.
    #[inline(always)]
    pub fn poll_room(&mut self, commands: usize) -> Result<Progress<()>> {
        // The common case: room, nothing to send ahead (a broken connection fails when the
        // command is queued).
        if self.ops.send_next.is_empty() && self.has_room(commands) {
            return Ok(Progress::Done(()));
        }
        self.poll_room_slow(commands)
    }

    #[inline(never)]
    fn poll_room_slow(&mut self, commands: usize) -> Result<Progress<()>> {
        loop {
            if let Some(e) = self.fatal_error() {
                return Err(e.clone());
            }
            let next = self.ops.send_next.first().copied();
            if self.has_room(if next.is_some() { 1 } else { commands }) {
                let Some(sql) = next else {
                    return Ok(Progress::Done(()));
                };
                let id = self.query(sql)?;
                self.ops.send_next.remove(0);
                self.ops.sent_ahead.push(id);
                continue;
            }
            if self.send_buffered() > self.opts().max_send_buffer() {
                return Ok(Progress::Flush);
            }
            let before = self.in_flight();
            if !self.advance()? {
                if self.in_flight() < before {
                    // Skipped responses freed room (no event for them).
                    continue;
                }
                return Ok(Progress::Read);
            }
            self.on_sent_ahead_event(None)?;
        }
    }

    /// Reads the results of the commands sent ahead of `next` (queued in the same round trip,
    /// answered first). When one failed, its error is returned, `next` and the rest sent ahead
    /// are abandoned.
    #[inline(always)]
    pub fn poll_sent_ahead(&mut self, next: Option<CommandId>) -> Result<Progress<()>> {
        while let Some(&first) = self.ops.sent_ahead.first() {
            if !self.is_in_flight(first) {
                self.ops.sent_ahead.remove(0);
                continue;
            }
            if !self.advance()? {
                return Ok(Progress::Read);
            }
            self.on_sent_ahead_event(next)?;
        }
        Ok(Progress::Done(()))
    }

    /// The ready event, which must belong to the oldest command sent ahead.
    fn on_sent_ahead_event(&mut self, next: Option<CommandId>) -> Result<()> {
        let first = self.ops.sent_ahead.first().copied();
        let Some(ev) = self.event() else {
            return Ok(());
        };
        if ev.command_id() != first || first.is_none() {
            return Err(Error::protocol(format!(
                "event of a command no operation reads: {ev:?}"
            )));
        }
        let failed = match &ev {
            Event::ServerError { error, .. } => Some(Error::answer((*error).clone())),
            _ => None,
        };
        let ends = ev.ends_command();
        if let Some(e) = failed {
            for id in std::mem::take(&mut self.ops.sent_ahead)
                .into_iter()
                .chain(next)
            {
                self.discard(id);
            }
            return Err(e);
        }
        if ends {
            self.ops.sent_ahead.remove(0);
        }
        Ok(())
    }

    /// Takes the commands sent ahead, for an operation that reads their results itself.
    pub fn take_sent_ahead(&mut self) -> Vec<CommandId> {
        std::mem::take(&mut self.ops.sent_ahead)
    }

    /// Reads the events of command `id` to its end, keeping each OK as
    /// [`last_ok`](Self::last_ok) and the first server error in `first_error`.
    #[inline]
    pub fn poll_finish(
        &mut self,
        id: CommandId,
        first_error: &mut Option<Error>,
    ) -> Result<Progress<()>> {
        while self.is_in_flight(id) {
            if !self.advance()? {
                return Ok(Progress::Read);
            }
            let ok = match self.event() {
                Some(Event::Ok { .. } | Event::ResultSetEnd { .. }) => true,
                Some(Event::ServerError { error, .. }) => {
                    if first_error.is_none() {
                        *first_error = Some(Error::answer(error.clone()));
                    }
                    false
                }
                _ => false,
            };
            if ok {
                self.keep_last_ok();
            }
        }
        Ok(Progress::Done(()))
    }

    /// Reads the answer to the prepare `id`: the statement, or the server's error.
    pub fn poll_prepared(&mut self, id: CommandId) -> Result<Progress<Statement>> {
        ready!(self.poll_event_of(id)?);
        match self.event() {
            Some(Event::Prepared { statement, .. }) => Ok(Progress::Done(statement.clone())),
            Some(Event::ServerError { error, .. }) => Err(Error::answer(error.clone())),
            other => Err(Error::protocol(format!(
                "unexpected event answering a prepare: {other:?}"
            ))),
        }
    }

    /// Advances until an event of command `id` is ready; fails with a misuse error when nothing
    /// is in flight any more (`id`'s response was abandoned), instead of waiting forever.
    #[inline(always)]
    pub fn poll_event_of(&mut self, id: CommandId) -> Result<Progress<()>> {
        if self.advance()? {
            return Ok(Progress::Done(()));
        }
        // Responses leave the queue unannounced only when all are abandoned (a drain, a
        // broken connection): checking the count is enough, and O(1).
        if self.in_flight() == 0 {
            return Err(abandoned(id));
        }
        Ok(Progress::Read)
    }
}

/// The error for reading a response that was abandoned.
#[cold]
fn abandoned(id: CommandId) -> Error {
    Error::misuse(format!(
        "the response to {id:?} was abandoned (a timeout or a broken connection skipped it)"
    ))
}
