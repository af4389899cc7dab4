#!/usr/bin/env python3
"""Lambda: nimbus side by side with a do-nothing server, ministack and serverless-offline.

    python3 bench/lambda.py                 # everything, ~5 minutes on 2 cores
    python3 bench/lambda.py --rounds 3      # medians of 3 interleaved rounds (noisy machine)
    python3 bench/lambda.py --quick         # smoke run
    python3 bench/lambda.py --targets noop,nimbus --skip-burst

For each target in turn (installed if needed into bench/.peers/, started on a free 127.0.0.1
port, stopped afterwards), with the same trivial Python handler and a handler that sleeps 1 s:

  1. cold start: the first invocation after the function is created (nimbus: also after each of
     --cold-rounds configuration updates, which retire its environments), beside a bare
     `python3 -c 'import handler'` of the same file on this machine;
  2. warm Invoke through boto3, one client, sequential: ops/s, p50, p99;
  3. warm Invoke under wrk at equal concurrency (1, 8 and 32 connections), after a 2-second
     untimed run at that concurrency: invocations/s, p50, p99, the target's CPU per invocation;
  4. a burst of 100 concurrent invocations of the 1-second handler, twice (the second finds
     warm environments where the target keeps them): wall time.

Prints tables with ratios, checks the issue's goals, writes bench/results/lambda-<time>.json.
"""

from __future__ import annotations

import argparse
import concurrent.futures
import datetime
import io
import json
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import harness as h  # noqa: E402
import peers  # noqa: E402

HANDLER = '''def handler(event, context):
    return {"ok": True}


def sleep1(event, context):
    import time
    time.sleep(1)
    return {"slept": 1}
'''
RUNTIME = "python3.11"
ROLE = "arn:aws:iam::000000000000:role/bench"
TARGET_KEYS = ("noop", "nimbus", "ministack", "serverless-offline")
CONCURRENCY = (1, 8, 32)
BURST = 100
FULL = {"n": 1000, "warmup": 50, "wrk_duration": 8, "cold_rounds": 10}
QUICK = {"n": 200, "warmup": 20, "wrk_duration": 3, "cold_rounds": 3}


def parse_args() -> argparse.Namespace:
    p = argparse.ArgumentParser(description="Lambda: nimbus side by side with its peers (see bench/README.md).")
    p.add_argument("--targets", default=",".join(TARGET_KEYS), help=f"subset of {','.join(TARGET_KEYS)}")
    p.add_argument("--quick", action="store_true", help="smoke run")
    p.add_argument("-n", "--n", type=int, help="boto3 Invoke calls (default 1000)")
    p.add_argument("--warmup", type=int, help="untimed calls first (default 50)")
    p.add_argument("--wrk-duration", type=int, help="seconds per wrk run (default 8)")
    p.add_argument("--cold-rounds", type=int, help="nimbus cold starts measured (default 10)")
    p.add_argument("--skip-burst", action="store_true", help="leave out the 100-invocation burst")
    p.add_argument("--rounds", type=int, default=1, help="interleaved rounds, medians reported")
    p.add_argument("--build", action="store_true", help="rebuild target/release/nimbus first")
    p.add_argument("--nimbus-bin", type=Path, default=peers.NIMBUS_BIN)
    args = p.parse_args()
    for k, v in (QUICK if args.quick else FULL).items():
        if getattr(args, k) is None:
            setattr(args, k, v)
    args.targets = [t.strip() for t in args.targets.split(",") if t.strip()]
    unknown = set(args.targets) - set(TARGET_KEYS)
    if unknown:
        p.error(f"unknown targets: {', '.join(sorted(unknown))}")
    return args


def package() -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("handler.py", HANDLER)
    return buf.getvalue()


def lambda_client(port: int, pool: int = 1):
    import boto3
    from botocore.config import Config

    config = Config(retries={"total_max_attempts": 1}, connect_timeout=5, read_timeout=120,
                    max_pool_connections=pool)
    return boto3.client("lambda", endpoint_url=f"http://{h.HOST}:{port}", region_name="us-east-1",
                        aws_access_key_id="test", aws_secret_access_key="test", config=config)


# --------------------------------------------------------------------------------------------
# What differs between targets: readiness, where Invoke lives, how functions are made.


class Setup:
    def __init__(self, key: str, port: int):
        self.key = key
        self.port = port
        # serverless-offline serves the Invoke API on its lambdaPort (PORT+1).
        self.invoke_port = port + 1 if key == "serverless-offline" else port
        prefix = "bench-dev-" if key == "serverless-offline" else ""
        self.hello = prefix + "hello"
        self.sleeper = prefix + "sleep1"

    def probe(self, port: int) -> None:
        if self.key == "serverless-offline":
            with socket.create_connection((h.HOST, port + 1), timeout=2):
                return
        status, _ = h.http_call(port, "GET", "/_nimbus/health" if self.key == "nimbus" else "/", timeout=5)
        if status >= 500:
            raise h.Unavailable(f"answered HTTP {status}")

    def create_functions(self, lam) -> None:
        if self.key in ("serverless-offline",):
            return  # defined in its serverless.yml
        code = package()
        for name, handler in ((self.hello, "handler.handler"), (self.sleeper, "handler.sleep1")):
            lam.create_function(FunctionName=name, Runtime=RUNTIME, Role=ROLE, Handler=handler,
                                Code={"ZipFile": code}, Timeout=30, MemorySize=256)
        if self.key == "nimbus":
            lam.get_waiter("function_active_v2").wait(FunctionName=self.hello)


def make_target(key: str, args, handler_dir: Path) -> peers.Target:
    if key == "noop":
        return peers.noop("lambda")
    if key == "nimbus":
        return peers.nimbus(durable=False, binary=args.nimbus_bin, build=args.build)
    if key == "ministack":
        return peers.ministack()
    return peers.serverless_offline(handler_dir, {"hello": "handler.handler", "sleep1": "handler.sleep1"},
                                    runtime=RUNTIME)


# --------------------------------------------------------------------------------------------
# Workloads


def invoke_ok(lam, name: str, payload: bytes = b'{"n": 1}', **kw) -> dict:
    r = lam.invoke(FunctionName=name, Payload=payload, **kw)
    body = r["Payload"].read()
    if r.get("FunctionError") or r["StatusCode"] != 200:
        raise AssertionError(f"Invoke failed: {r.get('FunctionError')} {body[:300]!r}")
    return r


def bare_import_ms(handler_dir: Path, python: str, runs: int = 20) -> float:
    times = []
    for _ in range(runs):
        t = time.perf_counter()
        subprocess.run([python, "-c", "import handler"], cwd=handler_dir, check=True)
        times.append((time.perf_counter() - t) * 1000)
    return statistics.median(times)


def measure_cold(setup: Setup, lam, rounds: int) -> dict:
    """The first Invoke after creation; for nimbus, again after each configuration update."""
    t = time.perf_counter()
    invoke_ok(lam, setup.hello)
    first = (time.perf_counter() - t) * 1000
    out = {"first_invoke_ms": first}
    if setup.key != "nimbus":
        return out
    latencies, inits = [], []
    for i in range(rounds):
        lam.update_function_configuration(FunctionName=setup.hello, Environment={"Variables": {"ROUND": str(i)}})
        t = time.perf_counter()
        r = invoke_ok(lam, setup.hello, LogType="Tail")
        latencies.append((time.perf_counter() - t) * 1000)
        import base64

        m = re.search(r"Init Duration: ([\d.]+) ms", base64.b64decode(r["LogResult"]).decode())
        if m:
            inits.append(float(m.group(1)))
    out.update(cold_p50_ms=statistics.median(latencies), init_duration_p50_ms=statistics.median(inits) if inits else None)
    return out


def measure_warm(setup: Setup, lam, n: int, warmup: int) -> dict:
    for _ in range(warmup):
        invoke_ok(lam, setup.hello)
    lat = []
    started = time.perf_counter()
    for _ in range(n):
        t = time.perf_counter()
        invoke_ok(lam, setup.hello)
        lat.append(time.perf_counter() - t)
    elapsed = time.perf_counter() - started
    lat.sort()
    return {"ops_per_s": n / elapsed, "p50_ms": h.percentile(lat, 50) * 1000, "p99_ms": h.percentile(lat, 99) * 1000}


def measure_wrk(setup: Setup, server: h.Server, wrk: str, connections: int, duration: int) -> dict:
    """Steady-state warm throughput: an untimed run at the same concurrency first, so that every
    target has started the environments (workers) it keeps for this many callers."""
    path = f"/2015-03-31/functions/{setup.hello}/invocations"
    threads = min(2, connections)
    h.run_wrk(wrk, setup.invoke_port, "lambda.lua", [path], h.WrkConfig(threads, connections, 2))
    cpu = server.cpu_seconds()
    m = h.run_wrk(wrk, setup.invoke_port, "lambda.lua", [path], h.WrkConfig(threads, connections, duration))
    m["server_cpu_us"] = (server.cpu_seconds() - cpu) * 1e6 / max(m["requests"], 1)
    return m


def measure_burst(setup: Setup, port: int) -> dict:
    lam = lambda_client(port, pool=BURST)
    out = {}
    for label in ("first", "second"):
        with concurrent.futures.ThreadPoolExecutor(BURST) as pool:
            t = time.perf_counter()
            results = list(pool.map(lambda _: _burst_call(lam, setup.sleeper), range(BURST)))
            out[f"{label}_s"] = time.perf_counter() - t
        out[f"{label}_errors"] = sum(1 for r in results if r)
    return out


def _burst_call(lam, name: str) -> str:
    try:
        invoke_ok(lam, name)
        return ""
    except Exception as e:  # noqa: BLE001 - counted
        return type(e).__name__


def bench_target(key: str, args, wrk: str | None, handler_dir: Path) -> dict:
    target = make_target(key, args, handler_dir)
    result = {"name": target.name, "key": key, "status": "unavailable", "reason": None, "version": None,
              "cold": {}, "warm": {}, "wrk": {}, "burst": {}}
    h.log(f"\n== {target.name} (load average {os.getloadavg()[0]:.2f})")
    try:
        result["version"] = target.install()
    except h.Unavailable as e:
        result["reason"] = f"cannot install: {e}"
        h.log(f"  SKIPPED, {result['reason']}")
        return result
    scratch = peers.PEERS_DIR / "tmp"
    scratch.mkdir(parents=True, exist_ok=True)
    workdir = Path(tempfile.mkdtemp(prefix="lambda-", dir=scratch))
    try:
        port = h.free_port()
        setup = Setup(key, port)
        with h.Server(target.name, target.launch(port, workdir), port) as server:
            try:
                result["ready_ms"] = server.wait_ready(setup.probe)
                lam = lambda_client(setup.invoke_port)
                setup.create_functions(lambda_client(port))
            except Exception as e:  # noqa: BLE001
                result["reason"] = f"did not start: {e}"
                h.log(f"  SKIPPED, {result['reason']} (log: {server.log_path})")
                return result
            result["status"] = "ok"
            steps = [("cold", lambda: measure_cold(setup, lam, args.cold_rounds)),
                     ("warm", lambda: measure_warm(setup, lam, args.n, args.warmup))]
            for name, step in steps:
                try:
                    result[name] = step()
                    h.log(f"  {name:5} " + ", ".join(f"{k} {v:,.2f}" for k, v in result[name].items() if v is not None))
                except Exception as e:  # noqa: BLE001
                    result[name] = {"error": f"{type(e).__name__}: {e}"[:300]}
                    h.log(f"  {name:5} FAILED: {result[name]['error']}")
            if wrk:
                for c in CONCURRENCY:
                    try:
                        m = measure_wrk(setup, server, wrk, c, args.wrk_duration)
                        result["wrk"][str(c)] = m
                        h.log(f"  wrk c={c:<3} {m['ops_per_s']:9,.0f} inv/s  p50 {m['p50_ms']:.2f} ms  "
                              f"p99 {m['p99_ms']:.2f} ms  server CPU {m['server_cpu_us']:.0f} µs/inv"
                              + (f"  ({m['non_2xx']} non-2xx)" if m.get("non_2xx") else ""))
                    except h.Unavailable as e:
                        result["wrk"][str(c)] = {"error": str(e)}
                        h.log(f"  wrk c={c} FAILED: {e}")
            if not args.skip_burst and key != "noop":
                try:
                    result["burst"] = measure_burst(setup, setup.invoke_port)
                    b = result["burst"]
                    h.log(f"  burst of {BURST} 1-second invocations: {b['first_s']:.2f} s, again {b['second_s']:.2f} s"
                          f" ({b['first_errors']} + {b['second_errors']} errors)")
                except Exception as e:  # noqa: BLE001
                    result["burst"] = {"error": f"{type(e).__name__}: {e}"[:300]}
            result["rss_after_load_mb"] = server.rss_mb()
    except h.Unavailable as e:
        result["reason"] = str(e)
        h.log(f"  SKIPPED, {e}")
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    return result


# --------------------------------------------------------------------------------------------
# Report


def median_of(rounds: list[dict], path: tuple[str, ...]):
    values = []
    for r in rounds:
        v = r
        for p in path:
            v = v.get(p, {}) if isinstance(v, dict) else {}
        if isinstance(v, (int, float)):
            values.append(v)
    return statistics.median(values) if values else None


def report(runs: dict[str, list[dict]], bare_ms: float, args) -> list[dict]:
    ok = {k: [r for r in rs if r["status"] == "ok"] for k, rs in runs.items()}
    names = {k: (rs[0]["name"] if rs else k) for k, rs in runs.items()}
    get = lambda k, *path: median_of(ok.get(k, []), path)  # noqa: E731
    h.log("\n" + "=" * 100)
    h.log(f"Lambda benchmark — {h.describe_machine(h.machine_info())}")
    h.log(f"handler: trivial Python ({RUNTIME}); bare `python3 -c 'import handler'`: {bare_ms:.1f} ms (median of 20)\n")
    rows = [[names[k], h.fmt(get(k, "ready_ms"), 1), h.fmt(get(k, "cold", "first_invoke_ms"), 1),
             h.fmt(get(k, "cold", "cold_p50_ms"), 1), h.fmt(get(k, "cold", "init_duration_p50_ms"), 1)]
            for k in runs if ok.get(k)]
    h.log("Cold start\n" + h.markdown_table(["target", "ready ms", "first invoke ms", "cold invoke p50 ms",
                                              "Init Duration p50 ms"], rows))
    rows = []
    ref = get("nimbus", "warm", "ops_per_s")
    for k in runs:
        if ok.get(k):
            ops = get(k, "warm", "ops_per_s")
            rows.append([names[k], h.fmt(ops), h.fmt(get(k, "warm", "p50_ms"), 2), h.fmt(get(k, "warm", "p99_ms"), 2),
                         f"{ref / ops:.2f}×" if ref and ops else "–"])
    h.log("\nWarm Invoke — boto3, one client, sequential\n" +
          h.markdown_table(["target", "ops/s", "p50 ms", "p99 ms", "nimbus ÷ target"], rows))
    for c in CONCURRENCY:
        rows = []
        ref = get("nimbus", "wrk", str(c), "ops_per_s")
        for k in runs:
            ops = get(k, "wrk", str(c), "ops_per_s")
            if ok.get(k) and ops:
                rows.append([names[k], h.fmt(ops), h.fmt(get(k, "wrk", str(c), "p50_ms"), 2),
                             h.fmt(get(k, "wrk", str(c), "p99_ms"), 2), h.fmt(get(k, "wrk", str(c), "server_cpu_us"), 0),
                             f"{ref / ops:.2f}×" if ref else "–"])
        if rows:
            h.log(f"\nWarm Invoke — wrk, {c} connection(s)\n" +
                  h.markdown_table(["target", "inv/s", "p50 ms", "p99 ms", "server CPU µs/inv", "nimbus ÷ target"], rows))
    rows = [[names[k], h.fmt(get(k, "burst", "first_s"), 2), h.fmt(get(k, "burst", "second_s"), 2),
             h.fmt(get(k, "burst", "first_errors")), h.fmt(get(k, "burst", "second_errors"))]
            for k in runs if ok.get(k) and get(k, "burst", "first_s")]
    if rows:
        h.log(f"\nBurst — {BURST} concurrent invocations of a 1-second handler\n" +
              h.markdown_table(["target", "first burst s", "second burst s", "errors (1st)", "errors (2nd)"], rows))
    for k, rs in runs.items():
        for r in rs:
            if r["reason"]:
                h.log(f"- {r['name']}: {r['reason']}")
                break

    goals = []

    def goal(text, holds, detail):
        goals.append({"goal": text, "result": "pending" if holds is None else ("PASS" if holds else "FAIL"),
                      "detail": detail})

    cold, warm = get("nimbus", "cold", "cold_p50_ms"), get("nimbus", "warm", "p50_ms")
    overhead = cold - warm if cold is not None and warm is not None else None
    goal("Python cold start within 15 ms of a bare `python3 -c 'import handler'`",
         None if overhead is None else overhead <= bare_ms + 15,
         f"cold invoke {h.fmt(cold, 1)} ms − warm {h.fmt(warm, 2)} ms = {h.fmt(overhead, 1)} ms vs bare {bare_ms:.1f} ms")
    noop_p50 = get("noop", "warm", "p50_ms")
    goal("warm Invoke through boto3 within 0.2 ms p50 of the do-nothing server",
         None if warm is None or noop_p50 is None else warm <= noop_p50 + 0.2,
         f"{h.fmt(warm, 2)} vs {h.fmt(noop_p50, 2)} ms")
    for c in CONCURRENCY:
        mine = get("nimbus", "wrk", str(c), "ops_per_s")
        best = max(((get(k, "wrk", str(c), "ops_per_s") or 0, names[k]) for k in ("ministack", "serverless-offline") if k in names),
                   default=(0, None))
        goal(f"{c} connection(s): invocations/s ≥ 2× the best peer",
             None if not mine or not best[0] else mine >= 2 * best[0],
             f"{h.fmt(mine)} vs {best[1]} {h.fmt(best[0])} inv/s")
    second = get("nimbus", "burst", "second_s")
    goal(f"{BURST} concurrent 1-second invocations finish in about a second (warm)",
         None if second is None else second <= 1.5, f"{h.fmt(second, 2)} s (first burst {h.fmt(get('nimbus', 'burst', 'first_s'), 2)} s)")
    h.log("\nGoals")
    for g in goals:
        h.log(f"- {g['result']:7} {g['goal']} ({g['detail']})")
    return goals


def main() -> int:
    args = parse_args()
    try:
        h.reexec_under(peers.client_python())
    except h.Unavailable as e:
        h.log(f"cannot set up the boto3 client venv: {e}")
        return 1
    wrk = None
    try:
        wrk = h.ensure_wrk()
    except h.Unavailable as e:
        h.log(f"wrk unavailable, skipping the concurrent workloads: {e}")
    handler_dir = Path(tempfile.mkdtemp(prefix="lambda-handler-"))
    (handler_dir / "handler.py").write_text(HANDLER)
    # The interpreter nimbus runs python3.11 with: not a version manager's shim.
    python = next((p for p in (f"/usr/local/bin/{RUNTIME}", f"/usr/bin/{RUNTIME}", "/usr/bin/python3")
                   if os.path.exists(p)), shutil.which(RUNTIME) or "python3")
    bare = bare_import_ms(handler_dir, python)
    h.log(f"bare `{python} -c 'import handler'`: {bare:.1f} ms")
    started = datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds")
    keys = [k for k in TARGET_KEYS if k in args.targets]
    runs: dict[str, list[dict]] = {k: [] for k in keys}
    for rnd in range(args.rounds):
        if args.rounds > 1:
            h.log(f"\n######## round {rnd + 1} of {args.rounds}")
        for k in keys:
            if runs[k] and runs[k][0]["status"] != "ok":
                continue
            runs[k].append(bench_target(k, args, wrk, handler_dir))
    goals = report(runs, bare, args)
    path = h.write_results("lambda", {"benchmark": "lambda", "started_at": started, "machine": h.machine_info(),
                                      "bare_import_ms": bare, "runs": runs, "goals": goals,
                                      "config": {k: str(v) for k, v in vars(args).items()}})
    h.log(f"\nresults written to {path.relative_to(h.REPO_DIR)}")
    shutil.rmtree(handler_dir, ignore_errors=True)
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except KeyboardInterrupt:
        print("\ninterrupted; stopping targets", file=sys.stderr)
        sys.exit(130)
