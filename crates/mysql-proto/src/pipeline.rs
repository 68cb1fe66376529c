//! Collecting the outcomes of pipelined commands.
//!
//! Any number of commands can be queued on a [`Connection`](crate::Connection) before their
//! responses arrive; responses come back in order, each event naming its command. A
//! [`Collector`] turns those events into one [`Output`] (or server error) per command;
//! [`RunPipeline`](crate::ops::RunPipeline), the one `pipeline().run()` of every adapter, is
//! built on it.
//!
//! Semantics users must know (also in the adapters' docs): a server error ends only its own
//! command; the commands after it still run (a pipelined `COMMIT` after a failed `INSERT` still
//! commits what succeeded). A protocol error or a lost connection fails every command not yet
//! complete with that error.

use std::collections::VecDeque;

use crate::connection::{CommandId, Event, Statement};
use crate::error::{Error, ErrorKind, Result};
use crate::packets::OkPacket;
use crate::value::{Columns, Row};

/// One result of a command: a result set (columns and rows) or an OK.
#[derive(Debug, Clone, Default)]
pub struct ResultSet {
    /// The columns; `None` for a statement without a result set.
    pub columns: Option<Columns>,
    /// The rows (empty when the command's rows were not kept).
    pub rows: Vec<Row>,
    /// Rows seen, kept or not.
    pub row_count: u64,
    /// Affected rows, last insert id, warnings, status.
    pub ok: OkPacket,
}

/// Everything one command returned.
#[derive(Debug, Clone, Default)]
pub struct Output {
    /// One entry per statement result, in order.
    pub results: Vec<ResultSet>,
    /// For a prepare: the statement.
    pub statement: Option<Statement>,
}

impl Output {
    /// The rows of the first result set (empty if there is none).
    pub fn rows(&self) -> &[Row] {
        self.results.first().map_or(&[], |r| &r.rows)
    }

    /// Takes the rows of the first result set.
    pub fn into_rows(self) -> Vec<Row> {
        self.results
            .into_iter()
            .next()
            .map(|r| r.rows)
            .unwrap_or_default()
    }

    /// Affected rows of the last result.
    pub fn affected_rows(&self) -> u64 {
        self.results.last().map_or(0, |r| r.ok.affected_rows)
    }

    /// Last insert id of the last result.
    pub fn last_insert_id(&self) -> u64 {
        self.results.last().map_or(0, |r| r.ok.last_insert_id)
    }

    /// The OUT and INOUT parameters of a prepared `CALL`: the row of the result set the
    /// server flagged `SERVER_PS_OUT_PARAMS` (one column per OUT / INOUT parameter, in order,
    /// typed), or `None` when the procedure has none.
    pub fn out_params(&self) -> Option<&Row> {
        self.results
            .iter()
            .find(|r| r.is_out_params())
            .and_then(|r| r.rows.first())
    }

    /// The result sets the procedure's statements produced (a `CALL` can return several),
    /// without the OUT parameters' and without the final status of the `CALL` itself.
    pub fn result_sets(&self) -> impl Iterator<Item = &ResultSet> {
        self.results
            .iter()
            .filter(|r| r.columns.is_some() && !r.is_out_params())
    }
}

impl ResultSet {
    /// Whether this result set carries a `CALL`'s OUT / INOUT parameters
    /// (`SERVER_PS_OUT_PARAMS`).
    pub fn is_out_params(&self) -> bool {
        self.ok.status.0 & crate::constants::StatusFlags::SERVER_PS_OUT_PARAMS != 0
    }
}

/// Builds one [`Output`] per registered command from the connection's events.
#[derive(Debug, Default)]
pub struct Collector {
    pending: VecDeque<(CommandId, bool)>,
    current: Output,
    done: Vec<(CommandId, Result<Output>)>,
    prepared: Vec<(CommandId, Statement)>,
}

impl Collector {
    /// An empty collector.
    pub fn new() -> Self {
        Self::default()
    }

    /// Registers command `id` (in the order commands were queued); `keep_rows` false counts
    /// rows without keeping them.
    pub fn expect(&mut self, id: CommandId, keep_rows: bool) {
        self.pending.push_back((id, keep_rows));
    }

    /// Whether every registered command is complete.
    pub fn is_complete(&self) -> bool {
        self.pending.is_empty()
    }

    /// Commands registered and not complete.
    pub fn outstanding(&self) -> usize {
        self.pending.len()
    }

    /// Takes one event. Fails with a protocol error for an event of an unregistered command.
    pub fn on_event(&mut self, ev: &Event<'_>) -> Result<()> {
        let Some(&(id, keep)) = self.pending.front() else {
            return Err(Error::protocol("event for a command outside the pipeline"));
        };
        if ev.command_id() != Some(id) {
            return Err(Error::protocol(format!(
                "pipeline expected an event of {id:?}, got {ev:?}"
            )));
        }
        match ev {
            Event::ResultSetStart { columns, .. } => self.current.results.push(ResultSet {
                columns: Some((*columns).clone()),
                ..ResultSet::default()
            }),
            Event::Row { row, .. } => {
                if let Some(r) = self.current.results.last_mut() {
                    r.row_count += 1;
                    if keep {
                        r.rows.push(row.to_owned());
                    }
                }
            }
            Event::ResultSetEnd { ok, .. } => {
                if let Some(r) = self.current.results.last_mut() {
                    r.ok = (*ok).clone();
                }
            }
            Event::Ok { ok, .. } => self.current.results.push(ResultSet {
                ok: (*ok).clone(),
                ..ResultSet::default()
            }),
            Event::Prepared { statement, .. } => {
                self.current.statement = Some((*statement).clone())
            }
            Event::ServerError { error, .. } => {
                self.pending.pop_front();
                self.current = Output::default();
                self.done.push((id, Err(Error::answer((*error).clone()))));
                return Ok(());
            }
            Event::Connected(_) => return Err(Error::protocol("Connected event in a pipeline")),
            Event::BinlogEvent { .. } | Event::BinlogEnd { .. } => {
                return Err(Error::protocol("binlog dump in a pipeline"))
            }
        }
        if ev.ends_command() {
            self.pending.pop_front();
            self.done.push((id, Ok(std::mem::take(&mut self.current))));
        }
        Ok(())
    }

    /// Takes the outcomes completed since the last call, in order (for callers that hand
    /// them out as they come, like a shared connection).
    pub fn take_done(&mut self) -> Vec<(CommandId, Result<Output>)> {
        std::mem::take(&mut self.done)
    }

    /// The statements prepared since the last call, with their prepare's command.
    pub fn take_prepared(&mut self) -> Vec<(CommandId, Statement)> {
        std::mem::take(&mut self.prepared)
    }

    /// Fails every command not complete with `error` (after a fatal error).
    pub fn fail_rest(&mut self, error: &Error) {
        self.current = Output::default();
        while let Some((id, _)) = self.pending.pop_front() {
            self.done.push((id, Err(error.clone())));
        }
    }

    /// The outcome of every command, in the order registered.
    pub fn finish(self) -> Vec<(CommandId, Result<Output>)> {
        self.done
    }
}

/// What a pipeline step executes.
#[derive(Debug, Clone)]
pub enum StepStatement {
    /// SQL text: prepared if not in the statement cache, then cached.
    Sql(String),
    /// A statement prepared before.
    Prepared(Statement),
}

/// One command of a pipeline.
#[derive(Debug, Clone)]
pub enum PipelineStep {
    /// `COM_QUERY`; `keep` false counts rows without keeping them.
    Query {
        /// The SQL.
        sql: String,
        /// Whether rows are kept.
        keep: bool,
    },
    /// `COM_STMT_EXECUTE`.
    Exec {
        /// The statement.
        stmt: StepStatement,
        /// The parameters.
        params: Vec<crate::value::Value>,
        /// Whether rows are kept.
        keep: bool,
    },
}

impl PipelineStep {
    /// A `COM_QUERY` step; `keep` false counts rows without keeping them.
    pub fn query(sql: impl Into<String>, keep: bool) -> Self {
        PipelineStep::Query {
            sql: sql.into(),
            keep,
        }
    }

    /// A `COM_STMT_EXECUTE` step of `statement` (SQL text or a prepared statement) with
    /// `params`; `keep` false counts rows without keeping them.
    pub fn exec(
        statement: impl crate::AsStatement,
        params: impl crate::Params,
        keep: bool,
    ) -> Self {
        let stmt = match statement.as_statement() {
            crate::StatementRef::Sql(sql) => StepStatement::Sql(sql.to_string()),
            crate::StatementRef::Prepared(st) => StepStatement::Prepared(st.clone()),
        };
        PipelineStep::Exec {
            stmt,
            params: params.to_values(),
            keep,
        }
    }
}

/// Decides what a pipeline queues next; [`RunPipeline`](crate::ops::RunPipeline) runs it with one loop:
///
/// ```text
/// let mut plan = Plan::new(steps, &mut conn);
/// let mut collector = Collector::new();
/// loop {
///     plan.queue_more(&mut conn, &mut collector)?;
///     if plan.is_finished(&collector) { break }
///     wait for the next event; collector.on_event(&event)?;
/// }
/// let results = plan.finish(collector, fatal_error);
/// ```
///
/// Steps are queued in order, at most `max-in-flight` commands at a time, while responses are
/// read. A statement given as SQL and not in the statement cache is prepared in the same round
/// trip on MariaDB (`COM_STMT_PREPARE` then `COM_STMT_EXECUTE` with statement id -1); on MySQL,
/// which cannot do that, every such statement is prepared first, in one extra round trip, which
/// also means it is prepared before the earlier steps of the pipeline have run.
#[derive(Debug)]
pub struct Plan {
    steps: Vec<PipelineStep>,
    /// Per step: the command queued for it, or why it could not be queued.
    outcome: Vec<Option<Result<CommandId>>>,
    next: usize,
    inline_prepare: bool,
    /// Prepares queued (command, SQL); their statements are cached as they arrive.
    prepares: Vec<(CommandId, String)>,
    /// The SQL whose prepare (or -1 execute) was the last command queued, and that prepare.
    chain: Option<(String, CommandId)>,
    /// Per step executed with statement id -1: its prepare, whose error explains a failure.
    prepare_of: Vec<Option<CommandId>>,
    /// MySQL only: whether the prepare-first stage is over.
    prepared_first: bool,
}

impl Plan {
    /// A plan for `steps` on `conn`.
    pub fn new(steps: Vec<PipelineStep>, conn: &mut crate::Connection) -> Plan {
        let inline_prepare = conn.server_info().is_some_and(|i| i.is_mariadb);
        let n = steps.len();
        Plan {
            steps,
            outcome: vec![None; n],
            prepare_of: vec![None; n],
            next: 0,
            inline_prepare,
            prepares: Vec::new(),
            chain: None,
            prepared_first: inline_prepare,
        }
    }

    /// Queues what can be queued now. Fails only with errors that stop the whole pipeline (a
    /// broken connection); a step the connection refuses gets that error as its result.
    pub fn queue_more(
        &mut self,
        conn: &mut crate::Connection,
        collector: &mut Collector,
    ) -> Result<()> {
        self.cache_prepared(conn, collector)?;
        if !self.prepared_first {
            return self.prepare_first(conn, collector);
        }
        // Two commands may be needed (prepare + execute): room for both.
        while self.next < self.steps.len() && conn.has_room(2) {
            let i = self.next;
            self.next += 1;
            let (queued, keep) = self.queue_step(i, conn, collector);
            match queued {
                Ok(id) => {
                    collector.expect(id, keep);
                    self.outcome[i] = Some(Ok(id));
                }
                Err(e) if e.kind() != ErrorKind::Server && e.is_fatal() => return Err(e),
                Err(e) => self.outcome[i] = Some(Err(e)),
            }
        }
        Ok(())
    }

    fn queue_step(
        &mut self,
        i: usize,
        conn: &mut crate::Connection,
        collector: &mut Collector,
    ) -> (Result<CommandId>, bool) {
        match &self.steps[i] {
            PipelineStep::Query { sql, keep } => {
                self.chain = None;
                (conn.query(sql.as_bytes()), *keep)
            }
            PipelineStep::Exec {
                stmt: StepStatement::Prepared(st),
                params,
                keep,
            } => {
                self.chain = None;
                (conn.execute(st, params), *keep)
            }
            PipelineStep::Exec {
                stmt: StepStatement::Sql(sql),
                params,
                keep,
            } => {
                if let Some(st) = conn.statement_cache().get(sql.as_bytes()) {
                    self.chain = None;
                    return (conn.execute(&st, params), *keep);
                }
                if !self.inline_prepare {
                    // MySQL: the prepare-first stage failed for this statement.
                    let e = Error::misuse("statement could not be prepared");
                    return (Err(e), *keep);
                }
                let prepare = match &self.chain {
                    Some((chained, p)) if chained == sql => *p,
                    _ => match conn.prepare(sql.as_bytes()) {
                        Ok(p) => {
                            collector.expect(p, false);
                            self.prepares.push((p, sql.clone()));
                            self.chain = Some((sql.clone(), p));
                            p
                        }
                        Err(e) => return (Err(e), *keep),
                    },
                };
                self.prepare_of[i] = Some(prepare);
                (conn.execute_last_prepared(params), *keep)
            }
        }
    }

    /// MySQL: prepares every statement not cached, then waits for them all.
    fn prepare_first(
        &mut self,
        conn: &mut crate::Connection,
        collector: &mut Collector,
    ) -> Result<()> {
        if self.prepares.is_empty() {
            let mut wanted: Vec<String> = Vec::new();
            for s in &self.steps {
                if let PipelineStep::Exec {
                    stmt: StepStatement::Sql(sql),
                    ..
                } = s
                {
                    if conn.statement_cache().get(sql.as_bytes()).is_none() && !wanted.contains(sql)
                    {
                        wanted.push(sql.clone());
                    }
                }
            }
            for sql in wanted {
                let p = conn.prepare(sql.as_bytes())?;
                collector.expect(p, false);
                self.prepares.push((p, sql));
            }
        }
        if collector.is_complete() {
            self.cache_prepared(conn, collector)?;
            collector.done.clear();
            self.prepared_first = true;
            return self.queue_more(conn, collector);
        }
        Ok(())
    }

    /// Caches the statements prepared so far.
    fn cache_prepared(
        &mut self,
        conn: &mut crate::Connection,
        collector: &mut Collector,
    ) -> Result<()> {
        for (id, st) in collector.take_prepared() {
            if let Some((_, sql)) = self.prepares.iter().find(|(p, _)| *p == id) {
                conn.cache_statement(sql.as_bytes(), st)?;
            }
        }
        Ok(())
    }

    /// Whether every step was queued and every response read.
    pub fn is_finished(&self, collector: &Collector) -> bool {
        self.prepared_first && self.next == self.steps.len() && collector.is_complete()
    }

    /// The result of every step, in order. `fatal` (the error that broke the connection, if
    /// any) is the result of every step without one. Call [`Plan::queue_more`] one last time
    /// before ([`RunPipeline`](crate::ops::RunPipeline) does) so the last statements prepared are cached.
    pub fn finish(self, collector: Collector, fatal: Option<Error>) -> Vec<Result<Output>> {
        let mut by_id: std::collections::HashMap<CommandId, Result<Output>> =
            collector.finish().into_iter().collect();
        let lost = || {
            fatal
                .clone()
                .unwrap_or_else(|| Error::protocol("pipeline step has no result"))
        };
        let prepare_errors: std::collections::HashMap<CommandId, Error> = self
            .prepares
            .iter()
            .filter_map(|(p, _)| match by_id.get(p) {
                Some(Err(e)) => Some((*p, e.clone())),
                _ => None,
            })
            .collect();
        self.outcome
            .into_iter()
            .zip(self.prepare_of)
            .map(|(o, prepare)| match o {
                Some(Ok(id)) => {
                    let r = by_id.remove(&id).unwrap_or_else(|| Err(lost()));
                    // An execute of a statement whose prepare failed reports the prepare's error.
                    match (r, prepare.and_then(|p| prepare_errors.get(&p))) {
                        (Err(_), Some(pe)) => Err(pe.clone()),
                        (r, _) => r,
                    }
                }
                Some(Err(e)) => Err(e),
                None => Err(lost()),
            })
            .collect()
    }
}
