//! A session recorded from a real MariaDB 10.11 server (`tests/data/mariadb-session.bin`, made by
//! `RECORD_CAPTURE=1 cargo test -p integration-tests --test capture`) replayed without a
//! server: every packet parser on real bytes, with the split and cut sweeps.

use mysql_proto::testing::{drive, drive_parts, queue_script};
use mysql_proto::Opts;

const BYTES: &[u8] = include_bytes!("data/mariadb-session.bin");
const SCRIPT: &str = include_str!("data/mariadb-session.script");
const TRANSCRIPT: &str = include_str!("data/mariadb-session.transcript");

fn opts() -> Opts {
    // The recorded server offered TLS; the recording is of a plaintext session.
    Opts::from_url("mysql://rs_native:native_pw@127.0.0.1:3307/test?ssl-mode=DISABLED").unwrap()
}

fn expected() -> Vec<String> {
    TRANSCRIPT.lines().map(str::to_string).collect()
}

#[test]
fn replays_to_the_recorded_transcript() {
    let t = drive(opts(), BYTES, usize::MAX, false, &mut |c| {
        queue_script(c, SCRIPT)
    });
    assert_eq!(t.error, None);
    assert_eq!(t.events, expected());
    // Spot checks of what the parsers got out of the real bytes.
    let joined = t.events.join("\n");
    assert!(joined.contains("#4 error ERROR 1064 (42000)"));
    assert!(joined.contains("#6 error ERROR 1146 (42S02)"));
    assert!(joined.contains("#8 error ERROR 1049 (42000): Unknown database 'no_such_database'"));
    assert!(joined.contains("#11 ok affected=3 id=1"));
    assert!(joined.contains("info=\"Rows matched: 2  Changed: 2  Warnings: 0\""));
    assert!(joined.contains("\"héllo 😀\""));
}

#[test]
fn same_transcript_at_every_split() {
    let want = expected();
    for k in 0..=BYTES.len() {
        let t = drive_parts(opts(), &[&BYTES[..k], &BYTES[k..]], &mut |c| {
            queue_script(c, SCRIPT)
        });
        assert_eq!(t.events, want, "split at {k}");
    }
    let t = drive(opts(), BYTES, 1, false, &mut |c| queue_script(c, SCRIPT));
    assert_eq!(t.events, want);
}

#[test]
fn clean_error_at_every_cut() {
    let want = expected();
    for cut in 0..BYTES.len() {
        let t = drive(opts(), &BYTES[..cut], 512, true, &mut |c| {
            queue_script(c, SCRIPT)
        });
        let err = t.error.unwrap_or_else(|| panic!("no error at cut {cut}"));
        // Closed in the handshake; with commands in flight, their outcome is unknown.
        assert!(
            err.starts_with("connection closed")
                || err.starts_with("connection lost, outcome unknown"),
            "cut {cut}: {err}"
        );
        assert!(want.starts_with(&t.events), "cut {cut}");
    }
}

#[test]
fn a_flipped_byte_never_panics() {
    // Every single-byte corruption of the real session ends in an error or a (different)
    // transcript, never a panic; the limits keep memory bounded.
    for i in 0..BYTES.len() {
        let mut b = BYTES.to_vec();
        b[i] ^= 0xa5;
        let _ = drive(opts(), &b, 1024, true, &mut |c| queue_script(c, SCRIPT));
    }
}
