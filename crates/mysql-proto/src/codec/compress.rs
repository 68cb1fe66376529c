//! Protocol compression: `CLIENT_COMPRESS` (zlib) and `CLIENT_ZSTD_COMPRESSION_ALGORITHM`
//! (zstd), a layer between the packet framing and the transport (TLS or the socket).
//!
//! Once the handshake is done, every byte in either direction travels inside *compressed
//! packets*: a 7-byte header (`int<3>` compressed payload length, `int<1>` compressed sequence
//! id, `int<3>` uncompressed length) and a payload that is either a zlib stream / zstd frame of
//! `uncompressed length` bytes or, when that field is 0, the bytes as they are (short payloads
//! are not worth compressing: below [`MIN_COMPRESS_LENGTH`] bytes, or when compressing would
//! make them longer). The payload carries ordinary framed packets (each with its own 4-byte
//! header), several of them or a piece of one: the receiver inflates the stream and frames it
//! again.
//!
//! Sequence ids: the compressed sequence id starts at 0 with every command (like the inner one)
//! and goes on from the server's last compressed packet for what the client sends in the middle
//! of a command (LOCAL INFILE data). Servers re-number the inner packets at each flush of their
//! output, so with compression the inner sequence ids are not checked (the compressed ones are
//! not either: TCP keeps the order, and the lengths are still checked).
//!
//! [`Compressor`] is the per-connection state: [`seal`](Compressor::seal) turns the framed bytes
//! of one command into compressed packets, [`inflate_next`](Compressor::inflate_next) turns the
//! next received compressed packet back into framed bytes.

use crate::error::{Error, Result};

use super::framing::MAX_PAYLOAD;

/// Payloads shorter than this are sent uncompressed (libmysql's and MariaDB's threshold).
pub const MIN_COMPRESS_LENGTH: usize = 50;

/// Bytes of a compressed packet's header.
pub const COMPRESSED_HEADER: usize = 7;

/// Which compression a connection asks for (`compression=` in the URL).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Compression {
    /// No compression (the default).
    #[default]
    Off,
    /// zlib (`CLIENT_COMPRESS`), level 0-9; MariaDB and MySQL servers both speak it.
    Zlib {
        /// 0 (store) to 9 (smallest); 6 is zlib's default.
        level: u32,
    },
    /// zstd (`CLIENT_ZSTD_COMPRESSION_ALGORITHM`, MySQL 8.0.18+), level 1-22.
    Zstd {
        /// 1 (fastest) to 22 (smallest); 3 is zstd's and MySQL's default.
        level: i32,
    },
}

impl Compression {
    /// zlib at its default level.
    pub const ZLIB: Compression = Compression::Zlib { level: 6 };
    /// zstd at its default level.
    pub const ZSTD: Compression = Compression::Zstd { level: 3 };

    /// Parses `zlib`, `zstd` or `off` (`none`, `false`); `Err` with the accepted names.
    pub fn parse(name: &str) -> std::result::Result<Compression, String> {
        match name.to_ascii_lowercase().as_str() {
            "zlib" | "true" | "on" => Ok(Compression::ZLIB),
            "zstd" => Ok(Compression::ZSTD),
            "off" | "none" | "false" => Ok(Compression::Off),
            _ => Err(format!("unknown compression {name:?} (zlib, zstd or off)")),
        }
    }

    /// The same algorithm at `level`; fails when the level is out of the algorithm's range or
    /// compression is off.
    pub fn with_level(self, level: i64) -> std::result::Result<Compression, String> {
        match self {
            Compression::Zlib { .. } if (0..=9).contains(&level) => Ok(Compression::Zlib {
                level: level as u32,
            }),
            Compression::Zstd { .. } if (1..=22).contains(&level) => Ok(Compression::Zstd {
                level: level as i32,
            }),
            Compression::Off => Err("compression-level needs compression=zlib or zstd".into()),
            _ => Err(format!(
                "compression-level {level} out of range (zlib 0-9, zstd 1-22)"
            )),
        }
    }

    /// Whether this build can compress with it (`zlib` and `zstd` are features of
    /// mysql-proto); `Off` always can.
    pub fn is_available(self) -> bool {
        match self {
            Compression::Off => true,
            Compression::Zlib { .. } => cfg!(feature = "zlib"),
            Compression::Zstd { .. } => cfg!(feature = "zstd"),
        }
    }
}

/// The header of one compressed packet.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CompressedHeader {
    /// Length of the payload that follows the header.
    pub len: usize,
    /// Compressed sequence id.
    pub seq: u8,
    /// Length after inflating; 0 when the payload is stored as it is.
    pub uncompressed_len: usize,
}

impl CompressedHeader {
    /// Parses the header at the start of `buf`; `None` when fewer than 7 bytes are there.
    pub fn parse(buf: &[u8]) -> Option<CompressedHeader> {
        let h = buf.get(..COMPRESSED_HEADER)?;
        Some(CompressedHeader {
            len: u32::from_le_bytes([h[0], h[1], h[2], 0]) as usize,
            seq: h[3],
            uncompressed_len: u32::from_le_bytes([h[4], h[5], h[6], 0]) as usize,
        })
    }

    fn write(self, out: &mut [u8]) {
        out[..3].copy_from_slice(&(self.len as u32).to_le_bytes()[..3]);
        out[3] = self.seq;
        out[4..7].copy_from_slice(&(self.uncompressed_len as u32).to_le_bytes()[..3]);
    }
}

/// Where the compressed sequence ids of sealed bytes start.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SealAs {
    /// A new command: from 0.
    Command,
    /// More of a command the server is answering (LOCAL INFILE data): after the server's last
    /// compressed packet.
    Continuation,
}

/// A connection's compression state: the algorithm's contexts, the compressed bytes waiting
/// to be written and the received ones waiting to be inflated.
pub struct Compressor {
    codec: Codec,
    out: Vec<u8>,
    out_pos: usize,
    input: Vec<u8>,
    in_start: usize,
    /// Where the slice lent by [`lend`](Compressor::lend) starts (the input's length before).
    lent_at: Option<usize>,
    /// Sequence id of the last compressed packet received.
    last_rx_seq: u8,
}

impl std::fmt::Debug for Compressor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Compressor")
            .field("unsent", &(self.out.len() - self.out_pos))
            .field("unread", &(self.input.len() - self.in_start))
            .finish()
    }
}

impl Compressor {
    /// The state for `compression`. Fails with [`ErrorKind::Unsupported`](crate::ErrorKind)
    /// when this build lacks the algorithm's feature, or for [`Compression::Off`].
    pub fn new(compression: Compression) -> Result<Compressor> {
        Ok(Compressor {
            codec: Codec::new(compression)?,
            out: Vec::new(),
            out_pos: 0,
            input: Vec::new(),
            in_start: 0,
            lent_at: None,
            last_rx_seq: 0,
        })
    }

    /// Compresses `framed` (whole packets of one command, or the client's part of one in
    /// progress) into compressed packets of at most 16 MiB - 1 uncompressed bytes each, queued
    /// for [`unsent`](Self::unsent). Never fails: a payload the algorithm cannot shrink is
    /// stored as it is.
    pub fn seal(&mut self, framed: &[u8], seal_as: SealAs) {
        let mut seq = match seal_as {
            SealAs::Command => 0,
            SealAs::Continuation => self.last_rx_seq.wrapping_add(1),
        };
        for chunk in framed.chunks(MAX_PAYLOAD) {
            let h = self.out.len();
            self.out.extend_from_slice(&[0; COMPRESSED_HEADER]);
            let mut uncompressed_len = 0;
            if chunk.len() >= MIN_COMPRESS_LENGTH && self.codec.compress(chunk, &mut self.out) {
                uncompressed_len = chunk.len();
            } else {
                self.out.truncate(h + COMPRESSED_HEADER);
                self.out.extend_from_slice(chunk);
            }
            let len = self.out.len() - h - COMPRESSED_HEADER;
            CompressedHeader {
                len,
                seq,
                uncompressed_len,
            }
            .write(&mut self.out[h..]);
            seq = seq.wrapping_add(1);
        }
        if seal_as == SealAs::Continuation {
            self.last_rx_seq = seq.wrapping_sub(1);
        }
    }

    /// Queues `bytes` to be written as they are, ahead of anything sealed later: what the
    /// handshake left unsent when compression started.
    pub fn push_raw(&mut self, bytes: &[u8]) {
        self.out.extend_from_slice(bytes);
    }

    /// The compressed bytes waiting to be written.
    pub fn unsent(&self) -> &[u8] {
        &self.out[self.out_pos..]
    }

    /// Drops the first `n` bytes of [`unsent`](Self::unsent) after they were written.
    pub fn consume(&mut self, n: usize) {
        self.out_pos = (self.out_pos + n).min(self.out.len());
        if self.out_pos == self.out.len() {
            self.out.clear();
            self.out_pos = 0;
            if self.out.capacity() > 1 << 20 {
                self.out = Vec::new();
            }
        }
    }

    /// The buffer received compressed bytes are appended to (by the caller's reads or the TLS
    /// layer); [`inflate_next`](Self::inflate_next) takes them from the front.
    pub fn input(&mut self) -> &mut Vec<u8> {
        if let Some(at) = self.lent_at.take() {
            self.input.truncate(at);
        }
        if self.in_start > 0 && (self.in_start == self.input.len() || self.in_start > 64 << 10) {
            self.input.drain(..self.in_start);
            self.in_start = 0;
        }
        &mut self.input
    }

    /// Lends `want` bytes (at least what the packet at the front still misses) at the end of
    /// the input, for a socket read; [`filled`](Self::filled) then keeps what the read wrote.
    /// Lending again before that lends the same place.
    pub fn lend(&mut self, want: usize) -> &mut [u8] {
        if let Some(at) = self.lent_at.take() {
            self.input.truncate(at);
        }
        let want = want.max(self.shortfall()).max(1);
        let input = self.input();
        let end = input.len();
        input.resize(end + want, 0);
        self.lent_at = Some(end);
        &mut self.input[end..]
    }

    /// The buffer [`lend`](Self::lend) lends the tail of (lent whole by value, see
    /// [`crate::connection::loan`]).
    pub(crate) fn lent_input(&mut self) -> &mut Vec<u8> {
        &mut self.input
    }

    /// Keeps the first `n` bytes of the slice last lent by [`lend`](Self::lend) (clamped to
    /// it).
    pub fn filled(&mut self, n: usize) {
        if let Some(at) = self.lent_at.take() {
            let end = (at + n).min(self.input.len());
            self.input.truncate(end);
        }
    }

    /// Bytes still missing from the compressed packet at the front of the input (for sizing
    /// reads).
    pub fn shortfall(&self) -> usize {
        let have = &self.input[self.in_start..];
        match CompressedHeader::parse(have) {
            Some(h) => (COMPRESSED_HEADER + h.len).saturating_sub(have.len()),
            None => COMPRESSED_HEADER - have.len(),
        }
    }

    /// Whether the input holds a whole compressed packet.
    pub fn has_packet(&self) -> bool {
        let have = &self.input[self.in_start..];
        CompressedHeader::parse(have).is_some_and(|h| have.len() >= COMPRESSED_HEADER + h.len)
    }

    /// Inflates the compressed packet at the front of the input, appending its bytes to
    /// `framed`; `Ok(false)` when no whole packet is there yet. Fails with a protocol error when
    /// the payload does not inflate to exactly the length its header gives.
    pub fn inflate_next(&mut self, framed: &mut Vec<u8>) -> Result<bool> {
        let input = &self.input[self.in_start..];
        match inflate_packet(&mut self.codec, input, framed)? {
            Some((consumed, seq)) => {
                self.in_start += consumed;
                self.last_rx_seq = seq;
                Ok(true)
            }
            None => Ok(false),
        }
    }

    /// Received bytes not yet inflated.
    pub fn pending_input(&self) -> usize {
        self.input.len() - self.in_start
    }
}

/// Inflates the compressed packet at the start of `input` with the algorithm of
/// `compression`, appending the result to `out`: `Some((bytes consumed, sequence id))`, or
/// `None` when `input` holds no whole packet. The parser the fuzz target `compressed` drives.
pub fn inflate(
    compression: Compression,
    input: &[u8],
    out: &mut Vec<u8>,
) -> Result<Option<(usize, u8)>> {
    inflate_packet(&mut Codec::new(compression)?, input, out)
}

fn inflate_packet(
    codec: &mut Codec,
    input: &[u8],
    out: &mut Vec<u8>,
) -> Result<Option<(usize, u8)>> {
    let Some(h) = CompressedHeader::parse(input) else {
        return Ok(None);
    };
    let end = COMPRESSED_HEADER + h.len;
    if input.len() < end {
        return Ok(None);
    }
    let payload = &input[COMPRESSED_HEADER..end];
    if h.uncompressed_len == 0 {
        out.extend_from_slice(payload);
    } else {
        codec.decompress(payload, h.uncompressed_len, out)?;
    }
    Ok(Some((end, h.seq)))
}

/// The algorithm's reusable contexts.
enum Codec {
    #[cfg(feature = "zlib")]
    Zlib {
        deflate: flate2::Compress,
        inflate: flate2::Decompress,
    },
    #[cfg(feature = "zstd")]
    Zstd {
        compressor: Box<zstd::bulk::Compressor<'static>>,
        decompressor: Box<zstd::bulk::Decompressor<'static>>,
    },
}

impl Codec {
    fn new(compression: Compression) -> Result<Codec> {
        match compression {
            Compression::Off => Err(Error::misuse("no compression algorithm chosen")),
            #[cfg(feature = "zlib")]
            Compression::Zlib { level } => Ok(Codec::Zlib {
                deflate: flate2::Compress::new(flate2::Compression::new(level.min(9)), true),
                inflate: flate2::Decompress::new(true),
            }),
            #[cfg(feature = "zstd")]
            Compression::Zstd { level } => {
                let e = |e: std::io::Error| Error::unsupported(format!("zstd: {e}"));
                Ok(Codec::Zstd {
                    compressor: Box::new(zstd::bulk::Compressor::new(level).map_err(e)?),
                    decompressor: Box::new(zstd::bulk::Decompressor::new().map_err(e)?),
                })
            }
            #[allow(unreachable_patterns)]
            other => Err(Error::unsupported(format!(
                "{other:?} needs the matching feature (`zlib` / `zstd`) of mysql-proto"
            ))),
        }
    }

    /// Appends the compressed form of `data` to `out`; `false` (with `out` partly written, to
    /// be truncated by the caller) when it would not be shorter.
    fn compress(&mut self, data: &[u8], out: &mut Vec<u8>) -> bool {
        let start = out.len();
        match self {
            #[cfg(feature = "zlib")]
            Codec::Zlib { deflate, .. } => {
                deflate.reset();
                // compress_vec appends into the spare capacity; zlib's bound for data that
                // does not shrink is the length plus 0.1% plus a few bytes.
                out.reserve(data.len() + data.len() / 1000 + 64);
                loop {
                    let taken = deflate.total_in() as usize;
                    match deflate.compress_vec(&data[taken..], out, flate2::FlushCompress::Finish) {
                        Ok(flate2::Status::StreamEnd) => return out.len() - start < data.len(),
                        Ok(_) => out.reserve(4096),
                        Err(_) => return false,
                    }
                }
            }
            #[cfg(feature = "zstd")]
            Codec::Zstd { compressor, .. } => {
                out.resize(start + data.len(), 0);
                match compressor.compress_to_buffer(data, &mut out[start..]) {
                    Ok(n) if n < data.len() => {
                        out.truncate(start + n);
                        true
                    }
                    _ => false,
                }
            }
            #[allow(unreachable_patterns)]
            _ => {
                let _ = (data, out, start);
                false
            }
        }
    }

    /// Appends exactly `len` inflated bytes of `payload` to `out`, or fails.
    fn decompress(&mut self, payload: &[u8], len: usize, out: &mut Vec<u8>) -> Result<()> {
        let start = out.len();
        let wrong = || {
            Error::protocol(format!(
                "compressed packet does not inflate to its declared {len} bytes"
            ))
        };
        match self {
            #[cfg(feature = "zlib")]
            Codec::Zlib { inflate, .. } => {
                inflate.reset(true);
                // Into exactly `len` bytes: a stream that would inflate further stops short of
                // its end and is refused.
                out.resize(start + len, 0);
                let status =
                    inflate.decompress(payload, &mut out[start..], flate2::FlushDecompress::Finish);
                let ok = matches!(status, Ok(flate2::Status::StreamEnd))
                    && inflate.total_out() as usize == len;
                if !ok {
                    out.truncate(start);
                    return Err(match status {
                        Err(e) => Error::protocol(format!("zlib: {e}")),
                        Ok(_) => wrong(),
                    });
                }
                Ok(())
            }
            #[cfg(feature = "zstd")]
            Codec::Zstd { decompressor, .. } => {
                out.resize(start + len, 0);
                match decompressor.decompress_to_buffer(payload, &mut out[start..]) {
                    Ok(n) if n == len => Ok(()),
                    Ok(_) => {
                        out.truncate(start);
                        Err(wrong())
                    }
                    Err(e) => {
                        out.truncate(start);
                        Err(Error::protocol(format!("zstd: {e}")))
                    }
                }
            }
            #[allow(unreachable_patterns)]
            _ => {
                let _ = (payload, start, wrong);
                Err(Error::unsupported("compression not built in"))
            }
        }
    }
}
