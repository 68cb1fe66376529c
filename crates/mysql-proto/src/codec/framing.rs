//! Packet framing: every payload travels as frames of `int<3>` length + `int<1>` sequence id +
//! at most [`MAX_PAYLOAD`] bytes. A payload of [`MAX_PAYLOAD`] bytes or more is split; a frame of
//! exactly [`MAX_PAYLOAD`] bytes means "more follows", so a payload whose length is a multiple
//! of [`MAX_PAYLOAD`] ends with an empty frame.
//!
//! Sending: [`begin_packet`] / [`finish_packet`] write a payload in place into the send buffer
//! and split it when needed. Receiving: [`Deframer`] finds the next payload in the receive
//! buffer, checks sequence ids, and reassembles split payloads (the only case that copies).

use std::ops::Range;

use crate::error::{Error, Result};

/// The largest payload of one frame: 2^24 - 1 bytes.
pub const MAX_PAYLOAD: usize = 0xff_ffff;

/// The 4-byte header in front of every frame.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FrameHeader {
    /// Payload length of this frame (at most [`MAX_PAYLOAD`]).
    pub len: usize,
    /// Sequence id.
    pub seq: u8,
}

impl FrameHeader {
    /// Parses the header at the start of `buf`; `None` when fewer than 4 bytes are there.
    pub fn parse(buf: &[u8]) -> Option<FrameHeader> {
        if buf.len() < 4 {
            return None;
        }
        Some(FrameHeader {
            len: u32::from_le_bytes([buf[0], buf[1], buf[2], 0]) as usize,
            seq: buf[3],
        })
    }
}

/// Reserves a frame header at the end of `buf` and returns where the packet starts; append the
/// payload to `buf`, then call [`finish_packet`].
pub fn begin_packet(buf: &mut Vec<u8>) -> usize {
    let start = buf.len();
    buf.extend_from_slice(&[0, 0, 0, 0]);
    start
}

/// Completes the packet begun at `start` with sequence id `seq`: fills in the header and, for a
/// payload of [`MAX_PAYLOAD`] bytes or more, splits it into frames (with the trailing empty frame
/// when the length is an exact multiple). Returns the sequence id that follows the last frame.
pub fn finish_packet(buf: &mut Vec<u8>, start: usize, seq: u8) -> u8 {
    let payload_len = buf.len() - start - 4;
    if payload_len < MAX_PAYLOAD {
        write_header(&mut buf[start..start + 4], payload_len, seq);
        return seq.wrapping_add(1);
    }
    // Rare path (payloads of 16 MiB and more): move the payload out and re-frame it.
    let payload = buf.split_off(start + 4);
    buf.truncate(start);
    let mut seq = seq;
    let mut chunks = payload.chunks(MAX_PAYLOAD);
    for chunk in chunks.by_ref() {
        let h = buf.len();
        buf.extend_from_slice(&[0, 0, 0, 0]);
        write_header(&mut buf[h..h + 4], chunk.len(), seq);
        buf.extend_from_slice(chunk);
        seq = seq.wrapping_add(1);
    }
    if payload_len % MAX_PAYLOAD == 0 {
        let h = buf.len();
        buf.extend_from_slice(&[0, 0, 0, 0]);
        write_header(&mut buf[h..h + 4], 0, seq);
        seq = seq.wrapping_add(1);
    }
    seq
}

/// Appends `payload` as a packet with sequence id `seq` (split when large); returns the next id.
pub fn write_packet(buf: &mut Vec<u8>, seq: u8, payload: &[u8]) -> u8 {
    let start = begin_packet(buf);
    buf.extend_from_slice(payload);
    finish_packet(buf, start, seq)
}

fn write_header(h: &mut [u8], len: usize, seq: u8) {
    let l = (len as u32).to_le_bytes();
    h[0] = l[0];
    h[1] = l[1];
    h[2] = l[2];
    h[3] = seq;
}

/// Where [`Deframer::next`] found the next payload.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Deframed {
    /// No complete payload yet. `consumed` bytes at the front of the input were taken (frames
    /// moved into the reassembly buffer) and must be dropped by the caller.
    Incomplete {
        /// Bytes of the input the caller must drop.
        consumed: usize,
    },
    /// A whole payload. `consumed` bytes (frames included) at the front of the input belong to it;
    /// the caller drops them once it is done with the payload.
    Packet {
        /// Bytes of the input covered by this payload and its headers.
        consumed: usize,
        /// The payload inside the input, or `None` when it was reassembled from several frames
        /// (read it with [`Deframer::reassembled`]).
        payload: Option<Range<usize>>,
    },
}

/// Finds payloads in a receive buffer, checking sequence ids and reassembling split payloads.
#[derive(Debug)]
pub struct Deframer {
    reassembly: Vec<u8>,
    reassembling: bool,
    check_sequence: bool,
}

impl Default for Deframer {
    fn default() -> Self {
        Deframer {
            reassembly: Vec::new(),
            reassembling: false,
            check_sequence: true,
        }
    }
}

impl Deframer {
    /// A deframer with nothing pending.
    pub fn new() -> Self {
        Self::default()
    }

    /// Whether to check sequence ids (on by default). Off under protocol compression, where
    /// servers re-number the inner packets at each flush: the next id expected then follows
    /// the id received.
    pub fn check_sequence(&mut self, on: bool) {
        self.check_sequence = on;
    }

    /// Looks for the next payload at the start of `input`. `seq` is the sequence id the next frame
    /// must carry; it is advanced past every frame taken. Payloads over `max_packet` bytes fail
    /// with [`ErrorKind::Limit`](crate::ErrorKind::Limit); a wrong sequence id fails with
    /// [`ErrorKind::Protocol`](crate::ErrorKind::Protocol).
    #[inline]
    pub fn next(&mut self, input: &[u8], seq: &mut u8, max_packet: usize) -> Result<Deframed> {
        let mut pos = 0;
        loop {
            let Some(h) = FrameHeader::parse(&input[pos..]) else {
                return Ok(Deframed::Incomplete { consumed: pos });
            };
            if h.seq != *seq && self.check_sequence {
                return Err(Error::protocol(format!(
                    "packet out of order: expected sequence id {}, got {}",
                    *seq, h.seq
                )));
            }
            let total = self.reassembly.len() + h.len;
            if total > max_packet {
                return Err(Error::limit(format!(
                    "packet of at least {total} bytes exceeds max_packet ({max_packet})"
                )));
            }
            if input.len() - pos - 4 < h.len {
                return Ok(Deframed::Incomplete { consumed: pos });
            }
            let body = pos + 4..pos + 4 + h.len;
            *seq = h.seq.wrapping_add(1);
            if h.len == MAX_PAYLOAD {
                self.reassembling = true;
                self.reassembly.extend_from_slice(&input[body.clone()]);
                pos = body.end;
                continue;
            }
            if self.reassembling {
                self.reassembly.extend_from_slice(&input[body.clone()]);
                self.reassembling = false;
                return Ok(Deframed::Packet {
                    consumed: body.end,
                    payload: None,
                });
            }
            return Ok(Deframed::Packet {
                consumed: body.end,
                payload: Some(body),
            });
        }
    }

    /// The payload reassembled by the last [`Deframer::next`] that returned `payload: None`.
    pub fn reassembled(&self) -> &[u8] {
        &self.reassembly
    }

    /// Frees the reassembled payload once the caller is done with it.
    pub fn release(&mut self) {
        if !self.reassembling {
            self.reassembly.clear();
            if self.reassembly.capacity() > 4 * MAX_PAYLOAD {
                self.reassembly = Vec::new();
            }
        }
    }

    /// Bytes of a split payload received so far (for memory accounting).
    pub fn pending_len(&self) -> usize {
        self.reassembly.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn deframe_all(wire: &[u8], seq0: u8) -> Result<Vec<Vec<u8>>> {
        let mut d = Deframer::new();
        let mut seq = seq0;
        let mut pos = 0;
        let mut out = Vec::new();
        loop {
            match d.next(&wire[pos..], &mut seq, usize::MAX)? {
                Deframed::Incomplete { consumed } => {
                    pos += consumed;
                    assert_eq!(pos, wire.len(), "leftover bytes");
                    return Ok(out);
                }
                Deframed::Packet { consumed, payload } => {
                    let p = match payload {
                        Some(r) => wire[pos..][r].to_vec(),
                        None => d.reassembled().to_vec(),
                    };
                    d.release();
                    out.push(p);
                    pos += consumed;
                }
            }
        }
    }

    #[test]
    fn go_sql_driver_single_byte_vector() {
        assert_eq!(
            deframe_all(&[0x01, 0, 0, 0, 0xff], 0).unwrap(),
            vec![vec![0xff]]
        );
    }

    #[test]
    fn go_sql_driver_wrong_sequence_vectors() {
        let e = deframe_all(&[0x01, 0, 0, 0, 0x22], 1).unwrap_err();
        assert_eq!(e.kind(), crate::ErrorKind::Protocol);
        let e = deframe_all(&[0x01, 0, 0, 0x42, 0x22], 0).unwrap_err();
        assert_eq!(e.kind(), crate::ErrorKind::Protocol);
    }

    #[test]
    fn split_and_reassemble_at_the_edges() {
        for len in [
            0,
            1,
            MAX_PAYLOAD - 1,
            MAX_PAYLOAD,
            MAX_PAYLOAD + 42,
            2 * MAX_PAYLOAD,
        ] {
            let payload: Vec<u8> = (0..len).map(|i| (i % 251) as u8).collect();
            let mut wire = Vec::new();
            let next = write_packet(&mut wire, 0, &payload);
            let frames = len / MAX_PAYLOAD + 1;
            assert_eq!(next as usize, frames, "len {len}");
            assert_eq!(wire.len(), len + 4 * frames, "len {len}");
            // The last frame is shorter than MAX_PAYLOAD (empty for exact multiples).
            let last_header = &wire[wire.len() - (len % MAX_PAYLOAD) - 4..];
            assert_eq!(
                FrameHeader::parse(last_header).unwrap(),
                FrameHeader {
                    len: len % MAX_PAYLOAD,
                    seq: (frames - 1) as u8
                }
            );
            let got = deframe_all(&wire, 0).unwrap();
            assert_eq!(got.len(), 1);
            assert!(got[0] == payload, "len {len}");
        }
    }

    #[test]
    fn exact_max_payload_wire_pattern() {
        // framing.json: "ff ff ff 00 <16777215 bytes> 00 00 00 01"
        let payload = vec![7u8; MAX_PAYLOAD];
        let mut wire = Vec::new();
        write_packet(&mut wire, 0, &payload);
        assert_eq!(&wire[..4], &[0xff, 0xff, 0xff, 0x00]);
        assert_eq!(&wire[4 + MAX_PAYLOAD..], &[0, 0, 0, 1]);
    }

    #[test]
    fn sequence_ids_wrap() {
        let mut wire = Vec::new();
        let next = write_packet(&mut wire, 255, b"x");
        assert_eq!(next, 0);
        assert_eq!(deframe_all(&wire, 255).unwrap(), vec![b"x".to_vec()]);
    }

    #[test]
    fn limit_is_checked_before_buffering() {
        let mut wire = Vec::new();
        write_packet(&mut wire, 0, &[0u8; 100]);
        let mut d = Deframer::new();
        // Only the header has arrived: the limit is known from it and enforced at once.
        let e = d.next(&wire[..4], &mut 0, 99).unwrap_err();
        assert_eq!(e.kind(), crate::ErrorKind::Limit);
    }

    #[test]
    fn incomplete_input_at_every_cut() {
        let mut wire = Vec::new();
        write_packet(&mut wire, 0, b"hello");
        for cut in 0..wire.len() {
            let mut d = Deframer::new();
            let mut seq = 0;
            assert_eq!(
                d.next(&wire[..cut], &mut seq, 1 << 20).unwrap(),
                Deframed::Incomplete { consumed: 0 }
            );
            assert_eq!(seq, 0);
        }
    }
}
