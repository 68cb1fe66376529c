//! Runs one micro-benchmark workload a given number of times, for instruction counting under
//! callgrind (see `callgrind.sh`): `instructions WORKLOAD RUNS`.

use std::hint::black_box;

use mysql_benches::{Workload, NAMES};

fn main() {
    let mut args = std::env::args().skip(1);
    let usage = format!("usage: instructions WORKLOAD RUNS (WORKLOAD one of {NAMES:?})");
    let name = args.next().expect(&usage);
    let runs: usize = args.next().and_then(|r| r.parse().ok()).expect(&usage);
    let w = Workload::new(&name);
    let mut sum = 0u64;
    for _ in 0..runs {
        sum = sum.wrapping_add(black_box(w.run()));
    }
    println!(
        "{name} runs={runs} elements={} checksum={sum}",
        w.elements()
    );
}
