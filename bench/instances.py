#!/usr/bin/env python3
"""Several instances: events accepted and handled per second, one and two intentful instances on
PostgreSQL against one on the embedded store, in one run (called by bench/instances.sh).

Every request is a new event for the okta handler (`user.account.lock`, a POST to the chat
upstream, here bench's mock_upstream), sent by wrk with 32 connections in all (two wrk of 16 for
two instances, one each). "Accepted/s": 2xx answers per second of load, every one committed
(SQLite synchronous=FULL; PostgreSQL synchronous_commit=on, fsync on). "Handled/s": events
stored over the time from the load's start until no job is open, so it counts the queue drained
after the load. Configurations alternate run by run; the table gives medians. Nothing is pinned:
on a 2-CPU machine the instances, PostgreSQL, wrk and the upstream share both CPUs, which is
the point (the database's cost shows).

Only the standard library, psql, wrk: anyone can rerun it.
"""

import argparse
import datetime
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
import uuid

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
RELEASE = os.path.join(ROOT, "target", "release")
BENCH = os.path.join(ROOT, "bench")
WORK = os.path.join(ROOT, "target", "bench", "instances")
TOKEN = "bench-token-0123456789"
PG = os.environ.get("INTENTFUL_TEST_POSTGRES", "")
children = []


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start(cmd, env):
    full_env = {k: v for k, v in os.environ.items() if k != "RUST_LOG" and not k.startswith("INTENTFUL_")}
    full_env.update(env)
    p = subprocess.Popen(cmd, env=full_env, cwd=WORK, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    children.append(p)
    return p


def stop(p):
    if p.poll() is None:
        p.kill()
        p.wait()
    children.remove(p)


def wait_port(port, deadline_s=20.0):
    since = time.time()
    while time.time() - since < deadline_s:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return
        except OSError:
            time.sleep(0.02)
    raise RuntimeError(f"nothing listening on {port}")


def psql(url, sql):
    out = subprocess.run(["psql", "-X", "-qtA", url, "-c", sql], capture_output=True, text=True, check=True)
    return out.stdout.strip()


def intentful_env(port, upstream, data, store):
    env = {
        "PORT": str(port),
        "INTENTFUL_SERVER__HOST": "127.0.0.1",
        "INTENTFUL_SERVER__WORKERS": "1",
        "INTENTFUL_LOG__FORMAT": "json",
        "INTENTFUL_LOG__LEVEL": "warn",
        "INTENTFUL_EVENTS__DIR": data,
        "INTENTFUL_SOURCES__OKTA__VERIFY__KIND": "bearer",
        "INTENTFUL_SOURCES__OKTA__VERIFY__SECRETS": f'["{TOKEN}"]',
        "INTENTFUL_SOURCES__OKTA__EVENT_ID": "header:X-Event-Id",
        "INTENTFUL_SOURCES__OKTA__EVENT_TYPE": "$.eventType",
        "INTENTFUL_UPSTREAMS__CHAT__BASE_URL": f"http://127.0.0.1:{upstream}/chat",
    }
    if store:
        env["INTENTFUL_EVENTS__STORE"] = store
    return env


def wrk(port, seconds, connections, prefix):
    cmd = ["wrk", "-t1", f"-c{connections}", f"-d{seconds}s", "--timeout", "10s",
           "-s", os.path.join(BENCH, "instances.lua"), f"http://127.0.0.1:{port}/events/okta", "--", prefix, TOKEN]
    return subprocess.Popen(cmd, stdout=subprocess.PIPE, text=True)


def wrk_result(p):
    out = p.communicate()[0]
    for line in out.splitlines():
        if line.startswith("WRKJSON "):
            return json.loads(line[len("WRKJSON "):])
    raise RuntimeError(f"no WRKJSON line in wrk output:\n{out}")


def one_run(name, instances, store_kind, upstream, seconds, connections, run_id):
    data = os.path.join(WORK, f"{name}-{run_id}")
    shutil.rmtree(data, ignore_errors=True)
    os.makedirs(data)
    store = None
    if store_kind == "postgres":
        schema = f"bench_{uuid.uuid4().hex}"
        psql(PG, f"CREATE SCHEMA {schema}")
        store = f"{PG}{'&' if '?' in PG else '?'}options=-csearch_path%3D{schema}"

        def open_jobs():
            return int(psql(store, "SELECT COUNT(*) FROM jobs WHERE status <> 'done'"))

        def stored():
            return int(psql(store, "SELECT COUNT(*) FROM events"))
    else:
        db = os.path.join(data, "events.sqlite3")

        def open_jobs():
            with sqlite3.connect(db) as c:
                return c.execute("SELECT COUNT(*) FROM jobs WHERE status <> 'done'").fetchone()[0]

        def stored():
            with sqlite3.connect(db) as c:
                return c.execute("SELECT COUNT(*) FROM events").fetchone()[0]
    ports = [free_port() for _ in range(instances)]
    procs = [start([os.path.join(RELEASE, "intentful")], intentful_env(port, upstream, data, store)) for port in ports]
    try:
        for port in ports:
            wait_port(port)
        time.sleep(0.3)  # the store opened and migrated
        started = time.perf_counter()
        loads = [wrk(port, seconds, connections // instances, f"{name}-{run_id}-{i}") for i, port in enumerate(ports)]
        results = [wrk_result(w) for w in loads]
        while open_jobs() > 0:
            if time.perf_counter() - started > seconds * 20 + 60:
                raise RuntimeError(f"{name}: jobs still open long after the load")
            time.sleep(0.05)
        drained = time.perf_counter() - started
        n = stored()
    finally:
        for p in procs:
            stop(p)
    ok = sum(r["requests"] - r["non2xx"] for r in results)
    if any(r["non2xx"] or r["socket_errors"] for r in results):
        raise RuntimeError(f"{name}: non-2xx answers or socket errors: {results}")
    if n < ok:
        raise RuntimeError(f"{name}: {ok} events acknowledged but only {n} stored")
    if store_kind == "postgres":
        psql(PG, f"DROP SCHEMA {schema} CASCADE")
    shutil.rmtree(data, ignore_errors=True)
    duration = max(r["duration_us"] for r in results) / 1e6
    return {"accepted": ok / duration, "handled": n / drained, "p99": max(r["p99_us"] for r in results) / 1000}


CONFIGS = [("embedded", 1, "embedded"), ("postgres-1", 1, "postgres"), ("postgres-2", 2, "postgres")]


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=2, help="rounds over the three configurations")
    ap.add_argument("--seconds", type=int, default=5)
    ap.add_argument("--connections", type=int, default=32)
    opts = ap.parse_args()
    if not PG:
        sys.exit("bench/instances.py: INTENTFUL_TEST_POSTGRES is not set (bench/instances.sh starts one)")
    os.makedirs(WORK, exist_ok=True)
    upstream = free_port()
    mock = start([os.path.join(RELEASE, "mock_upstream")], {"PORT": str(upstream)})
    results = {name: [] for name, _, _ in CONFIGS}
    try:
        wait_port(upstream)
        for i in range(opts.runs):
            order = CONFIGS if i % 2 == 0 else list(reversed(CONFIGS))
            for name, instances, kind in order:
                r = one_run(name, instances, kind, upstream, opts.seconds, opts.connections, i)
                results[name].append(r)
                print(f"run {i} {name}: {r['accepted']:.0f} accepted/s, {r['handled']:.0f} handled/s, "
                      f"p99 {r['p99']:.1f} ms", file=sys.stderr)
    finally:
        stop(mock)
        for p in list(children):
            stop(p)
    med = lambda name, k: statistics.median(r[k] for r in results[name])
    base_a, base_h = med("embedded", "accepted"), med("embedded", "handled")
    pg_version = psql(PG, "SHOW server_version")
    stamp = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    lines = [
        f"### Instances: {stamp}",
        "",
        f"{platform.node()} ({os.cpu_count()} CPUs, nothing pinned), PostgreSQL {pg_version} on the same machine "
        f"(fsync on); each instance 1 HTTP worker and 16 event workers; wrk -c{opts.connections} in all; "
        f"{opts.runs} rounds of {opts.seconds} s; every event goes to the okta handler (one upstream POST).",
        "",
        "| store, instances | accepted/s | vs embedded | handled/s | vs embedded | ack p99 |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for name, _, _ in CONFIGS:
        a, h = med(name, "accepted"), med(name, "handled")
        lines.append(f"| {name} | {a:,.0f} | {a / base_a:.2f} | {h:,.0f} | {h / base_h:.2f} | {med(name, 'p99'):.1f} ms |")
    lines.append("")
    text = "\n".join(lines)
    print(text)
    out = os.path.join(ROOT, "target", "bench", "instances.md")
    with open(out, "a") as f:
        f.write(text + "\n")
    print(f"(appended to {out})", file=sys.stderr)


if __name__ == "__main__":
    main()
