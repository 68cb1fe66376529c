//! [`Pipeline`]: many commands, one round trip, written and read concurrently.

use mysql_proto::pipeline::{Collector, Plan};
use mysql_proto::{AsStatement, Output, Params, Result, StatementRef, Step, Stmt};

use crate::conn::Conn;
use crate::runtime::Runtime;

/// Commands sent without waiting for each response; [`run`](Self::run) returns one result per
/// command, in order. Reading and writing progress together, so a large pipeline cannot
/// deadlock against a server busy writing results.
///
/// A server error ends only its own command: **the commands after it still run** (a pipelined
/// `COMMIT` after a failed `INSERT` commits what succeeded). To stop at the first error, run the
/// pipeline inside a transaction and roll back when any result is an error. A lost connection
/// fails every unfinished command. Dropping the `run()` future is safe: what the server still
/// owes is skipped by the next operation.
#[must_use = "a pipeline does nothing until run()"]
pub struct Pipeline<'c, R: Runtime> {
    conn: &'c mut Conn<R>,
    steps: Vec<Step>,
}

impl<R: Runtime> Conn<R> {
    /// Starts building a pipeline.
    pub fn pipeline(&mut self) -> Pipeline<'_, R> {
        Pipeline {
            conn: self,
            steps: Vec::new(),
        }
    }
}

fn stmt(s: impl AsStatement) -> Stmt {
    match s.as_statement() {
        StatementRef::Sql(sql) => Stmt::Sql(sql.to_string()),
        StatementRef::Prepared(st) => Stmt::Prepared(st.clone()),
    }
}

impl<R: Runtime> Pipeline<'_, R> {
    /// Adds a query whose rows are kept.
    pub fn query(mut self, sql: impl Into<String>) -> Self {
        self.steps.push(Step::Query {
            sql: sql.into(),
            keep: true,
        });
        self
    }

    /// Adds a query whose rows are counted, not kept.
    pub fn query_drop(mut self, sql: impl Into<String>) -> Self {
        self.steps.push(Step::Query {
            sql: sql.into(),
            keep: false,
        });
        self
    }

    /// Adds an execute whose rows are kept.
    pub fn exec(mut self, statement: impl AsStatement, params: impl Params) -> Self {
        self.steps.push(Step::Exec {
            stmt: stmt(statement),
            params: params.to_values(),
            keep: true,
        });
        self
    }

    /// Adds an execute whose rows are counted, not kept.
    pub fn exec_drop(mut self, statement: impl AsStatement, params: impl Params) -> Self {
        self.steps.push(Step::Exec {
            stmt: stmt(statement),
            params: params.to_values(),
            keep: false,
        });
        self
    }

    /// Adds a prepared [`Step`].
    pub fn push(mut self, step: Step) -> Self {
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

    /// Sends everything and returns one result per command, in order (see the blocking
    /// adapter's `Pipeline::run` for the details).
    pub async fn run(self) -> Result<Vec<Result<Output>>> {
        let conn = self.conn;
        conn.begin_operation()?;
        let mut collector = Collector::new();
        for check in conn.take_checks() {
            collector.expect(check, false);
        }
        let mut plan = Plan::new(self.steps, &mut conn.proto);
        let fatal = loop {
            if let Err(e) = plan.queue_more(&mut conn.proto, &mut collector) {
                break Some(e);
            }
            if plan.is_finished(&collector) {
                break None;
            }
            if let Err(e) = conn.wait_event().await {
                break Some(e);
            }
            if let Some(ev) = conn.proto.event() {
                if let Err(e) = collector.on_event(&ev) {
                    break Some(e);
                }
            }
        };
        if let Some(e) = &fatal {
            collector.fail_rest(e);
        }
        Ok(plan.finish(collector, fatal))
    }
}
