#!/usr/bin/env python3
"""Recording on vs off, same run (called by bench/record.sh).

Two bench servers, identical but for INTENTFUL_RECORD__DIR, both pinned to the server CPU with
one worker (the recorder's writer thread shares that CPU: its cost is part of the measure), wrk
and the mock upstream on the other CPU. Runs alternate off/on in back-to-back pairs; the ratio
column is the median of the pairs' ratios. The recording directory is emptied after every run
(a run writes tens of thousands of cases), and the recorder's own counters say how many calls
were written and how many it dropped because its queue was full: under a load far beyond what a
developer records, the bounded queue drops instead of slowing the answers.

Only the standard library, and bench.py's helpers.
"""

import argparse
import datetime
import os
import platform
import shutil
import statistics
import sys
import tempfile
import time
import http.client

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import bench  # noqa: E402  (bench.py: start, stop, wrk, ...)


def record_counts(port):
    """intentful_record_cases_total by result, from /metrics."""
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    c.request("GET", "/metrics")
    text = c.getresponse().read().decode()
    c.close()
    counts = {}
    for line in text.splitlines():
        if line.startswith("intentful_record_cases_total{"):
            result = line.split('result="', 1)[1].split('"', 1)[0]
            counts[result] = float(line.rsplit(" ", 1)[1])
    return counts


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--seconds", type=int, default=4)
    ap.add_argument("--warmup", type=int, default=2)
    ap.add_argument("--connections", type=int, default=32)
    ap.add_argument("--out", default=os.path.join(bench.ROOT, "target", "bench", "record.md"))
    opts = ap.parse_args()

    bodies = {k: open(v, "rb").read() for k, v in bench.BODIES.items()}
    cwd = tempfile.mkdtemp(prefix="intentful-bench-record-")
    rec_dir = os.path.join(cwd, "recorded")
    mock_port = bench.free_port()
    upstream = f"http://127.0.0.1:{mock_port}"
    cmd = [os.path.join(bench.SERVERS, "bench_server")]
    mock = bench.start([os.path.join(bench.SERVERS, "mock_upstream")], {"PORT": str(mock_port)},
                       bench.LOAD_CPU, cwd)
    time.sleep(0.2)

    servers = {}
    for name in ("off", "on"):
        port = bench.free_port()
        env = bench.intentful_settings(port, upstream)
        if name == "on":
            env["INTENTFUL_RECORD__DIR"] = rec_dir
        p = bench.start(cmd, env, bench.SERVER_CPU, cwd)
        if bench.wait_ready(port, bodies["W"]) is None:
            raise RuntimeError(f"recording {name}: the server did not start")
        servers[name] = (p, port)
        for sc in ("W", "U"):
            bench.answer(port, bodies[sc])
    # Recording must not change what the caller gets.
    for sc in ("W", "U"):
        if bench.answer(servers["off"][1], bodies[sc]) != bench.answer(servers["on"][1], bodies[sc]):
            raise RuntimeError(f"{sc}: recording changed the answer")

    def empty_recordings():
        for entry in os.listdir(rec_dir):
            path = os.path.join(rec_dir, entry)
            if os.path.isdir(path):
                shutil.rmtree(path, ignore_errors=True)

    results, counts = {}, {}
    for sc in ("W", "U"):
        for name, (_, port) in servers.items():
            bench.wrk(f"http://127.0.0.1:{port}/webhook", os.path.join(bench.BENCH, "load.lua"),
                      opts.warmup, opts.connections, [bench.BODIES[sc]])
        time.sleep(1)
        empty_recordings()
        before = record_counts(servers["on"][1])
        for i in range(opts.runs):
            order = list(servers.items()) if i % 2 == 0 else list(reversed(servers.items()))
            for name, (proc, port) in order:
                cpu0 = bench.cpu_seconds(proc.pid)
                r = bench.wrk(f"http://127.0.0.1:{port}/webhook", os.path.join(bench.BENCH, "load.lua"),
                              opts.seconds, opts.connections, [bench.BODIES[sc]])
                r["cpu_us"] = (bench.cpu_seconds(proc.pid) - cpu0) * 1e6 / max(r["requests"], 1)
                if r["socket_errors"] or r["non2xx"] or not r["requests"]:
                    raise RuntimeError(f"{name} {sc}: errors during load: {r}")
                results.setdefault((sc, name), []).append(r)
                print(f"{sc} run {i + 1} recording {name:3} {r['rps']:10,.0f} req/s  p50 "
                      f"{r['p50_us'] / 1000:6.2f} ms  p99 {r['p99_us'] / 1000:6.2f} ms  cpu "
                      f"{r['cpu_us']:5.1f} us/req", flush=True)
            # The writer catches up between runs; its files go so the disk does not fill.
            time.sleep(1)
            empty_recordings()
        after = record_counts(servers["on"][1])
        counts[sc] = {k: after.get(k, 0) - before.get(k, 0) for k in after}

    bench.check_intentful_after_load(servers["on"][1])
    for p, _ in servers.values():
        bench.stop(p)
    bench.stop(mock)
    shutil.rmtree(cwd, ignore_errors=True)

    fields = ("rps", "p50_us", "p99_us", "cpu_us")
    med = {k: {f: statistics.median(r[f] for r in v) for f in fields} for k, v in results.items()}
    ratio = {sc: {f: statistics.median(on[f] / off[f] for off, on in
                                       zip(results[(sc, "off")], results[(sc, "on")]))
                  for f in fields} for sc in ("W", "U")}
    lines = [
        f"Recording cost, run {datetime.datetime.now(datetime.timezone.utc):%Y-%m-%d %H:%M} UTC on "
        f"{platform.node()}, {os.cpu_count()} cores, Linux {platform.release()}: bench server with "
        f"record.dir set (on) vs unset (off), 1 worker pinned to CPU {bench.SERVER_CPU} (the writer "
        f"thread too), wrk -t1 -c{opts.connections} on CPU {bench.LOAD_CPU}, {opts.runs} x "
        f"{opts.seconds} s per server in alternating pairs. Medians; on/off is the median of the "
        f"pairs' ratios.",
        "",
        "| scenario | metric | off | on | on/off |",
        "|---|---|---:|---:|---:|",
    ]
    for sc, title in (("W", "W (welcome)"), ("U", "U (GetWeather + upstream)")):
        off, on, r = med[(sc, "off")], med[(sc, "on")], ratio[sc]
        lines.append(f"| {title} | requests/s | {off['rps']:,.0f} | {on['rps']:,.0f} | {r['rps']:.2f} |")
        lines.append(f"| {title} | CPU per request | {off['cpu_us']:.1f} µs | {on['cpu_us']:.1f} µs | {r['cpu_us']:.2f} |")
        lines.append(f"| {title} | p50 latency | {off['p50_us'] / 1000:.2f} ms | {on['p50_us'] / 1000:.2f} ms | {r['p50_us']:.2f} |")
        lines.append(f"| {title} | p99 latency | {off['p99_us'] / 1000:.2f} ms | {on['p99_us'] / 1000:.2f} ms | {r['p99_us']:.2f} |")
    lines.append("")
    lines.append("Recorder during the measured runs: " + "; ".join(
        f"{sc} " + ", ".join(f"{k} {int(v):,}" for k, v in sorted(counts[sc].items()) if v)
        for sc in ("W", "U")) + ".")
    bench.report(lines, opts.out)
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    finally:
        for p in list(bench.children):
            bench.stop(p)
