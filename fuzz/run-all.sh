#!/usr/bin/env bash
# Runs every fuzz target (or those in $TARGETS) for $1 seconds (default 600), two at a time,
# corpus under fuzz/corpus, logs under fuzz/logs. Usage: [TARGETS="a b"] fuzz/run-all.sh [seconds]
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
TARGETS=${TARGETS:-"parsers rows framing greeting ok_eof err column_definition prepare_ok text_row binary_row auth_more_data local_infile session session_track operations compressed call"}
set -- $TARGETS
lane_a=() lane_b=()
i=0
for t in "$@"; do
    if [ $((i % 2)) -eq 0 ]; then lane_a+=("$t"); else lane_b+=("$t"); fi
    i=$((i + 1))
done
(for t in "${lane_a[@]}"; do run "$t"; done) &
(for t in "${lane_b[@]}"; do run "$t"; done) &
wait
