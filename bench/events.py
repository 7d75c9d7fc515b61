#!/usr/bin/env python3
"""Event acceptance: intentful's group commit vs the naive receiver (called by bench/events.sh).

Both servers answer 2xx only once the event is committed to SQLite with synchronous=FULL (WAL),
so every acknowledged event is on disk. The naive server (bench/src/bin/events_bare.rs) commits each
request on its own: one fsync per event. intentful commits all waiting requests together. Each
server runs one worker pinned to CPU 0 (its writer thread too); wrk runs on CPU 1 with 32
connections, every request a new event. Runs alternate naive/intentful in pairs; the table gives
the medians and, for the ratio, the median of the pairs' ratios. After every run the stored rows
are counted: fewer rows than 2xx answers would fail the run.

Only the standard library: anyone with python3, wrk and taskset can rerun it.
"""

import argparse
import datetime
import http.client
import json
import os
import platform
import shutil
import socket
import sqlite3
import statistics
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
RELEASE = os.path.join(ROOT, "target", "release")
BENCH = os.path.join(ROOT, "bench")
# On the same disk as the repository: a tmpfs would make fsync free and the comparison moot.
WORK = os.path.join(ROOT, "target", "bench", "events")
SERVER_CPU, LOAD_CPU = "0", "1"
TOKEN = "bench-token-0123456789"
BODY = json.dumps({"type": "ticket.created", "data": {"id": "T-0", "subject": "ready?", "priority": "low"}})

children = []


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start(cmd, env):
    full_env = {k: v for k, v in os.environ.items() if k != "RUST_LOG" and not k.startswith("INTENTFUL_")}
    full_env.update(env)
    p = subprocess.Popen(["taskset", "-c", SERVER_CPU] + cmd, env=full_env, cwd=WORK,
                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    children.append(p)
    return p


def stop(p):
    if p.poll() is None:
        p.kill()
        p.wait()
    children.remove(p)


def post(port, event_id):
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
    try:
        c.request("POST", "/events/bench", body=BODY, headers={
            "content-type": "application/json", "authorization": f"Bearer {TOKEN}", "x-event-id": event_id})
        r = c.getresponse()
        return r.status, r.read().decode("utf-8", "replace")
    finally:
        c.close()


def wait_ready(port, deadline_s=20.0):
    since = time.time()
    while time.time() - since < deadline_s:
        try:
            status, body = post(port, "ready")
            if status == 200:
                return
            raise RuntimeError(f"server answered {status}: {body}")
        except (ConnectionError, OSError):
            time.sleep(0.01)
    raise RuntimeError("server did not come up")


def wrk(port, seconds, connections, prefix):
    cmd = ["taskset", "-c", LOAD_CPU, "wrk", "-t1", f"-c{connections}", f"-d{seconds}s", "--timeout", "10s",
           "-s", os.path.join(BENCH, "events.lua"), f"http://127.0.0.1:{port}/events/bench", "--", prefix, TOKEN]
    out = subprocess.run(cmd, capture_output=True, text=True, check=True).stdout
    for line in out.splitlines():
        if line.startswith("WRKJSON "):
            return json.loads(line[len("WRKJSON "):])
    raise RuntimeError(f"no WRKJSON line in wrk output:\n{out}")


def rows(db, table="events"):
    with sqlite3.connect(db) as c:
        return c.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0]


def fsync_ms(samples=300):
    """Median time of a 4 KiB append plus fsync on the benchmark's disk: the naive server's
    floor per event, and the price group commit spreads over a batch."""
    path = os.path.join(WORK, "fsync-probe")
    times = []
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        for _ in range(samples):
            t = time.perf_counter()
            os.write(fd, b"x" * 4096)
            os.fsync(fd)
            times.append((time.perf_counter() - t) * 1000)
    finally:
        os.close(fd)
        os.remove(path)
    return statistics.median(times)


def servers():
    def naive(port, data):
        db = os.path.join(data, "events-bare.sqlite3")
        return [os.path.join(RELEASE, "events_bare")], {"PORT": str(port), "DB": db, "TOKEN": TOKEN}, db

    def intentful(port, data):
        env = {
            "PORT": str(port),
            "INTENTFUL_SERVER__HOST": "127.0.0.1",
            "INTENTFUL_SERVER__WORKERS": "1",
            "INTENTFUL_LOG__FORMAT": "json",
            "INTENTFUL_EVENTS__DIR": data,
            "INTENTFUL_SOURCES__BENCH__VERIFY__KIND": "bearer",
            "INTENTFUL_SOURCES__BENCH__VERIFY__SECRETS": f'["{TOKEN}"]',
            "INTENTFUL_SOURCES__BENCH__EVENT_ID": "header:X-Event-Id",
            "INTENTFUL_SOURCES__BENCH__EVENT_TYPE": "$.type",
        }
        return [os.path.join(RELEASE, "intentful")], env, os.path.join(data, "events.sqlite3")

    return {"naive": naive, "intentful": intentful}


def one_run(name, make, seconds, connections, run_id):
    data = os.path.join(WORK, f"{name}-{run_id}")
    shutil.rmtree(data, ignore_errors=True)
    os.makedirs(data)
    port = free_port()
    cmd, env, db = make(port, data)
    p = start(cmd, env)
    try:
        wait_ready(port)
        r = wrk(port, seconds, connections, f"{name}-{run_id}")
    finally:
        stop(p)
    ok = r["requests"] - r["non2xx"]
    stored = rows(db) - 1  # the readiness event
    if r["non2xx"] or r["socket_errors"]:
        raise RuntimeError(f"{name}: {r['non2xx']} non-2xx answers, {r['socket_errors']} socket errors")
    if stored < ok:
        raise RuntimeError(f"{name}: {ok} events acknowledged but only {stored} stored")
    shutil.rmtree(data, ignore_errors=True)
    return {"eps": ok / (r["duration_us"] / 1e6), "p50": r["p50_us"] / 1000, "p99": r["p99_us"] / 1000,
            "acked": ok, "stored": stored}


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=4, help="pairs of runs")
    ap.add_argument("--seconds", type=int, default=5)
    ap.add_argument("--connections", type=int, default=32)
    opts = ap.parse_args()
    os.makedirs(WORK, exist_ok=True)
    make = servers()
    disk_fsync = fsync_ms()
    print(f"fsync on {WORK}: median {disk_fsync:.3f} ms", file=sys.stderr)
    results = {"naive": [], "intentful": []}
    ratios = []
    try:
        for i in range(opts.runs):
            order = ["naive", "intentful"] if i % 2 == 0 else ["intentful", "naive"]
            pair = {}
            for name in order:
                pair[name] = one_run(name, make[name], opts.seconds, opts.connections, i)
                results[name].append(pair[name])
                print(f"run {i} {name}: {pair[name]['eps']:.0f} events/s, p50 {pair[name]['p50']:.2f} ms, "
                      f"p99 {pair[name]['p99']:.2f} ms ({pair[name]['acked']} acknowledged, {pair[name]['stored']} stored)",
                      file=sys.stderr)
            ratios.append(pair["intentful"]["eps"] / pair["naive"]["eps"])
    finally:
        for p in list(children):
            stop(p)

    med = lambda name, k: statistics.median(r[k] for r in results[name])
    ratio = statistics.median(ratios)
    p99 = med("intentful", "p99")
    stamp = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    lines = [
        f"### Events: {stamp}",
        "",
        f"{platform.node()} ({os.cpu_count()} CPUs), servers pinned to CPU {SERVER_CPU} with 1 worker, wrk -t1 "
        f"-c{opts.connections} on CPU {LOAD_CPU}; {opts.runs} pairs of {opts.seconds} s; every 2xx committed with "
        "synchronous=FULL (WAL) before the answer, stored rows checked after each run. "
        f"A 4 KiB append + fsync on this disk: median {disk_fsync:.2f} ms.",
        "",
        "| metric | naive (fsync per event) | intentful (group commit) | intentful/naive | target |",
        "|---|---:|---:|---:|---|",
        f"| events accepted/s | {med('naive', 'eps'):,.0f} | {med('intentful', 'eps'):,.0f} | {ratio:.1f} | ≥ 5 {'✓' if ratio >= 5 else '✗'} |",
        f"| ack p50 | {med('naive', 'p50'):.2f} ms | {med('intentful', 'p50'):.2f} ms | | |",
        f"| ack p99 | {med('naive', 'p99'):.2f} ms | {p99:.2f} ms | | < 25 ms {'✓' if p99 < 25 else '✗'} |",
        "",
        f"Paired ratios: {', '.join(f'{r:.1f}' for r in ratios)}.",
        "",
    ]
    text = "\n".join(lines)
    print(text)
    out = os.path.join(ROOT, "target", "bench", "events.md")
    with open(out, "a") as f:
        f.write(text + "\n")
    print(f"(appended to {out})", file=sys.stderr)


if __name__ == "__main__":
    main()
