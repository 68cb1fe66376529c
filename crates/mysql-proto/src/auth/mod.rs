//! Authentication plugins: the client side of every exchange, as a small state machine the
//! handshake drives ([`AuthExchange`]).
//!
//! | plugin | first response | further exchange |
//! |---|---|---|
//! | `mysql_native_password` | SHA1 scramble | none |
//! | `caching_sha2_password` | SHA256 scramble | `0x01 0x03` fast auth OK; `0x01 0x04` full auth: cleartext over TLS / Unix socket, else RSA-OAEP with the server key (configured, or fetched with `0x02` when `allow-public-key-retrieval=true`) |
//! | `sha256_password` | cleartext over TLS / Unix socket; RSA with a configured key; else `0x01` to fetch the key (when allowed) | the key arrives as `0x01` + PEM, answered with the RSA ciphertext |
//! | `mysql_clear_password` | password + NUL, only with `enable-cleartext-plugin=true` and over TLS / Unix socket | none |
//! | `client_ed25519` (MariaDB) | Ed25519 signature of the nonce | none |
//!
//! Secure defaults: a cleartext password never travels over an unencrypted TCP connection;
//! the server's public key is never fetched unless allowed (a fetched key can be forged by a
//! man in the middle). Anything else fails with [`ErrorKind::Auth`] or
//! [`ErrorKind::Unsupported`] naming the plugin.
//!
//! [`ErrorKind::Auth`]: crate::ErrorKind::Auth
//! [`ErrorKind::Unsupported`]: crate::ErrorKind::Unsupported

pub mod caching_sha2;
pub mod ed25519;
pub mod native_password;
pub mod rsa_oaep;

use rand_core::CryptoRngCore;

use crate::error::{Error, ErrorKind, Result};

/// The name of the `mysql_native_password` plugin.
pub const MYSQL_NATIVE_PASSWORD: &str = "mysql_native_password";
/// The name of the `caching_sha2_password` plugin.
pub const CACHING_SHA2_PASSWORD: &str = "caching_sha2_password";
/// The name of the `sha256_password` plugin.
pub const SHA256_PASSWORD: &str = "sha256_password";
/// The name of the `mysql_clear_password` plugin.
pub const MYSQL_CLEAR_PASSWORD: &str = "mysql_clear_password";
/// The name of MariaDB's `client_ed25519` plugin.
pub const CLIENT_ED25519: &str = "client_ed25519";

/// What the client may do with its password on this connection.
#[derive(Debug, Clone, Copy)]
pub struct AuthContext<'a> {
    /// The password (empty when none).
    pub password: &'a [u8],
    /// Whether the transport is TLS or a Unix socket (cleartext passwords allowed).
    pub secure: bool,
    /// The server's RSA public key (PEM), when configured.
    pub server_public_key: Option<&'a [u8]>,
    /// Whether the key may be fetched from the server.
    pub allow_public_key_retrieval: bool,
    /// Whether `mysql_clear_password` may be used.
    pub allow_cleartext: bool,
}

/// Computes the first auth response of `plugin` for the server's `nonce` (scramble); fails
/// with an unsupported error for plugins this client does not implement.
pub fn auth_response(plugin: &str, password: &[u8], nonce: &[u8]) -> Result<Vec<u8>> {
    match plugin {
        MYSQL_NATIVE_PASSWORD => Ok(native_password::scramble(password, nonce)),
        CACHING_SHA2_PASSWORD => Ok(caching_sha2::scramble(password, nonce)),
        CLIENT_ED25519 => Ok(ed25519::sign(password, nonce).to_vec()),
        other => Err(Error::unsupported(format!(
            "authentication plugin `{other}` is not supported by this client"
        ))),
    }
}

/// Whether `plugin` is one this client speaks.
pub fn is_supported(plugin: &str) -> bool {
    matches!(
        plugin,
        MYSQL_NATIVE_PASSWORD
            | CACHING_SHA2_PASSWORD
            | SHA256_PASSWORD
            | MYSQL_CLEAR_PASSWORD
            | CLIENT_ED25519
    )
}

/// One plugin's exchange with the server, after the first response.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuthExchange {
    plugin: String,
    nonce: Vec<u8>,
    stage: Stage,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Stage {
    /// Waiting for the server's verdict or a request.
    Sent,
    /// caching_sha2 said fast auth succeeded: only OK / ERR may follow.
    FastAuthOk,
    /// We asked for the public key.
    AwaitingKey,
    /// The password went out (cleartext or encrypted): only OK / ERR may follow.
    PasswordSent,
}

fn auth_error(msg: impl Into<String>) -> Error {
    Error::new(ErrorKind::Auth, msg)
}

fn cleartext(password: &[u8]) -> Vec<u8> {
    let mut v = password.to_vec();
    v.push(0);
    v
}

impl AuthExchange {
    /// Starts `plugin` with the server's `nonce`: returns the exchange and the first response.
    pub fn start(
        plugin: &str,
        nonce: &[u8],
        ctx: &AuthContext<'_>,
        rng: &mut dyn CryptoRngCore,
    ) -> Result<(AuthExchange, Vec<u8>)> {
        // ed25519 signs a 32-byte nonce; the other plugins use the 20-byte scramble (servers
        // append a NUL to it, which is not part of it).
        let len = if plugin == CLIENT_ED25519 { 32 } else { 20 };
        let nonce = nonce[..nonce.len().min(len)].to_vec();
        let mut ex = AuthExchange {
            plugin: plugin.to_string(),
            nonce,
            stage: Stage::Sent,
        };
        let first = match plugin {
            SHA256_PASSWORD => {
                if ctx.password.is_empty() {
                    // Nothing secret to protect; a server may still send its key, which is
                    // answered with the (empty) password encrypted.
                    ex.stage = Stage::AwaitingKey;
                    vec![0]
                } else if ctx.secure {
                    ex.stage = Stage::PasswordSent;
                    cleartext(ctx.password)
                } else if let Some(key) = ctx.server_public_key {
                    ex.stage = Stage::PasswordSent;
                    rsa_oaep::encrypt_password(ctx.password, &ex.nonce, key, rng)?
                } else if ctx.allow_public_key_retrieval {
                    ex.stage = Stage::AwaitingKey;
                    vec![1]
                } else {
                    return Err(auth_error(
                        "sha256_password needs TLS, a Unix socket, the server's public key \
                         (server-public-key) or allow-public-key-retrieval=true",
                    ));
                }
            }
            MYSQL_CLEAR_PASSWORD => {
                if !ctx.allow_cleartext {
                    return Err(auth_error(
                        "the server asks for mysql_clear_password; allow it with \
                         enable-cleartext-plugin=true (only over TLS or a Unix socket)",
                    ));
                }
                if !ctx.secure {
                    return Err(auth_error(
                        "refusing to send a cleartext password over an unencrypted connection",
                    ));
                }
                ex.stage = Stage::PasswordSent;
                cleartext(ctx.password)
            }
            other => auth_response(other, ctx.password, &ex.nonce)?,
        };
        Ok((ex, first))
    }

    /// The plugin's name.
    pub fn plugin(&self) -> &str {
        &self.plugin
    }

    /// Handles an AuthMoreData packet's data (after the 0x01 byte). Returns the reply to send,
    /// if any. Fails on anything the plugin's exchange does not allow at this point.
    pub fn more_data(
        &mut self,
        data: &[u8],
        ctx: &AuthContext<'_>,
        rng: &mut dyn CryptoRngCore,
    ) -> Result<Option<Vec<u8>>> {
        match (self.plugin.as_str(), self.stage, data) {
            (CACHING_SHA2_PASSWORD, Stage::Sent, [0x03]) => {
                self.stage = Stage::FastAuthOk;
                Ok(None)
            }
            (CACHING_SHA2_PASSWORD, Stage::Sent, [0x04]) => {
                if ctx.secure {
                    self.stage = Stage::PasswordSent;
                    Ok(Some(cleartext(ctx.password)))
                } else if let Some(key) = ctx.server_public_key {
                    self.stage = Stage::PasswordSent;
                    rsa_oaep::encrypt_password(ctx.password, &self.nonce, key, rng).map(Some)
                } else if ctx.allow_public_key_retrieval {
                    self.stage = Stage::AwaitingKey;
                    Ok(Some(vec![0x02]))
                } else {
                    Err(auth_error(
                        "caching_sha2_password full authentication needs TLS, a Unix socket, \
                         the server's public key (server-public-key) or \
                         allow-public-key-retrieval=true",
                    ))
                }
            }
            (CACHING_SHA2_PASSWORD | SHA256_PASSWORD, Stage::AwaitingKey, pem) => {
                self.stage = Stage::PasswordSent;
                rsa_oaep::encrypt_password(ctx.password, &self.nonce, pem, rng).map(Some)
            }
            (plugin, stage, data) => Err(Error::protocol(format!(
                "unexpected AuthMoreData {:02x?} for {plugin} in stage {stage:?}",
                &data[..data.len().min(8)]
            ))),
        }
    }
}
