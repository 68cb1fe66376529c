//! MariaDB `client_ed25519`: an Ed25519 signature of the server's 32-byte nonce, with the key
//! derived from the password the way RFC 8032 derives it from a seed, except that the "seed"
//! is the password of any length: `az = SHA512(password)`, clamp `az[0..32]` into the scalar
//! `a`, `A = aB`, `r = SHA512(az[32..64] || m)`, `R = rB`, `S = r + SHA512(R || A || m) a`.

use curve25519_dalek::constants::ED25519_BASEPOINT_TABLE;
use curve25519_dalek::scalar::Scalar;
use sha2::{Digest, Sha512};

/// The 64-byte signature `R || S` of `message` for `password`.
pub fn sign(password: &[u8], message: &[u8]) -> [u8; 64] {
    let (a, az) = secret_scalar(password);
    let public = (&a * ED25519_BASEPOINT_TABLE).compress();
    let r = wide(Sha512::new().chain_update(&az[32..]).chain_update(message));
    let big_r = (&r * ED25519_BASEPOINT_TABLE).compress();
    let k = wide(
        Sha512::new()
            .chain_update(big_r.as_bytes())
            .chain_update(public.as_bytes())
            .chain_update(message),
    );
    let s = k * a + r;
    let mut sig = [0u8; 64];
    sig[..32].copy_from_slice(big_r.as_bytes());
    sig[32..].copy_from_slice(s.as_bytes());
    sig
}

/// A SHA-512 digest reduced modulo the group order.
fn wide(h: Sha512) -> Scalar {
    let mut b = [0u8; 64];
    b.copy_from_slice(&h.finalize());
    Scalar::from_bytes_mod_order_wide(&b)
}

/// The public key for `password` (what the server stores, base64-encoded).
pub fn public_key(password: &[u8]) -> [u8; 32] {
    let (a, _) = secret_scalar(password);
    (&a * ED25519_BASEPOINT_TABLE).compress().to_bytes()
}

/// The clamped secret scalar `a` and the whole `SHA512(password)` (its upper half seeds `r`).
fn secret_scalar(password: &[u8]) -> (Scalar, [u8; 64]) {
    let mut az = [0u8; 64];
    az.copy_from_slice(&Sha512::digest(password));
    let mut a_bytes = [0u8; 32];
    a_bytes.copy_from_slice(&az[..32]);
    a_bytes[0] &= 248;
    a_bytes[31] &= 63;
    a_bytes[31] |= 64;
    (Scalar::from_bytes_mod_order(a_bytes), az)
}
