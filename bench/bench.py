#!/usr/bin/env python3
"""intentful vs a bare actix-web server, side by side in the same run (called by bench/run.sh).

Scenario W: an ES request for the welcome intent (no upstream). Scenario U: an ES request for
GetWeather, which calls the mock upstream on loopback. Each server runs with one worker pinned
to CPU 0; wrk (and the mock upstream) run on CPU 1. Runs alternate bare/intentful so that noise
from other processes hits both alike; the medians and their ratios go into a markdown table.

Only the standard library: anyone with python3, wrk and taskset can rerun it.
"""

import argparse
import datetime
import http.client
import json
import os
import platform
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SERVERS = os.path.join(ROOT, "target", "release")
BENCH = os.path.join(ROOT, "bench")
BODIES = {"W": os.path.join(BENCH, "welcome.json"), "U": os.path.join(BENCH, "weather.json")}
# What a correct answer contains; a fallback (200 too) must not pass for a result.
EXPECT = {"W": "I can tell you the weather", "U": "21°C and sunny in Tokyo"}
# The server on the first CPU this process may use, wrk and the mock on the second (on the
# first too when there is only one: bench/instructions.sh counts instructions, not time).
_CPUS = sorted(os.sched_getaffinity(0))
SERVER_CPU, LOAD_CPU = str(_CPUS[0]), str(_CPUS[min(1, len(_CPUS) - 1)])

children = []


def allocator():
    """The allocator both servers were built with (bench/prepare.sh's BENCH_ALLOCATOR)."""
    return os.environ.get("BENCH_ALLOCATOR") or "mimalloc"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start(cmd, env, cpu, cwd):
    full_env = {k: v for k, v in os.environ.items() if k != "RUST_LOG" and not k.startswith("INTENTFUL_")}
    full_env.update(env)
    p = subprocess.Popen(["taskset", "-c", cpu] + cmd, env=full_env, cwd=cwd,
                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    children.append(p)
    return p


def stop(p):
    if p.poll() is None:
        p.kill()
        p.wait()
    if p in children:
        children.remove(p)


def post(port, body, timeout=2.0):
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        c.request("POST", "/webhook", body=body, headers={"content-type": "application/json"})
        r = c.getresponse()
        return r.status, dict(r.getheaders()), r.read().decode("utf-8", "replace")
    finally:
        c.close()


def check_intentful_after_load(port):
    """Fails the run if intentful did less than its full work under load: a fallback is a 200
    too, and a dropped log line is a line not written."""
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    c.request("GET", "/metrics")
    metrics = c.getresponse().read().decode()
    c.close()
    # Every series exists from start-up, at 0: only a count above 0 is a fallback.
    bad = [l for l in metrics.splitlines()
           if l.startswith("intentful_webhook_requests_total") and 'outcome="ok"' not in l
           and float(l.rsplit(" ", 1)[1]) > 0]
    if bad:
        raise RuntimeError(f"intentful answered with fallbacks under load: {bad}")
    dropped = [l for l in metrics.splitlines()
               if l.startswith("intentful_log_lines_dropped_total") and not l.endswith(" 0")]
    if dropped:
        raise RuntimeError(f"intentful dropped log lines under load: {dropped}")


def answer(port, body):
    """The JSON a server answers to `body`, checked to be a real answer."""
    status, headers, text = post(port, body, timeout=10.0)
    outcome = headers.get("x-intentful-outcome", headers.get("X-Intentful-Outcome", "ok"))
    if status != 200 or outcome != "ok" or not any(e in text for e in EXPECT.values()):
        raise RuntimeError(f"wrong answer {status} {outcome} {text[:200]}")
    return json.loads(text)


def wait_ready(port, body, deadline_s=10.0, interval_s=0.001):
    """Polls until the first 200; returns seconds waited (None on timeout)."""
    t0 = time.perf_counter()
    while time.perf_counter() - t0 < deadline_s:
        try:
            status, _, _ = post(port, body, timeout=0.5)
            if status == 200:
                return time.perf_counter() - t0
        except OSError:
            pass
        time.sleep(interval_s)
    return None


def wrk(url, script, seconds, connections, args=()):
    cmd = ["taskset", "-c", LOAD_CPU, "wrk", "-t1", f"-c{connections}", f"-d{seconds}s",
           "--latency", "-s", script, url]
    if args:
        cmd += ["--"] + list(args)
    out = subprocess.run(cmd, capture_output=True, text=True, check=True).stdout
    m = re.search(r"^WRKJSON (.*)$", out, re.M)
    if not m:
        raise RuntimeError(f"no WRKJSON line in wrk output:\n{out}")
    r = json.loads(m.group(1))
    r["rps"] = r["requests"] / (r["duration_us"] / 1e6)
    return r


def vm_hwm_kib(pid):
    """Peak RSS of the server itself (taskset execs it, so the pid is the server's)."""
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    return 0


def cpu_seconds(pid):
    """User + system CPU time of the whole process so far."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def cold_start(cmd, env_for_port, body, repeats):
    """Process start to first 200 answer, median over `repeats` fresh processes."""
    samples = []
    for _ in range(repeats):
        port = free_port()
        t0 = time.perf_counter()
        p = start(cmd, env_for_port(port), SERVER_CPU, tempfile.gettempdir())
        waited = wait_ready(port, body)
        elapsed = time.perf_counter() - t0
        stop(p)
        if waited is None:
            raise RuntimeError(f"{cmd[0]} never answered 200 on port {port}")
        samples.append(elapsed * 1000)
    return statistics.median(samples), samples


def report(lines, out):
    """Prints a markdown report and appends it to `out`."""
    text = "\n".join(lines)
    print("\n" + text)
    os.makedirs(os.path.dirname(out), exist_ok=True)
    with open(out, "a") as f:
        f.write(text + "\n\n")
    print(f"\n(appended to {out})")


def intentful_settings(port, upstream):
    """The benchmark server's environment: one worker, no auth, JSON logs at info."""
    return {
        "PORT": str(port),
        "INTENTFUL_SERVER__HOST": "127.0.0.1",
        "INTENTFUL_SERVER__WORKERS": "1",
        # Explicit: the benchmark measures serving, not refusals.
        "INTENTFUL_AUTH__DEFAULT__MODE": "none",
        "INTENTFUL_AUTH__DEFAULT__ACKNOWLEDGED": "true",
        # /metrics on the main port to anyone: the run reads it after the load.
        "INTENTFUL_ADMIN__AUTH__MODE": "none",
        "INTENTFUL_UPSTREAMS__WEATHER_MOCK__BASE_URL": upstream,
        # As in production: JSON lines at info, one per call.
        "INTENTFUL_LOG__FORMAT": "json",
        "INTENTFUL_LOG__LEVEL": "info",
    }


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=8)
    ap.add_argument("--seconds", type=int, default=4)
    ap.add_argument("--warmup", type=int, default=3)
    ap.add_argument("--connections", type=int, default=32)
    ap.add_argument("--out", default=os.path.join(ROOT, "target", "bench", "results.md"))
    opts = ap.parse_args()

    bodies = {k: open(v, "rb").read() for k, v in BODIES.items()}
    cwd = tempfile.mkdtemp(prefix="intentful-bench-")  # no intentful.toml there
    mock_port = free_port()
    upstream = f"http://127.0.0.1:{mock_port}"
    bare_cmd = [os.path.join(SERVERS, "bare_server")]
    intentful_cmd = [os.path.join(SERVERS, "bench_server")]

    def bare_env(port):
        return {"PORT": str(port), "UPSTREAM": upstream}

    def intentful_env(port):
        return intentful_settings(port, upstream)

    mock = start([os.path.join(SERVERS, "mock_upstream")], {"PORT": str(mock_port)}, LOAD_CPU, cwd)
    time.sleep(0.2)
    # The mock alone, on the load CPU, loaded from the server CPU: it must be far faster than
    # what the servers reach in scenario U.
    mock_check = subprocess.run(
        ["taskset", "-c", SERVER_CPU, "wrk", "-t1", f"-c{opts.connections}", "-d5s", "-s",
         os.path.join(BENCH, "load.lua"), f"{upstream}/weather?city=Tokyo"],
        capture_output=True, text=True, check=True).stdout
    m = json.loads(re.search(r"^WRKJSON (.*)$", mock_check, re.M).group(1))
    mock_rps = m["requests"] / (m["duration_us"] / 1e6)
    print(f"mock upstream alone: {mock_rps:,.0f} req/s", flush=True)

    servers = {}
    answers = {}
    for name, cmd, env in (("bare", bare_cmd, bare_env), ("intentful", intentful_cmd, intentful_env)):
        port = free_port()
        p = start(cmd, env(port), SERVER_CPU, cwd)
        if wait_ready(port, bodies["W"]) is None:
            raise RuntimeError(f"{name} did not start")
        servers[name] = (p, port)
        for sc in ("W", "U"):
            status, headers, text = post(port, bodies[sc])
            outcome = headers.get("x-intentful-outcome", headers.get("X-Intentful-Outcome", "ok"))
            if status != 200 or EXPECT[sc] not in text or outcome != "ok":
                raise RuntimeError(f"{name} {sc}: wrong answer {status} {outcome} {text[:200]}")
            answers[(name, sc)] = json.loads(text)
    # Same work out: both servers must answer the same JSON, or the ratio would also measure
    # how much more one of them writes.
    for sc in ("W", "U"):
        if answers[("bare", sc)] != answers[("intentful", sc)]:
            raise RuntimeError(f"{sc}: the servers answer differently: bare "
                               f"{answers[('bare', sc)]} intentful {answers[('intentful', sc)]}")

    results = {}
    for sc in ("W", "U"):
        for name, (_, port) in servers.items():
            wrk(f"http://127.0.0.1:{port}/webhook", os.path.join(BENCH, "load.lua"), opts.warmup,
                opts.connections, [BODIES[sc]])
        for i in range(opts.runs):
            # Back-to-back pairs in alternating order: the neighbours' load on a shared machine
            # drifts over seconds, and each pair's ratio sees (nearly) the same conditions.
            order = list(servers.items()) if i % 2 == 0 else list(reversed(servers.items()))
            for name, (proc, port) in order:
                cpu0 = cpu_seconds(proc.pid)
                r = wrk(f"http://127.0.0.1:{port}/webhook", os.path.join(BENCH, "load.lua"),
                        opts.seconds, opts.connections, [BODIES[sc]])
                # CPU per answered call: what other processes on the core cannot distort much.
                r["cpu_us"] = (cpu_seconds(proc.pid) - cpu0) * 1e6 / max(r["requests"], 1)
                if r["socket_errors"] or r["non2xx"] or not r["requests"]:
                    raise RuntimeError(f"{name} {sc}: errors during load: {r}")
                results.setdefault((sc, name), []).append(r)
                print(f"{sc} run {i + 1} {name:9} {r['rps']:10,.0f} req/s  p50 {r['p50_us'] / 1000:6.2f} ms"
                      f"  p99 {r['p99_us'] / 1000:6.2f} ms  cpu {r['cpu_us']:5.1f} us/req", flush=True)

    rss = {name: vm_hwm_kib(p.pid) / 1024 for name, (p, _) in servers.items()}
    check_intentful_after_load(servers["intentful"][1])
    for name, (p, _) in list(servers.items()):
        stop(p)

    cold = {
        "bare": cold_start(bare_cmd, bare_env, bodies["W"], 7),
        "intentful": cold_start(intentful_cmd, intentful_env, bodies["W"], 7),
    }
    stop(mock)

    fields = ("rps", "p50_us", "p99_us", "cpu_us")
    med = {k: {f: statistics.median(r[f] for r in v) for f in fields} for k, v in results.items()}
    # The ratio column: the median of the runs' paired ratios, not a ratio of medians.
    ratio = {sc: {f: statistics.median(i[f] / b[f] for b, i in
                                       zip(results[(sc, "bare")], results[(sc, "intentful")]))
                  for f in fields} for sc in ("W", "U")}
    cpu_model = ""
    try:
        with open("/proc/cpuinfo") as f:
            cpu_model = next((l.split(":", 1)[1].strip() for l in f if l.startswith("model name")), "")
    except OSError:
        pass
    lines = [
        f"Run {datetime.datetime.now(datetime.timezone.utc):%Y-%m-%d %H:%M} UTC on {platform.node()}: "
        f"{cpu_model or platform.machine()}, {os.cpu_count()} cores, Linux {platform.release()}. "
        f"Servers pinned to CPU {SERVER_CPU} with 1 worker, wrk on CPU {LOAD_CPU} "
        f"(-t1 -c{opts.connections}), {opts.runs} x {opts.seconds} s per server after a {opts.warmup} s "
        f"warm-up, in back-to-back pairs of alternating order. Values are medians; intentful/bare is "
        f"the median of the pairs' ratios. Mock upstream alone: {mock_rps:,.0f} req/s. "
        f"Allocator of both servers: {allocator()}.",
        "",
        "| scenario | metric | bare | intentful | intentful/bare | target | met |",
        "|---|---|---:|---:|---:|---|---|",
    ]
    ok_all = True

    def row(sc, metric, b, i, fmt, target, met, r=None):
        nonlocal ok_all
        ok_all &= met
        r = i / b if r is None else r
        lines.append(f"| {sc} | {metric} | {fmt(b)} | {fmt(i)} | {r:.2f} | {target} | {'yes' if met else 'NO'} |")

    for sc, title in (("W", "W (welcome)"), ("U", "U (GetWeather + upstream)")):
        b, i, r = med[(sc, "bare")], med[(sc, "intentful")], ratio[sc]
        row(title, "requests/s", b["rps"], i["rps"], lambda v: f"{v:,.0f}", ">= 0.70",
            r["rps"] >= 0.7, r["rps"])
        row(title, "CPU per request", b["cpu_us"], i["cpu_us"], lambda v: f"{v:.1f} µs", "", True,
            r["cpu_us"])
        row(title, "p50 latency", b["p50_us"] / 1000, i["p50_us"] / 1000, lambda v: f"{v:.2f} ms", "", True,
            r["p50_us"])
        row(title, "p99 latency", b["p99_us"] / 1000, i["p99_us"] / 1000, lambda v: f"{v:.2f} ms", "", True,
            r["p99_us"])
    row("all", "peak RSS (VmHWM)", rss["bare"], rss["intentful"], lambda v: f"{v:.1f} MiB",
        "intentful < 32 MiB", rss["intentful"] < 32)
    row("W", "cold start (median of 7)", cold["bare"][0], cold["intentful"][0], lambda v: f"{v:.1f} ms",
        "intentful < 100 ms", cold["intentful"][0] < 100)
    lines.append("")
    lines.append("Runs (req/s): " + "; ".join(
        f"{sc} {name} " + ", ".join(f"{r['rps']:,.0f}" for r in results[(sc, name)])
        for sc in ("W", "U") for name in ("bare", "intentful")) + ".")
    lines.append("")
    lines.append("Paired throughput ratios: " + "; ".join(
        f"{sc} " + ", ".join(f"{i['rps'] / b['rps']:.2f}" for b, i in
                             zip(results[(sc, "bare")], results[(sc, "intentful")]))
        for sc in ("W", "U")) + ".")
    report(lines, opts.out)
    return 0 if ok_all else 1


if __name__ == "__main__":
    try:
        sys.exit(main())
    finally:
        for p in list(children):
            stop(p)
