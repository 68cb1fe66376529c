#!/usr/bin/env python3
"""Load test of the HTTP gateway: N clients (threads, one keep-alive HTTP connection each)
POST point queries to `mysql-gateway` for a fixed time; reports requests/s and latency
percentiles, and the gateway's CPU time per request.

    python3 benches/gateway.py [--clients 64] [--seconds 20] [--pool 16]

Builds `mysql-gateway` (release), starts the project's test server and the gateway on a free
port, loads `gw_point` (10,000 rows) once. The client is Python (http.client): its own CPU is
part of the machine's load (2 cores here), so the figures are a floor for the gateway.
"""
import argparse
import http.client
import json
import os
import random
import socket
import subprocess
import sys
import threading
import time

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), ".."))


def sh(cmd, **kw):
    return subprocess.run(cmd, check=True, text=True, capture_output=True, **kw).stdout


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def post(conn, body):
    conn.request("POST", "/query", body=body, headers={"Content-Type": "application/json"})
    r = conn.getresponse()
    data = r.read()
    if r.status != 200:
        raise RuntimeError(f"{r.status}: {data[:200]!r}")
    return json.loads(data)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--clients", type=int, default=64)
    ap.add_argument("--seconds", type=float, default=20)
    ap.add_argument("--pool", type=int, default=16)
    a = ap.parse_args()
    sh([os.path.join(ROOT, "scripts", "test-server.sh"), "start"])
    url = sh([os.path.join(ROOT, "scripts", "test-server.sh"), "url"]).strip()
    subprocess.run(["cargo", "build", "--release", "--quiet", "-p", "mysql-gateway"], cwd=ROOT,
                   check=True)
    port = free_port()
    gw = subprocess.Popen([os.path.join(ROOT, "target", "release", "mysql-gateway"), "--url",
                           f"{url}?ssl-mode=disabled&pool-max={a.pool}", "--listen",
                           f"127.0.0.1:{port}"], stderr=subprocess.DEVNULL)
    try:
        for _ in range(100):
            try:
                c = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
                post(c, json.dumps({"sql": "SELECT 1"}))
                break
            except OSError:
                time.sleep(0.1)
        setup = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        post(setup, json.dumps({"statements": [
            {"sql": "CREATE TABLE IF NOT EXISTS gw_point (id INT PRIMARY KEY, name VARCHAR(40), "
                    "qty INT, price DECIMAL(10,2))"},
            {"sql": "INSERT IGNORE INTO gw_point SELECT seq, CONCAT('item-', seq), seq % 100, "
                    "seq / 7 FROM seq_1_to_10000"}]}))
        cpu0 = cpu_seconds(gw.pid)
        stop = time.monotonic() + a.seconds
        latencies, errors = [], []
        lock = threading.Lock()

        def client(seed):
            rng = random.Random(seed)
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            mine = []
            while time.monotonic() < stop:
                body = json.dumps({"sql": "SELECT id, name, qty, price FROM gw_point WHERE id = ?",
                                   "params": [rng.randint(1, 10000)]})
                t = time.perf_counter()
                try:
                    r = post(conn, body)
                    assert len(r["rows"]) == 1
                except Exception as e:  # noqa: BLE001 - counted and reported
                    with lock:
                        errors.append(str(e))
                    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
                    continue
                mine.append(time.perf_counter() - t)
            with lock:
                latencies.extend(mine)

        threads = [threading.Thread(target=client, args=(i,)) for i in range(a.clients)]
        t0 = time.monotonic()
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        wall = time.monotonic() - t0
        cpu = cpu_seconds(gw.pid) - cpu0
    finally:
        gw.terminate()
        gw.wait()
    latencies.sort()
    n = len(latencies)
    pct = lambda p: latencies[min(n - 1, int(p * n))] * 1000  # noqa: E731
    commit = sh(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT).strip()
    print(f"# gateway load, {time.strftime('%Y-%m-%d')}, commit {commit}\n")
    print(f"{a.clients} clients (Python threads, keep-alive), pool-max {a.pool}, {wall:.1f} s, "
          f"point query by primary key (prepared), 2 cores shared by client, gateway, server\n")
    print("| requests | errors | requests/s | p50 ms | p90 ms | p99 ms | max ms | gateway CPU µs/request |")
    print("|---:|---:|---:|---:|---:|---:|---:|---:|")
    print(f"| {n} | {len(errors)} | {n / wall:,.0f} | {pct(0.50):.2f} | {pct(0.90):.2f} | "
          f"{pct(0.99):.2f} | {latencies[-1] * 1000:.2f} | {cpu / max(n, 1) * 1e6:.0f} |")
    if errors:
        print("\nfirst errors:", errors[:3], file=sys.stderr)
        sys.exit(1)


def cpu_seconds(pid):
    fields = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
    ticks = os.sysconf("SC_CLK_TCK")
    return (int(fields[11]) + int(fields[12])) / ticks


if __name__ == "__main__":
    main()
