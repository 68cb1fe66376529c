//! TLS as a sans-IO layer between the socket bytes and the MySQL framing, driven by rustls
//! (itself sans-IO), so no adapter contains TLS code and the in-memory tests exercise it too.
//!
//! The handshake decides whether to use TLS from the `ssl-mode` option (the MySQL clients'
//! semantics) and the server's `CLIENT_SSL` capability:
//!
//! | `ssl-mode` | server without TLS | certificate checks |
//! |---|---|---|
//! | `DISABLED` | plaintext | none (no TLS) |
//! | `PREFERRED` (default) | plaintext | none: encrypts against passive eavesdroppers only |
//! | `REQUIRED` | connection refused | none: encrypts, does not authenticate the server |
//! | `VERIFY_CA` | connection refused | chain to the `ssl-ca` certificate |
//! | `VERIFY_IDENTITY` | connection refused | chain to `ssl-ca` and the host name (or `tls-server-name`) |
//!
//! `ssl-cert` / `ssl-key` give a client certificate (mutual TLS, `REQUIRE X509` users). The
//! PEM files are read by the adapters through [`crate::Opts::load_tls_files`]; the core does
//! no file IO. Randomness and the clock for certificate validity come from rustls' `ring`
//! provider and the system time.

use std::io::{Read, Write};
use std::sync::Arc;

use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, ServerName, UnixTime};
use rustls::{ClientConfig, DigitallySignedStruct, RootCertStore, SignatureScheme};

use crate::error::{Error, ErrorKind, Result};
use crate::opts::{Opts, SslMode};

/// A TLS session: encrypted bytes in and out, plaintext to and from the MySQL framing.
pub(crate) struct TlsSession {
    conn: rustls::ClientConnection,
    /// Raw bytes received, not yet given to rustls.
    raw_in: Vec<u8>,
    raw_in_len: usize,
    /// Raw bytes to send (the plaintext SSLRequest first, then TLS records).
    raw_out: Vec<u8>,
    raw_out_pos: usize,
}

impl std::fmt::Debug for TlsSession {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TlsSession")
            .field("handshaking", &self.conn.is_handshaking())
            .finish()
    }
}

fn tls_error(e: impl std::fmt::Display) -> Error {
    Error::new(ErrorKind::Tls, e.to_string())
}

impl TlsSession {
    /// Starts a client session for `opts`, after `plaintext` (the SSLRequest packet).
    pub(crate) fn start(opts: &Opts, plaintext: &[u8]) -> Result<TlsSession> {
        let config = client_config(opts)?;
        let name = opts.tls_server_name().unwrap_or(opts.host()).to_string();
        let server_name = ServerName::try_from(name.clone())
            .map_err(|_| Error::misuse(format!("invalid TLS server name `{name}`")))?;
        let mut conn =
            rustls::ClientConnection::new(Arc::new(config), server_name).map_err(tls_error)?;
        // The connection's own send-buffer limit (max-send-buffer) bounds what is queued.
        conn.set_buffer_limit(None);
        Ok(TlsSession {
            conn,
            raw_in: Vec::new(),
            raw_in_len: 0,
            raw_out: plaintext.to_vec(),
            raw_out_pos: 0,
        })
    }

    /// Lends free space for raw received bytes (at least `hint`).
    pub(crate) fn recv_buf(&mut self, hint: usize) -> &mut [u8] {
        let want = hint.max(1);
        if self.raw_in.len() - self.raw_in_len < want {
            self.raw_in.resize(self.raw_in_len + want, 0);
        }
        &mut self.raw_in[self.raw_in_len..]
    }

    /// The buffer [`recv_buf`](Self::recv_buf) lends the tail of (lent whole by value, see
    /// [`crate::connection::loan`]).
    pub(crate) fn raw_in(&mut self) -> &mut Vec<u8> {
        &mut self.raw_in
    }

    /// Feeds `n` raw bytes to rustls and appends the plaintext they yield to `plain`.
    pub(crate) fn handle_recv(&mut self, n: usize, plain: &mut Vec<u8>) -> Result<()> {
        self.raw_in_len = (self.raw_in_len + n).min(self.raw_in.len());
        let mut pos = 0;
        while pos < self.raw_in_len {
            let mut input = &self.raw_in[pos..self.raw_in_len];
            let taken = self.conn.read_tls(&mut input).map_err(tls_error)?;
            pos += taken;
            let state = self.conn.process_new_packets().map_err(tls_error)?;
            let available = state.plaintext_bytes_to_read();
            if available > 0 {
                let start = plain.len();
                plain.resize(start + available, 0);
                self.conn
                    .reader()
                    .read_exact(&mut plain[start..])
                    .map_err(tls_error)?;
            }
            if taken == 0 {
                break;
            }
        }
        self.raw_in.copy_within(pos..self.raw_in_len, 0);
        self.raw_in_len -= pos;
        Ok(())
    }

    /// Encrypts as much of `plain` as rustls takes; returns how much it took and everything
    /// waiting to be sent.
    pub(crate) fn pending_send(&mut self, plain: &[u8]) -> Result<(usize, &[u8])> {
        let mut taken = 0;
        loop {
            while self.conn.wants_write() {
                self.conn.write_tls(&mut self.raw_out).map_err(tls_error)?;
            }
            if taken == plain.len() {
                break;
            }
            let n = self
                .conn
                .writer()
                .write(&plain[taken..])
                .map_err(tls_error)?;
            if n == 0 {
                break;
            }
            taken += n;
        }
        Ok((taken, &self.raw_out[self.raw_out_pos..]))
    }

    /// Whether records wait to be sent (encrypted, or that rustls wants to write).
    pub(crate) fn wants_write(&self) -> bool {
        self.raw_out_pos < self.raw_out.len() || self.conn.wants_write()
    }

    /// Drops `n` sent bytes.
    pub(crate) fn consume_send(&mut self, n: usize) {
        self.raw_out_pos = (self.raw_out_pos + n).min(self.raw_out.len());
        if self.raw_out_pos == self.raw_out.len() {
            self.raw_out.clear();
            self.raw_out_pos = 0;
        }
    }
}

fn client_config(opts: &Opts) -> Result<ClientConfig> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let builder = ClientConfig::builder_with_provider(provider.clone())
        .with_safe_default_protocol_versions()
        .map_err(tls_error)?;
    let verifier: Arc<dyn ServerCertVerifier> = match opts.ssl_mode() {
        SslMode::VerifyCa | SslMode::VerifyIdentity => {
            let ca = opts.ssl_ca_pem().ok_or_else(|| {
                Error::misuse(
                    "ssl-mode VERIFY_CA / VERIFY_IDENTITY needs ssl-ca (the CA certificate)",
                )
            })?;
            let mut roots = RootCertStore::empty();
            for cert in CertificateDer::pem_slice_iter(ca) {
                roots.add(cert.map_err(tls_error)?).map_err(tls_error)?;
            }
            if roots.is_empty() {
                return Err(Error::misuse("ssl-ca contains no certificate"));
            }
            let webpki = rustls::client::WebPkiServerVerifier::builder_with_provider(
                Arc::new(roots),
                provider.clone(),
            )
            .build()
            .map_err(tls_error)?;
            Arc::new(Verifier {
                inner: Some(webpki),
                check_name: opts.ssl_mode() == SslMode::VerifyIdentity,
                provider: provider.clone(),
            })
        }
        _ => Arc::new(Verifier {
            inner: None,
            check_name: false,
            provider: provider.clone(),
        }),
    };
    let builder = builder
        .dangerous()
        .with_custom_certificate_verifier(verifier);
    let config = match (opts.ssl_cert_pem(), opts.ssl_key_pem()) {
        (Some(cert), Some(key)) => {
            let certs: Vec<CertificateDer<'static>> = CertificateDer::pem_slice_iter(cert)
                .collect::<std::result::Result<_, _>>()
                .map_err(tls_error)?;
            let key = PrivateKeyDer::from_pem_slice(key).map_err(tls_error)?;
            builder
                .with_client_auth_cert(certs, key)
                .map_err(tls_error)?
        }
        (None, None) => builder.with_no_client_auth(),
        _ => return Err(Error::misuse("ssl-cert and ssl-key go together")),
    };
    Ok(config)
}

/// Checks the server certificate as `ssl-mode` asks: not at all, against the CA, or against the
/// CA and the host name. Handshake signatures are always verified.
#[derive(Debug)]
struct Verifier {
    inner: Option<Arc<rustls::client::WebPkiServerVerifier>>,
    check_name: bool,
    provider: Arc<rustls::crypto::CryptoProvider>,
}

impl ServerCertVerifier for Verifier {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        ocsp: &[u8],
        now: UnixTime,
    ) -> std::result::Result<ServerCertVerified, rustls::Error> {
        let Some(inner) = &self.inner else {
            return Ok(ServerCertVerified::assertion());
        };
        match inner.verify_server_cert(end_entity, intermediates, server_name, ocsp, now) {
            Err(rustls::Error::InvalidCertificate(e)) if !self.check_name && is_name_error(&e) => {
                Ok(ServerCertVerified::assertion())
            }
            other => other,
        }
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> std::result::Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(
            message,
            cert,
            dss,
            &self.provider.signature_verification_algorithms,
        )
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> std::result::Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(
            message,
            cert,
            dss,
            &self.provider.signature_verification_algorithms,
        )
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.provider
            .signature_verification_algorithms
            .supported_schemes()
    }
}

fn is_name_error(e: &rustls::CertificateError) -> bool {
    matches!(
        e,
        rustls::CertificateError::NotValidForName
            | rustls::CertificateError::NotValidForNameContext { .. }
    )
}
