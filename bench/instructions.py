#!/usr/bin/env python3
"""Instructions per answered call, intentful vs the bare server, counted by valgrind's callgrind
(called by bench/instructions.sh).

Throughput on a shared VM swings with the neighbours' load; the number of user-space
instructions a call takes does not. This runs each server under callgrind with counting off,
warms it up, counts over a few seconds of wrk load, and divides by the calls wrk saw answered.
Kernel work (sockets, syscalls) is not counted: it is about the same for both servers (one
recv and one send per call; intentful adds one write for its log line).

Same scenarios, bodies and settings as bench/bench.py; only the standard library.
"""

import argparse
import datetime
import glob
import os
import platform
import re
import subprocess
import sys
import tempfile
import time

import bench

VALGRIND = ["valgrind", "--tool=callgrind", "--instr-atstart=no"]


def count(name, cmd, env, body_path, body, seconds, out_dir):
    """Instructions per call for one server and one scenario."""
    out = os.path.join(out_dir, f"{name}.callgrind")
    port = bench.free_port()
    p = bench.start(VALGRIND + [f"--callgrind-out-file={out}"] + cmd, env(port), bench.SERVER_CPU,
                    out_dir)
    try:
        if bench.wait_ready(port, body, deadline_s=60.0, interval_s=0.05) is None:
            raise RuntimeError(f"{name} did not start under valgrind")
        url = f"http://127.0.0.1:{port}/webhook"
        script = os.path.join(bench.BENCH, "load.lua")
        bench.wrk(url, script, 2, 8, [body_path])  # warm-up, not counted
        subprocess.run(["callgrind_control", "--instr=on", str(p.pid)], check=True,
                       capture_output=True)
        r = bench.wrk(url, script, seconds, 8, [body_path])
        if r["socket_errors"] or r["non2xx"]:
            raise RuntimeError(f"{name}: errors during load: {r}")
        subprocess.run(["callgrind_control", "--dump", str(p.pid)], check=True,
                       capture_output=True)
        time.sleep(0.5)
    finally:
        bench.stop(p)
    # The explicit dump is part 1; the one at exit (counting still on) is not used.
    dumps = sorted(glob.glob(out + ".1")) or sorted(glob.glob(out + "*"))
    with open(dumps[0]) as f:
        total = next(int(m.group(1)) for line in f
                     if (m := re.match(r"^(?:summary|totals):\s+(\d+)", line)))
    return total / r["requests"], r["requests"]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--seconds", type=int, default=5)
    ap.add_argument("--out", default=os.path.join(bench.ROOT, "target", "bench", "instructions.md"))
    opts = ap.parse_args()

    bodies = {k: open(v, "rb").read() for k, v in bench.BODIES.items()}
    work = tempfile.mkdtemp(prefix="intentful-instr-")
    mock_port = bench.free_port()
    upstream = f"http://127.0.0.1:{mock_port}"
    mock = bench.start([os.path.join(bench.EXAMPLES, "mock_upstream")], {"PORT": str(mock_port)},
                       bench.LOAD_CPU, work)
    time.sleep(0.2)
    servers = {
        "bare": ([os.path.join(bench.EXAMPLES, "bare_server")],
                 lambda port: {"PORT": str(port), "UPSTREAM": upstream}),
        "intentful": ([os.path.join(bench.EXAMPLES, "bench_server")],
                      lambda port: bench.intentful_settings(port, upstream)),
    }
    per_call = {}
    try:
        for sc in ("W", "U"):
            for name, (cmd, env) in servers.items():
                ir, calls = count(f"{sc}-{name}", cmd, env, bench.BODIES[sc], bodies[sc],
                                  opts.seconds, work)
                per_call[(sc, name)] = ir
                print(f"{sc} {name:9} {ir:10,.0f} instructions per call ({calls:,} calls)",
                      flush=True)
    finally:
        bench.stop(mock)

    lines = [
        f"Run {datetime.datetime.now(datetime.timezone.utc):%Y-%m-%d %H:%M} UTC on {platform.node()}, "
        f"Linux {platform.release()}: user-space instructions per answered call (callgrind), "
        f"wrk -c8 for {opts.seconds} s after a 2 s warm-up.",
        "",
        "| scenario | bare | intentful | intentful/bare |",
        "|---|---:|---:|---:|",
    ]
    for sc, title in (("W", "W (welcome)"), ("U", "U (GetWeather + upstream)")):
        b, i = per_call[(sc, "bare")], per_call[(sc, "intentful")]
        lines.append(f"| {title} | {b:,.0f} | {i:,.0f} | {i / b:.2f} |")
    bench.report(lines, opts.out)
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    finally:
        for p in list(bench.children):
            bench.stop(p)
