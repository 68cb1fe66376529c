//! The ERR packet: 0xFF, `int<2>` error code, then (4.1 protocol) `#` and a 5-byte SQLSTATE,
//! then the message as `string<EOF>`. The SQLSTATE marker is optional: servers omit it for
//! errors raised before the 4.1 handshake completes.

use crate::codec::{Reader, Writer};
use crate::error::{Error, Result, ServerError};

/// Parses an ERR payload into a [`ServerError`].
pub fn parse_err(payload: &[u8]) -> Result<ServerError> {
    let mut r = Reader::new(payload);
    if r.u8()? != 0xff {
        return Err(Error::protocol("ERR packet without its 0xFF header"));
    }
    let code = r.u16()?;
    let sql_state = if r.peek() == Some(b'#') {
        r.u8()?;
        String::from_utf8_lossy(r.take(5)?).into_owned()
    } else {
        "HY000".to_string()
    };
    let message = String::from_utf8_lossy(r.rest()).into_owned();
    Ok(ServerError {
        code,
        sql_state,
        message,
    })
}

/// Encodes an ERR packet (used by the test server).
pub fn encode_err(err: &ServerError, out: &mut Vec<u8>) {
    let mut w = Writer::new(out);
    w.u8(0xff).u16(err.code).u8(b'#');
    let state = err.sql_state.as_bytes();
    w.bytes(&state[..state.len().min(5)])
        .zeros(5usize.saturating_sub(state.len()))
        .bytes(err.message.as_bytes());
}
