//! The transport: TCP or a Unix socket, with the connect logic and timeouts.

use std::io::{self, Read, Write};
use std::net::{TcpStream, ToSocketAddrs};
#[cfg(unix)]
use std::os::unix::net::UnixStream;
use std::time::{Duration, Instant};

use mysql_proto::Opts;

/// `$body` with `$s` bound to the socket, whichever kind it is.
macro_rules! each {
    ($stream:expr, $s:ident => $body:expr) => {
        match $stream {
            Stream::Tcp($s) => $body,
            #[cfg(unix)]
            Stream::Unix($s) => $body,
        }
    };
}

/// A connected socket.
#[derive(Debug)]
pub(crate) enum Stream {
    Tcp(TcpStream),
    #[cfg(unix)]
    Unix(UnixStream),
}

impl Stream {
    /// Connects to the socket path or host:port of `opts`, within `deadline` if any.
    pub(crate) fn connect(opts: &Opts, deadline: Option<Instant>) -> io::Result<Stream> {
        if let Some(path) = opts.socket() {
            #[cfg(unix)]
            return Ok(Stream::Unix(UnixStream::connect(path)?));
            #[cfg(not(unix))]
            return Err(io::Error::new(
                io::ErrorKind::Unsupported,
                format!("Unix socket {path} is not available on this platform"),
            ));
        }
        let addrs = (opts.host(), opts.port()).to_socket_addrs()?;
        let mut last = io::Error::new(io::ErrorKind::NotFound, "host resolved to no address");
        for addr in addrs {
            let r = match remaining(deadline)? {
                Some(t) => TcpStream::connect_timeout(&addr, t),
                None => TcpStream::connect(addr),
            };
            match r {
                Ok(s) => {
                    s.set_nodelay(true)?;
                    #[cfg(target_os = "linux")]
                    if let Some(idle) = opts.tcp_keepalive() {
                        use std::os::fd::AsFd;
                        mysql_sockopt::set_keepalive(s.as_fd(), idle)?;
                    }
                    return Ok(Stream::Tcp(s));
                }
                Err(e) => last = e,
            }
        }
        Err(last)
    }

    /// The TCP socket's descriptor (for read coalescing); `None` for a Unix socket.
    #[cfg(target_os = "linux")]
    pub(crate) fn tcp_fd(&self) -> Option<std::os::fd::BorrowedFd<'_>> {
        use std::os::fd::AsFd;
        match self {
            Stream::Tcp(s) => Some(s.as_fd()),
            #[cfg(unix)]
            Stream::Unix(_) => None,
        }
    }

    /// Waits until the socket is readable or `deadline` passed: `false` then.
    pub(crate) fn wait_readable(&self, deadline: Instant) -> io::Result<bool> {
        let left = deadline.saturating_duration_since(Instant::now());
        #[cfg(unix)]
        {
            use std::os::fd::AsFd;
            mysql_sockopt::wait_readable(each!(self, s => s.as_fd()), left)
        }
        #[cfg(not(unix))]
        {
            // No poll here: the read itself times out (and breaks the connection).
            let Stream::Tcp(s) = self;
            s.set_read_timeout(Some(left.max(Duration::from_millis(1))))?;
            Ok(true)
        }
    }

    /// Switches the socket between non-blocking and blocking mode.
    pub(crate) fn set_nonblocking(&self, on: bool) -> io::Result<()> {
        each!(self, s => s.set_nonblocking(on))
    }

    pub(crate) fn set_timeouts(
        &self,
        read: Option<Duration>,
        write: Option<Duration>,
    ) -> io::Result<()> {
        each!(self, s => s.set_read_timeout(read).and_then(|()| s.set_write_timeout(write)))
    }
}

/// Time left until `deadline`; a timeout error once it passed.
pub(crate) fn remaining(deadline: Option<Instant>) -> io::Result<Option<Duration>> {
    match deadline {
        None => Ok(None),
        Some(d) => match d.checked_duration_since(Instant::now()) {
            Some(t) if !t.is_zero() => Ok(Some(t)),
            _ => Err(io::Error::new(
                io::ErrorKind::TimedOut,
                "connect timeout expired",
            )),
        },
    }
}

impl Read for Stream {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        each!(self, s => s.read(buf))
    }
}

impl Write for Stream {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        each!(self, s => s.write(buf))
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}
