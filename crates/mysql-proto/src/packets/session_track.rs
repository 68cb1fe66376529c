//! Session state changes (`CLIENT_SESSION_TRACK`): the data an OK packet carries when its
//! status has `SERVER_SESSION_STATE_CHANGED`, and [`SessionState`], what the connection learned
//! from it.
//!
//! The data is a sequence of `int<1>` type, `string<lenenc>` body:
//!
//! | type | name | body |
//! |---|---|---|
//! | 0 | `SESSION_TRACK_SYSTEM_VARIABLES` | `string<lenenc>` name, `string<lenenc>` value |
//! | 1 | `SESSION_TRACK_SCHEMA` | `string<lenenc>` schema |
//! | 2 | `SESSION_TRACK_STATE_CHANGE` | `string<lenenc>` `"1"` |
//! | 3 | `SESSION_TRACK_GTIDS` | `int<1>` encoding (0), `string<lenenc>` GTID set (MySQL) |
//! | 4 | `SESSION_TRACK_TRANSACTION_CHARACTERISTICS` | `string<lenenc>` SQL that restores them |
//! | 5 | `SESSION_TRACK_TRANSACTION_STATE` | `string<lenenc>` eight state characters |
//!
//! Unknown types are skipped (their body is length-prefixed). MariaDB reports GTIDs as the
//! system variable `last_gtid` (tracked once `session_track_system_variables` names it).

use crate::codec::Reader;
use crate::error::{Error, Result};

/// One change the server reported.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SessionChange<'a> {
    /// A tracked system variable's new value.
    SystemVariable {
        /// Its name.
        name: &'a [u8],
        /// Its value.
        value: &'a [u8],
    },
    /// The default schema changed (`USE db`).
    Schema(&'a [u8]),
    /// Some session state changed (`session_track_state_change`).
    StateChanged,
    /// The GTIDs of the last transaction (MySQL `session_track_gtids`).
    Gtids(&'a [u8]),
    /// SQL that restores the transaction's characteristics.
    TransactionCharacteristics(&'a [u8]),
    /// The transaction state, eight characters (`T_______`: a transaction is open, ...).
    TransactionState(&'a [u8]),
}

/// Parses session state change data. Fails with a protocol error for truncated data.
pub fn parse(data: &[u8]) -> Result<Vec<SessionChange<'_>>> {
    let mut r = Reader::new(data);
    let mut changes = Vec::new();
    while !r.is_empty() {
        let kind = r.u8()?;
        let mut body = Reader::new(r.lenenc_bytes()?);
        let change = match kind {
            0 => SessionChange::SystemVariable {
                name: body.lenenc_bytes()?,
                value: body.lenenc_bytes()?,
            },
            1 => SessionChange::Schema(body.lenenc_bytes()?),
            2 => SessionChange::StateChanged,
            3 => {
                let encoding = body.u8()?;
                if encoding != 0 {
                    return Err(Error::protocol(format!(
                        "session GTIDs in unknown encoding {encoding}"
                    )));
                }
                SessionChange::Gtids(body.lenenc_bytes()?)
            }
            4 => SessionChange::TransactionCharacteristics(body.lenenc_bytes()?),
            5 => SessionChange::TransactionState(body.lenenc_bytes()?),
            _ => continue,
        };
        changes.push(change);
    }
    Ok(changes)
}

/// What the connection knows of its session from the server's reports (see the module docs):
/// the default schema, the last GTID, the tracked system variables, the transaction state.
/// Read it with [`Connection::session`](crate::Connection::session).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SessionState {
    schema: Option<String>,
    last_gtid: Option<String>,
    variables: Vec<(String, String)>,
    transaction_state: Option<String>,
    changes: u64,
}

impl SessionState {
    /// A session whose default schema is `schema` (the one connected to).
    pub(crate) fn new(schema: Option<&str>) -> SessionState {
        SessionState {
            schema: schema.map(str::to_string),
            ..SessionState::default()
        }
    }

    /// The default schema: the one connected to, then the last the server reported
    /// (`USE`, `COM_INIT_DB`).
    pub fn schema(&self) -> Option<&str> {
        self.schema.as_deref()
    }

    /// The GTID of the session's last transaction: MySQL's `session_track_gtids`, or MariaDB's
    /// `last_gtid` (track it with `SET SESSION session_track_system_variables = 'last_gtid'`,
    /// e.g. in `init-sql`). The basis of read-your-writes on a replica.
    pub fn last_gtid(&self) -> Option<&str> {
        self.last_gtid.as_deref()
    }

    /// The last reported value of tracked system variable `name`.
    pub fn variable(&self, name: &str) -> Option<&str> {
        self.variables
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// The transaction state (`session_track_transaction_info = STATE`), eight characters.
    pub fn transaction_state(&self) -> Option<&str> {
        self.transaction_state.as_deref()
    }

    /// How many changes the server reported so far.
    pub fn changes(&self) -> u64 {
        self.changes
    }

    /// Applies an OK packet's session state change data. Fails with a protocol error for
    /// malformed data.
    pub(crate) fn apply(&mut self, data: &[u8]) -> Result<()> {
        let text = |b: &[u8]| String::from_utf8_lossy(b).into_owned();
        for change in parse(data)? {
            self.changes += 1;
            match change {
                SessionChange::SystemVariable { name, value } => {
                    let (name, value) = (text(name), text(value));
                    if name.eq_ignore_ascii_case("last_gtid") {
                        self.last_gtid = Some(value.clone()).filter(|v| !v.is_empty());
                    }
                    match self.variables.iter_mut().find(|(n, _)| *n == name) {
                        Some((_, v)) => *v = value,
                        None => self.variables.push((name, value)),
                    }
                }
                SessionChange::Schema(s) => self.schema = Some(text(s)),
                SessionChange::Gtids(g) => self.last_gtid = Some(text(g)),
                SessionChange::TransactionState(s) => self.transaction_state = Some(text(s)),
                SessionChange::StateChanged | SessionChange::TransactionCharacteristics(_) => {}
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A change: type byte, then the body as a length-prefixed string.
    fn change(kind: u8, body: &[u8]) -> Vec<u8> {
        let mut v = vec![kind, body.len() as u8];
        v.extend_from_slice(body);
        v
    }

    fn lenenc(s: &str) -> Vec<u8> {
        let mut v = vec![s.len() as u8];
        v.extend_from_slice(s.as_bytes());
        v
    }

    #[test]
    fn every_kind_is_decoded_and_unknown_kinds_skipped() {
        let mut data = change(1, &lenenc("shop"));
        data.extend(change(0, &[lenenc("time_zone"), lenenc("+02:00")].concat()));
        data.extend(change(0, &[lenenc("last_gtid"), lenenc("0-1-42")].concat()));
        data.extend(change(2, &lenenc("1")));
        data.extend(change(9, b"future"));
        data.extend(change(5, &lenenc("T_______")));
        data.extend(change(
            3,
            &[
                &[0u8][..],
                &lenenc("3e11fa47-71ca-11e1-9e33-c80aa9429562:23"),
            ]
            .concat(),
        ));
        let mut s = SessionState::new(Some("test"));
        s.apply(&data).unwrap();
        assert_eq!(s.schema(), Some("shop"));
        assert_eq!(s.variable("TIME_ZONE"), Some("+02:00"));
        assert_eq!(s.transaction_state(), Some("T_______"));
        // The MySQL GTID set came last.
        assert_eq!(
            s.last_gtid(),
            Some("3e11fa47-71ca-11e1-9e33-c80aa9429562:23")
        );
        assert_eq!(s.changes(), 6);
    }

    #[test]
    fn truncated_data_is_a_protocol_error() {
        let data = change(1, &lenenc("shop"));
        for cut in 1..data.len() {
            assert!(parse(&data[..cut]).is_err(), "cut at {cut}");
        }
        assert!(parse(&change(3, &[7, 0])).is_err(), "unknown GTID encoding");
    }
}
