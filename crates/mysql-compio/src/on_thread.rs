//! [`OnThread`]: a value of compio's, usable on the thread that made it only, as a `Send` type.
//!
//! compio is thread-per-core: its sockets, operations and timers hold `Rc`s of the thread's
//! runtime, so they are not `Send`. The async client is written once for every runtime and
//! requires `Send` transports and futures (tokio's work-stealing scheduler moves them). A
//! compio connection is `Send` through this wrapper, which checks the thread at every use:
//! used on another thread it fails with an error instead of touching the value, and dropped on
//! another thread it leaks the value (a socket left open) instead of dropping it there.

use std::future::Future;
use std::io;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::thread::ThreadId;

/// `value`, reachable on thread `owner` only.
pub(crate) struct OnThread<T> {
    owner: ThreadId,
    value: Option<T>,
}

// SAFETY: `Send` lets an `OnThread<T>` move to another thread, but `T` is reached only through
// `get`, which returns it on the owner thread only, and `Drop` drops it on the owner thread only
// (elsewhere it is forgotten, which runs no code of `T`). Moving the bytes of a `T` is not a
// use of it: the `Rc`s inside are neither cloned nor dropped off their thread. The tests run
// the adapter's operations, and a connection dropped on another thread, under
// AddressSanitizer (see `tests/on_thread.rs`).
unsafe impl<T> Send for OnThread<T> {}

impl<T> OnThread<T> {
    /// Binds `value` to the current thread.
    pub(crate) fn new(value: T) -> OnThread<T> {
        OnThread {
            owner: std::thread::current().id(),
            value: Some(value),
        }
    }

    /// The value, on its thread; elsewhere an error saying so.
    pub(crate) fn get(&mut self) -> io::Result<&mut T> {
        match self.value.as_mut() {
            Some(v) if std::thread::current().id() == self.owner => Ok(v),
            _ => Err(io::Error::new(
                io::ErrorKind::Unsupported,
                "a compio connection is used on the thread that opened it only \
                 (compio runs one runtime per thread)",
            )),
        }
    }
}

impl<T> OnThread<T> {
    /// The value, shared, on its thread; `None` elsewhere.
    pub(crate) fn get_ref(&self) -> Option<&T> {
        self.value
            .as_ref()
            .filter(|_| std::thread::current().id() == self.owner)
    }
}

impl<T> Drop for OnThread<T> {
    fn drop(&mut self) {
        if std::thread::current().id() != self.owner {
            std::mem::forget(self.value.take());
        }
    }
}

/// A compio future, `Send` through [`OnThread`]: polled on another thread, or outside a compio
/// runtime, it completes at once with `elsewhere()` instead.
pub(crate) struct Bound<F: Future> {
    fut: OnThread<Pin<Box<F>>>,
    elsewhere: fn() -> F::Output,
}

impl<F: Future> Bound<F> {
    pub(crate) fn new(fut: F, elsewhere: fn() -> F::Output) -> Bound<F> {
        Bound {
            fut: OnThread::new(Box::pin(fut)),
            elsewhere,
        }
    }
}

impl<F: Future> Future for Bound<F> {
    type Output = F::Output;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<F::Output> {
        let this = self.get_mut();
        match this.fut.get() {
            Ok(fut) if in_runtime() => fut.as_mut().poll(cx),
            _ => Poll::Ready((this.elsewhere)()),
        }
    }
}

/// The error of a connect polled off its thread or outside a compio runtime.
pub(crate) fn no_runtime<T>() -> io::Result<T> {
    Err(io::Error::new(
        io::ErrorKind::Unsupported,
        "compio connects only within a compio runtime, on the thread that called connect",
    ))
}

/// Whether a compio runtime runs on this thread (compio's operations panic outside one).
pub(crate) fn in_runtime() -> bool {
    compio::runtime::Runtime::try_with_current(|_| ()).is_ok()
}
