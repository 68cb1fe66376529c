//! Tracing (feature `tracing`): one span per command, with the OpenTelemetry database
//! conventions, and events for connecting, the auth plugin, TLS and pool waits. Written once
//! here; every adapter gets it by switching the feature on (`mysql-tokio = { features =
//! ["tracing"] }`).
//!
//! | span / event | name | fields |
//! |---|---|---|
//! | span, one per command (a batch or pipeline: one per operation) | `db.command` | `otel.name` (`SELECT test`), `otel.kind` (`client`), `db.system.name` (`mariadb` / `mysql`), `db.namespace`, `db.operation.name` (`SELECT`, `PING`, ...), `db.operation.batch.size`, `db.query.text` (only with `trace-query-text=true`, at most [`QUERY_TEXT_LIMIT`] bytes), `server.address`, `server.port`, `db.response.returned_rows`, `error.type` |
//! | span, while an acquire waits for a pooled connection | `db.pool.wait` | `db.client.connection.pool.max`, `db.client.connection.pool.in_use`, `outcome` (`granted`, `timeout`, `closed`, `dropped`) |
//! | event (INFO) | connected | `server.address`, `server.port`, `db.system.name`, `server.version`, `connection.id`, `auth.plugin`, `tls` |
//! | event (DEBUG) | auth switch, TLS | `auth.plugin`; `server.address` |
//!
//! A span lives from the moment its command is queued to the moment its last result was read
//! (or dropped); `db.response.returned_rows` counts the rows the caller read. `error.type` is
//! the server's error code (`1146`) or the kind of error (`timeout`, `io`, ...).
//!
//! Never recorded: the password, any parameter value, and the query text unless asked for
//! (SQL text can hold literal values; parameters sent with `exec` never appear).
//!
//! **Off, it costs nothing**: without the feature [`CommandSpan`] is a zero-sized type whose
//! methods are empty and inlined away (checked by a test), and no `tracing` crate is compiled.

use crate::connection::Connection;
use crate::error::Error;

/// The most bytes of SQL text recorded as `db.query.text` (cut at a character boundary).
pub const QUERY_TEXT_LIMIT: usize = 2048;

/// The span of one command (see the [module docs](self)): opened when the command is queued,
/// closed when dropped. Zero-sized and free without the `tracing` feature.
#[derive(Debug, Default)]
pub struct CommandSpan {
    #[cfg(feature = "tracing")]
    on: Option<Box<on::Open>>,
}

impl CommandSpan {
    /// Opens the span of a command `operation` (`SELECT`, `PING`, ...) with `sql`, if it has
    /// SQL text, on `conn`.
    #[inline(always)]
    pub fn start(conn: &Connection, operation: Traced<'_>) -> CommandSpan {
        #[cfg(feature = "tracing")]
        return CommandSpan {
            on: on::start(conn, operation),
        };
        #[cfg(not(feature = "tracing"))]
        {
            let _ = (conn, operation);
            CommandSpan {}
        }
    }

    /// Counts one row returned to the caller.
    #[inline(always)]
    pub fn row(&mut self) {
        #[cfg(feature = "tracing")]
        if let Some(on) = &mut self.on {
            on.rows += 1;
        }
    }

    /// Records `error` as the command's `error.type`.
    #[inline(always)]
    pub fn fail(&mut self, error: &Error) {
        #[cfg(feature = "tracing")]
        if let Some(on) = &self.on {
            on.span.record("error.type", on::error_type(error).as_str());
        }
        #[cfg(not(feature = "tracing"))]
        let _ = error;
    }

    /// Passes an operation's poll result through: an error is recorded and closes the span,
    /// `Done` closes it.
    #[inline(always)]
    pub fn end<T>(
        &mut self,
        r: crate::Result<crate::ops::Progress<T>>,
    ) -> crate::Result<crate::ops::Progress<T>> {
        #[cfg(feature = "tracing")]
        match &r {
            Err(e) => {
                self.fail(e);
                self.finish();
            }
            Ok(crate::ops::Progress::Done(_)) => self.finish(),
            Ok(_) => {}
        }
        r
    }

    /// Records the number of commands of a batch (`db.operation.batch.size`).
    #[inline(always)]
    pub fn batch_size(&mut self, n: usize) {
        #[cfg(feature = "tracing")]
        if let Some(on) = &self.on {
            on.span.record("db.operation.batch.size", n);
        }
        #[cfg(not(feature = "tracing"))]
        let _ = n;
    }

    /// Records what the command returned and closes the span.
    #[inline(always)]
    pub fn finish(&mut self) {
        #[cfg(feature = "tracing")]
        {
            self.on = None;
        }
    }
}

/// What a [`CommandSpan`] is opened for.
#[derive(Debug, Clone, Copy)]
pub enum Traced<'a> {
    /// SQL text (a query, or a statement executed or prepared): the operation name is its
    /// first keyword.
    Sql(&'a [u8]),
    /// A named command without SQL (`PING`, `EXECUTE` of a prepared statement, ...).
    Named(&'static str),
    /// A batch of `n` commands named `name` (`BATCH EXECUTE`, `PIPELINE`).
    Batch(&'static str, usize),
}

/// The span of an acquire that waits for a pooled connection. Zero-sized and free without the
/// `tracing` feature.
#[derive(Debug, Default)]
pub struct PoolWaitSpan {
    #[cfg(feature = "tracing")]
    span: Option<tracing::Span>,
}

impl PoolWaitSpan {
    /// Opens the span: the pool has `max` connections, `in_use` of them lent.
    #[inline(always)]
    pub fn start(max: usize, in_use: usize) -> PoolWaitSpan {
        #[cfg(feature = "tracing")]
        return PoolWaitSpan {
            span: Some(tracing::info_span!(
                target: "mysql_proto::trace",
                "db.pool.wait",
                otel.name = "pool wait",
                db.client.connection.pool.max = max,
                db.client.connection.pool.in_use = in_use,
                outcome = "dropped",
            )),
        };
        #[cfg(not(feature = "tracing"))]
        {
            let _ = (max, in_use);
            PoolWaitSpan {}
        }
    }

    /// Records how the wait ended (`granted`, `timeout`, `closed`) and closes the span.
    #[inline(always)]
    pub fn end(self, outcome: &'static str) {
        #[cfg(feature = "tracing")]
        if let Some(span) = &self.span {
            span.record("outcome", outcome);
        }
        #[cfg(not(feature = "tracing"))]
        let _ = outcome;
    }
}

/// The connection is ready (after the handshake): an INFO event.
#[inline(always)]
pub fn connected(conn: &Connection) {
    #[cfg(feature = "tracing")]
    on::connected(conn);
    #[cfg(not(feature = "tracing"))]
    let _ = conn;
}

/// The server asked for another auth plugin: a DEBUG event.
#[inline(always)]
pub fn auth_switch(plugin: &str) {
    #[cfg(feature = "tracing")]
    tracing::event!(
        target: "mysql_proto::trace",
        tracing::Level::DEBUG,
        auth.plugin = plugin,
        "auth switch"
    );
    #[cfg(not(feature = "tracing"))]
    let _ = plugin;
}

/// TLS is being negotiated with `host`: a DEBUG event.
#[inline(always)]
pub fn tls_started(host: &str) {
    #[cfg(feature = "tracing")]
    tracing::event!(
        target: "mysql_proto::trace",
        tracing::Level::DEBUG,
        server.address = host,
        "TLS handshake"
    );
    #[cfg(not(feature = "tracing"))]
    let _ = host;
}

#[cfg(feature = "tracing")]
mod on {
    use super::{Traced, QUERY_TEXT_LIMIT};
    use crate::connection::Connection;
    use crate::error::{Error, ErrorKind};

    /// An open span and the rows counted so far.
    #[derive(Debug)]
    pub(super) struct Open {
        pub(super) span: tracing::Span,
        pub(super) rows: u64,
        counts_rows: bool,
    }

    impl Drop for Open {
        /// Records the rows read (also when the caller dropped the result early).
        fn drop(&mut self) {
            if self.counts_rows {
                self.span.record("db.response.returned_rows", self.rows);
            }
        }
    }

    pub(super) fn start(conn: &Connection, operation: Traced<'_>) -> Option<Box<Open>> {
        // Disabled (no subscriber wants it): nothing is built or formatted.
        if !tracing::enabled!(target: "mysql_proto::trace", tracing::Level::INFO) {
            return None;
        }
        let opts = conn.opts();
        let (name, sql, batch) = match operation {
            Traced::Sql(sql) => (first_keyword(sql), Some(sql), None),
            Traced::Named(name) => (name.to_string(), None, None),
            Traced::Batch(name, n) => (name.to_string(), None, Some(n)),
        };
        let namespace = opts.database().unwrap_or("");
        let otel_name = match namespace {
            "" => name.clone(),
            db => format!("{name} {db}"),
        };
        let system = match conn.server_info().is_some_and(|i| !i.is_mariadb) {
            true => "mysql",
            false => "mariadb",
        };
        let address = opts.socket().unwrap_or(opts.host());
        let span = tracing::info_span!(
            target: "mysql_proto::trace",
            "db.command",
            otel.name = otel_name.as_str(),
            otel.kind = "client",
            db.system.name = system,
            db.namespace = namespace,
            db.operation.name = name.as_str(),
            db.operation.batch.size = batch,
            db.query.text = tracing::field::Empty,
            server.address = address,
            server.port = opts.socket().is_none().then_some(opts.port()),
            db.response.returned_rows = tracing::field::Empty,
            error.type = tracing::field::Empty,
        );
        if let Some(sql) = sql.filter(|_| opts.trace_query_text()) {
            span.record("db.query.text", truncated(sql).as_ref());
        }
        let counts_rows = !matches!(operation, Traced::Named("PING"));
        Some(Box::new(Open {
            span,
            rows: 0,
            counts_rows,
        }))
    }

    /// The first keyword of `sql`, upper-cased (after spaces, parentheses and comments).
    fn first_keyword(sql: &[u8]) -> String {
        let mut rest = sql;
        loop {
            rest = rest.trim_ascii_start();
            if let Some(r) = rest.strip_prefix(b"(") {
                rest = r;
            } else if let Some(r) = rest.strip_prefix(b"/*") {
                let end = r
                    .windows(2)
                    .position(|w| w == b"*/")
                    .map_or(r.len(), |i| i + 2);
                rest = &r[end..];
            } else if rest.starts_with(b"--") || rest.starts_with(b"#") {
                let end = rest.iter().position(|b| *b == b'\n').unwrap_or(rest.len());
                rest = &rest[end..];
            } else {
                break;
            }
        }
        let word = rest
            .iter()
            .take_while(|b| b.is_ascii_alphabetic())
            .take(32)
            .map(|b| b.to_ascii_uppercase() as char)
            .collect::<String>();
        if word.is_empty() {
            "QUERY".into()
        } else {
            word
        }
    }

    /// At most [`QUERY_TEXT_LIMIT`] bytes of `sql`, cut at a character boundary.
    fn truncated(sql: &[u8]) -> std::borrow::Cow<'_, str> {
        let mut end = sql.len().min(QUERY_TEXT_LIMIT);
        while end > 0 && end < sql.len() && (sql[end] & 0xc0) == 0x80 {
            end -= 1;
        }
        String::from_utf8_lossy(&sql[..end])
    }

    /// `error.type`: the server's error code, else the kind.
    pub(super) fn error_type(e: &Error) -> String {
        match e.server() {
            Some(s) => s.code.to_string(),
            None => match e.kind() {
                ErrorKind::Io => "io",
                ErrorKind::Timeout => "timeout",
                ErrorKind::Closed => "closed",
                ErrorKind::Auth => "auth",
                ErrorKind::Misuse => "misuse",
                ErrorKind::Protocol => "protocol",
                ErrorKind::Conversion => "conversion",
                ErrorKind::Limit => "limit",
                ErrorKind::Unsupported => "unsupported",
                ErrorKind::Tls => "tls",
                _ => "error",
            }
            .to_string(),
        }
    }

    pub(super) fn connected(conn: &Connection) {
        let (opts, Some(info)) = (conn.opts(), conn.server_info()) else {
            return;
        };
        tracing::event!(
            target: "mysql_proto::trace",
            tracing::Level::INFO,
            server.address = opts.socket().unwrap_or(opts.host()),
            server.port = opts.socket().is_none().then_some(opts.port()),
            db.system.name = if info.is_mariadb { "mariadb" } else { "mysql" },
            server.version = info.server_version.as_str(),
            connection.id = info.connection_id,
            auth.plugin = info.auth_plugin.as_str(),
            tls = info.tls,
            "connected"
        );
    }

    #[cfg(test)]
    mod tests {
        use super::*;

        #[test]
        fn operation_names_and_truncation() {
            assert_eq!(first_keyword(b"  select 1"), "SELECT");
            assert_eq!(first_keyword(b"/* hint */ (SELECT 1)"), "SELECT");
            assert_eq!(first_keyword(b"-- c\n#d\n insert into t"), "INSERT");
            assert_eq!(first_keyword(b""), "QUERY");
            let long = "é".repeat(QUERY_TEXT_LIMIT);
            let cut = truncated(long.as_bytes());
            assert!(cut.len() <= QUERY_TEXT_LIMIT && cut.chars().all(|c| c == 'é'));
        }
    }
}

#[cfg(all(test, not(feature = "tracing")))]
mod off {
    #[test]
    fn spans_are_zero_sized_when_the_feature_is_off() {
        assert_eq!(std::mem::size_of::<super::CommandSpan>(), 0);
        assert_eq!(std::mem::size_of::<super::PoolWaitSpan>(), 0);
    }
}
