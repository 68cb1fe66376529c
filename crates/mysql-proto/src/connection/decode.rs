//! Events of a [`Connection`]: decoding the input into the next [`Event`], lending it, and the
//! TLS switch of the handshake.

use super::*;

impl Connection {
    /// Decodes input until the next event is ready (`Ok(true)`: read it with
    /// [`event`](Self::event)) or more input is needed (`Ok(false)`). Ends the previous event.
    ///
    /// Fails, fatally and stickily, on a protocol violation, an exceeded limit, an authentication
    /// failure, or a connection closed by the peer while a response was owed; every queued
    /// command is then abandoned and the caller must reconnect.
    pub fn advance(&mut self) -> Result<bool> {
        self.release_current();
        if let Some(e) = &self.fatal {
            return Err(e.clone());
        }
        if self.recv_lent() {
            // The buffered input travels with the loan.
            return Ok(false);
        }
        match self.step() {
            Ok(ready) => Ok(ready),
            Err(e) => {
                let e = self.lost_in_flight(e);
                self.fatal = Some(e.clone());
                self.responses.queue.clear();
                Err(e)
            }
        }
    }

    /// The event made ready by the last [`advance`](Self::advance) that returned `Ok(true)`;
    /// `None` otherwise or after any other `&mut` call.
    pub fn event(&self) -> Option<Event<'_>> {
        let r = &self.responses;
        Some(match self.current.as_ref()? {
            Current::Connected => match &self.phase {
                Phase::Ready(info) => Event::Connected(info),
                _ => return None,
            },
            Current::Response(p, loc) => match p {
                Produced::ResultSetStart(id) => Event::ResultSetStart {
                    id: *id,
                    columns: r.columns.as_ref()?,
                },
                Produced::Row(id, _) => Event::Row {
                    id: *id,
                    row: self.row()?,
                },
                Produced::Prepared(id) => Event::Prepared {
                    id: *id,
                    statement: r.prepared.as_ref()?,
                },
                Produced::ResultSetEnd(id) => Event::ResultSetEnd { id: *id, ok: &r.ok },
                Produced::Ok(id) => Event::Ok { id: *id, ok: &r.ok },
                Produced::ServerError(id) => Event::ServerError {
                    id: *id,
                    error: r.error.as_ref()?,
                },
                Produced::BinlogEvent(id) => Event::BinlogEvent {
                    id: *id,
                    event: &self.payload(loc)[1..],
                },
                Produced::BinlogEnd(id) => Event::BinlogEnd { id: *id },
            },
        })
    }

    /// The payload of the ready event's packet (a row or a binlog event): in the receive
    /// buffer at `loc`, or reassembled from several packets (`None`).
    #[inline]
    fn payload(&self, loc: &Option<std::ops::Range<usize>>) -> &[u8] {
        match loc {
            Some(range) => &self.rx[range.clone()],
            None => self.deframer.reassembled(),
        }
    }

    /// Whether the ready event is a [`Event::Row`]: a cheap test before borrowing it with
    /// [`event`](Self::event) (adapters returning the row or going on with other events).
    #[inline]
    pub fn has_row(&self) -> bool {
        matches!(self.current, Some(Current::Response(Produced::Row(..), _)))
    }

    /// The ready event's row when it is an [`Event::Row`], `None` for any other event: the
    /// per-row path of adapters, cheaper than matching [`event`](Self::event).
    #[inline]
    pub fn row(&self) -> Option<RowRef<'_>> {
        let Some(Current::Response(Produced::Row(_, format), loc)) = &self.current else {
            return None;
        };
        Some(RowRef::with_format(
            self.payload(loc),
            self.responses.columns.as_ref()?,
            *format,
        ))
    }

    /// [`advance`](Self::advance) and [`event`](Self::event) in one call: `Ok(None)` means
    /// "feed me bytes".
    pub fn poll_event(&mut self) -> Result<Option<Event<'_>>> {
        if self.advance()? {
            Ok(self.event())
        } else {
            Ok(None)
        }
    }

    fn step(&mut self) -> Result<bool> {
        loop {
            let input = &self.rx[self.rx_start..self.rx_end];
            let seq = match &mut self.phase {
                Phase::Handshake(h) => h.seq_mut(),
                Phase::Ready(_) | Phase::Quit => match self.responses.queue.front_mut() {
                    Some(c) => &mut c.seq,
                    None => return self.idle(),
                },
            };
            let (consumed, payload) =
                match self.deframer.next(input, seq, self.opts.max_packet())? {
                    Deframed::Incomplete { consumed } => {
                        self.rx_start += consumed;
                        if self.inflate_one()? {
                            continue;
                        }
                        if self.eof {
                            return Err(Error::new(
                                ErrorKind::Closed,
                                "server closed the connection before the response was complete",
                            ));
                        }
                        return Ok(false);
                    }
                    Deframed::Packet { consumed, payload } => (consumed, payload),
                };
            let base = self.rx_start;
            self.release = consumed;
            let loc = payload.map(|r| base + r.start..base + r.end);
            let p = match &loc {
                Some(r) => &self.rx[r.clone()],
                None => self.deframer.reassembled(),
            };
            match &mut self.phase {
                Phase::Handshake(h) => {
                    let step = h.on_packet(p, &self.opts, &mut self.tx, &mut *self.rng)?;
                    // A COM_CHANGE_USER exchange under compression: replies are continuations.
                    self.seal_continuation();
                    match step {
                        HandshakeStep::Continue => {}
                        HandshakeStep::StartTls { plaintext_len } => {
                            self.release_current();
                            self.start_tls(plaintext_len)?;
                            continue;
                        }
                        HandshakeStep::Done(info, scramble) => {
                            self.scramble = scramble;
                            if self.compress.is_none() {
                                self.start_compression(info.capabilities)?;
                            }
                            self.responses.capabilities = info.capabilities;
                            self.responses.mariadb_capabilities = info.mariadb_capabilities;
                            self.responses.status = info.status;
                            self.phase = Phase::Ready(info);
                            self.current = Some(Current::Connected);
                            return Ok(true);
                        }
                    }
                }
                Phase::Ready(_) | Phase::Quit => {
                    if let Some(row) = self.responses.streaming_row(p) {
                        let row = row?;
                        if !row.discard {
                            let produced = Produced::Row(row.id, row.format);
                            self.current = Some(Current::Response(produced, loc));
                            return Ok(true);
                        }
                    } else if let Some(produced) = {
                        let produced = self.responses.on_packet(p, &mut self.tx)?;
                        self.seal_continuation();
                        produced
                    } {
                        let loc =
                            if matches!(produced, Produced::Row(..) | Produced::BinlogEvent(_)) {
                                loc
                            } else {
                                None
                            };
                        self.current = Some(Current::Response(produced, loc));
                        return Ok(true);
                    }
                }
            }
            self.release_current();
        }
    }

    /// No command is in flight: input now is unsolicited (a server shutting down or killing the
    /// connection sends an ERR first).
    fn idle(&mut self) -> Result<bool> {
        if self.rx_start == self.rx_end {
            self.inflate_one()?;
        }
        let input = &self.rx[self.rx_start..self.rx_end];
        if let Some(h) = framing::FrameHeader::parse(input) {
            if input.len() >= 4 + h.len.min(MAX_PAYLOAD) {
                let p = &input[4..4 + h.len];
                if p.first() == Some(&0xff) {
                    let server = crate::packets::parse_err(p)?;
                    return Err(Error::from_server(ErrorKind::Closed, server));
                }
                return Err(Error::protocol(
                    "server sent data while no command was in flight",
                ));
            }
        }
        if self.eof && !matches!(self.phase, Phase::Quit) {
            return Err(Error::new(
                ErrorKind::Closed,
                "server closed the connection",
            ));
        }
        Ok(false)
    }

    /// Switches to TLS: the first `plaintext_len` unsent bytes (the SSLRequest) go out as they
    /// are, everything after through TLS.
    fn start_tls(&mut self, plaintext_len: usize) -> Result<()> {
        #[cfg(feature = "tls")]
        {
            crate::trace::tls_started(self.opts.host());
            let end = self.tx_pos + plaintext_len;
            let session = crate::tls::TlsSession::start(&self.opts, &self.tx[self.tx_pos..end])?;
            self.tx.drain(self.tx_pos..end);
            self.tls = Some(session);
            Ok(())
        }
        #[cfg(not(feature = "tls"))]
        {
            let _ = plaintext_len;
            Err(Error::unsupported(
                "TLS needs the `tls` feature of mysql-proto",
            ))
        }
    }

    /// Turns compression on after the handshake's final OK when `capabilities` (the agreed
    /// ones) include it: from here on both directions travel in compressed packets.
    fn start_compression(&mut self, capabilities: u32) -> Result<()> {
        use crate::constants::{CLIENT_COMPRESS, CLIENT_ZSTD_COMPRESSION_ALGORITHM};
        if capabilities & (CLIENT_COMPRESS | CLIENT_ZSTD_COMPRESSION_ALGORITHM) == 0 {
            return Ok(());
        }
        let mut z = Box::new(Compressor::new(self.opts.compression())?);
        // The server sends nothing after its OK until asked; whatever did arrive behind the
        // OK is compressed already.
        let after_ok = self.rx_start + self.release;
        z.input().extend_from_slice(&self.rx[after_ok..self.rx_end]);
        self.rx_end = after_ok;
        // Handshake bytes not written yet (the last auth packet) go out as they are.
        z.push_raw(&self.tx[self.tx_pos..]);
        self.tx.clear();
        self.tx_pos = 0;
        self.compress = Some(z);
        self.deframer.check_sequence(false);
        Ok(())
    }

    /// With compression on: inflates the next whole compressed packet into the receive
    /// buffer; `Ok(false)` when there is none (or compression is off).
    pub(super) fn inflate_one(&mut self) -> Result<bool> {
        let Some(z) = self.compress.as_mut() else {
            return Ok(false);
        };
        if !z.has_packet() {
            return Ok(false);
        }
        let mut plain = std::mem::take(&mut self.rx);
        if self.rx_start > 0 {
            plain.copy_within(self.rx_start..self.rx_end, 0);
            self.rx_end -= self.rx_start;
            self.rx_start = 0;
        }
        plain.truncate(self.rx_end);
        let r = z.inflate_next(&mut plain);
        self.rx_end = plain.len();
        self.rx = plain;
        r
    }

    /// With compression on: compresses what the response handling just queued (the client's
    /// part of a command in progress), numbered after the server's last compressed packet.
    pub(super) fn seal_continuation(&mut self) {
        if let Some(z) = self.compress.as_mut() {
            if self.tx_pos < self.tx.len() {
                z.seal(&self.tx[self.tx_pos..], SealAs::Continuation);
                self.tx.clear();
                self.tx_pos = 0;
            }
        }
    }

    /// Whether the connection is encrypted.
    pub fn is_tls(&self) -> bool {
        #[cfg(feature = "tls")]
        return self.tls.is_some();
        #[cfg(not(feature = "tls"))]
        false
    }
}
