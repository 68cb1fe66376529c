//! A 2 GiB generated LOCAL INFILE stream in bounded client memory: the handler produces the
//! bytes as they are read, the runner sends them 64 KiB at a time, and the process's peak RSS
//! (`VmHWM`) stays under 32 MiB. Alone in its binary, so that the peak is this test's. The
//! server skips all lines but the last (`IGNORE n LINES`), so the table stays small while every
//! byte is read by the server; the last line proves the stream arrived whole.

use std::io::Read;

use integration_tests::{blocking, table, url};

const LINE: usize = 64;
const TOTAL: u64 = 2 << 30;

/// `TOTAL` bytes of 64-byte lines; the last line says how many lines came before it.
struct Generated {
    sent: u64,
    block: Vec<u8>,
}

impl Read for Generated {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let left = TOTAL - self.sent;
        if left == 0 {
            return Ok(0);
        }
        if left == LINE as u64 {
            let last = format!(
                "{:<63}\n",
                format!("end after {} lines", TOTAL / LINE as u64 - 1)
            );
            let n = buf.len().min(LINE);
            buf[..n].copy_from_slice(&last.as_bytes()[..n]);
            // A caller's buffer is at least a line (the runner reads 64 KiB).
            assert_eq!(n, LINE);
            self.sent += LINE as u64;
            return Ok(n);
        }
        let n = buf
            .len()
            .min(self.block.len())
            .min((left - LINE as u64) as usize);
        buf[..n].copy_from_slice(&self.block[..n]);
        self.sent += n as u64;
        Ok(n)
    }
}

#[test]
fn two_gib_stream_in_bounded_memory() {
    let mut c = blocking(&format!("{}?local-infile=true", url()));
    let t = table("infile_big");
    c.query_drop(format!("DROP TABLE IF EXISTS {t}")).unwrap();
    c.query_drop(format!("CREATE TABLE {t} (line VARCHAR(100))"))
        .unwrap();
    c.set_local_infile_handler(Some(Box::new(|_| {
        let line = format!("{:<63}\n", "a line the server skips");
        Ok(Box::new(Generated {
            sent: 0,
            block: line.repeat(1024).into_bytes(),
        }))
    })));
    let lines = TOTAL / LINE as u64;
    let started = std::time::Instant::now();
    c.query_drop(format!(
        "LOAD DATA LOCAL INFILE 'generated' INTO TABLE {t} IGNORE {} LINES",
        lines - 1
    ))
    .unwrap();
    let took = started.elapsed();
    let got: Vec<(String,)> = c.query_collect(format!("SELECT line FROM {t}")).unwrap();
    assert_eq!(got.len(), 1);
    assert_eq!(
        got[0].0.trim_end(),
        format!("end after {} lines", lines - 1)
    );
    let peak = integration_tests::peak_rss_kib();
    eprintln!("2 GiB LOCAL INFILE: {took:?}, peak RSS {peak} KiB");
    assert!(peak < 32 * 1024, "peak RSS {peak} KiB");
    c.query_drop(format!("DROP TABLE {t}")).unwrap();
}
