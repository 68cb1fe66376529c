//! RSA-OAEP (SHA-1, MGF1-SHA-1) encryption of the password for `caching_sha2_password` and
//! `sha256_password` full authentication over an unencrypted connection: the server decrypts
//! `(password || 0x00) XOR nonce` (the nonce repeated).

use rand_core::CryptoRngCore;
use rsa::pkcs1::der::Decode;
use rsa::pkcs1::DecodeRsaPublicKey;
use rsa::pkcs8::{Document, SubjectPublicKeyInfoRef};
use rsa::{BigUint, Oaep, RsaPublicKey};

/// Largest server key accepted (MySQL servers may use 8192-bit keys; the `rsa` crate's default
/// limit is 4096).
const MAX_KEY_BITS: usize = 16384;

use crate::error::{Error, ErrorKind, Result};

/// Encrypts the password for the server key `pem` (SPKI `PUBLIC KEY` or PKCS#1
/// `RSA PUBLIC KEY`), with randomness from `rng`.
pub fn encrypt_password(
    password: &[u8],
    nonce: &[u8],
    pem: &[u8],
    rng: &mut dyn CryptoRngCore,
) -> Result<Vec<u8>> {
    let text = std::str::from_utf8(pem)
        .map_err(|_| Error::new(ErrorKind::Auth, "server public key is not PEM text"))?;
    let text = text.trim_end_matches('\0');
    let key = parse_public_key(text)?;
    let mut plain: Vec<u8> = password.iter().copied().chain([0]).collect();
    if !nonce.is_empty() {
        for (i, b) in plain.iter_mut().enumerate() {
            *b ^= nonce[i % nonce.len()];
        }
    }
    key.encrypt(&mut RngAdapter(rng), Oaep::new::<sha1::Sha1>(), &plain)
        .map_err(|e| Error::new(ErrorKind::Auth, format!("RSA encryption failed: {e}")))
}

/// Parses an SPKI (`PUBLIC KEY`) or PKCS#1 (`RSA PUBLIC KEY`) PEM key of up to 16384 bits.
fn parse_public_key(text: &str) -> Result<RsaPublicKey> {
    let bad = |e: &dyn std::fmt::Display| {
        Error::new(ErrorKind::Auth, format!("bad server public key: {e}"))
    };
    let pkcs1_der: Vec<u8> = if text.contains("BEGIN RSA PUBLIC KEY") {
        let key = RsaPublicKey::from_pkcs1_pem(text).map_err(|e| bad(&e))?;
        return Ok(key);
    } else {
        let (_, doc) = Document::from_pem(text).map_err(|e| bad(&e))?;
        let spki = SubjectPublicKeyInfoRef::try_from(doc.as_bytes()).map_err(|e| bad(&e))?;
        spki.subject_public_key.raw_bytes().to_vec()
    };
    let k = rsa::pkcs1::RsaPublicKey::from_der(&pkcs1_der).map_err(|e| bad(&e))?;
    RsaPublicKey::new_with_max_size(
        BigUint::from_bytes_be(k.modulus.as_bytes()),
        BigUint::from_bytes_be(k.public_exponent.as_bytes()),
        MAX_KEY_BITS,
    )
    .map_err(|e| bad(&e))
}

/// Lets a `&mut dyn CryptoRngCore` be passed where `impl CryptoRngCore` is expected.
struct RngAdapter<'a>(&'a mut dyn CryptoRngCore);

impl rand_core::RngCore for RngAdapter<'_> {
    fn next_u32(&mut self) -> u32 {
        self.0.next_u32()
    }
    fn next_u64(&mut self) -> u64 {
        self.0.next_u64()
    }
    fn fill_bytes(&mut self, dest: &mut [u8]) {
        self.0.fill_bytes(dest)
    }
    fn try_fill_bytes(&mut self, dest: &mut [u8]) -> std::result::Result<(), rand_core::Error> {
        self.0.try_fill_bytes(dest)
    }
}

impl rand_core::CryptoRng for RngAdapter<'_> {}
