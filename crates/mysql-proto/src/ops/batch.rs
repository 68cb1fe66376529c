//! [`ExecBatch`]: one statement executed with many parameter sets, pipelined (see
//! [`Batch`](crate::batch::Batch) for how the sets are grouped into commands).

use std::collections::VecDeque;

use crate::batch::Batch;
use crate::connection::{CommandId, Connection, StatementRef};
use crate::error::{Error, Result};
use crate::ops::{Progress, Resolve};
use crate::trace::{CommandSpan, Traced};
use crate::value::Params;

use super::command::polled_after_done;
use super::Operation;

/// Executes a statement once per parameter set, many sets per round trip: `Done` with the
/// affected rows summed over the sets.
///
/// Commands are queued while fewer than the batch's window are unanswered and the connection
/// has room (`max-in-flight`, `max-send-buffer`): a large batch never fails for a small limit,
/// it only takes more round trips. A failing set does not stop the others from being sent; the
/// first server error is returned once all are answered.
///
/// Like [`Batch`], no bound on the struct and no `Iterator::Item` in it, so the future of an
/// async `exec_batch` over borrowed items stays `Send`.
pub struct ExecBatch<'a, I, P> {
    begun: bool,
    resolve: Resolve<'a>,
    params: Option<I>,
    batch: Option<Batch<I, P>>,
    pending: VecDeque<CommandId>,
    queued_all: bool,
    affected: u64,
    /// The server error of the command being read.
    error: Option<Error>,
    first_error: Option<Error>,
    /// The batch's span (tracing).
    span: CommandSpan,
    queued: usize,
}

impl<'a, I, P> ExecBatch<'a, I, P>
where
    I: Iterator<Item = P>,
    P: Params,
{
    /// Executes `statement` (SQL text, prepared on first use and cached, or a statement) with
    /// every parameter set of `params`.
    pub fn new(statement: StatementRef<'a>, params: I) -> Self {
        ExecBatch {
            begun: false,
            resolve: Resolve::new(statement),
            params: Some(params),
            batch: None,
            pending: VecDeque::new(),
            queued_all: false,
            affected: 0,
            error: None,
            first_error: None,
            span: CommandSpan::default(),
            queued: 0,
        }
    }
}

impl<I, P> Operation<u64> for ExecBatch<'_, I, P>
where
    I: Iterator<Item = P>,
    P: Params,
{
    fn poll(&mut self, conn: &mut Connection) -> Result<Progress<u64>> {
        let r = self.poll_batch(conn);
        if !matches!(r, Ok(Progress::Read | Progress::Flush)) {
            self.span.batch_size(self.queued);
        }
        self.span.end(r)
    }
}

impl<I, P> ExecBatch<'_, I, P>
where
    I: Iterator<Item = P>,
    P: Params,
{
    fn poll_batch(&mut self, conn: &mut Connection) -> Result<Progress<u64>> {
        if !self.begun {
            conn.begin_operation()?;
            self.begun = true;
            let traced = match self.resolve.statement() {
                StatementRef::Sql(sql) => Traced::Sql(sql.as_bytes()),
                StatementRef::Prepared(_) => Traced::Named("EXECUTE"),
            };
            self.span = CommandSpan::start(conn, traced);
        }
        let batch = match &mut self.batch {
            Some(b) => b,
            None => {
                let st = ready!(self.resolve.poll(conn)?);
                let params = self.params.take().ok_or_else(polled_after_done)?;
                self.batch.insert(Batch::new(conn, st, params))
            }
        };
        loop {
            while !self.queued_all && self.pending.len() < batch.window() {
                if self.pending.is_empty() {
                    // Also sends what goes ahead (START TRANSACTION) with the first command.
                    ready!(conn.poll_room(1)?);
                } else if !conn.has_room(1) {
                    break;
                }
                match batch.queue_next(conn)? {
                    Some(id) => {
                        self.pending.push_back(id);
                        self.queued += 1;
                    }
                    None => self.queued_all = true,
                }
            }
            let Some(&id) = self.pending.front() else {
                return match self.first_error.take() {
                    Some(e) => Err(e),
                    None => Ok(Progress::Done(self.affected)),
                };
            };
            ready!(conn.poll_sent_ahead(Some(id))?);
            ready!(conn.poll_finish(id, &mut self.error)?);
            self.pending.pop_front();
            match self.error.take() {
                None => self.affected += conn.last_ok().affected_rows,
                Some(e) => {
                    self.first_error.get_or_insert(e);
                }
            }
        }
    }
}

impl<I, P> std::fmt::Debug for ExecBatch<'_, I, P> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ExecBatch")
            .field("batch", &self.batch)
            .field("pending", &self.pending.len())
            .field("affected", &self.affected)
            .finish_non_exhaustive()
    }
}
