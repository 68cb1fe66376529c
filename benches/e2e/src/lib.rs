//! What every contestant shares: the workloads, their sizes, the checksum all contestants must
//! agree on, and the meter (wall time, client CPU from `getrusage`, peak RSS) printed as one
//! JSON line per run for `run.py`.
//!
//! Each contestant binary is called as `BIN WORKLOAD URL [RUNTIME]` and does the workload once:
//! connecting, preparing and building parameter rows happen before the meter starts.

use std::time::Instant;

use chrono::NaiveDateTime;
use rust_decimal::Decimal;

/// Queries of `ping`.
pub const PING_N: usize = 20_000;
/// Queries of `point`, `concurrent` and `point_pipelined`.
pub const POINT_N: usize = 20_000;
/// Rows of the `big` table (`big_text`, `big_bin`) and of `insert_batch`.
pub const BIG_ROWS: usize = 200_000;
/// Tasks (or threads) of `concurrent`: 64, or `E2E_TASKS` (run.py's `concurrent_1000` sets
/// 1000).
pub fn tasks() -> usize {
    std::env::var("E2E_TASKS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(64)
}
/// Connections of `concurrent`.
pub const CONNS: usize = 8;
/// Queries per pipeline of `point_pipelined`.
pub const PIPELINE: usize = 100;
/// Connections opened by `idle`.
pub const IDLE_CONNS: usize = 100;

/// The point query (all eight columns of one row by primary key).
pub const POINT_SQL: &str = "SELECT id, b, s, d, dt, dc, t, n FROM big WHERE id = ?";
/// The big query.
pub const BIG_SQL: &str = "SELECT id, b, s, d, dt, dc, t, n FROM big";
/// The insert of `insert_batch`.
pub const INSERT_SQL: &str =
    "INSERT INTO ins (id, b, s, d, dt, dc, t, n) VALUES (?, ?, ?, ?, ?, ?, ?, ?)";
/// What `insert_batch` checks afterwards (outside the measured part).
pub const INSERT_CHECK_SQL: &str =
    "SELECT COUNT(*), CAST(SUM(b) AS SIGNED), CAST(SUM(LENGTH(s)) AS SIGNED), CAST(SUM(n) AS SIGNED), \
     CAST(SUM(dc * 100) AS SIGNED) FROM ins";

/// The id looked up by the `i`th point query (spread over the table).
pub fn point_id(i: usize) -> i32 {
    ((i * 7919) % BIG_ROWS + 1) as i32
}

/// The big table's row as owned values: what the peers without borrowed rows decode into.
pub type BigOwned = (
    i32,
    i64,
    String,
    f64,
    NaiveDateTime,
    Decimal,
    String,
    Option<i32>,
);

/// The hash of one row of `big`; contestants sum it over the rows they read.
#[allow(clippy::too_many_arguments)]
pub fn row_hash(
    id: i32,
    b: i64,
    s: &str,
    d: f64,
    dt: NaiveDateTime,
    dc: Decimal,
    t: &str,
    n: Option<i32>,
) -> u64 {
    let fields = [
        id as u64,
        b as u64,
        str_sig(s),
        d.to_bits(),
        dt.and_utc().timestamp_micros() as u64,
        cents(dc) as u64,
        str_sig(t),
        n.map_or(u64::MAX, |v| v as u64),
    ];
    fields.iter().fold(0xcbf29ce484222325u64, |h, &x| {
        (h ^ x).wrapping_mul(0x100000001b3)
    })
}

/// Length, first and last byte of a string: proves the boundaries were decoded.
pub fn str_sig(s: &str) -> u64 {
    let b = s.as_bytes();
    ((b.len() as u64) << 16)
        | ((*b.first().unwrap_or(&0) as u64) << 8)
        | *b.last().unwrap_or(&0) as u64
}

/// A DECIMAL(12,2) as integer cents.
pub fn cents(d: Decimal) -> i64 {
    let scale = d.scale();
    let m = d.mantissa();
    let m = if scale <= 2 {
        m * 10i128.pow(2 - scale)
    } else {
        m / 10i128.pow(scale - 2)
    };
    m as i64
}

/// One row of `insert_batch`.
#[derive(Debug, Clone)]
pub struct InsertRow {
    pub id: i32,
    pub b: i64,
    pub s: String,
    pub d: f64,
    pub dt: NaiveDateTime,
    pub dc: Decimal,
    pub t: &'static str,
    pub n: Option<i32>,
}

/// The 100-byte TEXT of every inserted row.
pub const INSERT_TEXT: &str =
    "0123456789abcdefghijklmnopqrstuvwxyz0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789abcdefghijklmnopqrs";

/// The rows `insert_batch` inserts (built before the meter starts).
pub fn insert_rows() -> Vec<InsertRow> {
    let base = chrono::NaiveDate::from_ymd_opt(2021, 3, 4)
        .unwrap()
        .and_hms_micro_opt(5, 6, 7, 0)
        .unwrap();
    (1..=BIG_ROWS as i32)
        .map(|i| InsertRow {
            id: i,
            b: i as i64 * 3,
            s: format!("row-{i}"),
            d: i as f64 * 0.5,
            dt: base + chrono::Duration::microseconds(i as i64 * 1_000_003),
            dc: Decimal::new(i as i64, 2),
            t: INSERT_TEXT,
            n: if i % 3 == 0 { None } else { Some(i) },
        })
        .collect()
}

/// The check of `insert_batch` from the values of [`INSERT_CHECK_SQL`].
pub fn insert_check(count: i64, sum_b: i64, sum_len: i64, sum_n: i64, sum_cents: i64) -> u64 {
    [count, sum_b, sum_len, sum_n, sum_cents]
        .iter()
        .fold(0xcbf29ce484222325u64, |h, &x| {
            (h ^ x as u64).wrapping_mul(0x100000001b3)
        })
}

/// The arguments: workload, URL, and a runtime for contestants with several.
pub struct Args {
    pub workload: String,
    pub url: String,
    pub runtime: String,
}

impl Args {
    /// Reads `BIN WORKLOAD URL [RUNTIME]`.
    pub fn parse() -> Args {
        let mut a = std::env::args().skip(1);
        let usage = "usage: BIN WORKLOAD URL [RUNTIME]";
        Args {
            workload: a.next().expect(usage),
            url: a.next().expect(usage),
            runtime: a.next().unwrap_or_default(),
        }
    }
}

/// CPU seconds (user, sys) of this process so far, all threads.
pub fn cpu_times() -> (f64, f64) {
    // SAFETY: getrusage only writes the struct we pass, which is zero-initialised plain data.
    let ru = unsafe {
        let mut ru: libc::rusage = std::mem::zeroed();
        libc::getrusage(libc::RUSAGE_SELF, &mut ru);
        ru
    };
    let t = |tv: libc::timeval| tv.tv_sec as f64 + tv.tv_usec as f64 / 1e6;
    (t(ru.ru_utime), t(ru.ru_stime))
}

/// Peak resident set of this process, KiB: `VmHWM` of /proc/self/status (`ru_maxrss` would
/// carry the parent's peak across `execve`).
pub fn max_rss_kb() -> i64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or(0)
}

/// Current resident set of this process, KiB (from /proc/self/statm).
pub fn rss_now_kb() -> i64 {
    let statm = std::fs::read_to_string("/proc/self/statm").unwrap_or_default();
    let pages: i64 = statm
        .split_whitespace()
        .nth(1)
        .and_then(|p| p.parse().ok())
        .unwrap_or(0);
    pages * 4
}

/// Measures one workload run.
pub struct Meter {
    wall: Instant,
    cpu: (f64, f64),
}

impl Meter {
    /// Starts measuring.
    pub fn start() -> Meter {
        Meter {
            wall: Instant::now(),
            cpu: cpu_times(),
        }
    }

    /// Stops and prints the JSON line: `ops` operations (rows or queries), the checksum, and
    /// an optional extra figure (KiB per idle connection).
    pub fn finish(
        self,
        contestant: &str,
        workload: &str,
        ops: usize,
        check: u64,
        extra: Option<f64>,
    ) {
        let wall = self.wall.elapsed().as_secs_f64();
        let (u, s) = cpu_times();
        let (user, sys) = (u - self.cpu.0, s - self.cpu.1);
        println!(
            "{{\"contestant\":\"{contestant}\",\"workload\":\"{workload}\",\"ops\":{ops},\
             \"check\":\"{check:016x}\",\"wall_s\":{wall:.6},\"user_s\":{user:.6},\"sys_s\":{sys:.6},\
             \"maxrss_kb\":{},\"extra\":{}}}",
            max_rss_kb(),
            extra.map_or("null".to_string(), |e| format!("{e:.3}"))
        );
    }
}

/// Fails the run with a message (the runner shows stderr).
pub fn fail(msg: impl std::fmt::Display) -> ! {
    eprintln!("{msg}");
    std::process::exit(1)
}
