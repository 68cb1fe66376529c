//! Criterion micro-benchmarks of the core alone (see `src/lib.rs` for the workloads): result
//! set decoding (elements = rows, and bytes), column definitions, the handshake, command
//! encoding. Run with `cd benches && cargo bench --bench core`; for instruction counts instead
//! of time, `benches/callgrind.sh`.

use std::hint::black_box;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use mysql_benches::{Workload, NAMES};

fn bench_all(c: &mut Criterion) {
    for name in NAMES {
        let w = Workload::new(name);
        let mut g = c.benchmark_group(*name);
        g.throughput(Throughput::Elements(w.elements() as u64));
        g.bench_function("elements", |b| b.iter(|| black_box(w.run())));
        if w.bytes() > 0 {
            g.throughput(Throughput::Bytes(w.bytes() as u64));
            g.bench_function("bytes", |b| b.iter(|| black_box(w.run())));
        }
        g.finish();
    }
}

criterion_group!(benches, bench_all);
criterion_main!(benches);
