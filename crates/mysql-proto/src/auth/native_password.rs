//! `mysql_native_password`: `SHA1(password) XOR SHA1(scramble[0..20] || SHA1(SHA1(password)))`;
//! an empty password gives an empty response.

use sha1::{Digest, Sha1};

/// Computes the 20-byte token (empty for an empty password). Only the first 20 bytes of
/// `scramble` are used (servers may append a NUL).
pub fn scramble(password: &[u8], scramble: &[u8]) -> Vec<u8> {
    if password.is_empty() {
        return Vec::new();
    }
    let scramble = &scramble[..scramble.len().min(20)];
    let stage1 = Sha1::digest(password);
    let stage2 = Sha1::digest(stage1);
    let mut h = Sha1::new();
    h.update(scramble);
    h.update(stage2);
    let stage3 = h.finalize();
    stage1
        .iter()
        .zip(stage3.iter())
        .map(|(a, b)| a ^ b)
        .collect()
}
