//! The one error type of the whole client, shared by the core and every adapter.
//!
//! An [`Error`] has a [`ErrorKind`] that tells the caller what to do next:
//!
//! | kind | meaning | connection afterwards | what the caller does |
//! |---|---|---|---|
//! | [`ErrorKind::Server`] | the server answered a command with an ERR packet | usable | inspect [`Error::server`], fix the statement |
//! | [`ErrorKind::Auth`] | the server refused the login (or failed before it) | closed | fix credentials / server settings |
//! | [`ErrorKind::Protocol`] | the peer broke the protocol | broken (sticky) | reconnect |
//! | [`ErrorKind::Limit`] | a configured limit was exceeded | broken (sticky) | raise the limit or change the query |
//! | [`ErrorKind::Unsupported`] | the server asked for something this client does not do | broken if during a command | change server/user settings |
//! | [`ErrorKind::Misuse`] | the caller used the API wrongly (bad URL, command before connect...) | unchanged | fix the calling code |
//! | [`ErrorKind::Conversion`] | a column value does not fit the requested Rust type | usable | request another type |
//! | [`ErrorKind::Io`] | the transport failed (adapters only) | broken | reconnect |
//! | [`ErrorKind::Closed`] | the server closed the connection | broken | reconnect |
//! | [`ErrorKind::Timeout`] | an adapter timeout expired | broken, except after a query timeout whose statement was killed ([`Error::is_fatal`] is then `false`) | reconnect, or retry on the same connection when not fatal |
//! | [`ErrorKind::Tls`] | TLS handshake or certificate verification failed | broken | fix certificates / ssl-mode |

use std::fmt;
use std::sync::Arc;

/// What kind of failure an [`Error`] is; see the module docs for the consequences of each.
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ErrorKind {
    /// The server answered a command with an ERR packet. The command failed; the connection is fine.
    Server,
    /// Authentication failed or the server refused the connection during the handshake.
    Auth,
    /// The peer sent bytes that violate the protocol. Fatal and sticky.
    Protocol,
    /// A configured limit (`max_packet`, `max_buffer`, `max_columns`) was exceeded. Fatal and sticky.
    Limit,
    /// The server requires a feature this client does not implement.
    Unsupported,
    /// The caller used the API wrongly; nothing was sent.
    Misuse,
    /// A value could not be converted to the requested Rust type.
    Conversion,
    /// The transport failed (raised by adapters).
    Io,
    /// The connection was closed by the peer or by `quit`.
    Closed,
    /// A timeout expired (raised by adapters).
    Timeout,
    /// TLS failed: handshake, certificate verification, or a TLS-level error.
    Tls,
    /// A `LOAD DATA LOCAL INFILE` request was refused (the option is off, the server asked for
    /// a file the statement did not name, or one outside the allowed directories) or its file
    /// could not be opened. The statement failed; the connection is fine.
    LocalInfile,
    /// The connection was lost (by the transport, or the server closing it without a word)
    /// after a command was queued and before its whole answer arrived: the server may or may
    /// not have run it. Fatal. Never retried by the client: a write may have been applied, so
    /// the caller decides (check, or retry an idempotent statement on a new connection).
    OutcomeUnknown,
    /// No host could serve the connection: with several hosts, each answered but was of the
    /// wrong role (`target`) or not a synced Galera node. Try again later, or relax `target`.
    Unavailable,
}

/// A server ERR packet: the error code, the five-character SQLSTATE and the message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServerError {
    /// The MySQL error code, e.g. 1064 for a syntax error.
    pub code: u16,
    /// The SQLSTATE, e.g. `42000`. `HY000` when the server did not send one (pre-4.1 format).
    pub sql_state: String,
    /// The human-readable message, decoded lossily as UTF-8.
    pub message: String,
}

impl fmt::Display for ServerError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "ERROR {} ({}): {}",
            self.code, self.sql_state, self.message
        )
    }
}

/// The error of every fallible operation in this client.
///
/// Cheap to clone (the core keeps a copy of a fatal error and returns it again on every later call).
#[derive(Clone)]
pub struct Error(Arc<Inner>);

/// What an [`Error`] holds, behind one pointer: `Result<T, Error>` stays the size of `T` plus
/// a word, which keeps the hot paths (every decoded value returns a `Result`) lean.
struct Inner {
    kind: ErrorKind,
    message: String,
    server: Option<ServerError>,
    source: Option<Arc<dyn std::error::Error + Send + Sync>>,
    /// The connection stays usable although the kind alone would say otherwise (a statement
    /// timeout whose statement was killed and whose late result was skipped).
    usable: bool,
}

impl Error {
    /// Builds an error of `kind` with a message.
    #[cold]
    pub fn new(kind: ErrorKind, message: impl Into<String>) -> Self {
        Error(Arc::new(Inner {
            kind,
            message: message.into(),
            server: None,
            source: None,
            usable: false,
        }))
    }

    /// A statement timeout after which the connection is still usable: the statement was
    /// killed and what the server still owed was skipped ([`ErrorKind::Timeout`], not
    /// [`is_fatal`](Self::is_fatal)). Retry or give up on the statement; the connection goes on.
    pub fn statement_timeout(message: impl Into<String>) -> Self {
        Error(Arc::new(Inner {
            kind: ErrorKind::Timeout,
            message: message.into(),
            server: None,
            source: None,
            usable: true,
        }))
    }

    /// A protocol violation by the peer.
    pub fn protocol(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::Protocol, message)
    }

    /// A misuse of the API by the caller.
    pub fn misuse(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::Misuse, message)
    }

    /// A limit exceeded.
    pub fn limit(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::Limit, message)
    }

    /// An unsupported server feature.
    pub fn unsupported(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::Unsupported, message)
    }

    /// A failed conversion of a value to a Rust type.
    pub fn conversion(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::Conversion, message)
    }

    /// A server ERR packet answering a command (`kind` is [`ErrorKind::Server`]) or the
    /// handshake (`kind` is [`ErrorKind::Auth`]).
    pub fn from_server(kind: ErrorKind, server: ServerError) -> Self {
        Error(Arc::new(Inner {
            kind,
            message: server.message.clone(),
            server: Some(server),
            source: None,
            usable: false,
        }))
    }

    /// The error for an `Event::ServerError` answering a command: [`ErrorKind::Server`], or
    /// [`ErrorKind::LocalInfile`] for the client's refusal of a LOCAL INFILE request.
    pub fn answer(server: ServerError) -> Self {
        let kind = if server.code == crate::local_infile::REFUSED_CODE {
            ErrorKind::LocalInfile
        } else {
            ErrorKind::Server
        };
        Error::from_server(kind, server)
    }

    /// A transport error, wrapping its cause (used by adapters).
    pub fn io(source: std::io::Error) -> Self {
        let kind = match source.kind() {
            std::io::ErrorKind::TimedOut | std::io::ErrorKind::WouldBlock => ErrorKind::Timeout,
            _ => ErrorKind::Io,
        };
        Error(Arc::new(Inner {
            kind,
            message: source.to_string(),
            server: None,
            source: Some(Arc::new(source)),
            usable: false,
        }))
    }

    /// What kind of error this is.
    pub fn kind(&self) -> ErrorKind {
        self.0.kind
    }

    /// The human-readable message (without the kind prefix).
    pub fn message(&self) -> &str {
        &self.0.message
    }

    /// The server's ERR packet, when the server reported this error.
    pub fn server(&self) -> Option<&ServerError> {
        self.0.server.as_ref()
    }

    /// Whether the connection that returned this error can no longer be used.
    pub fn is_fatal(&self) -> bool {
        !self.0.usable
            && !matches!(
                self.0.kind,
                ErrorKind::Server
                    | ErrorKind::Misuse
                    | ErrorKind::Conversion
                    | ErrorKind::LocalInfile
            )
    }
}

impl fmt::Debug for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut d = f.debug_struct("Error");
        d.field("kind", &self.0.kind)
            .field("message", &self.0.message);
        if let Some(s) = &self.0.server {
            d.field("code", &s.code).field("sql_state", &s.sql_state);
        }
        d.finish()
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.0.server {
            Some(s) => write!(f, "{s}"),
            None => {
                let what = match self.0.kind {
                    ErrorKind::Server => "server error",
                    ErrorKind::Auth => "authentication failed",
                    ErrorKind::Protocol => "protocol violation",
                    ErrorKind::Limit => "limit exceeded",
                    ErrorKind::Unsupported => "unsupported",
                    ErrorKind::Misuse => "invalid use",
                    ErrorKind::Conversion => "conversion failed",
                    ErrorKind::Io => "I/O error",
                    ErrorKind::Closed => "connection closed",
                    ErrorKind::Timeout => "timed out",
                    ErrorKind::Tls => "TLS error",
                    ErrorKind::LocalInfile => "LOCAL INFILE refused",
                    ErrorKind::Unavailable => "no host available",
                    ErrorKind::OutcomeUnknown => "connection lost, outcome unknown",
                };
                write!(f, "{what}: {}", self.0.message)
            }
        }
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.0
            .source
            .as_deref()
            .map(|s| s as &(dyn std::error::Error + 'static))
    }
}

impl From<std::io::Error> for Error {
    fn from(e: std::io::Error) -> Self {
        Error::io(e)
    }
}

/// Shorthand for results of this crate.
pub type Result<T, E = Error> = std::result::Result<T, E>;
