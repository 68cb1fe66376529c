//! The socket calls the mysql-rs adapters need for read coalescing
//! ([`mysql_proto::ReadCoalescing`](https://docs.rs/mysql-proto)) and `std` lacks:
//!
//! * [`set_recv_low_water`]: the receive low-water mark (`SO_RCVLOWAT`). Linux then wakes a
//!   reader blocked on the socket, and reports it readable to `poll`/`epoll`, only once that
//!   many bytes are buffered (a non-blocking read still returns whatever is there).
//! * [`wait_readable`]: waits until the socket is readable (by that mark) or a timeout of
//!   microsecond precision passes (`SO_RCVTIMEO` counts in scheduler ticks, 4 ms here).
//!
//! And [`set_keepalive`]: TCP keepalive with the probe timing (`tcp-keepalive`); [`send_now`]:
//! a write that never waits, for completion-based runtimes.
//!
//! All are Linux only and fail with [`io::ErrorKind::Unsupported`] elsewhere, where the
//! adapters simply do not coalesce. [`LowWaterMark`] remembers the mark set, so that adapters
//! call `setsockopt` only when it changes.
//!
//! Besides one `from_utf8_unchecked` in the core, this crate holds the project's `unsafe` code:
//! five libc calls, each with a `SAFETY` argument. Its tests exercise every one of them, also
//! under AddressSanitizer:
//! `RUSTC_BOOTSTRAP=1 RUSTFLAGS=-Zsanitizer=address cargo test -p mysql-sockopt --lib
//! --target x86_64-unknown-linux-gnu`.
//!
//! ```
//! use std::io::Write;
//! use std::net::{TcpListener, TcpStream};
//! use std::os::fd::AsFd;
//! use std::time::Duration;
//!
//! let listener = TcpListener::bind("127.0.0.1:0").unwrap();
//! let reader = TcpStream::connect(listener.local_addr().unwrap()).unwrap();
//! let (mut writer, _) = listener.accept().unwrap();
//! if cfg!(target_os = "linux") {
//!     assert_eq!(mysql_sockopt::set_recv_low_water(reader.as_fd(), 1000).unwrap(), 1000);
//!     writer.write_all(&[0; 10]).unwrap();
//!     // 10 bytes are below the mark: not readable yet.
//!     assert!(!mysql_sockopt::wait_readable(reader.as_fd(), Duration::from_millis(5)).unwrap());
//! }
//! ```

use std::io;
#[cfg(unix)]
use std::os::fd::BorrowedFd;
use std::time::Duration;

/// Sets the socket's receive low-water mark to `bytes` (at least 1), capped at a quarter of its
/// receive buffer (a larger mark would make Linux grow the buffer or clamp the TCP window), and
/// returns the mark set. Fails with the OS error of `getsockopt`/`setsockopt` (e.g. not a
/// socket), or `Unsupported` off Linux; the caller then reads without coalescing.
#[cfg(unix)]
pub fn set_recv_low_water(fd: BorrowedFd<'_>, bytes: usize) -> io::Result<usize> {
    imp::set_recv_low_water(fd, bytes)
}

/// Waits until `fd` is readable (by its low-water mark), has an error or hang-up pending, or
/// `timeout` has passed: `Ok(true)` for the first three, `Ok(false)` when the time ran out.
/// Interrupted by a signal, it returns `Ok(true)` early (the caller's read then decides). Fails
/// with the OS error of `ppoll`, or `Unsupported` off Linux.
#[cfg(unix)]
pub fn wait_readable(fd: BorrowedFd<'_>, timeout: Duration) -> io::Result<bool> {
    imp::wait_readable(fd, timeout)
}

/// Turns TCP keepalive on for the socket: after `idle` without traffic the kernel probes the
/// peer every `idle / 3` (at least 1 s) and, after 3 unanswered probes, breaks the connection,
/// so a dead server or a dropped NAT mapping shows up as a read error instead of a silent hang.
/// Fails with the OS error of `setsockopt`, or `Unsupported` off Linux.
#[cfg(unix)]
pub fn set_keepalive(fd: BorrowedFd<'_>, idle: Duration) -> io::Result<()> {
    imp::set_keepalive(fd, idle)
}

/// Writes what of `buf` the socket takes at once, never waiting (`send` with `MSG_DONTWAIT`):
/// for a completion-based runtime's socket, whose own writes complete only when its event loop
/// turns, when a write must not wait (a pool closing a connection sends its `COM_QUIT` so).
/// Fails with [`io::ErrorKind::WouldBlock`] when the socket's buffer is full, with the OS error
/// otherwise (a broken pipe raises no signal), or `Unsupported` off Linux.
#[cfg(unix)]
pub fn send_now(fd: BorrowedFd<'_>, buf: &[u8]) -> io::Result<usize> {
    imp::send_now(fd, buf)
}

/// A socket's receive low-water mark as last set by [`LowWaterMark::set`]: skips the system call
/// when the mark is unchanged, and gives up for good after a failure (the adapters then read
/// without coalescing).
#[derive(Debug)]
pub struct LowWaterMark {
    mark: usize,
    failed: bool,
}

impl Default for LowWaterMark {
    fn default() -> Self {
        LowWaterMark::new()
    }
}

impl LowWaterMark {
    /// The mark of a new socket: 1 byte.
    pub fn new() -> LowWaterMark {
        LowWaterMark {
            mark: 1,
            failed: false,
        }
    }

    /// The mark last asked for (1 until raised).
    pub fn get(&self) -> usize {
        self.mark
    }

    /// Whether setting the mark failed once (then [`set`](Self::set) does nothing).
    pub fn failed(&self) -> bool {
        self.failed
    }

    /// Lowers `fd`'s mark back to 1 byte unless it already is. Fails with the OS error (and
    /// gives up on later [`set`](Self::set)s): the socket may then wait for more bytes than will
    /// come, so the caller must treat the connection as broken rather than read from it.
    #[cfg(unix)]
    pub fn lower(&mut self, fd: BorrowedFd<'_>) -> io::Result<()> {
        if self.mark == 1 {
            return Ok(());
        }
        match set_recv_low_water(fd, 1) {
            Ok(_) => {
                self.mark = 1;
                Ok(())
            }
            Err(e) => {
                self.failed = true;
                Err(e)
            }
        }
    }

    /// Sets `fd`'s mark to `mark` (see [`set_recv_low_water`]) unless it already is; `false`
    /// when the call failed now or before (the mark is then unchanged: read as usual).
    #[cfg(unix)]
    pub fn set(&mut self, fd: BorrowedFd<'_>, mark: usize) -> bool {
        if self.failed {
            return false;
        }
        if mark == self.mark {
            return true;
        }
        match set_recv_low_water(fd, mark) {
            Ok(_) => {
                self.mark = mark;
                true
            }
            Err(_) => {
                self.failed = true;
                false
            }
        }
    }
}

#[cfg(target_os = "linux")]
mod imp {
    use super::*;
    use std::os::fd::AsRawFd;

    pub(super) fn set_recv_low_water(fd: BorrowedFd<'_>, bytes: usize) -> io::Result<usize> {
        // The buffer is read only to cap a mark above 1.
        let mark = match bytes {
            0 | 1 => 1,
            _ => bytes
                .min(get_int(fd, libc::SO_RCVBUF)?.max(4) as usize / 4)
                .max(1),
        };
        // Invariant: mark <= buffer / 4 <= i32::MAX.
        let value = mark as libc::c_int;
        // SAFETY: `fd` is a live descriptor for the whole call (BorrowedFd's guarantee); the
        // option value points at a c_int on this stack frame, and its size is passed exactly.
        let r = unsafe {
            libc::setsockopt(
                fd.as_raw_fd(),
                libc::SOL_SOCKET,
                libc::SO_RCVLOWAT,
                (&value as *const libc::c_int).cast(),
                size_of::<libc::c_int>() as libc::socklen_t,
            )
        };
        if r != 0 {
            return Err(io::Error::last_os_error());
        }
        Ok(mark)
    }

    pub(super) fn set_keepalive(fd: BorrowedFd<'_>, idle: Duration) -> io::Result<()> {
        let secs = idle.as_secs().clamp(1, i32::MAX as u64 / 3) as libc::c_int;
        set_int(fd, libc::SOL_SOCKET, libc::SO_KEEPALIVE, 1)?;
        set_int(fd, libc::IPPROTO_TCP, libc::TCP_KEEPIDLE, secs)?;
        set_int(
            fd,
            libc::IPPROTO_TCP,
            libc::TCP_KEEPINTVL,
            (secs / 3).max(1),
        )?;
        set_int(fd, libc::IPPROTO_TCP, libc::TCP_KEEPCNT, 3)
    }

    /// Sets an integer socket option.
    fn set_int(
        fd: BorrowedFd<'_>,
        level: libc::c_int,
        option: libc::c_int,
        value: libc::c_int,
    ) -> io::Result<()> {
        // SAFETY: `fd` is a live descriptor for the whole call (BorrowedFd's guarantee); the
        // option value points at a c_int on this stack frame, and its size is passed exactly.
        let r = unsafe {
            libc::setsockopt(
                fd.as_raw_fd(),
                level,
                option,
                (&value as *const libc::c_int).cast(),
                size_of::<libc::c_int>() as libc::socklen_t,
            )
        };
        if r != 0 {
            return Err(io::Error::last_os_error());
        }
        Ok(())
    }

    /// An integer socket option at level `SOL_SOCKET`.
    pub(super) fn get_int(fd: BorrowedFd<'_>, option: libc::c_int) -> io::Result<libc::c_int> {
        get_int_at(fd, libc::SOL_SOCKET, option)
    }

    /// An integer socket option at `level`.
    pub(super) fn get_int_at(
        fd: BorrowedFd<'_>,
        level: libc::c_int,
        option: libc::c_int,
    ) -> io::Result<libc::c_int> {
        let mut value: libc::c_int = 0;
        let mut len = size_of::<libc::c_int>() as libc::socklen_t;
        // SAFETY: `fd` is live for the call; `value` and `len` are writable locals and `len`
        // holds `value`'s exact size, which getsockopt never writes past.
        let r = unsafe {
            libc::getsockopt(
                fd.as_raw_fd(),
                level,
                option,
                (&mut value as *mut libc::c_int).cast(),
                &mut len,
            )
        };
        if r != 0 {
            return Err(io::Error::last_os_error());
        }
        Ok(value)
    }

    pub(super) fn send_now(fd: BorrowedFd<'_>, buf: &[u8]) -> io::Result<usize> {
        // SAFETY: `fd` is a live descriptor for the whole call (BorrowedFd's guarantee); the
        // kernel reads at most `buf.len()` bytes from `buf`'s pointer, which `buf` keeps valid.
        let n = unsafe {
            libc::send(
                fd.as_raw_fd(),
                buf.as_ptr().cast(),
                buf.len(),
                libc::MSG_DONTWAIT | libc::MSG_NOSIGNAL,
            )
        };
        match n {
            n if n >= 0 => Ok(n as usize),
            _ => Err(io::Error::last_os_error()),
        }
    }

    pub(super) fn wait_readable(fd: BorrowedFd<'_>, timeout: Duration) -> io::Result<bool> {
        let mut poll = libc::pollfd {
            fd: fd.as_raw_fd(),
            events: libc::POLLIN,
            revents: 0,
        };
        let ts = libc::timespec {
            tv_sec: timeout.as_secs().min(i32::MAX as u64) as libc::time_t,
            tv_nsec: timeout.subsec_nanos() as libc::c_long,
        };
        // SAFETY: one pollfd (count 1) and a timespec, both locals that outlive the call; a
        // null signal mask means "leave the mask unchanged".
        let r = unsafe { libc::ppoll(&mut poll, 1, &ts, std::ptr::null()) };
        match r {
            0 => Ok(false),
            n if n > 0 => Ok(true),
            _ => {
                let e = io::Error::last_os_error();
                if e.kind() == io::ErrorKind::Interrupted {
                    return Ok(true);
                }
                Err(e)
            }
        }
    }
}

#[cfg(all(unix, not(target_os = "linux")))]
mod imp {
    use super::*;

    fn unsupported() -> io::Error {
        io::Error::new(
            io::ErrorKind::Unsupported,
            "receive low-water marks are used on Linux only",
        )
    }

    pub(super) fn set_recv_low_water(_: BorrowedFd<'_>, _: usize) -> io::Result<usize> {
        Err(unsupported())
    }

    pub(super) fn wait_readable(_: BorrowedFd<'_>, _: Duration) -> io::Result<bool> {
        Err(unsupported())
    }

    pub(super) fn send_now(_: BorrowedFd<'_>, _: &[u8]) -> io::Result<usize> {
        Err(unsupported())
    }

    pub(super) fn set_keepalive(_: BorrowedFd<'_>, _: Duration) -> io::Result<()> {
        Err(unsupported())
    }
}

#[cfg(all(test, target_os = "linux"))]
mod tests {
    use super::*;
    use std::io::{Read, Write};
    use std::net::{TcpListener, TcpStream};
    use std::os::fd::AsFd;
    use std::time::Instant;

    fn pair() -> (TcpStream, TcpStream) {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let reader = TcpStream::connect(listener.local_addr().unwrap()).unwrap();
        let (writer, _) = listener.accept().unwrap();
        writer.set_nodelay(true).unwrap();
        (reader, writer)
    }

    #[test]
    fn send_now_writes_what_fits_and_never_waits() {
        let (mut reader, writer) = pair();
        assert_eq!(send_now(writer.as_fd(), b"quit").unwrap(), 4);
        let mut got = [0; 4];
        reader.read_exact(&mut got).unwrap();
        assert_eq!(&got, b"quit");
        // Fill the socket's buffers: a full socket says WouldBlock at once.
        let chunk = vec![7u8; 1 << 16];
        let mut sent = 0;
        let e = loop {
            match send_now(writer.as_fd(), &chunk) {
                Ok(n) => sent += n,
                Err(e) => break e,
            }
            assert!(sent < 1 << 30, "the socket never filled");
        };
        assert_eq!(e.kind(), io::ErrorKind::WouldBlock, "{e}");
        assert!(sent > 0);
        // A closed peer: an error, and no SIGPIPE kills the test.
        drop(reader);
        let e = loop {
            if let Err(e) = send_now(writer.as_fd(), &chunk) {
                if e.kind() != io::ErrorKind::WouldBlock {
                    break e;
                }
            }
        };
        assert!(
            matches!(e.raw_os_error(), Some(libc::EPIPE | libc::ECONNRESET)),
            "{e}"
        );
    }

    #[test]
    fn keepalive_is_set_as_asked() {
        let (s, _peer) = pair();
        assert_eq!(get_int(s.as_fd(), libc::SO_KEEPALIVE).unwrap(), 0);
        set_keepalive(s.as_fd(), Duration::from_secs(30)).unwrap();
        let tcp = |o| imp::get_int_at(s.as_fd(), libc::IPPROTO_TCP, o).unwrap();
        assert_eq!(get_int(s.as_fd(), libc::SO_KEEPALIVE).unwrap(), 1);
        assert_eq!(
            (
                tcp(libc::TCP_KEEPIDLE),
                tcp(libc::TCP_KEEPINTVL),
                tcp(libc::TCP_KEEPCNT)
            ),
            (30, 10, 3)
        );
        set_keepalive(s.as_fd(), Duration::from_millis(10)).unwrap();
        assert_eq!((tcp(libc::TCP_KEEPIDLE), tcp(libc::TCP_KEEPINTVL)), (1, 1));
    }

    #[test]
    fn the_mark_holds_back_readiness_until_enough_bytes_arrived() {
        let (mut reader, mut writer) = pair();
        assert_eq!(set_recv_low_water(reader.as_fd(), 4096).unwrap(), 4096);
        assert_eq!(get_mark(&reader), 4096);
        writer.write_all(&[1; 100]).unwrap();
        let t = Instant::now();
        assert!(!wait_readable(reader.as_fd(), Duration::from_micros(3000)).unwrap());
        // ppoll's timeout is precise to well under a scheduler tick (4 ms).
        let waited = t.elapsed();
        assert!(waited >= Duration::from_micros(3000), "{waited:?}");
        writer.write_all(&[2; 4000]).unwrap();
        assert!(wait_readable(reader.as_fd(), Duration::from_secs(5)).unwrap());
        let mut buf = [0; 8192];
        assert_eq!(reader.read(&mut buf).unwrap(), 4100);
        assert_eq!((buf[0], buf[4099]), (1, 2));
    }

    #[test]
    fn lowering_the_mark_makes_buffered_bytes_readable() {
        let (mut reader, mut writer) = pair();
        set_recv_low_water(reader.as_fd(), 4096).unwrap();
        writer.write_all(b"tail").unwrap();
        assert!(!wait_readable(reader.as_fd(), Duration::from_micros(500)).unwrap());
        assert_eq!(set_recv_low_water(reader.as_fd(), 1).unwrap(), 1);
        assert!(wait_readable(reader.as_fd(), Duration::ZERO).unwrap());
        let mut buf = [0; 16];
        assert_eq!(reader.read(&mut buf).unwrap(), 4);
    }

    #[test]
    fn a_closed_peer_is_readable_whatever_the_mark() {
        let (reader, writer) = pair();
        set_recv_low_water(reader.as_fd(), 4096).unwrap();
        drop(writer);
        assert!(wait_readable(reader.as_fd(), Duration::from_secs(5)).unwrap());
    }

    #[test]
    fn the_mark_is_capped_by_the_receive_buffer_and_is_at_least_one() {
        let (reader, _writer) = pair();
        let buffer = get_int(reader.as_fd(), libc::SO_RCVBUF).unwrap() as usize;
        assert_eq!(
            set_recv_low_water(reader.as_fd(), usize::MAX).unwrap(),
            buffer / 4
        );
        assert_eq!(set_recv_low_water(reader.as_fd(), 0).unwrap(), 1);
        assert_eq!(get_mark(&reader), 1);
    }

    #[test]
    fn a_file_that_is_not_a_socket_is_an_error() {
        let f = std::fs::File::open("/dev/null").unwrap();
        assert!(set_recv_low_water(f.as_fd(), 10).is_err());
        let mut mark = LowWaterMark::new();
        assert!(mark.set(f.as_fd(), 1), "1 is the mark already: no call");
        assert!(!mark.set(f.as_fd(), 10));
        assert!(mark.failed());
        let (reader, _writer) = pair();
        assert!(!mark.set(reader.as_fd(), 10), "gave up for good");
    }

    #[test]
    fn the_tracked_mark_follows_what_was_set() {
        let (reader, _writer) = pair();
        let mut mark = LowWaterMark::new();
        assert!(mark.set(reader.as_fd(), 2048));
        assert_eq!((mark.get(), get_mark(&reader)), (2048, 2048));
        assert!(mark.set(reader.as_fd(), 1));
        assert_eq!((mark.get(), get_mark(&reader)), (1, 1));
        assert!(mark.set(reader.as_fd(), 4096));
        mark.lower(reader.as_fd()).unwrap();
        assert_eq!((mark.get(), get_mark(&reader)), (1, 1));
    }

    #[test]
    fn a_mark_that_cannot_be_lowered_is_an_error() {
        let (reader, _writer) = pair();
        let mut mark = LowWaterMark::new();
        assert!(mark.set(reader.as_fd(), 2048));
        // The same mark, asked to lower a descriptor that is not a socket: the call fails.
        let f = std::fs::File::open("/dev/null").unwrap();
        assert!(mark.lower(f.as_fd()).is_err());
        assert!(mark.failed());
        assert!(!mark.set(reader.as_fd(), 4096), "gave up for good");
    }

    fn get_mark(s: &TcpStream) -> usize {
        get_int(s.as_fd(), libc::SO_RCVLOWAT).unwrap() as usize
    }

    use super::imp::get_int;
}

/// Opens the file a `LOAD DATA LOCAL INFILE` request names, for the adapters' runners: the
/// name is resolved first (symbolic links, `..`) and the resolved path must pass `allowed`
/// (the core's `LocalInfile::allows`), so that a link inside an allowed directory cannot lead
/// out of it. Fails with [`io::ErrorKind::PermissionDenied`] when the resolved path is not
/// allowed, and as `open` does otherwise.
pub fn open_local_infile(name: &str, allowed: impl Fn(&str) -> bool) -> io::Result<std::fs::File> {
    let resolved = std::fs::canonicalize(name)?;
    match resolved.to_str() {
        Some(p) if allowed(p) => std::fs::File::open(p),
        _ => Err(io::Error::new(
            io::ErrorKind::PermissionDenied,
            format!("`{}` resolves outside the allowed directories", name),
        )),
    }
}
