//! Where a binlog reader can resume: the file and position, and (MariaDB) the GTID position,
//! after the last *complete* transaction the stream delivered. A dump started there goes on
//! with the next transaction, neither repeating nor skipping one; resuming mid-transaction
//! would lose the table maps of its row events.
//!
//! A transaction is complete at its XID event, or at a `COMMIT` statement (engines without
//! XA), and a statement of its own (DDL, a MariaDB GTID flagged standalone, a statement outside
//! `BEGIN`) right after it.

use std::collections::BTreeMap;

use super::event::{EventData, EventHeader, Gtid};

/// The bookkeeping behind [`BinlogStream::resume_position`](super::BinlogStream::resume_position)
/// and [`BinlogStream::resume_gtid`](super::BinlogStream::resume_gtid).
#[derive(Debug, Clone, Default)]
pub(crate) struct Resume {
    /// The log file being read (from the last ROTATE).
    file: String,
    /// The file and position after the last complete transaction.
    position: Option<(String, u32)>,
    /// Per replication domain, the last complete transaction's GTID (seeded with the GTID
    /// position the dump started from).
    gtids: BTreeMap<u32, Gtid>,
    /// The GTID of the transaction under way, and whether it is one statement (standalone).
    pending: Option<(Gtid, bool)>,
    /// A `BEGIN` (or a MariaDB GTID) opened a transaction that has not ended.
    in_transaction: bool,
}

impl Resume {
    /// Bookkeeping for a dump from the MariaDB GTID position `start` (`domain-server-seq`
    /// triples separated by commas; unparsable parts are left out).
    pub(crate) fn from_gtid(start: &str) -> Resume {
        let mut r = Resume::default();
        for part in start.split(',') {
            let mut n = part.trim().splitn(3, '-').map(|x| x.parse::<u64>().ok());
            if let (Some(Some(d)), Some(Some(s)), Some(Some(q))) = (n.next(), n.next(), n.next()) {
                let (Ok(domain_id), Ok(server_id)) = (u32::try_from(d), u32::try_from(s)) else {
                    continue;
                };
                r.gtids.insert(
                    domain_id,
                    Gtid {
                        domain_id,
                        server_id,
                        seq_no: q,
                        flags: 0,
                    },
                );
            }
        }
        r
    }

    /// Takes one decoded event into account.
    pub(crate) fn track(&mut self, header: &EventHeader, data: &EventData) {
        match data {
            EventData::Rotate {
                position,
                next_file,
            } => {
                self.file.clone_from(next_file);
                // A rotation happens between transactions.
                if !self.in_transaction {
                    self.position = Some((next_file.clone(), *position as u32));
                }
            }
            EventData::Gtid(g) => {
                let standalone = g.flags & 1 != 0;
                self.pending = Some((*g, standalone));
                self.in_transaction = !standalone;
            }
            EventData::MySqlGtid(_) => {}
            EventData::Xid { .. } => self.commit(header),
            EventData::Query(q) => {
                let sql = q.sql.trim();
                if sql.eq_ignore_ascii_case("BEGIN") {
                    self.in_transaction = true;
                } else if sql.eq_ignore_ascii_case("COMMIT") || !self.in_transaction {
                    self.commit(header);
                }
            }
            _ => {}
        }
    }

    fn commit(&mut self, header: &EventHeader) {
        if header.log_pos != 0 && !self.file.is_empty() {
            self.position = Some((self.file.clone(), header.log_pos));
        }
        if let Some((g, _)) = self.pending.take() {
            self.gtids.insert(g.domain_id, g);
        }
        self.in_transaction = false;
    }

    pub(crate) fn position(&self) -> Option<(&str, u32)> {
        self.position.as_ref().map(|(f, p)| (f.as_str(), *p))
    }

    pub(crate) fn gtid(&self) -> Option<String> {
        if self.gtids.is_empty() {
            return None;
        }
        let parts: Vec<String> = self.gtids.values().map(|g| g.to_string()).collect();
        Some(parts.join(","))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::binlog::{EventType, Query};

    fn header(log_pos: u32) -> EventHeader {
        EventHeader {
            timestamp: 0,
            event_type: EventType(0),
            server_id: 1,
            event_size: 0,
            log_pos,
            flags: 0,
        }
    }

    fn query(sql: &str) -> EventData {
        EventData::Query(Query {
            thread_id: 1,
            exec_time: 0,
            error_code: 0,
            schema: String::new(),
            sql: sql.into(),
        })
    }

    fn gtid(domain_id: u32, seq_no: u64, flags: u8) -> EventData {
        EventData::Gtid(Gtid {
            domain_id,
            server_id: 1,
            seq_no,
            flags,
        })
    }

    #[test]
    fn the_position_moves_only_at_the_end_of_transactions() {
        let mut r = Resume::from_gtid("0-1-5, 3-2-9,junk");
        assert_eq!(r.gtid().as_deref(), Some("0-1-5,3-2-9"));
        let rotate = EventData::Rotate {
            position: 4,
            next_file: "log.000007".into(),
        };
        r.track(&header(0), &rotate);
        assert_eq!(r.position(), Some(("log.000007", 4)));
        // A transaction: GTID, BEGIN, rows (not tracked), XID.
        r.track(&header(100), &gtid(0, 6, 0));
        r.track(&header(150), &query("BEGIN"));
        assert_eq!(r.position(), Some(("log.000007", 4)));
        assert_eq!(r.gtid().as_deref(), Some("0-1-5,3-2-9"));
        r.track(&header(300), &EventData::Xid { xid: 1 });
        assert_eq!(r.position(), Some(("log.000007", 300)));
        assert_eq!(r.gtid().as_deref(), Some("0-1-6,3-2-9"));
        // A standalone DDL: complete after its statement.
        r.track(&header(350), &gtid(3, 10, 1));
        r.track(&header(420), &query("CREATE TABLE t (id INT)"));
        assert_eq!(r.position(), Some(("log.000007", 420)));
        assert_eq!(r.gtid().as_deref(), Some("0-1-6,3-1-10"));
        // A non-transactional engine's transaction ends with COMMIT.
        r.track(&header(500), &gtid(0, 7, 0));
        r.track(&header(520), &query("BEGIN"));
        r.track(&header(600), &query("COMMIT"));
        assert_eq!(r.position(), Some(("log.000007", 600)));
        assert_eq!(r.gtid().as_deref(), Some("0-1-7,3-1-10"));
    }
}
