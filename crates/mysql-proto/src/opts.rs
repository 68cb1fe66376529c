//! [`Opts`]: everything needed to open a connection, from a URL or a builder.
//!
//! URL format: `mysql://user:password@host:port/database?option=value&...` (`mariadb://` is
//! accepted too). User, password, database and option values are percent-decoded. An IPv6 host
//! goes in brackets: `mysql://root@[::1]:3307/`. The core uses the protocol fields; the
//! transport fields (host, port, socket, timeouts) are for the adapters.
//!
//! | option | meaning | default |
//! |---|---|---|
//! | `socket` | Unix socket path; used instead of host and port | none |
//! | `connect-timeout` | seconds (`2.5`) or milliseconds (`250ms`) to establish the connection | 10 s |
//! | `read-timeout`, `write-timeout` | per read / write on the socket | none |
//! | `query-timeout` | per statement (async adapters kill the statement and keep the connection) | none |
//! | `multi-statements` | `true`/`false`: allow several statements per query | `true` |
//! | `read-coalescing` | `true`/`false`: while a large result streams over TCP, wake the reader once per 128 KiB instead of once per server write (see [`crate::ReadCoalescing`]) | `true` |
//! | `max-packet` | largest payload accepted from the server, bytes | 64 MiB |
//! | `max-columns` | most columns accepted in one result set | 4096 |
//! | `max-in-flight` | most commands queued before their responses (pipelining) | 1024 |
//! | `max-send-buffer` | most bytes queued unsent before commands are refused | 64 MiB |
//! | `statement-cache` | prepared statements cached per connection for `exec` (0 disables) | 64 |
//! | `ssl-mode` | `DISABLED`, `PREFERRED`, `REQUIRED`, `VERIFY_CA`, `VERIFY_IDENTITY` (see [`crate::tls`]) | `PREFERRED` |
//! | `ssl-ca` | PEM file of the CA that signed the server certificate | none |
//! | `ssl-cert`, `ssl-key` | PEM client certificate and key (mutual TLS) | none |
//! | `tls-server-name` | name to verify the server certificate against (default: the host) | host |
//! | `server-public-key` | PEM file of the server's RSA key (caching_sha2 / sha256 full auth without TLS) | none |
//! | `allow-public-key-retrieval` | fetch that key from the server (a MITM could forge it) | `false` |
//! | `enable-cleartext-plugin` | allow `mysql_clear_password` (still only over TLS or a Unix socket) | `false` |
//! | `tcp-keepalive` | TCP keepalive: probe after this long without traffic (Linux); `off` | off |
//! | `init-sql` | a statement run on every new connection after it authenticated (repeat the option for several, run in order); failing, it fails the connect | none |
//! | `charset`, `collation` | the connection's character set (its default collation) or collation, by name or id (see [`crate::constants::collation`]) | `utf8mb4_general_ci` |
//! | `connection-attributes` | `key:value,key:value` added to the connect attributes the server shows in `performance_schema.session_connect_attrs` | none |
//! | `compression` | `zlib`, `zstd` or `off`: compress the protocol after the handshake (see [`crate::codec::compress`]); a server without it fails the connect | `off` |
//! | `compression-level` | zlib 0-9 (default 6), zstd 1-22 (default 3); after `compression` | see there |
//! | `local-infile` | `true`/`false`: honour `LOAD DATA LOCAL INFILE` for files the statement names (see [`crate::local_infile`]) | `false` |
//! | `local-infile-paths` | `/dir,/dir2`: honour it only for files inside these directories (turns it on) | none |
//! | `prefer-socket` | `true`: after connecting over TCP to a loopback host, ask the server for its Unix socket (`@@socket`) and use that instead (faster), when `ssl-mode` is `PREFERRED` or `DISABLED`; the TCP connection stays if the socket cannot be used | `false` |
//! | `query-attributes` | `true`: negotiate query attributes (MySQL 8.0.23+; a server without them fails the connect) for `set_query_attributes` | `false` |
//! | `trace-query-text` | `true`/`false`: record the SQL text in command spans (feature `tracing`; see [`crate::trace`]) | `false` |
//! | `load-balance` | with several hosts (`mysql://u:p@h1:3306,h2:3307,[::1]:3308/db`): `failover`, `round-robin`, `random` or `least-connections` (see [`crate::hosts`]) | `failover` |
//! | `target` | `any`, `primary` (`read_only` off) or `replica` (`read_only` on); Galera nodes not synced are never used | `any` |
//! | `host-backoff` | how long a host that failed to connect is avoided (doubling per failure in a row) | `5s` |
//! | `pool-min`, `pool-max`, `acquire-timeout`, `idle-timeout`, `max-lifetime`, `check-after-idle`, `reset-on-return` | the pool's options, used by the adapters' `Pool` (see [`crate::pool::PoolOpts`]); a `Conn` ignores them | see there |
//!
//! Option names also accept `_` instead of `-`. Unknown options are an error, so typos do not
//! pass silently.
//!
//! ```
//! use mysql_proto::Opts;
//! let o = Opts::from_url("mysql://app:p%40ss@127.0.0.1:3307/test?connect-timeout=2").unwrap();
//! assert_eq!((o.user(), o.password(), o.port()), ("app", Some("p@ss"), 3307));
//! assert_eq!(o.database(), Some("test"));
//! ```

use core::time::Duration;

pub use crate::codec::compress::Compression;
use crate::constants::collation;
use crate::error::{Error, Result};
use crate::hosts::{LoadBalance, Target};
pub use crate::local_infile::LocalInfile;
use crate::pool::PoolOpts;

/// Connection options. Build with [`Opts::from_url`] or [`Opts::builder`].
///
/// `Debug` never prints the password.
#[derive(Clone)]
pub struct Opts {
    host: String,
    port: u16,
    socket: Option<String>,
    user: String,
    password: Option<String>,
    database: Option<String>,
    connect_timeout: Option<Duration>,
    read_timeout: Option<Duration>,
    write_timeout: Option<Duration>,
    query_timeout: Option<Duration>,
    multi_statements: bool,
    max_packet: usize,
    max_columns: usize,
    statement_cache: usize,
    max_in_flight: usize,
    max_send_buffer: usize,
    collation: u8,
    connect_attributes: Vec<(String, String)>,
    ssl_mode: SslMode,
    ssl_ca: Option<String>,
    ssl_cert: Option<String>,
    ssl_key: Option<String>,
    tls_server_name: Option<String>,
    ssl_ca_pem: Option<Vec<u8>>,
    ssl_cert_pem: Option<Vec<u8>>,
    ssl_key_pem: Option<Vec<u8>>,
    server_public_key: Option<String>,
    server_public_key_pem: Option<Vec<u8>>,
    allow_public_key_retrieval: bool,
    enable_cleartext_plugin: bool,
    read_coalescing: bool,
    pool: PoolOpts,
    trace_query_text: bool,
    init_sql: Vec<String>,
    tcp_keepalive: Option<Duration>,
    compression: Compression,
    local_infile: LocalInfile,
    query_attributes: bool,
    prefer_socket: bool,
    /// The hosts after the first (`host`, `port`), from a URL `h1:p1,h2:p2,...`.
    more_hosts: Vec<(String, u16)>,
    load_balance: LoadBalance,
    target: Target,
    host_backoff: Duration,
}

/// The `ssl-mode` option (see [`crate::tls`] for what each does).
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SslMode {
    /// Never TLS.
    Disabled,
    /// TLS when the server offers it, without checking its certificate.
    #[default]
    Preferred,
    /// TLS or no connection, without checking the certificate.
    Required,
    /// TLS with the certificate checked against `ssl-ca`.
    VerifyCa,
    /// TLS with the certificate checked against `ssl-ca` and the host name.
    VerifyIdentity,
}

/// The query that asks the server for its Unix socket (see [`Opts::socket_upgrade`]).
pub const SERVER_SOCKET_SQL: &str = "SELECT @@socket";

/// Default largest payload accepted from the server (64 MiB, MySQL 8's `max_allowed_packet`).
pub const DEFAULT_MAX_PACKET: usize = 64 << 20;
/// Default most columns in one result set (MySQL's table limit).
pub const DEFAULT_MAX_COLUMNS: usize = 4096;
/// `utf8mb4_general_ci`: the connection collation by default.
pub const DEFAULT_COLLATION: u8 = 45;
/// Default number of prepared statements cached per connection (`statement-cache`).
pub const DEFAULT_STATEMENT_CACHE: usize = 64;

impl Default for Opts {
    fn default() -> Self {
        Opts {
            host: "localhost".into(),
            port: 3306,
            socket: None,
            user: String::new(),
            password: None,
            database: None,
            connect_timeout: Some(Duration::from_secs(10)),
            read_timeout: None,
            write_timeout: None,
            query_timeout: None,
            multi_statements: true,
            max_packet: DEFAULT_MAX_PACKET,
            max_columns: DEFAULT_MAX_COLUMNS,
            statement_cache: DEFAULT_STATEMENT_CACHE,
            max_in_flight: 1024,
            max_send_buffer: 64 << 20,
            collation: DEFAULT_COLLATION,
            connect_attributes: vec![
                ("_client_name".into(), "mysql-rs".into()),
                ("_client_version".into(), env!("CARGO_PKG_VERSION").into()),
                ("_os".into(), std::env::consts::OS.into()),
                ("_platform".into(), std::env::consts::ARCH.into()),
            ],
            ssl_mode: SslMode::default(),
            ssl_ca: None,
            ssl_cert: None,
            ssl_key: None,
            tls_server_name: None,
            ssl_ca_pem: None,
            ssl_cert_pem: None,
            ssl_key_pem: None,
            server_public_key: None,
            server_public_key_pem: None,
            allow_public_key_retrieval: false,
            enable_cleartext_plugin: false,
            read_coalescing: true,
            pool: PoolOpts::default(),
            trace_query_text: false,
            init_sql: Vec::new(),
            tcp_keepalive: None,
            compression: Compression::Off,
            local_infile: LocalInfile::Off,
            query_attributes: false,
            prefer_socket: false,
            more_hosts: Vec::new(),
            load_balance: LoadBalance::Failover,
            target: Target::Any,
            host_backoff: crate::hosts::DEFAULT_BACKOFF,
        }
    }
}

impl Opts {
    /// Parses a `mysql://` URL (see the module docs). Fails with a misuse error naming the problem.
    pub fn from_url(url: &str) -> Result<Opts> {
        let rest = url
            .strip_prefix("mysql://")
            .or_else(|| url.strip_prefix("mariadb://"))
            .ok_or_else(|| Error::misuse("URL must start with mysql:// or mariadb://"))?;
        let (main, query) = match rest.split_once('?') {
            Some((m, q)) => (m, Some(q)),
            None => (rest, None),
        };
        let (authority, path) = match main.find('/') {
            Some(i) => (&main[..i], &main[i + 1..]),
            None => (main, ""),
        };
        let mut o = Opts::default();
        let hostport = match authority.rfind('@') {
            Some(i) => {
                let userinfo = &authority[..i];
                match userinfo.split_once(':') {
                    Some((u, p)) => {
                        o.user = percent_decode(u)?;
                        o.password = Some(percent_decode(p)?);
                    }
                    None => o.user = percent_decode(userinfo)?,
                }
                &authority[i + 1..]
            }
            None => authority,
        };
        // Several hosts: `h1:3306,h2:3307,[::1]:3308` (a host without a port takes 3306).
        for (i, one) in hostport.split(',').enumerate() {
            let (host, port) = parse_host_port(one)?;
            if i == 0 {
                if !host.is_empty() {
                    o.host = host;
                }
                if let Some(p) = port {
                    o.port = p;
                }
            } else if host.is_empty() {
                return Err(Error::misuse(format!(
                    "empty host in the URL's host list `{hostport}`"
                )));
            } else {
                o.more_hosts.push((host, port.unwrap_or(3306)));
            }
        }
        if !path.is_empty() {
            o.database = Some(percent_decode(path)?);
        }
        for pair in query.unwrap_or("").split('&').filter(|s| !s.is_empty()) {
            let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
            o.set_option(&k.replace('_', "-"), &percent_decode(v)?)?;
        }
        Ok(o)
    }

    fn set_option(&mut self, key: &str, value: &str) -> Result<()> {
        match key {
            "load-balance" => {
                self.load_balance = LoadBalance::parse(value).ok_or_else(|| {
                    Error::misuse(format!(
                        "unknown load-balance `{value}` (failover, round-robin, random, least-connections)"
                    ))
                })?
            }
            "target" => {
                self.target = Target::parse(value).ok_or_else(|| {
                    Error::misuse(format!("unknown target `{value}` (any, primary, replica)"))
                })?
            }
            "host-backoff" => self.host_backoff = parse_duration(key, value)?,
            "socket" => self.socket = Some(value.to_string()),
            "connect-timeout" => self.connect_timeout = Some(parse_duration(key, value)?),
            "read-timeout" => self.read_timeout = Some(parse_duration(key, value)?),
            "write-timeout" => self.write_timeout = Some(parse_duration(key, value)?),
            "query-timeout" => self.query_timeout = Some(parse_duration(key, value)?),
            "multi-statements" => self.multi_statements = parse_bool(key, value)?,
            "read-coalescing" => self.read_coalescing = parse_bool(key, value)?,
            "max-packet" => self.max_packet = parse_num(key, value)?,
            "max-columns" => self.max_columns = parse_num(key, value)?,
            "statement-cache" => self.statement_cache = parse_num(key, value)?,
            "max-in-flight" => self.max_in_flight = parse_num(key, value)?.max(1),
            "max-send-buffer" => self.max_send_buffer = parse_num(key, value)?,
            "ssl-mode" => {
                self.ssl_mode = match value.to_ascii_uppercase().replace('-', "_").as_str() {
                    "DISABLED" => SslMode::Disabled,
                    "PREFERRED" => SslMode::Preferred,
                    "REQUIRED" => SslMode::Required,
                    "VERIFY_CA" => SslMode::VerifyCa,
                    "VERIFY_IDENTITY" => SslMode::VerifyIdentity,
                    _ => return Err(Error::misuse(format!("unknown ssl-mode `{value}`"))),
                }
            }
            "ssl-ca" => self.ssl_ca = Some(value.to_string()),
            "ssl-cert" => self.ssl_cert = Some(value.to_string()),
            "ssl-key" => self.ssl_key = Some(value.to_string()),
            "tls-server-name" => self.tls_server_name = Some(value.to_string()),
            "server-public-key" => self.server_public_key = Some(value.to_string()),
            "allow-public-key-retrieval" => {
                self.allow_public_key_retrieval = parse_bool(key, value)?
            }
            "enable-cleartext-plugin" => self.enable_cleartext_plugin = parse_bool(key, value)?,
            "pool-min" => self.pool.min_size = parse_num(key, value)?,
            "pool-max" => self.pool.max_size = parse_num(key, value)?.max(1),
            "acquire-timeout" => self.pool.acquire_timeout = parse_limit(key, value)?,
            "idle-timeout" => self.pool.idle_timeout = parse_limit(key, value)?,
            "max-lifetime" => self.pool.max_lifetime = parse_limit(key, value)?,
            "check-after-idle" => self.pool.check_after_idle = parse_limit(key, value)?,
            "reset-on-return" => self.pool.reset_on_return = parse_bool(key, value)?,
            "trace-query-text" => self.trace_query_text = parse_bool(key, value)?,
            "init-sql" => self.init_sql.push(value.to_string()),
            "tcp-keepalive" => self.tcp_keepalive = parse_limit(key, value)?,
            "compression" => {
                let c = Compression::parse(value).map_err(Error::misuse)?;
                if !c.is_available() {
                    return Err(Error::unsupported(format!(
                        "compression={value} needs the `{value}` feature of mysql-proto"
                    )));
                }
                self.compression = c;
            }
            "query-attributes" => self.query_attributes = parse_bool(key, value)?,
            "prefer-socket" => self.prefer_socket = parse_bool(key, value)?,
            "local-infile" => {
                self.local_infile = match parse_bool(key, value)? {
                    true => LocalInfile::On,
                    false => LocalInfile::Off,
                }
            }
            "local-infile-paths" => {
                let dirs: Vec<String> = value
                    .split(',')
                    .filter(|d| !d.is_empty())
                    .map(String::from)
                    .collect();
                if let Some(d) = dirs
                    .iter()
                    .find(|d| !d.starts_with('/') || d.contains(".."))
                {
                    return Err(Error::misuse(format!(
                        "local-infile-paths wants absolute directories, got `{d}`"
                    )));
                }
                self.local_infile = if dirs.is_empty() {
                    LocalInfile::Off
                } else {
                    LocalInfile::Paths(dirs)
                };
            }
            "compression-level" => {
                let level = parse_num(key, value)? as i64;
                self.compression = self.compression.with_level(level).map_err(Error::misuse)?;
            }
            "collation" => {
                self.collation = match value.parse::<u8>() {
                    Ok(id) if id > 0 => id,
                    _ => collation::collation_id(value).ok_or_else(|| {
                        Error::misuse(format!(
                            "unknown collation `{value}` (known: {}; or a numeric id 1-255)",
                            names(collation::COLLATIONS)
                        ))
                    })?,
                }
            }
            "charset" => {
                self.collation = collation::charset_collation_id(value).ok_or_else(|| {
                    let known = names(collation::CHARSETS);
                    Error::misuse(format!("unknown charset `{value}` (known: {known})"))
                })?
            }
            "connection-attributes" => {
                for pair in value.split(',').filter(|p| !p.is_empty()) {
                    let (k, v) = pair.split_once(':').ok_or_else(|| {
                        Error::misuse(format!(
                            "connection-attributes wants key:value pairs, got `{pair}`"
                        ))
                    })?;
                    self.connect_attributes.push((k.to_string(), v.to_string()));
                }
            }
            _ => return Err(Error::misuse(format!("unknown URL option `{key}`"))),
        }
        Ok(())
    }

    /// A builder starting from the defaults (`localhost:3306`, no user, no database).
    pub fn builder() -> OptsBuilder {
        OptsBuilder(Opts::default())
    }

    /// A builder starting from `opts`, to change some fields.
    pub fn builder_from(opts: Opts) -> OptsBuilder {
        OptsBuilder(opts)
    }

    /// Host name or IP address to connect to over TCP.
    pub fn host(&self) -> &str {
        &self.host
    }
    /// TCP port.
    pub fn port(&self) -> u16 {
        self.port
    }
    /// Unix socket path, which takes precedence over host and port.
    pub fn socket(&self) -> Option<&str> {
        self.socket.as_deref()
    }
    /// User name.
    pub fn user(&self) -> &str {
        &self.user
    }
    /// Password.
    pub fn password(&self) -> Option<&str> {
        self.password.as_deref()
    }
    /// Default database.
    pub fn database(&self) -> Option<&str> {
        self.database.as_deref()
    }
    /// Time allowed to establish the connection (TCP connect plus handshake).
    pub fn connect_timeout(&self) -> Option<Duration> {
        self.connect_timeout
    }
    /// Time allowed for each read from the socket (blocking adapter; an expired read breaks the
    /// connection, use the query timeout to bound statements).
    pub fn read_timeout(&self) -> Option<Duration> {
        self.read_timeout
    }
    /// Time allowed for each write to the socket.
    pub fn write_timeout(&self) -> Option<Duration> {
        self.write_timeout
    }
    /// Time allowed for each statement, counted from when its command was queued, enforced by
    /// every adapter (the statement is killed with `KILL QUERY` and the connection kept; see
    /// [`ops::timeout`](crate::ops::timeout)).
    pub fn query_timeout(&self) -> Option<Duration> {
        self.query_timeout
    }
    /// Whether several statements may be sent in one query.
    pub fn multi_statements(&self) -> bool {
        self.multi_statements
    }
    /// Largest payload accepted from the server.
    pub fn max_packet(&self) -> usize {
        self.max_packet
    }
    /// Most columns accepted in one result set.
    pub fn max_columns(&self) -> usize {
        self.max_columns
    }
    /// Prepared statements cached per connection.
    pub fn statement_cache(&self) -> usize {
        self.statement_cache
    }
    /// Most commands in flight at once.
    pub fn max_in_flight(&self) -> usize {
        self.max_in_flight
    }
    /// Most unsent bytes before commands are refused.
    pub fn max_send_buffer(&self) -> usize {
        self.max_send_buffer
    }
    /// Connection collation id.
    pub fn collation(&self) -> u8 {
        self.collation
    }
    /// Connection attributes sent in the handshake.
    pub fn connect_attributes(&self) -> &[(String, String)] {
        &self.connect_attributes
    }
    /// The `ssl-mode`.
    pub fn ssl_mode(&self) -> SslMode {
        self.ssl_mode
    }
    /// The name the server certificate is checked against.
    pub fn tls_server_name(&self) -> Option<&str> {
        self.tls_server_name.as_deref()
    }
    /// The CA certificate(s), PEM, once loaded.
    pub fn ssl_ca_pem(&self) -> Option<&[u8]> {
        self.ssl_ca_pem.as_deref()
    }
    /// The client certificate chain, PEM, once loaded.
    pub fn ssl_cert_pem(&self) -> Option<&[u8]> {
        self.ssl_cert_pem.as_deref()
    }
    /// The client key, PEM, once loaded.
    pub fn ssl_key_pem(&self) -> Option<&[u8]> {
        self.ssl_key_pem.as_deref()
    }
    /// The server's RSA public key (PEM), once loaded.
    pub fn server_public_key_pem(&self) -> Option<&[u8]> {
        self.server_public_key_pem.as_deref()
    }
    /// Whether the server's public key may be fetched from it.
    pub fn allow_public_key_retrieval(&self) -> bool {
        self.allow_public_key_retrieval
    }
    /// Whether `mysql_clear_password` may be used.
    pub fn enable_cleartext_plugin(&self) -> bool {
        self.enable_cleartext_plugin
    }
    /// TCP keepalive (`tcp-keepalive`): probes after this long without traffic; `None` (the
    /// default) leaves the OS default (off).
    pub fn tcp_keepalive(&self) -> Option<Duration> {
        self.tcp_keepalive
    }

    /// Whether a connection just made should move to the server's Unix socket
    /// (`prefer-socket`): asked for, no socket given, a loopback host (`localhost`, `127.x`,
    /// `::1`), and an `ssl-mode` that does not demand TLS (a Unix socket is private, so
    /// `PREFERRED` goes without). Adapters then query [`SERVER_SOCKET_SQL`] and connect again
    /// with [`with_socket`](Self::with_socket), keeping the TCP connection if that fails.
    pub fn socket_upgrade(&self) -> bool {
        let loopback = matches!(self.host.as_str(), "localhost" | "::1" | "[::1]")
            || self.host.starts_with("127.");
        self.prefer_socket
            && self.socket.is_none()
            && loopback
            && matches!(self.ssl_mode, SslMode::Preferred | SslMode::Disabled)
    }

    /// Every host to connect to, in the URL's order: `host:port` first, then the others of a
    /// URL `h1:p1,h2:p2,...` (see [`crate::hosts`]).
    pub fn hosts(&self) -> Vec<(String, u16)> {
        let mut all = vec![(self.host.clone(), self.port)];
        all.extend(self.more_hosts.iter().cloned());
        all
    }

    /// How many hosts [`hosts`](Self::hosts) lists.
    pub fn hosts_len(&self) -> usize {
        1 + self.more_hosts.len()
    }

    /// How a connection picks among several hosts (`load-balance`).
    pub fn load_balance(&self) -> LoadBalance {
        self.load_balance
    }

    /// Which servers a connection may use (`target`).
    pub fn target(&self) -> Target {
        self.target
    }

    /// How long a host that failed to connect is avoided (`host-backoff`, 5 s by default;
    /// doubled for each further failure in a row, see [`crate::hosts`]).
    pub fn host_backoff(&self) -> Duration {
        self.host_backoff
    }

    /// These options for host `i` of [`hosts`](Self::hosts) alone (the first host when `i` is
    /// out of range).
    pub fn for_host(&self, i: usize) -> Opts {
        let mut o = self.clone();
        if let Some((host, port)) = i.checked_sub(1).and_then(|j| self.more_hosts.get(j)) {
            o.host = host.clone();
            o.port = *port;
        }
        o.more_hosts.clear();
        o
    }

    /// These options with the Unix socket `path` instead of TCP.
    pub fn with_socket(&self, path: impl Into<String>) -> Opts {
        let mut o = self.clone();
        o.socket = Some(path.into());
        o
    }

    /// Whether query attributes are negotiated (`query-attributes`).
    pub fn query_attributes(&self) -> bool {
        self.query_attributes
    }

    /// The login `COM_CHANGE_USER` switched to (its user, password and default database).
    pub(crate) fn set_login(&mut self, user: &str, password: Option<&str>, database: Option<&str>) {
        self.user = user.to_string();
        self.password = password.map(String::from);
        self.database = database.map(String::from);
    }

    /// Whether and for which files `LOAD DATA LOCAL INFILE` is honoured (`local-infile`,
    /// `local-infile-paths`; see [`crate::local_infile`]).
    pub fn local_infile(&self) -> &LocalInfile {
        &self.local_infile
    }

    /// The protocol compression asked for (`compression`, `compression-level`).
    pub fn compression(&self) -> Compression {
        self.compression
    }

    /// Statements run on every new connection right after it authenticated (`init-sql`, may
    /// be given several times; run in order).
    pub fn init_sql(&self) -> &[String] {
        &self.init_sql
    }

    /// Whether command spans record the SQL text (`trace-query-text`; see [`crate::trace`]).
    pub fn trace_query_text(&self) -> bool {
        self.trace_query_text
    }

    /// The pool's options (`pool-max`, `acquire-timeout`, ...), read by the adapters' `Pool`.
    pub fn pool(&self) -> &PoolOpts {
        &self.pool
    }

    /// Whether the adapters may coalesce socket reads while a large result set streams in (see
    /// [`crate::ReadCoalescing`]).
    pub fn read_coalescing(&self) -> bool {
        self.read_coalescing
    }
    /// Whether the transport is a Unix socket (a secure transport for cleartext passwords).
    pub fn is_unix_socket(&self) -> bool {
        self.socket.is_some()
    }

    /// Reads the `ssl-ca`, `ssl-cert`, `ssl-key` and `server-public-key` files with `read` (the adapters pass
    /// `std::fs::read`; the core does no IO). Fails with a misuse error naming the file.
    pub fn load_tls_files(
        &mut self,
        read: impl Fn(&str) -> std::io::Result<Vec<u8>>,
    ) -> Result<()> {
        let load = |what: &str, path: &Option<String>| -> Result<Option<Vec<u8>>> {
            match path {
                None => Ok(None),
                Some(p) => read(p)
                    .map(Some)
                    .map_err(|e| Error::misuse(format!("cannot read {what} file `{p}`: {e}"))),
            }
        };
        if self.ssl_ca_pem.is_none() {
            self.ssl_ca_pem = load("ssl-ca", &self.ssl_ca)?;
        }
        if self.ssl_cert_pem.is_none() {
            self.ssl_cert_pem = load("ssl-cert", &self.ssl_cert)?;
        }
        if self.ssl_key_pem.is_none() {
            self.ssl_key_pem = load("ssl-key", &self.ssl_key)?;
        }
        if self.server_public_key_pem.is_none() {
            self.server_public_key_pem = load("server-public-key", &self.server_public_key)?;
        }
        Ok(())
    }
}

/// Anything a `connect` function accepts: a URL (`&str`, `String`) or [`Opts`].
pub trait IntoOpts {
    /// Converts into options; a URL that does not parse is a misuse error.
    fn into_opts(self) -> Result<Opts>;
}

impl IntoOpts for Opts {
    fn into_opts(self) -> Result<Opts> {
        Ok(self)
    }
}
impl IntoOpts for &Opts {
    fn into_opts(self) -> Result<Opts> {
        Ok(self.clone())
    }
}
impl IntoOpts for &str {
    fn into_opts(self) -> Result<Opts> {
        Opts::from_url(self)
    }
}
impl IntoOpts for String {
    fn into_opts(self) -> Result<Opts> {
        Opts::from_url(&self)
    }
}
impl IntoOpts for &String {
    fn into_opts(self) -> Result<Opts> {
        Opts::from_url(self)
    }
}

impl TryFrom<&str> for Opts {
    type Error = Error;
    /// [`Opts::from_url`].
    fn try_from(url: &str) -> Result<Opts> {
        Opts::from_url(url)
    }
}

impl TryFrom<String> for Opts {
    type Error = Error;
    /// [`Opts::from_url`].
    fn try_from(url: String) -> Result<Opts> {
        Opts::from_url(&url)
    }
}

impl TryFrom<&String> for Opts {
    type Error = Error;
    /// [`Opts::from_url`].
    fn try_from(url: &String) -> Result<Opts> {
        Opts::from_url(url)
    }
}

impl std::fmt::Debug for Opts {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Opts")
            .field("host", &self.host)
            .field("port", &self.port)
            .field("socket", &self.socket)
            .field("user", &self.user)
            .field("password", &self.password.as_ref().map(|_| "<redacted>"))
            .field("database", &self.database)
            .field("connect_timeout", &self.connect_timeout)
            .field("read_timeout", &self.read_timeout)
            .field("write_timeout", &self.write_timeout)
            .field("query_timeout", &self.query_timeout)
            .field("multi_statements", &self.multi_statements)
            .field("max_packet", &self.max_packet)
            .field("max_columns", &self.max_columns)
            .field("ssl_mode", &self.ssl_mode)
            .field("ssl_ca", &self.ssl_ca)
            .field("ssl_cert", &self.ssl_cert)
            .field("ssl_key", &self.ssl_key.as_ref().map(|_| "<path>"))
            .field("pool", &self.pool)
            .finish()
    }
}

/// Builds [`Opts`] field by field; every URL option has a method.
#[derive(Debug, Clone)]
pub struct OptsBuilder(Opts);

impl OptsBuilder {
    /// Several hosts (replacing `host` and `port`): connections pick among them by
    /// [`load_balance`](Self::load_balance) (see [`crate::hosts`]). An empty list changes
    /// nothing.
    pub fn hosts<S: Into<String>>(mut self, hosts: impl IntoIterator<Item = (S, u16)>) -> Self {
        let mut all = hosts.into_iter().map(|(h, p)| (h.into(), p));
        if let Some((host, port)) = all.next() {
            self.0.host = host;
            self.0.port = port;
            self.0.more_hosts = all.collect();
        }
        self
    }
    /// How a connection picks among several hosts.
    pub fn load_balance(mut self, policy: LoadBalance) -> Self {
        self.0.load_balance = policy;
        self
    }
    /// Which servers a connection may use.
    pub fn target(mut self, target: Target) -> Self {
        self.0.target = target;
        self
    }
    /// How long a host that failed to connect is avoided.
    pub fn host_backoff(mut self, backoff: Duration) -> Self {
        self.0.host_backoff = backoff;
        self
    }
    /// Host name or IP address.
    pub fn host(mut self, host: impl Into<String>) -> Self {
        self.0.host = host.into();
        self
    }
    /// TCP port.
    pub fn port(mut self, port: u16) -> Self {
        self.0.port = port;
        self
    }
    /// Unix socket path (takes precedence over host and port).
    pub fn socket(mut self, path: impl Into<String>) -> Self {
        self.0.socket = Some(path.into());
        self
    }
    /// User name.
    pub fn user(mut self, user: impl Into<String>) -> Self {
        self.0.user = user.into();
        self
    }
    /// Password.
    pub fn password(mut self, password: impl Into<String>) -> Self {
        self.0.password = Some(password.into());
        self
    }
    /// Default database.
    pub fn database(mut self, db: impl Into<String>) -> Self {
        self.0.database = Some(db.into());
        self
    }
    /// Connect timeout (`None` waits forever).
    pub fn connect_timeout(mut self, t: Option<Duration>) -> Self {
        self.0.connect_timeout = t;
        self
    }
    /// Per-read timeout.
    pub fn read_timeout(mut self, t: Option<Duration>) -> Self {
        self.0.read_timeout = t;
        self
    }
    /// Per-write timeout.
    pub fn write_timeout(mut self, t: Option<Duration>) -> Self {
        self.0.write_timeout = t;
        self
    }
    /// Per-statement timeout (async adapters).
    pub fn query_timeout(mut self, t: Option<Duration>) -> Self {
        self.0.query_timeout = t;
        self
    }
    /// Allow several statements per query (default true).
    pub fn multi_statements(mut self, on: bool) -> Self {
        self.0.multi_statements = on;
        self
    }
    /// Largest payload accepted from the server.
    pub fn max_packet(mut self, bytes: usize) -> Self {
        self.0.max_packet = bytes;
        self
    }
    /// Most columns accepted in one result set.
    pub fn max_columns(mut self, n: usize) -> Self {
        self.0.max_columns = n;
        self
    }
    /// Most commands in flight at once (at least 1).
    pub fn max_in_flight(mut self, n: usize) -> Self {
        self.0.max_in_flight = n.max(1);
        self
    }
    /// Most unsent bytes before commands are refused.
    pub fn max_send_buffer(mut self, bytes: usize) -> Self {
        self.0.max_send_buffer = bytes;
        self
    }
    /// Prepared statements cached per connection (0 disables the cache).
    pub fn statement_cache(mut self, n: usize) -> Self {
        self.0.statement_cache = n;
        self
    }
    /// The `ssl-mode`.
    pub fn ssl_mode(mut self, mode: SslMode) -> Self {
        self.0.ssl_mode = mode;
        self
    }
    /// The CA certificate(s) as PEM bytes (instead of an `ssl-ca` file).
    pub fn ssl_ca_pem(mut self, pem: impl Into<Vec<u8>>) -> Self {
        self.0.ssl_ca_pem = Some(pem.into());
        self
    }
    /// The client certificate and key as PEM bytes (instead of files).
    pub fn ssl_client_pem(mut self, cert: impl Into<Vec<u8>>, key: impl Into<Vec<u8>>) -> Self {
        self.0.ssl_cert_pem = Some(cert.into());
        self.0.ssl_key_pem = Some(key.into());
        self
    }
    /// The server's RSA public key as PEM bytes (instead of a file).
    pub fn server_public_key_pem(mut self, pem: impl Into<Vec<u8>>) -> Self {
        self.0.server_public_key_pem = Some(pem.into());
        self
    }
    /// Allow fetching the server's RSA public key.
    pub fn allow_public_key_retrieval(mut self, on: bool) -> Self {
        self.0.allow_public_key_retrieval = on;
        self
    }
    /// Allow `mysql_clear_password` (over TLS or a Unix socket only).
    pub fn enable_cleartext_plugin(mut self, on: bool) -> Self {
        self.0.enable_cleartext_plugin = on;
        self
    }
    /// Adds a statement run on every new connection right after it authenticated (`SET
    /// time_zone = '+00:00'`, ...). A failing one fails the connect with the server's error.
    pub fn init_sql(mut self, sql: impl Into<String>) -> Self {
        self.0.init_sql.push(sql.into());
        self
    }

    /// TCP keepalive: the kernel probes the server after `idle` without traffic (and every
    /// `idle / 3`, 3 times), so a dead server or a dropped NAT mapping breaks the connection
    /// instead of leaving it silent. Linux only (ignored elsewhere).
    pub fn tcp_keepalive(mut self, idle: Option<Duration>) -> Self {
        self.0.tcp_keepalive = idle;
        self
    }

    /// Negotiate query attributes (MySQL 8.0.23+; see
    /// [`Connection::set_query_attributes`](crate::Connection::set_query_attributes)).
    pub fn query_attributes(mut self, on: bool) -> Self {
        self.0.query_attributes = on;
        self
    }

    /// Honour `LOAD DATA LOCAL INFILE` (off by default; see [`crate::local_infile`]).
    pub fn local_infile(mut self, setting: LocalInfile) -> Self {
        self.0.local_infile = setting;
        self
    }

    /// Compress the protocol (see [`crate::codec::compress`]): the connect fails when the
    /// server cannot, or when this build lacks the algorithm's feature.
    pub fn compression(mut self, compression: Compression) -> Self {
        self.0.compression = compression;
        self
    }

    /// The connection collation (a handshake id, see [`crate::constants::collation`]).
    pub fn collation(mut self, id: u8) -> Self {
        self.0.collation = id;
        self
    }

    /// Record the SQL text in command spans (feature `tracing`; off by default, as SQL text can
    /// hold literal values).
    pub fn trace_query_text(mut self, on: bool) -> Self {
        self.0.trace_query_text = on;
        self
    }

    /// The pool's options (used by the adapters' `Pool`; a `Conn` ignores them).
    pub fn pool(mut self, pool: PoolOpts) -> Self {
        self.0.pool = pool;
        self
    }

    /// Allow read coalescing (on by default; see [`crate::ReadCoalescing`]): off, every server
    /// write that finds the reader asleep wakes it, as with most drivers.
    pub fn read_coalescing(mut self, on: bool) -> Self {
        self.0.read_coalescing = on;
        self
    }
    /// The name to check the server certificate against.
    pub fn tls_server_name(mut self, name: impl Into<String>) -> Self {
        self.0.tls_server_name = Some(name.into());
        self
    }
    /// Adds a connection attribute.
    pub fn connect_attribute(mut self, key: impl Into<String>, value: impl Into<String>) -> Self {
        self.0.connect_attributes.push((key.into(), value.into()));
        self
    }
    /// The finished options.
    pub fn build(self) -> Opts {
        self.0
    }
}

fn percent_decode(s: &str) -> Result<String> {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' {
            let hex = b
                .get(i + 1..i + 3)
                .and_then(|h| std::str::from_utf8(h).ok())
                .and_then(|h| u8::from_str_radix(h, 16).ok())
                .ok_or_else(|| Error::misuse(format!("bad percent-escape in URL part `{s}`")))?;
            out.push(hex);
            i += 3;
        } else {
            out.push(b[i]);
            i += 1;
        }
    }
    String::from_utf8(out).map_err(|_| Error::misuse(format!("URL part `{s}` is not UTF-8")))
}

/// `host`, `host:port`, `[v6]`, `[v6]:port` (percent-decoded host).
fn parse_host_port(s: &str) -> Result<(String, Option<u16>)> {
    let (host, port) = if let Some(h) = s.strip_prefix('[') {
        let (h, after) = h
            .split_once(']')
            .ok_or_else(|| Error::misuse("unclosed [ in URL host"))?;
        (h, after.strip_prefix(':'))
    } else {
        match s.rsplit_once(':') {
            Some((h, p)) => (h, Some(p)),
            None => (s, None),
        }
    };
    let port = match port.filter(|p| !p.is_empty()) {
        Some(p) => Some(
            p.parse()
                .map_err(|_| Error::misuse(format!("invalid port `{p}` in URL")))?,
        ),
        None => None,
    };
    Ok((percent_decode(host)?, port))
}

fn parse_duration(key: &str, v: &str) -> Result<Duration> {
    let bad = || Error::misuse(format!("invalid duration `{v}` for {key}"));
    if let Some(ms) = v.strip_suffix("ms") {
        return ms
            .parse::<u64>()
            .map(Duration::from_millis)
            .map_err(|_| bad());
    }
    let secs = v
        .strip_suffix('s')
        .unwrap_or(v)
        .parse::<f64>()
        .map_err(|_| bad())?;
    Duration::try_from_secs_f64(secs).map_err(|_| bad())
}

/// The names of a name table, for error messages.
fn names(table: &[(&str, u8)]) -> String {
    table.iter().map(|(n, _)| *n).collect::<Vec<_>>().join(", ")
}

/// A duration, or `off` / `none` for no limit.
fn parse_limit(key: &str, v: &str) -> Result<Option<Duration>> {
    match v {
        "off" | "none" => Ok(None),
        _ => parse_duration(key, v).map(Some),
    }
}

fn parse_bool(key: &str, v: &str) -> Result<bool> {
    match v {
        "1" | "true" | "on" | "yes" => Ok(true),
        "0" | "false" | "off" | "no" => Ok(false),
        _ => Err(Error::misuse(format!("invalid boolean `{v}` for {key}"))),
    }
}

fn parse_num(key: &str, v: &str) -> Result<usize> {
    v.parse()
        .map_err(|_| Error::misuse(format!("invalid number `{v}` for {key}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn connection_attributes_and_init_sql_from_the_url() {
        let o = Opts::from_url(
            "mysql://u@h/?connection-attributes=app:orders,team:db&init-sql=SET%20%40a%3D1&init-sql=DO%201",
        )
        .unwrap();
        let attrs = o.connect_attributes();
        assert!(
            attrs.contains(&("app".into(), "orders".into())),
            "{attrs:?}"
        );
        assert!(attrs.contains(&("team".into(), "db".into())), "{attrs:?}");
        assert_eq!(o.init_sql(), ["SET @a=1", "DO 1"]);
        let o =
            Opts::from_url("mysql://u@h/?charset=utf8mb4&collation=utf8mb4_unicode_ci").unwrap();
        assert_eq!(o.collation(), 224);
    }

    #[test]
    fn full_url() {
        let o = Opts::from_url(
            "mysql://u%20x:p%3Aw@[::1]:3307/my%2Fdb?socket=%2Ftmp%2Fs.sock&read_timeout=250ms&multi-statements=false",
        )
        .unwrap();
        assert_eq!(o.user(), "u x");
        assert_eq!(o.password(), Some("p:w"));
        assert_eq!(o.host(), "::1");
        assert_eq!(o.port(), 3307);
        assert_eq!(o.database(), Some("my/db"));
        assert_eq!(o.socket(), Some("/tmp/s.sock"));
        assert_eq!(o.read_timeout(), Some(Duration::from_millis(250)));
        assert!(!o.multi_statements());
    }

    #[test]
    fn minimal_and_bad_urls() {
        let o = Opts::from_url("mysql://localhost").unwrap();
        assert_eq!(
            (o.host(), o.port(), o.user(), o.password()),
            ("localhost", 3306, "", None)
        );
        for bad in [
            "http://x",
            "mysql://h:notaport/",
            "mysql://h/?bogus=1",
            "mysql://h/?connect-timeout=x",
            "mysql://%zz@h/",
            "mysql://[::1/",
        ] {
            assert_eq!(
                Opts::from_url(bad).unwrap_err().kind(),
                crate::ErrorKind::Misuse,
                "{bad}"
            );
        }
        let o = Opts::from_url("mysql://h/?ssl-mode=verify_identity&ssl-ca=/x.pem").unwrap();
        assert_eq!(o.ssl_mode(), SslMode::VerifyIdentity);
        assert!(Opts::from_url("mysql://h/?ssl-mode=SOMETIMES").is_err());
    }

    #[test]
    fn debug_hides_password() {
        let o = Opts::from_url("mysql://u:hunter2@h/").unwrap();
        assert!(!format!("{o:?}").contains("hunter2"));
    }
}
