//! The connection phase: greeting, handshake response, auth switch, final OK or ERR.
//!
//! | state | packet from server | action | next state |
//! |---|---|---|---|
//! | `Greeting` (seq 0) | ERR | fail: [`ErrorKind::Auth`] with the server's code | broken |
//! | `Greeting` | HandshakeV10, no TLS | send HandshakeResponse41 (seq 1) | `Auth` |
//! | `Greeting` | HandshakeV10, TLS (see [`crate::tls`]) | send SSLRequest (seq 1) in plaintext, start TLS, send HandshakeResponse41 (seq 2) through it | `Auth` |
//! | `Auth` | OK | emit `Connected` | ready |
//! | `Auth` | ERR | fail: [`ErrorKind::Auth`] | broken |
//! | `Auth` | AuthSwitchRequest (0xFE) | answer with the named plugin | `Auth` |
//! | `Auth` | AuthMoreData (0x01) | the plugin's exchange (see [`crate::auth`]): maybe a reply | `Auth` |
//! | `Auth` | anything else | fail: protocol error | broken |
//!
//! [`ErrorKind::Auth`]: crate::ErrorKind::Auth

use rand_core::CryptoRngCore;

use crate::auth::{self, AuthContext, AuthExchange, MYSQL_NATIVE_PASSWORD};
use crate::codec::framing;
use crate::constants::*;
use crate::error::{Error, ErrorKind, Result};
use crate::opts::{Compression, SslMode};
use crate::packets::{parse_err, AuthSwitchRequest, Greeting, HandshakeResponse, OkPacket};
use crate::Opts;

use super::event::ServerInfo;

/// What the connection does after a handshake packet.
#[derive(Debug)]
pub(crate) enum HandshakeStep {
    /// Keep reading.
    Continue,
    /// Start TLS: the first `plaintext_len` bytes of the send buffer go out unencrypted (the
    /// SSLRequest), everything after through TLS.
    StartTls { plaintext_len: usize },
    /// Authenticated; with the server's nonce (for `COM_CHANGE_USER`).
    Done(ServerInfo, Vec<u8>),
}

/// Where the handshake stands.
#[derive(Debug)]
pub(crate) enum Handshake {
    /// Waiting for the greeting (sequence id 0).
    Greeting { seq: u8 },
    /// Waiting for the server's verdict on our auth response.
    Auth {
        seq: u8,
        exchange: AuthExchange,
        secure: bool,
        info: ServerInfo,
        /// The server's nonce from the greeting.
        scramble: Vec<u8>,
    },
}

fn context(opts: &Opts, secure: bool) -> AuthContext<'_> {
    AuthContext {
        password: opts.password().unwrap_or("").as_bytes(),
        secure,
        server_public_key: opts.server_public_key_pem(),
        allow_public_key_retrieval: opts.allow_public_key_retrieval(),
        allow_cleartext: opts.enable_cleartext_plugin(),
    }
}

impl Handshake {
    pub(crate) fn new() -> Self {
        Handshake::Greeting { seq: 0 }
    }

    pub(crate) fn seq_mut(&mut self) -> &mut u8 {
        match self {
            Handshake::Greeting { seq } | Handshake::Auth { seq, .. } => seq,
        }
    }

    /// Handles one server packet.
    pub(crate) fn on_packet(
        &mut self,
        p: &[u8],
        opts: &Opts,
        tx: &mut Vec<u8>,
        rng: &mut dyn CryptoRngCore,
    ) -> Result<HandshakeStep> {
        match self {
            Handshake::Greeting { .. } => {
                if p.first() == Some(&0xff) {
                    return Err(Error::from_server(ErrorKind::Auth, parse_err(p)?));
                }
                let g = Greeting::parse(p)?;
                let tls = use_tls(&g, opts)?;
                let secure = tls || opts.is_unix_socket();
                let (mut response, info, exchange) = build_response(&g, opts, secure, rng)?;
                let mut payload = Vec::with_capacity(128);
                let before = tx.len();
                let mut seq = 1;
                if tls {
                    response.capabilities |= CLIENT_SSL;
                    response.encode(&mut payload)?;
                    // The SSLRequest is the response's fixed 32-byte prefix.
                    seq = framing::write_packet(tx, seq, &payload[..32]);
                }
                let plaintext_len = tx.len() - before;
                payload.clear();
                response.encode(&mut payload)?;
                seq = framing::write_packet(tx, seq, &payload);
                let mut info = info;
                info.capabilities = response.capabilities;
                info.tls = tls;
                *self = Handshake::Auth {
                    seq,
                    exchange,
                    secure,
                    info,
                    scramble: g.auth_plugin_data.clone(),
                };
                Ok(if tls {
                    HandshakeStep::StartTls { plaintext_len }
                } else {
                    HandshakeStep::Continue
                })
            }
            Handshake::Auth {
                seq,
                exchange,
                secure,
                info,
                scramble,
            } => match p.first() {
                Some(0x00) => {
                    let ok = OkPacket::parse(p, info.capabilities)?;
                    info.status = ok.status;
                    info.auth_plugin = exchange.plugin().to_string();
                    Ok(HandshakeStep::Done(info.clone(), scramble.clone()))
                }
                Some(0xff) => Err(Error::from_server(ErrorKind::Auth, parse_err(p)?)),
                Some(0xfe) => {
                    let req = AuthSwitchRequest::parse(p)?;
                    crate::trace::auth_switch(&req.plugin_name);
                    let ctx = context(opts, *secure);
                    let (ex, resp) =
                        AuthExchange::start(&req.plugin_name, &req.plugin_data, &ctx, rng)?;
                    *seq = framing::write_packet(tx, *seq, &resp);
                    *exchange = ex;
                    Ok(HandshakeStep::Continue)
                }
                Some(0x01) => {
                    let ctx = context(opts, *secure);
                    if let Some(reply) = exchange.more_data(&p[1..], &ctx, rng)? {
                        *seq = framing::write_packet(tx, *seq, &reply);
                    }
                    Ok(HandshakeStep::Continue)
                }
                _ => Err(Error::protocol(
                    "unexpected packet during authentication (expected OK, ERR or auth switch)",
                )),
            },
        }
    }
}

impl Handshake {
    /// `COM_CHANGE_USER` with `opts`' login on a connection that authenticated before
    /// (`info`, `scramble` from then): writes the command into `tx` and returns the state that
    /// reads the server's verdict (OK, ERR, auth switch, more data), as after a greeting.
    /// Fails with a misuse error for a name with a NUL byte, or as the auth plugin does.
    pub(crate) fn change_user(
        opts: &Opts,
        info: ServerInfo,
        scramble: Vec<u8>,
        secure: bool,
        tx: &mut Vec<u8>,
        rng: &mut dyn CryptoRngCore,
    ) -> Result<Handshake> {
        let plugin = if auth::is_supported(&info.auth_plugin) {
            info.auth_plugin.clone()
        } else {
            MYSQL_NATIVE_PASSWORD.to_string()
        };
        let ctx = context(opts, secure);
        let (exchange, auth_response) = AuthExchange::start(&plugin, &scramble, &ctx, rng)?;
        let database = opts.database().unwrap_or("");
        if opts.user().contains('\0') || database.contains('\0') {
            return Err(Error::misuse("user or database name contains a NUL byte"));
        }
        if auth_response.len() > 255 {
            return Err(Error::misuse("auth response longer than 255 bytes"));
        }
        let mut payload = vec![Command::ChangeUser as u8];
        let mut w = crate::codec::Writer::new(&mut payload);
        w.nul_bytes(opts.user().as_bytes())
            .u8(auth_response.len() as u8)
            .bytes(&auth_response)
            .nul_bytes(database.as_bytes())
            .u8(opts.collation())
            .u8(0)
            .nul_bytes(plugin.as_bytes());
        if info.capabilities & CLIENT_CONNECT_ATTRS != 0 {
            let mut attrs = Vec::new();
            let mut a = crate::codec::Writer::new(&mut attrs);
            for (k, v) in opts.connect_attributes() {
                a.lenenc_bytes(k.as_bytes()).lenenc_bytes(v.as_bytes());
            }
            w.lenenc_bytes(&attrs);
        }
        let seq = framing::write_packet(tx, 0, &payload);
        Ok(Handshake::Auth {
            seq,
            exchange,
            secure,
            info,
            scramble,
        })
    }
}

/// Whether to start TLS, per `ssl-mode` and the server's `CLIENT_SSL`; refuses when the mode
/// requires TLS and the server cannot.
fn use_tls(g: &Greeting, opts: &Opts) -> Result<bool> {
    let offered = g.capabilities & CLIENT_SSL != 0;
    match opts.ssl_mode() {
        SslMode::Disabled => Ok(false),
        // A Unix socket is already private: PREFERRED does not add TLS there.
        SslMode::Preferred => Ok(offered && cfg!(feature = "tls") && !opts.is_unix_socket()),
        mode => {
            if !offered {
                return Err(Error::new(
                    ErrorKind::Tls,
                    format!("ssl-mode={mode:?} but the server does not support TLS"),
                ));
            }
            if !cfg!(feature = "tls") {
                return Err(Error::unsupported(
                    "ssl-mode needs TLS but mysql-proto was built without its `tls` feature",
                ));
            }
            Ok(true)
        }
    }
}

fn build_response(
    g: &Greeting,
    opts: &Opts,
    secure: bool,
    rng: &mut dyn CryptoRngCore,
) -> Result<(HandshakeResponse, ServerInfo, AuthExchange)> {
    let server = g.capabilities;
    for (flag, name) in [
        (CLIENT_SECURE_CONNECTION, "CLIENT_SECURE_CONNECTION"),
        (CLIENT_PROTOCOL_41, "CLIENT_PROTOCOL_41"),
    ] {
        if server & flag == 0 {
            return Err(Error::unsupported(format!("server lacks {name}")));
        }
    }
    // Session state tracking: the server reports schema, variable and GTID changes in its OKs.
    let mut wanted = CLIENT_DEFAULT | CLIENT_SESSION_TRACK;
    if opts.database().is_some() {
        wanted |= CLIENT_CONNECT_WITH_DB;
    }
    if opts.multi_statements() {
        wanted |= CLIENT_MULTI_STATEMENTS;
    }
    if opts.local_infile().is_on() {
        wanted |= CLIENT_LOCAL_FILES;
    }
    if opts.query_attributes() {
        if server & CLIENT_QUERY_ATTRIBUTES == 0 {
            return Err(Error::unsupported(
                "query-attributes=true but the server has no query attributes (MySQL 8.0.23+)",
            ));
        }
        wanted |= CLIENT_QUERY_ATTRIBUTES;
    }
    let mut zstd_level = 0;
    let compress_flag = match opts.compression() {
        Compression::Off => 0,
        Compression::Zlib { .. } => CLIENT_COMPRESS,
        Compression::Zstd { level } => {
            zstd_level = level as u8;
            CLIENT_ZSTD_COMPRESSION_ALGORITHM
        }
    };
    if server & compress_flag != compress_flag {
        return Err(Error::unsupported(format!(
            "compression={:?} but the server does not offer it",
            opts.compression()
        )));
    }
    wanted |= compress_flag;
    let capabilities = wanted & server;
    // MariaDB's extended capabilities count only when the server cleared CLIENT_MYSQL; we ask
    // for COM_STMT_BULK_EXECUTE (used by batches) and for result metadata to be sent only when
    // it changed (MariaDB 10.6+: executes of a prepared statement skip the column definitions).
    let mariadb_capabilities = if server & CLIENT_MYSQL == 0 {
        g.mariadb_capabilities
            & (MARIADB_CLIENT_STMT_BULK_OPERATIONS | MARIADB_CLIENT_CACHE_METADATA)
    } else {
        0
    };
    // Use the server's default plugin when we speak it; otherwise offer native password and let
    // the server switch us to what the account needs.
    let plugin = if auth::is_supported(&g.auth_plugin_name) {
        g.auth_plugin_name.clone()
    } else {
        MYSQL_NATIVE_PASSWORD.to_string()
    };
    let ctx = context(opts, secure);
    let (exchange, auth_response) = AuthExchange::start(&plugin, &g.auth_plugin_data, &ctx, rng)?;
    let response = HandshakeResponse {
        capabilities,
        mariadb_capabilities,
        max_packet_size: opts.max_packet().min(u32::MAX as usize) as u32,
        collation: opts.collation(),
        user: opts.user().as_bytes().to_vec(),
        auth_response,
        database: opts.database().map(|d| d.as_bytes().to_vec()),
        auth_plugin_name: plugin.as_bytes().to_vec(),
        attributes: opts.connect_attributes().to_vec(),
        zstd_level,
    };
    let info = ServerInfo {
        server_version: g.server_version.clone(),
        connection_id: g.connection_id,
        capabilities,
        mariadb_capabilities,
        is_mariadb: g.is_mariadb(),
        auth_plugin: plugin.clone(),
        status: g.status,
        tls: false,
    };
    Ok((response, info, exchange))
}
