#!/usr/bin/env python3
"""Instructions per answered call, intentful vs the bare server, counted by valgrind's callgrind
(called by bench/instructions.sh).

Throughput on a shared VM swings with the neighbours' load; the number of user-space
instructions a call takes does not. This runs each server under callgrind with counting off,
warms it up, counts over a few seconds of wrk load, and divides by the calls wrk saw answered.
Kernel work (sockets, syscalls) is not counted: it is about the same for both servers (one
recv and one send per call; intentful's log lines leave in batches from a thread of their own,
whose instructions are counted). Like bench.py, it checks that both servers answer the same
JSON, and that intentful neither fell back nor dropped a log line under the load.

Instructions alone understate the difference: intentful runs more distinct code per call than
the bare server, and misses the caches more. callgrind also simulates the caches and the branch
predictor, so the report adds an estimate of cycles per call: instructions + 10 per first-level
cache miss + 100 per last-level miss + 15 per mispredicted branch. The weights are typical
penalties, not this CPU's: the estimate is a noise-free indicator of direction, not a
measurement (on the 2-core VM it put the ratio somewhat above bench/run.sh's CPU-time ratio).

Same scenarios, bodies and settings as bench/bench.py; only the standard library.

With `--check FILE` (.ci/run) it is also the CI guard: it fails when intentful's instructions
per call in W or U rise more than 10 % above the numbers committed in FILE
(bench/instructions.baseline). The estimated-cycles floor (intentful at most 1.5 times the
bare server) is reported, not enforced: the estimate moves with the machine's caches.
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

VALGRIND = ["valgrind", "--tool=callgrind", "--instr-atstart=no", "--cache-sim=yes",
            "--branch-sim=yes"]

# Intentful's estimated cycles per call, at most this many times the bare server's.
CYCLES_FLOOR = 1.5

# How far above the committed baseline instructions per call may rise before --check fails.
TOLERANCE = 0.10

# Penalty weights of the cycle estimate (see the module doc).
WEIGHTS = {"Ir": 1, "I1mr": 10, "D1mr": 10, "D1mw": 10, "ILmr": 100, "DLmr": 100, "DLmw": 100,
           "Bcm": 15, "Bim": 15}


def count(name, cmd, env, body_path, body, seconds, out_dir):
    """Instructions and estimated cycles per call for one server and one scenario."""
    out = os.path.join(out_dir, f"{name}.callgrind")
    port = bench.free_port()
    p = bench.start(VALGRIND + [f"--callgrind-out-file={out}"] + cmd, env(port), bench.SERVER_CPU,
                    out_dir)
    try:
        if bench.wait_ready(port, body, deadline_s=60.0, interval_s=0.05) is None:
            raise RuntimeError(f"{name} did not start under valgrind")
        reply = bench.answer(port, body)
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
        if "intentful" in name:
            bench.check_intentful_after_load(port)
    finally:
        bench.stop(p)
    # The explicit dump is part 1; the one at exit (counting still on) is not used.
    dumps = sorted(glob.glob(out + ".1")) or sorted(glob.glob(out + "*"))
    events, totals = [], []
    with open(dumps[0]) as f:
        for line in f:
            if line.startswith("events:"):
                events = line.split()[1:]
            elif re.match(r"^(?:summary|totals):", line):
                totals = [int(v) for v in line.split()[1:]]
                break
    per = {e: t / r["requests"] for e, t in zip(events, totals)}
    cycles = sum(w * per.get(e, 0) for e, w in WEIGHTS.items())
    return per["Ir"], cycles, r["requests"], reply


def read_baseline(path):
    """`{"W": n, "U": n}` from lines `W <instructions>`; `#` starts a comment."""
    numbers = {}
    with open(path) as f:
        for line in f:
            words = line.split("#", 1)[0].split()
            if len(words) == 2 and words[0] in ("W", "U"):
                numbers[words[0]] = float(words[1].replace(",", "").replace("_", ""))
    missing = {"W", "U"} - numbers.keys()
    if missing:
        raise RuntimeError(f"{path}: no number for {', '.join(sorted(missing))}")
    return numbers


def check(per_call, path):
    """Compares intentful's instructions per call with the baseline; False on a regression."""
    baseline = read_baseline(path)
    ok = True
    for sc in ("W", "U"):
        now, then = per_call[(sc, "intentful")][0], baseline[sc]
        change = now / then - 1
        verdict = "ok"
        if change > TOLERANCE:
            verdict = f"FAIL: more than {TOLERANCE:.0%} above {path}"
            ok = False
        elif change < -TOLERANCE:
            verdict = f"ok, {-change:.0%} below: lower the number in {path}"
        print(f"guard {sc}: {now:,.0f} instructions per call against {then:,.0f} ({change:+.1%}): "
              f"{verdict}")
    if not ok:
        print(f"A change that needs the instructions updates {path} with its reason; "
              f"otherwise find the cost with callgrind_annotate (bench/README.md).")
    return ok


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--seconds", type=int, default=5)
    ap.add_argument("--out", default=os.path.join(bench.ROOT, "target", "bench", "instructions.md"))
    ap.add_argument("--check", metavar="BASELINE",
                    help="fail when W or U rises more than 10 %% above this file's numbers")
    opts = ap.parse_args()
    if opts.check:
        read_baseline(opts.check)  # a broken file fails before minutes of measuring

    bodies = {k: open(v, "rb").read() for k, v in bench.BODIES.items()}
    work = tempfile.mkdtemp(prefix="intentful-instr-")
    mock_port = bench.free_port()
    upstream = f"http://127.0.0.1:{mock_port}"
    mock = bench.start([os.path.join(bench.SERVERS, "mock_upstream")], {"PORT": str(mock_port)},
                       bench.LOAD_CPU, work)
    time.sleep(0.2)
    servers = {
        "bare": ([os.path.join(bench.SERVERS, "bare_server")],
                 lambda port: {"PORT": str(port), "UPSTREAM": upstream}),
        "intentful": ([os.path.join(bench.SERVERS, "bench_server")],
                      lambda port: bench.intentful_settings(port, upstream)),
    }
    per_call = {}
    replies = {}
    try:
        for sc in ("W", "U"):
            for name, (cmd, env) in servers.items():
                ir, cycles, calls, reply = count(f"{sc}-{name}", cmd, env, bench.BODIES[sc],
                                                 bodies[sc], opts.seconds, work)
                per_call[(sc, name)] = (ir, cycles)
                replies[(sc, name)] = reply
                print(f"{sc} {name:9} {ir:10,.0f} instructions, {cycles:10,.0f} estimated cycles "
                      f"per call ({calls:,} calls)", flush=True)
    finally:
        bench.stop(mock)
    for sc in ("W", "U"):
        if replies[(sc, "bare")] != replies[(sc, "intentful")]:
            raise RuntimeError(f"{sc}: the servers answer differently: {replies[(sc, 'bare')]} "
                               f"against {replies[(sc, 'intentful')]}")

    lines = [
        f"Run {datetime.datetime.now(datetime.timezone.utc):%Y-%m-%d %H:%M} UTC on {platform.node()}, "
        f"Linux {platform.release()}: user-space instructions and estimated cycles per answered "
        f"call (callgrind with cache and branch simulation; cycles = instructions + 10 per L1 "
        f"miss + 100 per LL miss + 15 per mispredicted branch), wrk -c8 for {opts.seconds} s "
        f"after a 2 s warm-up. Allocator of both servers: {bench.allocator()}.",
        "",
        "| scenario | measure | bare | intentful | intentful/bare | target | met |",
        "|---|---|---:|---:|---:|---|---|",
    ]
    for sc, title in (("W", "W (welcome)"), ("U", "U (GetWeather + upstream)")):
        b, i = per_call[(sc, "bare")], per_call[(sc, "intentful")]
        met = "yes" if i[1] / b[1] <= CYCLES_FLOOR else "NO"
        lines.append(f"| {title} | instructions | {b[0]:,.0f} | {i[0]:,.0f} | {i[0] / b[0]:.2f} | | |")
        lines.append(f"| {title} | estimated cycles | {b[1]:,.0f} | {i[1]:,.0f} | {i[1] / b[1]:.2f} "
                     f"| <= {CYCLES_FLOOR} | {met} |")
    bench.report(lines, opts.out)
    if opts.check and not check(per_call, opts.check):
        return 1
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    finally:
        for p in list(bench.children):
            bench.stop(p)
