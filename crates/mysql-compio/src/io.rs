//! compio's sockets as [`CompletionIo`]: every read an io_uring `recv` straight into the
//! connection's receive buffer, every write an io_uring `send`.

use std::future::Future;
use std::io;
use std::mem::MaybeUninit;

use compio::buf::{BufResult, IoBuf, IoBufMut, SetLen};
use compio::io::{AsyncRead, AsyncWrite};
use mysql_proto_async::{CompletionIo, RecvBuf};

/// A connected compio socket (clones share it: an operation in flight holds one).
#[derive(Clone)]
pub enum CompioStream {
    /// TCP.
    Tcp(compio::net::TcpStream),
    /// A Unix socket.
    #[cfg(unix)]
    Unix(compio::net::UnixStream),
}

impl CompletionIo for CompioStream {
    fn read(&self, buf: RecvBuf) -> impl Future<Output = (io::Result<usize>, RecvBuf)> + 'static {
        let (mut s, spare) = (
            self.clone(),
            Spare {
                loan: buf,
                filled: 0,
            },
        );
        async move {
            let BufResult(r, spare) = match &mut s {
                CompioStream::Tcp(t) => t.read(spare).await,
                #[cfg(unix)]
                CompioStream::Unix(u) => u.read(spare).await,
            };
            (r, spare.loan)
        }
    }

    fn write(&self, buf: Vec<u8>) -> impl Future<Output = (io::Result<usize>, Vec<u8>)> + 'static {
        let mut s = self.clone();
        async move {
            let BufResult(r, buf) = match &mut s {
                CompioStream::Tcp(t) => t.write(buf).await,
                #[cfg(unix)]
                CompioStream::Unix(u) => u.write(buf).await,
            };
            (r, buf)
        }
    }

    fn write_now(&self, buf: &[u8]) -> io::Result<usize> {
        #[cfg(unix)]
        return mysql_sockopt::send_now(self.any_fd(), buf);
        #[cfg(not(unix))]
        Err(io::ErrorKind::WouldBlock.into())
    }

    fn runtime_here() -> bool {
        compio::runtime::Runtime::try_with_current(|_| ()).is_ok()
    }

    #[cfg(unix)]
    fn fd(&self) -> Option<std::os::fd::BorrowedFd<'_>> {
        use std::os::fd::AsFd;
        match self {
            CompioStream::Tcp(s) => Some(s.as_fd()),
            CompioStream::Unix(_) => None,
        }
    }

    fn shutdown(&self) {
        #[cfg(unix)]
        let _ = socket2::SockRef::from(&self.any_fd()).shutdown(std::net::Shutdown::Both);
    }
}

impl CompioStream {
    #[cfg(unix)]
    fn any_fd(&self) -> std::os::fd::BorrowedFd<'_> {
        use std::os::fd::AsFd;
        match self {
            CompioStream::Tcp(s) => s.as_fd(),
            CompioStream::Unix(s) => s.as_fd(),
        }
    }
}

/// The receive buffer's free tail as the buffer of a compio read: the kernel writes into it,
/// and `filled` records how much.
struct Spare {
    loan: RecvBuf,
    filled: usize,
}

impl IoBuf for Spare {
    fn as_init(&self) -> &[u8] {
        &self.loan.spare()[..self.filled]
    }
}

impl SetLen for Spare {
    unsafe fn set_len(&mut self, len: usize) {
        self.filled = len.min(self.loan.spare().len());
    }
}

impl IoBufMut for Spare {
    fn as_uninit(&mut self) -> &mut [MaybeUninit<u8>] {
        let spare = self.loan.spare_mut();
        // SAFETY: `MaybeUninit<u8>` has the layout of `u8`, so the cast keeps the slice's
        // pointer, length and lifetime. The bytes are initialised (the receive buffer is a
        // zero-filled `Vec<u8>`), and stay so: compio's driver and the kernel only store bytes
        // read from the socket into it, never an uninitialised value. Exercised under
        // AddressSanitizer by the adapter's tests (`tests/on_thread.rs`).
        unsafe { &mut *(spare as *mut [u8] as *mut [MaybeUninit<u8>]) }
    }
}
