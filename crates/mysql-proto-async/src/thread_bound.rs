//! [`ThreadBound`]: a value usable on the thread that made it only, as a `Send` type, for the
//! completion-based runtimes.
//!
//! Completion-based runtimes (compio, and io_uring runtimes generally) are thread-per-core:
//! their sockets, operations and timers hold `Rc`s of the thread's runtime, so they are not
//! `Send`. The async client is written once for every runtime and requires `Send` transports
//! and futures (tokio's work-stealing scheduler moves them). Such a runtime's values are `Send`
//! through this wrapper, which checks the thread at every use: used on another thread it fails
//! with an error instead of touching the value, and dropped on another thread it leaks the
//! value (a socket left open) instead of dropping it there.

use std::future::Future;
use std::io;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::thread::ThreadId;

/// `T`, reachable on the thread that made it only (see the module docs).
pub struct ThreadBound<T> {
    owner: ThreadId,
    value: Option<T>,
}

// SAFETY: `Send` lets a `ThreadBound<T>` move to another thread, but `T` is reached only
// through `get` and `get_ref`, which return it on the owner thread only, and `Drop` drops it on
// the owner thread only (elsewhere it is forgotten, which runs no code of `T`). Moving the bytes
// of a `T` is not a use of it: the `Rc`s inside are neither cloned nor dropped off their thread.
// `mysql-compio`'s tests run the operations, and a connection dropped on another thread, under
// AddressSanitizer (`crates/mysql-compio/tests/on_thread.rs`).
unsafe impl<T> Send for ThreadBound<T> {}

impl<T> ThreadBound<T> {
    /// Binds `value` to the current thread.
    pub fn new(value: T) -> ThreadBound<T> {
        ThreadBound {
            owner: std::thread::current().id(),
            value: Some(value),
        }
    }

    /// The value, on its thread; elsewhere an `Unsupported` error saying so.
    pub fn get(&mut self) -> io::Result<&mut T> {
        match self.value.as_mut() {
            Some(v) if std::thread::current().id() == self.owner => Ok(v),
            _ => Err(io::Error::new(
                io::ErrorKind::Unsupported,
                "a connection of a thread-per-core runtime is used on the thread that opened \
                 it only",
            )),
        }
    }

    /// The value, shared, on its thread; `None` elsewhere.
    pub fn get_ref(&self) -> Option<&T> {
        self.value
            .as_ref()
            .filter(|_| std::thread::current().id() == self.owner)
    }
}

impl<T> Drop for ThreadBound<T> {
    fn drop(&mut self) {
        if std::thread::current().id() != self.owner {
            std::mem::forget(self.value.take());
        }
    }
}

/// A thread-bound future, `Send` through [`ThreadBound`]: polled on another thread, or when
/// `ready()` says its runtime does not run here, it completes at once with `elsewhere()`.
pub struct BoundFuture<F: Future> {
    fut: ThreadBound<Pin<Box<F>>>,
    ready: fn() -> bool,
    elsewhere: fn() -> F::Output,
}

impl<F: Future> BoundFuture<F> {
    /// Binds `fut` to the current thread.
    pub fn new(fut: F, ready: fn() -> bool, elsewhere: fn() -> F::Output) -> BoundFuture<F> {
        BoundFuture {
            fut: ThreadBound::new(Box::pin(fut)),
            ready,
            elsewhere,
        }
    }
}

impl<F: Future> Future for BoundFuture<F> {
    type Output = F::Output;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<F::Output> {
        let this = self.get_mut();
        match this.fut.get() {
            Ok(fut) if (this.ready)() => fut.as_mut().poll(cx),
            _ => Poll::Ready((this.elsewhere)()),
        }
    }
}
