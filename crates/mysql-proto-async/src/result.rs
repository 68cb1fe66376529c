//! [`RowStream`]: the rows of a [`QueryResult`] as a `futures_core::Stream`.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use mysql_proto::{Result, Row};

use crate::conn::QueryResult;
use crate::runtime::Runtime;

impl<'c, R: Runtime> QueryResult<'c, R> {
    /// The rows of the current result set as a `Stream` of owned rows.
    pub fn into_stream(self) -> RowStream<'c, R> {
        RowStream {
            state: StreamState::Idle(Some(self)),
        }
    }
}

type NextRow<'c, R> =
    Pin<Box<dyn Future<Output = (Option<Result<Row>>, QueryResult<'c, R>)> + Send + 'c>>;

/// The rows of a result set as a `futures_core::Stream` of owned [`Row`]s (one boxed step per
/// row; use [`QueryResult::next_row`] for the zero-copy path). Dropping it is safe.
pub struct RowStream<'c, R: Runtime> {
    state: StreamState<'c, R>,
}

enum StreamState<'c, R: Runtime> {
    Idle(Option<QueryResult<'c, R>>),
    Busy(NextRow<'c, R>),
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
