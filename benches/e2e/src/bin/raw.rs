//! Streaming without decoding: `raw big_text_raw|big_bin_raw URL`.
//!
//! The 200,000-row table through `mysql-blocking` exactly as `ours big_text|big_bin ... blocking`
//! streams it (framed, every row checked, read coalescing), but no value decoded: each row's
//! length is summed. Set beside `ours`, it splits a row's cost into streaming and decoding. A
//! program of its own, so that `ours`' code is not changed by it (a second caller of
//! `next_row` there changed how the compiler inlined the decoding loop: +2% instructions).

use mysql_e2e_bench::*;

fn main() {
    let a = Args::parse();
    // Plain TCP, as for `ours`.
    let sep = if a.url.contains('?') { '&' } else { '?' };
    let url = format!("{}{sep}ssl-mode=disabled", a.url);
    run(&url, &a.workload).unwrap_or_else(|e| fail(e));
}

fn run(url: &str, w: &str) -> mysql_proto::Result<()> {
    let mut c = mysql_blocking::Conn::connect(url)?;
    let st = c.prepare(BIG_SQL)?;
    let m = Meter::start();
    let (mut sum, mut n) = (0u64, 0);
    let mut r = match w {
        "big_text_raw" => c.query(BIG_SQL)?,
        "big_bin_raw" => c.exec(&st, ())?,
        other => fail(format!(
            "raw runs big_text_raw and big_bin_raw, not {other}"
        )),
    };
    while let Some(row) = r.next_row()? {
        sum = sum.wrapping_add(row.payload().len() as u64);
        n += 1;
    }
    m.finish("ours-blocking-raw", w, n, sum, None);
    Ok(())
}
