//! What happens to a connection at the pool's edges, with no IO: handed back
//! ([`check_in`]), closed ([`retire`]). The adapter then writes what was queued without
//! waiting (a returned connection's `ROLLBACK` reaches the server at once, and its answer is
//! read by the connection's next user).

use crate::connection::Connection;

/// Prepares a connection handed back to the pool and says whether it can be lent again.
///
/// Broken connections cannot. A connection inside a transaction gets a `ROLLBACK` queued (and
/// with `reset` every connection gets `COM_RESET_CONNECTION`, which also rolls back, followed by
/// the `init-sql` statements again); their
/// answers are skipped by the connection's next operation, like the rest of a result the last
/// user dropped. The adapter writes what was queued without waiting, so locks are released
/// now rather than when the connection is next lent.
pub fn check_in(conn: &mut Connection, reset: bool) -> bool {
    if conn.fatal_error().is_some() {
        return false;
    }
    // A dropped transaction guard already asked for a ROLLBACK ahead of the next command.
    // (With answers still owed, a `BEGIN` may be among them: `check_out` looks again.)
    let in_transaction = conn.status().in_transaction() || conn.rollback_pending();
    let queued = if reset {
        conn.reset_connection()
            .map(|id| conn.discard(id))
            .and_then(|()| {
                // The reset forgot what `init-sql` set: set it again (answers skipped).
                for i in 0..conn.opts().init_sql().len() {
                    let sql = conn.opts().init_sql()[i].clone();
                    let id = conn.query(sql.as_bytes())?;
                    conn.discard(id);
                }
                Ok(())
            })
    } else if in_transaction {
        conn.rollback_before_next_command();
        conn.send_deferred()
    } else {
        Ok(())
    };
    queued.is_ok() && conn.fatal_error().is_none()
}

/// Prepares a connection the pool closes: what is owed is abandoned and `COM_QUIT` queued, for
/// the adapter to write without waiting before it drops the socket (so the server logs a
/// clean close, not an aborted client). A broken connection is simply dropped.
pub fn retire(conn: &mut Connection) {
    if conn.fatal_error().is_none() {
        let _ = crate::ops::queue_quit(conn);
    }
}

/// Prepares a connection to be lent: whatever its last user left owed is abandoned, and what
/// has already arrived (a `ROLLBACK`'s answer, the server's goodbye) is read. Returns `false`
/// when the connection turns out broken or closed by the server: the pool retires it and
/// tries another. Call it after the adapter fed the core what the socket already holds.
///
/// If the answers read show a transaction open (a `BEGIN` whose operation was dropped before
/// its answer), or answers are still owed (the session's state is not known yet), a
/// `ROLLBACK` goes ahead of the next user's first command, in the same round trip.
pub fn check_out(conn: &mut Connection) -> bool {
    if conn.fatal_error().is_some() {
        return false;
    }
    conn.take_sent_ahead();
    conn.discard_all();
    loop {
        match conn.advance() {
            Ok(true) => {}
            Ok(false) => {
                if conn.status().in_transaction() || conn.in_flight() > 0 {
                    conn.rollback_before_next_command();
                }
                return true;
            }
            Err(_) => return false,
        }
    }
}
