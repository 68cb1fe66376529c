//! Sending the file of an accepted `LOAD DATA LOCAL INFILE` request (see
//! [`crate::local_infile`] for what is accepted): the runner's side of the exchange.

use super::*;

impl Connection {
    /// The file an accepted LOCAL INFILE request asks for, while the server waits for it:
    /// runners check this before reading the socket, then open the file (or call the caller's
    /// handler), pass its bytes to [`send_local_infile_data`](Self::send_local_infile_data)
    /// and finish with [`end_local_infile`](Self::end_local_infile). `None` otherwise (refused
    /// requests never show here).
    #[inline]
    pub fn local_infile_request(&self) -> Option<&[u8]> {
        self.responses.infile_request.as_ref().map(|(n, _)| &n[..])
    }

    /// Queues `data` (the next bytes of the requested file; any length) as file packets.
    /// Write [`pending_send`](Self::pending_send) out when
    /// [`send_buffered`](Self::send_buffered) grows, so that memory stays bounded. Fails with a
    /// misuse error when no request is being served.
    pub fn send_local_infile_data(&mut self, data: &[u8]) -> Result<()> {
        let (Some(head), Some((_, sent))) = (
            self.responses.queue.front_mut(),
            self.responses.infile_request.as_mut(),
        ) else {
            return Err(Error::misuse("no LOCAL INFILE request is being served"));
        };
        for chunk in data.chunks(crate::local_infile::CHUNK) {
            head.seq = framing::write_packet(&mut self.tx, head.seq, chunk);
            *sent = true;
        }
        self.seal_continuation();
        Ok(())
    }

    /// Ends the file: `Ok(())` after its last bytes (an empty packet tells the server, which
    /// then answers the statement). `Err(e)` when the file could not be opened or read: before
    /// any byte was sent the request is refused (an empty file; the statement then fails with
    /// [`ErrorKind::LocalInfile`] and `e`'s message) and `Ok` is returned; after some bytes the
    /// connection is broken with `e` and `e` returned, so that the server aborts the statement
    /// instead of loading a truncated file. A misuse error when no request is being served.
    pub fn end_local_infile(&mut self, outcome: Result<()>) -> Result<()> {
        let (Some(head), Some((name, sent))) = (
            self.responses.queue.front_mut(),
            self.responses.infile_request.take(),
        ) else {
            return Err(Error::misuse("no LOCAL INFILE request is being served"));
        };
        if let Err(e) = outcome {
            if sent {
                return Err(self.break_with(e));
            }
            let reason = format!("`{}`: {e}", String::from_utf8_lossy(&name));
            let check = head.infile.get_or_insert_with(Default::default);
            check.refused.get_or_insert(reason);
        }
        head.seq = framing::write_packet(&mut self.tx, head.seq, &[]);
        head.state = Response::Start;
        self.seal_continuation();
        Ok(())
    }
}
