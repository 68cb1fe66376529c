//! `caching_sha2_password` fast-auth scramble:
//! `SHA256(password) XOR SHA256(SHA256(SHA256(password)) || nonce[0..20])`; empty password gives
//! an empty response.

use sha2::{Digest, Sha256};

/// The 32-byte fast-auth token (empty for an empty password).
pub fn scramble(password: &[u8], nonce: &[u8]) -> Vec<u8> {
    if password.is_empty() {
        return Vec::new();
    }
    let nonce = &nonce[..nonce.len().min(20)];
    let p1 = Sha256::digest(password);
    let p2 = Sha256::digest(p1);
    let mut h = Sha256::new();
    h.update(p2);
    h.update(nonce);
    let p3 = h.finalize();
    p1.iter().zip(p3.iter()).map(|(a, b)| a ^ b).collect()
}
