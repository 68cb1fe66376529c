//! [`RunPipeline`]: many commands, written ahead of their responses (see
//! [`Plan`](crate::pipeline::Plan) for what is queued when).

use crate::connection::Connection;
use crate::error::{Error, Result};
use crate::ops::{Operation, Progress};
use crate::pipeline::{Collector, Output, PipelineStep, Plan};
use crate::trace::{CommandSpan, Traced};

/// Runs pipeline steps: `Done` with one result per step, in order (`Ok` with its output, or
/// `Err` with the server's error for that step, or, after the connection broke, the fatal
/// error). Steps are queued while the connection has room (`max-in-flight`,
/// `max-send-buffer`) and responses are read meanwhile, so a pipeline of any length runs
/// under any limit. Fails as a whole only when the connection is unusable from the start.
#[derive(Debug)]
pub struct RunPipeline {
    begun: bool,
    steps: Option<Vec<PipelineStep>>,
    plan: Option<Plan>,
    collector: Collector,
    /// The pipeline's span (tracing).
    span: CommandSpan,
}

impl RunPipeline {
    /// Runs `steps`.
    pub fn new(steps: Vec<PipelineStep>) -> Self {
        RunPipeline {
            begun: false,
            steps: Some(steps),
            plan: None,
            collector: Collector::new(),
            span: CommandSpan::default(),
        }
    }

    /// The results, after the last response or a fatal error.
    fn conclude(&mut self, fatal: Option<Error>) -> Progress<Vec<Result<Output>>> {
        if let Some(e) = &fatal {
            self.collector.fail_rest(e);
        }
        let collector = std::mem::take(&mut self.collector);
        match self.plan.take() {
            Some(plan) => Progress::Done(plan.finish(collector, fatal)),
            None => Progress::Done(Vec::new()),
        }
    }
}

impl Operation<Vec<Result<Output>>> for RunPipeline {
    /// Every unfinished command fails with `error`; the finished ones keep their results.
    fn fail(&mut self, error: Error) -> Result<Vec<Result<Output>>> {
        self.span.fail(&error);
        self.span.finish();
        match self.conclude(Some(error.clone())) {
            Progress::Done(results) if !results.is_empty() => Ok(results),
            _ => Err(error),
        }
    }

    fn poll(&mut self, conn: &mut Connection) -> Result<Progress<Vec<Result<Output>>>> {
        let r = self.poll_steps(conn);
        self.span.end(r)
    }
}

impl RunPipeline {
    fn poll_steps(&mut self, conn: &mut Connection) -> Result<Progress<Vec<Result<Output>>>> {
        if !self.begun {
            conn.begin_operation()?;
            self.begun = true;
            let steps = self.steps.as_ref().map_or(0, Vec::len);
            self.span = CommandSpan::start(conn, Traced::Batch("PIPELINE", steps));
        }
        let plan = match &mut self.plan {
            Some(p) => p,
            None => {
                // Room for a prepare and its execute; what goes ahead is read with the steps.
                ready!(conn.poll_room(2)?);
                for id in conn.take_sent_ahead() {
                    self.collector.expect(id, false);
                }
                let steps = self.steps.take().unwrap_or_default();
                self.plan.insert(Plan::new(steps, conn))
            }
        };
        loop {
            if let Err(e) = plan.queue_more(conn, &mut self.collector) {
                return Ok(self.conclude(Some(e)));
            }
            if plan.is_finished(&self.collector) {
                return Ok(self.conclude(None));
            }
            let before = conn.in_flight();
            match conn.advance() {
                Err(e) => return Ok(self.conclude(Some(e))),
                // Skipped responses (of abandoned operations) freed room: queue more.
                Ok(false) if conn.in_flight() < before => {}
                // Nothing in flight: the steps wait for the send buffer to drain.
                Ok(false) if conn.in_flight() == 0 => return Ok(Progress::Flush),
                Ok(false) => return Ok(Progress::Read),
                Ok(true) => {
                    if let Some(ev) = conn.event() {
                        if let Err(e) = self.collector.on_event(&ev) {
                            return Ok(self.conclude(Some(e)));
                        }
                    }
                }
            }
        }
    }
}
