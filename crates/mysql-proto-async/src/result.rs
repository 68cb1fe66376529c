//! [`QueryResult`]: the streamed results of one query; [`RowStream`]: its rows as a `Stream`.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use mysql_proto::{
    Columns, CommandId, Error, ErrorKind, Event, FromRow, OkPacket, Result, Row, RowRef,
};

use crate::conn::Conn;
use crate::runtime::Runtime;

/// The results of a query: one per statement, each a result set or an OK. Same model as the
/// blocking adapter's; dropping it (or any future of it) early is safe.
pub struct QueryResult<'c, R: Runtime> {
    conn: &'c mut Conn<R>,
    id: CommandId,
    state: State,
    columns: Option<Columns>,
    /// The current result's OK arrived; it is kept once, as the connection's `last_ok`.
    has_ok: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    Rows,
    ResultDone { more: bool },
    Done,
}

impl<'c, R: Runtime> QueryResult<'c, R> {
    pub(crate) async fn start(conn: &'c mut Conn<R>, id: CommandId) -> Result<QueryResult<'c, R>> {
        let mut r = QueryResult {
            conn,
            id,
            state: State::ResultDone { more: true },
            columns: None,
            has_ok: false,
        };
        r.read_result_header().await?;
        Ok(r)
    }

    /// The command this result belongs to.
    pub fn command_id(&self) -> CommandId {
        self.id
    }

    /// The columns of the current result set; `None` for an OK result.
    pub fn columns(&self) -> Option<&Columns> {
        self.columns.as_ref()
    }

    /// Whether the current result is a result set.
    pub fn has_rows(&self) -> bool {
        self.columns.is_some()
    }

    /// The next row of the current result set, borrowed from the receive buffer; `None` at its
    /// end. Fails with the server's error when the statement fails mid-way.
    pub async fn next_row(&mut self) -> Result<Option<RowRef<'_>>> {
        if self.state != State::Rows {
            return Ok(None);
        }
        self.conn.wait_event().await?;
        if self.conn.proto.has_row() {
            // Borrowed afresh so the borrow is returned unconditionally.
            return Ok(self.conn.proto.row());
        }
        self.on_non_row_event()?;
        Ok(None)
    }

    /// Skips the rest of the current result and moves to the next; `false` when there is none.
    pub async fn next_result(&mut self) -> Result<bool> {
        while self.next_row().await?.is_some() {}
        match self.state {
            State::ResultDone { more: true } => {
                self.read_result_header().await?;
                Ok(true)
            }
            _ => {
                self.state = State::Done;
                Ok(false)
            }
        }
    }

    /// The OK of the current result (for a result set, once its rows are read).
    pub fn ok(&self) -> Option<&OkPacket> {
        self.has_ok.then_some(&self.conn.last_ok)
    }

    /// Reads the remaining rows of the current result set as `T`.
    pub async fn collect_typed<T>(&mut self) -> Result<Vec<T>>
    where
        T: for<'a> FromRow<'a>,
    {
        let mut out = Vec::new();
        while let Some(row) = self.next_row().await? {
            out.push(row.decode()?);
        }
        Ok(out)
    }

    /// Reads everything that is left, returning the first server error.
    pub async fn drop_all(mut self) -> Result<()> {
        while self.next_result().await? {}
        Ok(())
    }

    /// The rows of the current result set as a `Stream` of owned rows.
    pub fn into_stream(self) -> RowStream<'c, R> {
        RowStream {
            state: StreamState::Idle(Some(self)),
        }
    }

    fn on_non_row_event(&mut self) -> Result<()> {
        let more = match self.conn.proto.event() {
            Some(Event::ResultSetEnd { ok, .. }) => {
                self.conn.last_ok.clone_from(ok);
                ok.status.more_results()
            }
            Some(Event::ServerError { error, .. }) => {
                let e = Error::from_server(ErrorKind::Server, error.clone());
                self.state = State::Done;
                return Err(e);
            }
            other => return Err(unexpected(other)),
        };
        self.has_ok = true;
        self.state = State::ResultDone { more };
        Ok(())
    }

    async fn read_result_header(&mut self) -> Result<()> {
        self.columns = None;
        self.has_ok = false;
        self.conn.wait_event().await?;
        match self.conn.proto.event() {
            Some(Event::ResultSetStart { columns, .. }) => {
                self.columns = Some(columns.clone());
                self.state = State::Rows;
            }
            Some(Event::Ok { ok, .. }) => {
                self.state = State::ResultDone {
                    more: ok.status.more_results(),
                };
                self.conn.last_ok.clone_from(ok);
                self.has_ok = true;
            }
            Some(Event::ServerError { error, .. }) => {
                let e = Error::from_server(ErrorKind::Server, error.clone());
                self.state = State::Done;
                return Err(e);
            }
            other => return Err(unexpected(other)),
        }
        Ok(())
    }
}

fn unexpected(ev: Option<Event<'_>>) -> Error {
    Error::protocol(format!("unexpected event in a query response: {ev:?}"))
}

type Step<'c, R> =
    Pin<Box<dyn Future<Output = (Option<Result<Row>>, QueryResult<'c, R>)> + Send + 'c>>;

/// The rows of a result set as a `futures_core::Stream` of owned [`Row`]s (one boxed step per
/// row; use [`QueryResult::next_row`] for the zero-copy path). Dropping it is safe.
pub struct RowStream<'c, R: Runtime> {
    state: StreamState<'c, R>,
}

enum StreamState<'c, R: Runtime> {
    Idle(Option<QueryResult<'c, R>>),
    Busy(Step<'c, R>),
}

impl<'c, R: Runtime> futures_core::Stream for RowStream<'c, R> {
    type Item = Result<Row>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Result<Row>>> {
        let this = self.get_mut();
        loop {
            match &mut this.state {
                StreamState::Idle(r) => {
                    let Some(mut r) = r.take() else {
                        return Poll::Ready(None);
                    };
                    this.state = StreamState::Busy(Box::pin(async move {
                        let item = r.next_row().await.map(|o| o.map(|row| row.to_owned()));
                        (item.transpose(), r)
                    }));
                }
                StreamState::Busy(step) => {
                    let (item, r) = std::task::ready!(step.as_mut().poll(cx));
                    let done = !matches!(item, Some(Ok(_)));
                    this.state = StreamState::Idle(if done { None } else { Some(r) });
                    return Poll::Ready(item);
                }
            }
        }
    }
}
