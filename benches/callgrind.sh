#!/usr/bin/env bash
# Instruction counts of the core micro-benchmarks (repeatable, unlike time on a shared machine):
# each workload runs under callgrind once with 1 run and once with 11; the difference / 10 is
# the cost of one run, free of setup. Prints instructions per run and per element.
#   benches/callgrind.sh [WORKLOAD ...]
set -euo pipefail
cd "$(dirname "$0")"
command -v valgrind >/dev/null || { echo "needs valgrind (apt-get install -y valgrind)" >&2; exit 1; }
cargo build --release --quiet --bin instructions
bin=target/release/instructions
names=("$@")
[ ${#names[@]} -gt 0 ] || names=(text_rows binary_rows column_definitions handshake encode_query encode_execute)
count() { # workload runs -> instructions
    local out; out=$(mktemp)
    valgrind --tool=callgrind --callgrind-out-file="$out" "$bin" "$1" "$2" >/dev/null 2>&1
    awk '/^(summary|totals):/ {print $2}' "$out" | tail -1
    rm -f "$out"
}
printf '| workload | instructions per run | elements per run | instructions per element |\n|---|---:|---:|---:|\n'
for w in "${names[@]}"; do
    one=$(count "$w" 1); eleven=$(count "$w" 11)
    per_run=$(( (eleven - one) / 10 ))
    elements=$("$bin" "$w" 1 | sed -n 's/.*elements=\([0-9]*\).*/\1/p')
    printf '| %s | %d | %d | %d |\n' "$w" "$per_run" "$elements" $(( per_run / elements ))
done
