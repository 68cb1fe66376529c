#!/usr/bin/env python3
"""End-to-end benchmark runner: this project's blocking and tokio adapters against mysql_async,
sqlx, the mysql crate, zero-mysql and MariaDB Connector/C, on one private MariaDB.

    python3 benches/e2e/run.py [--reps N] [--workloads a,b] [--contestants x,y] [--syscalls]
        [--wire]
                               [--callgrind WORKLOAD]

Starts the project's test server (scripts/test-server.sh), loads fixtures.sql when the `big`
table is missing, builds the contestants (cargo --release, gcc), then runs every workload with
every contestant N times, alternating contestants within each repetition (the order rotates
between repetitions). Each run is its own process, printing one JSON line (see src/lib.rs).
Writes report.md (medians and ratios) and results.json next to this script, and fails when
two contestants disagree on a workload's checksum.

--syscalls runs ping and point once per contestant under `strace -f -c` and reports syscalls per
query. --callgrind W1,W2 runs those workloads of every contestant under callgrind (a repeatable
instruction count of the client process) and reports instructions per operation.
--reps 0 with --callgrind or --syscalls runs only those. Needs libmariadb-dev (installed with
apt-get when missing), valgrind for --callgrind, strace for --syscalls.
"""
import argparse
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, "..", ".."))
BIN = os.path.join(HERE, "target", "release")
CONNC = os.path.join(HERE, "target", "connc")

WORKLOADS = ["ping", "point", "point_pipelined", "big_text", "big_bin", "insert_batch",
             "concurrent", "concurrent_1000", "idle", "big_text_raw", "big_bin_raw"]
# The big table streamed (framed and checked), no value decoded: only the floor contestants.
RAW = ["big_text_raw", "big_bin_raw"]
CONTESTANTS = {
    "ours-blocking": lambda w, u: [os.path.join(BIN, "ours"), w, u, "blocking"],
    "ours-tokio": lambda w, u: [os.path.join(BIN, "ours"), w, u, "tokio"],
    # `concurrent` through one connection shared by every task, and through a MuxPool of two.
    "ours-shared": lambda w, u: [os.path.join(BIN, "ours"), w, u, "tokio-shared"],
    "ours-mux": lambda w, u: [os.path.join(BIN, "ours"), w, u, "tokio-mux"],
    # The async client on compio: io_uring, the receive buffer lent by value.
    "ours-compio": lambda w, u: [os.path.join(BIN, "ours"), w, u, "compio"],
    # `concurrent` on one compio thread, every task sharing one SharedConn.
    "ours-compio-shared": lambda w, u: [os.path.join(BIN, "ours"), w, u, "compio-shared"],
    "mysql_async": lambda w, u: [os.path.join(BIN, "peer_mysql_async"), w, u],
    "sqlx": lambda w, u: [os.path.join(BIN, "peer_sqlx"), w, u],
    "mysql": lambda w, u: [os.path.join(BIN, "peer_mysql"), w, u],
    "zero-mysql": lambda w, u: [os.path.join(BIN, "peer_zero_mysql"), w, u],
    "connector-c": lambda w, u: [CONNC, w, u],
    # Protocol compression (zlib), ours and Connector/C's (MYSQL_OPT_COMPRESS).
    "ours-blocking-zlib": lambda w, u: [os.path.join(BIN, "ours"), w, u + "?compression=zlib",
                                        "blocking"],
    "connector-c-zlib": lambda w, u: [CONNC, w, u + "?compress"],
    # Not drivers: the core through the thinnest blocking and tokio pumps (src/bin/floor.rs),
    # so the tokio/blocking ratio of any client on tokio can be told from ours.
    "floor-blocking": lambda w, u: [os.path.join(BIN, "floor"), w, u, "blocking"],
    "floor-tokio": lambda w, u: [os.path.join(BIN, "floor"), w, u, "tokio"],
    # Not a driver either: ours-blocking streaming the big table without decoding a value
    # (src/bin/raw.rs), which splits a row's cost into streaming and decoding.
    "ours-blocking-raw": lambda w, u: [os.path.join(BIN, "raw"), w, u],
}
OURS = ["ours-blocking", "ours-tokio", "ours-blocking-zlib", "ours-shared", "ours-mux",
        "ours-compio", "ours-compio-shared"]
SHARED = ["ours-shared", "ours-mux", "ours-compio-shared"]
FLOOR = ["floor-blocking", "floor-tokio"]
ZLIB = ["ours-blocking-zlib", "connector-c-zlib"]
PEERS = [c for c in CONTESTANTS if c not in OURS + FLOOR + ["ours-blocking-raw"]]


def runs(workload, contestant):
    """Whether a contestant takes part in a workload."""
    if contestant == "ours-blocking-raw":
        return workload in RAW
    if contestant in FLOOR:
        return workload in ["ping", "point"] + RAW
    if workload in RAW:
        return False
    if contestant in SHARED:
        return workload.startswith("concurrent")
    if contestant == "ours-compio":
        return workload in ("ping", "point", "point_pipelined", "big_text", "big_bin",
                            "insert_batch")
    if contestant in ZLIB:
        return workload in ("ping", "point", "big_text", "big_bin")
    if workload == "concurrent_1000":
        return contestant != "connector-c"  # its 64 pthreads are fixed in connc.c
    if workload == "point_pipelined":
        return contestant in OURS  # no peer pipelines
    if workload == "big_text" and contestant == "zero-mysql":
        return False  # no typed decoding of text rows in its API
    return True


def sh(cmd, **kw):
    return subprocess.run(cmd, check=True, text=True, capture_output=True, **kw).stdout


def setup():
    sh([os.path.join(ROOT, "scripts", "test-server.sh"), "start"])
    url = sh([os.path.join(ROOT, "scripts", "test-server.sh"), "url"]).strip()
    user, rest = url[len("mysql://"):].split(":", 1)
    pw, rest = rest.split("@", 1)
    hostport, db = rest.split("/", 1)
    host, port = hostport.split(":")
    client = ["mariadb", f"-h{host}", f"-P{port}", f"-u{user}", f"-p{pw}", db]
    have = subprocess.run(client + ["-N", "-e", "SELECT COUNT(*) FROM big"], text=True,
                          capture_output=True)
    if have.returncode != 0 or have.stdout.strip() != "200000":
        print("loading fixtures.sql ...", file=sys.stderr)
        with open(os.path.join(HERE, "fixtures.sql")) as f:
            subprocess.run(client, stdin=f, check=True, capture_output=True)
    if shutil.which("mariadb_config") is None:
        # Connector/C's headers and library (the C contestant), like the test server's packages.
        print("installing libmariadb-dev ...", file=sys.stderr)
        subprocess.run(["apt-get", "install", "-y", "-q", "libmariadb-dev"], check=False,
                       capture_output=True)
        if shutil.which("mariadb_config") is None:
            raise SystemExit("needs MariaDB Connector/C: apt-get install -y libmariadb-dev")
    print("building contestants ...", file=sys.stderr)
    subprocess.run(["cargo", "build", "--release", "--quiet"], cwd=HERE, check=True)
    cflags = sh(["mariadb_config", "--cflags", "--libs"]).split()
    subprocess.run(["gcc", "-O2", "-Wall", "-o", CONNC, os.path.join(HERE, "c", "connc.c")]
                   + cflags + ["-lpthread"], check=True)
    return url


def run_one(workload, contestant, url, prefix=()):
    env = dict(os.environ)
    if workload == "concurrent_1000":
        # The same workload with 1,000 tasks (threads for the blocking contestants).
        workload, env["E2E_TASKS"] = "concurrent", "1000"
    cmd = list(prefix) + CONTESTANTS[contestant](workload, url)
    p = subprocess.run(cmd, text=True, capture_output=True, timeout=600, env=env)
    if p.returncode != 0:
        raise SystemExit(f"{contestant} {workload} failed:\n{p.stderr}")
    return json.loads(p.stdout.strip().splitlines()[-1])


def versions():
    out = {"machine": f"{platform.machine()}, {os.cpu_count()} cores, {platform.platform()}"}
    out["rustc"] = sh(["rustc", "--version"]).strip()
    out["server"] = sh(["mariadbd", "--version"]).strip()
    out["connector-c"] = "libmariadb " + sh(["mariadb_config", "--cc_version"]).strip()
    lock = open(os.path.join(HERE, "Cargo.lock")).read()
    for crate in ["mysql_async", "sqlx-mysql", "mysql", "zero-mysql", "tokio", "compio"]:
        marker = f'name = "{crate}"\nversion = "'
        i = lock.find(marker)
        if i >= 0:
            out[crate] = lock[i + len(marker):].split('"', 1)[0]
    return out


def per_op_us(r):
    return (r["user_s"] + r["sys_s"]) / r["ops"] * 1e6


def report(results, reps):
    lines = []
    workloads = [w for w in WORKLOADS if any(k[0] == w for k in results)]
    medians = {}
    for w in workloads:
        rows = {c: results[(w, c)] for c in CONTESTANTS if (w, c) in results}
        if w == "idle":
            lines.append(f"\n### {w}: {rows[next(iter(rows))][0]['ops']} connections opened\n")
            lines.append("| contestant | RSS per idle connection, KiB (median) |")
            lines.append("|---|---:|")
            for c, rs in rows.items():
                lines.append(f"| {c} | {statistics.median(r['extra'] for r in rs):.1f} |")
            continue
        ops = rows[next(iter(rows))][0]["ops"]
        unit = "rows" if w.startswith("big") or w == "insert_batch" else "queries"
        if w in RAW:
            unit += " (framed and checked, no value decoded)"
        lines.append(f"\n### {w}: {ops} {unit}\n")
        lines.append("| contestant | wall s | ops/s | client CPU s (user+sys) | CPU µs/op | user µs/op "
                     "| sys µs/op | peak RSS MiB | CPU vs ours-blocking |")
        lines.append("|---|---:|---:|---:|---:|---:|---:|---:|---:|")
        med = {}
        for c, rs in rows.items():
            wall = statistics.median(r["wall_s"] for r in rs)
            cpu = statistics.median(r["user_s"] + r["sys_s"] for r in rs)
            user = statistics.median(r["user_s"] for r in rs)
            sys_ = statistics.median(r["sys_s"] for r in rs)
            rss = statistics.median(r["maxrss_kb"] for r in rs) / 1024
            med[c] = (wall, cpu, rss, user, sys_)
        medians[w] = med
        base = med.get("ours-blocking")
        for c, (wall, cpu, rss, user, sys_) in med.items():
            ratio_cpu = f"{cpu / base[1]:.2f}x" if base else "-"
            lines.append(f"| {c} | {wall:.3f} | {ops / wall:,.0f} | {cpu:.3f} | {cpu / ops * 1e6:.2f} "
                         f"| {user / ops * 1e6:.2f} | {sys_ / ops * 1e6:.2f} | {rss:.1f} | {ratio_cpu} |")
    # Ours against each peer: client CPU ratio (wall ratio); below 1 means ours is cheaper.
    peers = [p for p in PEERS if any(p in m for m in medians.values())]
    if peers and medians:
        lines.append("\n### Ratios: ours / peer, client CPU (wall), medians; below 1.00 favours ours\n")
        lines.append("| workload | ours | " + " | ".join(peers) + " |")
        lines.append("|---|---|" + "---:|" * len(peers))
        for w, med in medians.items():
            for o in OURS:
                if o not in med:
                    continue
                cells = []
                for p in peers:
                    if p in med:
                        cells.append(f"{med[o][1] / med[p][1]:.2f} ({med[o][0] / med[p][0]:.2f})")
                    else:
                        cells.append("-")
                lines.append(f"| {w} | {o} | " + " | ".join(cells) + " |")
    floors = [w for w, med in medians.items() if all(c in med for c in OURS + FLOOR)]
    if floors:
        lines.append("\n### tokio / blocking, client CPU (wall): ours against the floor\n")
        lines.append("| workload | ours-tokio / ours-blocking | floor-tokio / floor-blocking |")
        lines.append("|---|---:|---:|")
        for w in floors:
            med = medians[w]
            cells = [f"{med[t][1] / med[b][1]:.2f} ({med[t][0] / med[b][0]:.2f})"
                     for t, b in [("ours-tokio", "ours-blocking"), ("floor-tokio", "floor-blocking")]]
            lines.append(f"| {w} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def syscalls(url):
    lines = ["\n### syscalls per query (strace -f -c, whole process incl. connect)\n",
             "| contestant | ping | point |", "|---|---:|---:|"]
    for c in CONTESTANTS:
        if c in FLOOR or c == "ours-blocking-raw":
            continue
        cells = []
        for w in ["ping", "point"]:
            with tempfile.NamedTemporaryFile(suffix=".strace") as f:
                r = run_one(w, c, url, prefix=["strace", "-f", "-c", "-o", f.name])
                total = [l for l in open(f.name).read().splitlines() if l.strip().endswith("total")]
                n = int(total[0].split()[3]) if total else 0
                cells.append(f"{n / r['ops']:.2f}")
        lines.append(f"| {c} | {' | '.join(cells)} |")
    return "\n".join(lines)


def wire(url, contestants):
    """Bytes the server sent (its global Bytes_sent, nothing else running) for one big_text."""
    user, rest = url[len("mysql://"):].split(":", 1)
    pw, rest = rest.split("@", 1)
    hostport, db = rest.split("/", 1)
    host, port = hostport.split(":")
    client = ["mariadb", f"-h{host}", f"-P{port}", f"-u{user}", f"-p{pw}", "-N", "-e",
              "SHOW GLOBAL STATUS LIKE 'Bytes_sent'"]
    lines = ["\n### bytes on the wire, big_text (the server's Bytes_sent for one run)\n",
             "| contestant | MB sent by the server | bytes per row |", "|---|---:|---:|"]
    for c in contestants:
        if not runs("big_text", c) or c in FLOOR:
            continue
        before = int(sh(client).split()[1])
        r = run_one("big_text", c, url)
        after = int(sh(client).split()[1])
        n = after - before
        lines.append(f"| {c} | {n / 1e6:.1f} | {n / r['ops']:.1f} |")
    return "\n".join(lines)


def callgrind(url, workloads, contestants):
    lines = [f"\n### callgrind: client instructions per op (whole process, incl. connect)\n",
             "| workload | " + " | ".join(contestants) + " |",
             "|---|" + "---:|" * len(contestants)]
    for w in workloads:
        cells = []
        for c in contestants:
            if not runs(w, c):
                cells.append("-")
                continue
            with tempfile.TemporaryDirectory() as d:
                out = os.path.join(d, "cg.out")
                r = run_one(w, c, url, prefix=["valgrind", "--tool=callgrind",
                                               f"--callgrind-out-file={out}"])
                total = [l for l in open(out).read().splitlines()
                         if l.startswith("summary:") or l.startswith("totals:")]
                cells.append(f"{int(total[-1].split()[1]) / r['ops']:,.0f}")
            print(f"callgrind {w} {c}: {cells[-1]}", file=sys.stderr)
        lines.append(f"| {w} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--reps", type=int, default=5)
    ap.add_argument("--workloads", default=",".join(WORKLOADS))
    ap.add_argument("--contestants", default=",".join(CONTESTANTS))
    ap.add_argument("--syscalls", action="store_true")
    ap.add_argument("--wire", action="store_true",
                    help="bytes the server sends for big_text, per contestant")
    ap.add_argument("--callgrind", metavar="WORKLOADS",
                    help="comma-separated workloads to count instructions of (all contestants)")
    a = ap.parse_args()
    url = setup()
    workloads = a.workloads.split(",")
    contestants = a.contestants.split(",")
    results = {}
    for rep in range(a.reps):
        for w in workloads:
            order = [c for c in contestants if runs(w, c)]
            order = order[rep % len(order):] + order[:rep % len(order)]
            for c in order:
                r = run_one(w, c, url)
                results.setdefault((w, c), []).append(r)
                print(f"rep {rep + 1}/{a.reps} {w:16} {c:14} wall {r['wall_s']:.3f} s  "
                      f"cpu {r['user_s'] + r['sys_s']:.3f} s  {per_op_us(r):.2f} µs/op", file=sys.stderr)
    bad = []
    for w in workloads:
        checks = {r["check"] for (w2, _), rs in results.items() if w2 == w for r in rs}
        if len(checks) > 1:
            bad.append(f"{w}: contestants disagree on the checksum: {sorted(checks)}")
    v = versions()
    text = ["# End-to-end benchmark report", "",
            f"{a.reps} repetitions, medians. Generated by `python3 benches/e2e/run.py "
            f"{' '.join(sys.argv[1:])}`.", ""]
    text += [f"- {k}: {val}" for k, val in v.items()]
    if results:
        text.append(report(results, a.reps))
    if a.syscalls:
        text.append(syscalls(url))
    if a.wire:
        text.append(wire(url, contestants))
    if a.callgrind:
        text.append(callgrind(url, a.callgrind.split(","), contestants))
    out = "\n".join(text) + "\n"
    with open(os.path.join(HERE, "report.md"), "w") as f:
        f.write(out)
    with open(os.path.join(HERE, "results.json"), "w") as f:
        json.dump({f"{w} {c}": rs for (w, c), rs in results.items()}, f, indent=1)
    print(out)
    if bad:
        raise SystemExit("\n".join(bad))


if __name__ == "__main__":
    main()
