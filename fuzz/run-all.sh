#!/usr/bin/env bash
# Runs every fuzz target for $1 seconds (default 600), two at a time, corpus under fuzz/corpus,
# logs under fuzz/logs. Usage: fuzz/run-all.sh [seconds]
set -u
cd "$(dirname "$0")"
SECS=${1:-600}
mkdir -p logs
run() {
    local t=$1
    mkdir -p "corpus/$t"
    cp -n seeds/"$t"/* "corpus/$t/" 2>/dev/null || true
    RUSTC_BOOTSTRAP=1 cargo fuzz run -s none -O "$t" "corpus/$t" -- \
        -max_total_time="$SECS" -rss_limit_mb=1024 -timeout=10 -print_final_stats=1 \
        >"logs/$t.log" 2>&1
    echo "$t exit=$?" >>logs/summary
}
: >logs/summary
(run parsers; run rows; run framing) &
(run session; run operations) &
wait
