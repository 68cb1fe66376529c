#!/usr/bin/env python3
"""A/B comparison of two builds of the `ours` contestant, side by side in one run.

    python3 benches/ab.py OURS_A OURS_B [--reps N] [--workloads ping,point,big_text,big_bin]
                          [--callgrind ping,point] [--runtimes blocking,tokio]

Build each binary with `cargo build --release --bin ours` in benches/e2e and copy it away
(e.g. /tmp/ours-before). Per workload and runtime (blocking, tokio): callgrind instructions
per op (whole process incl. connect, like run.py) for the --callgrind workloads, and the median client
CPU (user+sys) per op over N alternating runs for every workload. `--runtimes` takes the runtime names of
`ours` (e.g. `tokio-shared,tokio-mux,compio-shared` for `concurrent`). Expects the test server and
the fixtures (run `python3 benches/e2e/run.py --reps 0 --workloads ping` once to load them).
"""
import argparse
import json
import os
import statistics
import subprocess
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def url():
    u = subprocess.run([os.path.join(ROOT, "scripts", "test-server.sh"), "url"],
                       capture_output=True, text=True, check=True).stdout.strip()
    return u


def run(binary, workload, rt, u, prefix=()):
    p = subprocess.run(list(prefix) + [binary, workload, u, rt], capture_output=True,
                       text=True, timeout=600)
    if p.returncode != 0:
        raise SystemExit(f"{binary} {workload} {rt} failed:\n{p.stderr}")
    return json.loads(p.stdout.strip().splitlines()[-1])


def instructions(binary, workload, rt, u):
    with tempfile.TemporaryDirectory() as d:
        out = os.path.join(d, "cg.out")
        r = run(binary, workload, rt, u, ["valgrind", "--tool=callgrind",
                                          f"--callgrind-out-file={out}"])
        total = [l for l in open(out).read().splitlines()
                 if l.startswith("summary:") or l.startswith("totals:")]
        return int(total[-1].split()[1]) / r["ops"]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("a")
    ap.add_argument("b")
    ap.add_argument("--reps", type=int, default=9)
    ap.add_argument("--workloads", default="ping,point,big_text,big_bin")
    ap.add_argument("--callgrind", default="ping,point",
                    help="workloads whose instructions per op are counted")
    ap.add_argument("--runtimes", default="blocking,tokio",
                    help="the runtime names `ours` takes")
    args = ap.parse_args()
    u = url() + "?ssl-mode=disabled"
    print("| workload | runtime | instr/op A | instr/op B | B/A | CPU us/op A | CPU us/op B | B/A |")
    print("|---|---|---:|---:|---:|---:|---:|---:|")
    for w in args.workloads.split(","):
        for rt in args.runtimes.split(","):
            ia = ib = None
            if w in args.callgrind.split(","):
                ia, ib = instructions(args.a, w, rt, u), instructions(args.b, w, rt, u)
            ca, cb = [], []
            for _ in range(args.reps):
                for binary, acc in ((args.a, ca), (args.b, cb)):
                    r = run(binary, w, rt, u)
                    acc.append((r["user_s"] + r["sys_s"]) / r["ops"] * 1e6)
            instr = (f"{ia:,.0f} | {ib:,.0f} | {ib / ia:.3f}" if ia else "- | - | -")
            cpu = "- | - | -"
            if ca:
                ma, mb = statistics.median(ca), statistics.median(cb)
                cpu = f"{ma:.3f} | {mb:.3f} | {mb / ma:.3f}"
            print(f"| {w} | {rt} | {instr} | {cpu} |", flush=True)


if __name__ == "__main__":
    main()
