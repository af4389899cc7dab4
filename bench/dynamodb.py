#!/usr/bin/env python3
"""DynamoDB: nimbus side by side with a do-nothing server, moto, dynalite and LocalStack.

    python3 bench/dynamodb.py                   # everything, ~4 minutes on 2 cores
    python3 bench/dynamodb.py --rounds 3        # medians of 3 interleaved rounds (noisy machine)
    python3 bench/dynamodb.py --quick           # smoke run, ~2 minutes
    python3 bench/dynamodb.py --targets noop,nimbus,dynalite --wrk-duration 5

In one run, each target in turn is installed if needed (into bench/.peers/), started on a free
127.0.0.1 port, timed until it answers a DynamoDB ListTables (ready time), measured at rest
(idle RSS of its process tree), loaded with the same workloads, and stopped:

  1. boto3, one client, sequential: PutItem (~100-byte item), GetItem (existing key), Query
     (40 items from one partition); ops/s, p50 and p99 per call.
  2. wrk, many connections: PutItem (a new key per request) and GetItem; req/s, p50, p99, and
     the count of non-2xx answers.

Prints one table per workload with ratios to nimbus and to the do-nothing server (the client's
ceiling), checks the project's goals, and writes bench/results/dynamodb-<timestamp>.json.
See bench/README.md and docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import datetime
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import harness as h  # noqa: E402
import peers  # noqa: E402

TABLE = "bench"
PAYLOAD = "x" * 64  # with the keys and a number attribute, items are ~100 bytes
GET_KEYS = 100  # items get#0 .. get#99 (sk "0") for GetItem
QUERY_PK, QUERY_ITEMS = "query", 40  # one partition of 40 items for Query
IDLE_SETTLE_S = 0.5  # pause between ready and the idle RSS sample
SETUP_TIMEOUT_S = 30  # table creation until ACTIVE

BOTO3_OPERATIONS = ("PutItem", "GetItem", "Query")
WRK_OPERATIONS = ("PutItem", "GetItem")
NIMBUS_REFERENCE = "nimbus (ephemeral)"

FULL = {"n": 2000, "n_query": 500, "warmup": 100, "wrk_duration": 10}  # defaults of a full run
QUICK = {"n": 200, "n_query": 50, "warmup": 20, "wrk_duration": 3}  # --quick

TARGET_KEYS = ("noop", "nimbus", "nimbus-data-dir", "dynalite", "moto", "localstack")


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description="DynamoDB: nimbus side by side with its peers "
                                     "(see bench/README.md).")
    parser.add_argument("--targets", default=",".join(TARGET_KEYS),
                        help=f"comma-separated subset of {','.join(TARGET_KEYS)} (default: all)")
    parser.add_argument("--quick", action="store_true",
                        help="smoke run: " + ", ".join(f"--{k.replace('_', '-')} {v}" for k, v in QUICK.items()))
    parser.add_argument("-n", "--n", type=int, help=f"boto3 PutItem and GetItem calls (default {FULL['n']})")
    parser.add_argument("--n-query", type=int, help=f"boto3 Query calls (default {FULL['n_query']})")
    parser.add_argument("--warmup", type=int,
                        help=f"untimed boto3 calls before each measurement (default {FULL['warmup']})")
    parser.add_argument("--wrk-threads", type=int, default=2, help="wrk threads (default 2)")
    parser.add_argument("--wrk-connections", type=int, default=64, help="wrk connections (default 64)")
    parser.add_argument("--wrk-duration", type=int, help=f"seconds per wrk run (default {FULL['wrk_duration']})")
    parser.add_argument("--skip-wrk", action="store_true", help="only the boto3 workloads")
    parser.add_argument("--rounds", type=int, default=1,
                        help="run all targets this many times, interleaved, and report medians "
                             "(default 1; use 3 on a noisy machine)")
    parser.add_argument("--build", action="store_true",
                        help="run `cargo build --release -p nimbus` even if the binary exists")
    parser.add_argument("--nimbus-bin", type=Path, default=peers.NIMBUS_BIN,
                        help="the nimbus binary (default target/release/nimbus, built if missing)")
    parser.add_argument("--localstack-timeout", type=float, default=60,
                        help="seconds LocalStack gets to answer DynamoDB; it is tried once (default 60)")
    args = parser.parse_args()
    for name, default in (QUICK if args.quick else FULL).items():
        if getattr(args, name) is None:
            setattr(args, name, default)
    args.targets = [t.strip() for t in args.targets.split(",") if t.strip()]
    unknown = set(args.targets) - set(TARGET_KEYS)
    if unknown:
        parser.error(f"unknown targets: {', '.join(sorted(unknown))}")
    return args


def make_targets(args: argparse.Namespace) -> list[peers.Target]:
    factories = {
        "noop": lambda: peers.noop("dynamodb"),
        "nimbus": lambda: peers.nimbus(durable=False, binary=args.nimbus_bin, build=args.build),
        "nimbus-data-dir": lambda: peers.nimbus(durable=True, binary=args.nimbus_bin, build=args.build),
        "dynalite": peers.dynalite,
        "moto": peers.moto,
        "localstack": lambda: peers.localstack(("dynamodb",), ready_timeout=args.localstack_timeout),
    }
    return [factories[key]() for key in TARGET_KEYS if key in args.targets]


# --------------------------------------------------------------------------------------------
# DynamoDB calls


def ready_probe(port: int) -> None:
    """A DynamoDB ListTables over raw HTTP; raises unless it answers 200."""
    headers = {"Content-Type": "application/x-amz-json-1.0", "X-Amz-Target": "DynamoDB_20120810.ListTables",
               **h.sigv4_headers("dynamodb")}
    status, body = h.http_call(port, "POST", "/", b"{}", headers, timeout=15)
    if status != 200:
        raise h.Unavailable(f"ListTables answered HTTP {status}: {body[:200].decode(errors='replace')}")


def dynamodb_client(port: int):
    import boto3
    from botocore.config import Config

    config = Config(retries={"total_max_attempts": 1}, connect_timeout=5, read_timeout=60,
                    max_pool_connections=1)
    return boto3.client("dynamodb", endpoint_url=f"http://{h.HOST}:{port}", region_name="us-east-1",
                        aws_access_key_id="test", aws_secret_access_key="test", config=config)


def item(pk: str, sk: str, n: int = 1) -> dict:
    return {"pk": {"S": pk}, "sk": {"S": sk}, "data": {"S": PAYLOAD}, "n": {"N": str(n)}}


def create_table(ddb) -> None:
    ddb.create_table(TableName=TABLE, BillingMode="PAY_PER_REQUEST",
                     AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"},
                                           {"AttributeName": "sk", "AttributeType": "S"}],
                     KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"},
                                {"AttributeName": "sk", "KeyType": "RANGE"}])
    deadline = time.monotonic() + SETUP_TIMEOUT_S
    while ddb.describe_table(TableName=TABLE)["Table"]["TableStatus"] != "ACTIVE":
        if time.monotonic() > deadline:
            raise h.Unavailable(f"table not ACTIVE after {SETUP_TIMEOUT_S} s")
        time.sleep(0.05)
    for i in range(GET_KEYS):
        ddb.put_item(TableName=TABLE, Item=item(f"get#{i}", "0", i))
    for i in range(QUERY_ITEMS):
        ddb.put_item(TableName=TABLE, Item=item(QUERY_PK, f"item#{i:02d}", i))


def boto3_call(ddb, operation: str):
    """The call(i) that one boto3 measurement repeats; it checks what it gets back."""
    if operation == "PutItem":
        return lambda i: ddb.put_item(TableName=TABLE, Item=item(f"put#{i}", f"{i:08d}", i))
    if operation == "GetItem":
        def get(i):
            if "Item" not in ddb.get_item(TableName=TABLE, Key={"pk": {"S": f"get#{i % GET_KEYS}"},
                                                                 "sk": {"S": "0"}}):
                raise AssertionError("GetItem returned no Item for an existing key")
        return get
    if operation == "Query":
        def query(i):
            count = ddb.query(TableName=TABLE, KeyConditionExpression="pk = :pk",
                              ExpressionAttributeValues={":pk": {"S": QUERY_PK}})["Count"]
            if count != QUERY_ITEMS:
                raise AssertionError(f"Query returned {count} items, expected {QUERY_ITEMS}")
        return query
    raise ValueError(operation)


def measure_sequential(call, n: int, warmup: int) -> dict:
    for i in range(warmup):
        call(n + i)  # keys outside the measured range
    latencies = []
    started = time.perf_counter()
    for i in range(n):
        t = time.perf_counter()
        call(i)
        latencies.append(time.perf_counter() - t)
    elapsed = time.perf_counter() - started
    latencies.sort()
    return {"ops_per_s": n / elapsed, "p50_ms": h.percentile(latencies, 50) * 1000,
            "p99_ms": h.percentile(latencies, 99) * 1000, "calls": n}


# --------------------------------------------------------------------------------------------
# One target


def bench_target(target: peers.Target, args: argparse.Namespace, wrk: str | None,
                 wrk_config: h.WrkConfig) -> dict:
    role = "nimbus" if target.is_nimbus else "ceiling" if target.is_ceiling else "peer"
    result = {"name": target.name, "role": role, "status": "unavailable", "reason": None, "version": None,
              "ready_ms": None, "idle_rss_mb": None, "rss_after_load_mb": None,
              "boto3": {}, "wrk": {}}
    result["loadavg_at_start"] = round(os.getloadavg()[0], 2)  # the machine may be shared: noise
    h.log(f"\n== {target.name} (load average {result['loadavg_at_start']})")
    try:
        result["version"] = target.install()
        h.log(f"  version: {result['version']}")
    except h.Unavailable as e:
        result["reason"] = f"cannot install: {e}"
        h.log(f"  SKIPPED, {result['reason']}")
        return result
    scratch_root = peers.PEERS_DIR / "tmp"
    scratch_root.mkdir(parents=True, exist_ok=True)
    workdir = Path(tempfile.mkdtemp(prefix="dynamodb-", dir=scratch_root))  # on disk, not tmpfs
    try:
        port = h.free_port()
        with h.Server(target.name, target.launch(port, workdir), port) as server:
            try:
                result["ready_ms"] = server.wait_ready(ready_probe)
                time.sleep(IDLE_SETTLE_S)
                result["idle_rss_mb"] = server.rss_mb()
                h.log(f"  ready in {result['ready_ms']:.1f} ms on port {port}, "
                      f"idle RSS {result['idle_rss_mb']:.1f} MB")
                ddb = dynamodb_client(port)
                create_table(ddb)
            except Exception as e:  # noqa: BLE001 - any failure here means: cannot benchmark it
                hint = target.diagnose(server.output()) if target.diagnose else None
                reason = f"did not start: {e}" if result["ready_ms"] is None else f"table setup failed: {e}"
                result["reason"] = hint or reason
                h.log(f"  SKIPPED, {result['reason']}\n  (log: {server.log_path})")
                return result
            result["status"] = "ok"
            run_workloads(result, ddb, server, args, wrk, wrk_config)
            if server.proc.poll() is not None:
                result["reason"] = f"exited with code {server.proc.returncode} during the workloads " \
                                   f"(log: {server.log_path})"
                h.log(f"  {result['reason']}")
            else:
                result["rss_after_load_mb"] = server.rss_mb()
    except h.Unavailable as e:
        result["reason"] = str(e)
        h.log(f"  SKIPPED, {e}")
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    return result


def run_workloads(result: dict, ddb, server: h.Server, args: argparse.Namespace, wrk: str | None,
                  wrk_config: h.WrkConfig) -> None:
    for operation in BOTO3_OPERATIONS:
        n = args.n_query if operation == "Query" else args.n
        try:
            measured = measure_sequential(boto3_call(ddb, operation), n, args.warmup)
            h.log(f"  boto3 {operation:8} {measured['ops_per_s']:9,.0f} ops/s  "
                  f"p50 {measured['p50_ms']:.2f} ms  p99 {measured['p99_ms']:.2f} ms")
        except Exception as e:  # noqa: BLE001 - report and go on with the next workload
            measured = {"error": f"{type(e).__name__}: {e}"}
            h.log(f"  boto3 {operation:8} FAILED: {measured['error']}")
        result["boto3"][operation] = measured
    if wrk is None:
        return
    for operation in WRK_OPERATIONS:
        try:
            cpu_before = server.cpu_seconds()
            measured = h.run_wrk(wrk, server.port, "dynamodb.lua", [operation, TABLE, PAYLOAD, str(GET_KEYS)],
                                 wrk_config)
            # The target's own CPU per request: unlike req/s, it does not depend on how many cores
            # the machine has or on what wrk costs, so it shows how far each target would scale.
            measured["server_cpu_us"] = (server.cpu_seconds() - cpu_before) * 1e6 / max(measured["requests"], 1)
            problems = wrk_problems(measured)
            h.log(f"  wrk   {operation:8} {measured['ops_per_s']:9,.0f} req/s  "
                  f"p50 {measured['p50_ms']:.2f} ms  p99 {measured['p99_ms']:.2f} ms  "
                  f"server CPU {measured['server_cpu_us']:.1f} µs/req"
                  + (f"  ({problems})" if problems else ""))
        except h.Unavailable as e:
            measured = {"error": str(e)}
            h.log(f"  wrk   {operation:8} FAILED: {e}")
        result["wrk"][operation] = measured


def wrk_problems(measured: dict) -> str:
    problems = []
    if measured.get("non_2xx"):
        problems.append(f"{measured['non_2xx']:,} non-2xx")
    problems += [f"{count:,} {kind} errors" for kind, count in measured.get("socket_errors", {}).items()]
    return ", ".join(problems)


# --------------------------------------------------------------------------------------------
# Report


def ratio(numerator: float | None, denominator: float | None, suffix: str = "×") -> str:
    if not numerator or not denominator:
        return "–"
    return f"{numerator / denominator:.2f}{suffix}"


def workload_table(results: list[dict], kind: str, operation: str) -> str:
    by_name = {r["name"]: r for r in results}
    reference = by_name.get(NIMBUS_REFERENCE, {}).get(kind, {}).get(operation, {}).get("ops_per_s")
    reference_cpu = by_name.get(NIMBUS_REFERENCE, {}).get(kind, {}).get(operation, {}).get("server_cpu_us")
    ceiling = next((r[kind].get(operation, {}).get("ops_per_s") for r in results if r["role"] == "ceiling"), None)
    rows = []
    for r in results:
        if r["status"] != "ok":
            continue
        m = r[kind].get(operation, {})
        ops = m.get("ops_per_s")
        notes = m.get("error", "").splitlines()[0][:60] if "error" in m else wrk_problems(m)
        row = [r["name"], h.fmt(ops), h.fmt(m.get("p50_ms"), 2), h.fmt(m.get("p99_ms"), 2),
               ratio(reference, ops) if reference else "pending", ratio(ops, ceiling)]
        if kind == "wrk":
            cpu = m.get("server_cpu_us")
            row += [h.fmt(cpu, 1), ratio(cpu, reference_cpu) if reference_cpu else "pending"]
        rows.append(row + [notes])
    unit = "req/s" if kind == "wrk" else "ops/s"
    headers = ["target", unit, "p50 ms", "p99 ms", "nimbus ÷ target", "target ÷ do-nothing"]
    if kind == "wrk":
        headers += ["server CPU µs/req", "target CPU ÷ nimbus CPU"]
    return h.markdown_table(headers + ["notes"], rows)


def startup_table(results: list[dict]) -> str:
    rows = [[r["name"], h.fmt(r["ready_ms"], 1), h.fmt(r["idle_rss_mb"], 1), h.fmt(r["rss_after_load_mb"], 1),
             h.fmt(r.get("loadavg_at_start"), 1), (r["version"] or "–")[:48],
             "ok" if r["status"] == "ok" else "not run (see below)"]
            for r in results]
    return h.markdown_table(["target", "ready ms", "idle RSS MB", "RSS after load MB", "load avg", "version",
                             "status"], rows)


def check_goals(results: list[dict]) -> list[dict]:
    """The project's targets for nimbus, each PASS, FAIL or pending (nimbus did not run)."""
    by_name = {r["name"]: r for r in results if r["status"] == "ok"}
    ceiling = next((r for r in by_name.values() if r["role"] == "ceiling"), None)
    goals = []

    def goal(name: str, holds: bool | None, detail: str) -> None:
        goals.append({"goal": name, "result": "pending" if holds is None else ("PASS" if holds else "FAIL"),
                      "detail": detail})

    for variant in ("nimbus (ephemeral)", "nimbus (data-dir)"):
        r = by_name.get(variant)
        for operation in ("PutItem", "GetItem"):
            ops = r and r["boto3"].get(operation, {}).get("ops_per_s")
            top = ceiling and ceiling["boto3"].get(operation, {}).get("ops_per_s")
            goal(f"{variant}: boto3 {operation} within 10% of the do-nothing ceiling",
                 None if not (ops and top) else ops >= 0.9 * top,
                 f"{h.fmt(ops)} vs {h.fmt(top)} ops/s" if ops and top else "needs both figures")
        for operation in WRK_OPERATIONS:
            ops = r and r["wrk"].get(operation, {}).get("ops_per_s")
            peer_figures = [(p["wrk"].get(operation, {}).get("ops_per_s") or 0, n)
                            for n, p in by_name.items() if p["role"] == "peer"]
            best, best_name = max(peer_figures, default=(0, None))
            goal(f"{variant}: wrk {operation} ≥ 10× the best peer",
                 None if not (ops and best) else ops >= 10 * best,
                 f"{h.fmt(ops)} vs {best_name} {h.fmt(best)} req/s" if ops and best else "needs both figures")
            cpu = r and r["wrk"].get(operation, {}).get("server_cpu_us")
            best_cpu = best_name and by_name[best_name]["wrk"].get(operation, {}).get("server_cpu_us")
            if cpu and best_cpu:
                # Not a goal: what the machine's core count does not decide (see docs/benchmarks.md).
                goals.append({"goal": f"{variant}: wrk {operation} server CPU per request vs {best_name}",
                              "result": "info",
                              "detail": f"{cpu:.1f} vs {best_cpu:.1f} µs/req, {best_cpu / cpu:.1f}× less"})
        ready = r and r["ready_ms"]
        goal(f"{variant}: ready < 10 ms", None if ready is None else ready < 10, f"{h.fmt(ready, 1)} ms")
        rss = r and r["idle_rss_mb"]
        goal(f"{variant}: idle RSS < 10 MB", None if rss is None else rss < 10, f"{h.fmt(rss, 1)} MB")
    return goals


def print_report(results: list[dict], machine: dict, args: argparse.Namespace, goals: list[dict]) -> None:
    h.log("\n" + "=" * 100)
    h.log(f"DynamoDB benchmark — {h.describe_machine(machine)}")
    h.log(f"boto3: {args.n} PutItem/GetItem and {args.n_query} Query calls after {args.warmup} warm-up "
          f"calls; wrk: {args.wrk_threads} threads, {args.wrk_connections} connections, {args.wrk_duration} s"
          + (f"; medians of {args.rounds} interleaved rounds" if args.rounds > 1 else ""))
    h.log(f"ratios: nimbus ÷ target uses {NIMBUS_REFERENCE}'s throughput; target ÷ do-nothing uses the "
          f"do-nothing server's (under wrk that server is single-threaded Python, not a ceiling)\n")
    h.log("Startup\n" + startup_table(results))
    for kind, operations, title in (("boto3", BOTO3_OPERATIONS, "boto3, one client, sequential"),
                                    ("wrk", WRK_OPERATIONS, f"wrk, {args.wrk_connections} connections")):
        if kind == "wrk" and args.skip_wrk:
            continue
        for operation in operations:
            h.log(f"\n{operation} — {title}\n" + workload_table(results, kind, operation))
    notes = [r for r in results if r["reason"]]
    if notes:
        h.log("\nNot run or incomplete:")
        for r in notes:
            h.log(f"- {r['name']}: " + r["reason"].replace("\n", "\n    "))
    h.log("\nGoals")
    for g in goals:
        h.log(f"- {g['result']:7} {g['goal']} ({g['detail']})")


def main() -> int:
    args = parse_args()
    if Path(sys.prefix).resolve() != peers.VENV.resolve():
        h.log("preparing the client venv (boto3) in bench/.peers/venv, then re-running under it ...")
    try:
        h.reexec_under(peers.client_python())  # returns only when already running there
    except h.Unavailable as e:
        h.log(f"cannot set up the boto3 client venv: {e}")
        return 1
    import boto3

    machine = h.machine_info()
    h.log(f"machine: {h.describe_machine(machine)}")
    wrk, tools = None, {"boto3": boto3.__version__}
    if not args.skip_wrk:
        try:
            wrk = h.ensure_wrk()
            tools["wrk"] = h.wrk_version(wrk)
        except h.Unavailable as e:
            h.log(f"wrk unavailable, skipping the load-generator workloads: {e}")
            args.skip_wrk = True
    wrk_config = h.WrkConfig(args.wrk_threads, args.wrk_connections, args.wrk_duration)
    started = datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds")
    targets = make_targets(args)
    runs: dict[str, list[dict]] = {target.name: [] for target in targets}
    for round_number in range(1, args.rounds + 1):
        if args.rounds > 1:
            h.log(f"\n######## round {round_number} of {args.rounds}")
        for target in targets:
            if runs[target.name] and runs[target.name][0]["status"] != "ok":
                continue  # a target that could not be benchmarked is tried once
            runs[target.name].append(bench_target(target, args, wrk, wrk_config))
    results = [h.merge_rounds(runs[target.name], ("boto3", "wrk")) for target in targets]
    goals = check_goals(results)
    print_report(results, machine, args, goals)
    config = {k: (str(v) if isinstance(v, Path) else v) for k, v in vars(args).items()}
    path = h.write_results("dynamodb", {"benchmark": "dynamodb", "started_at": started, "machine": machine,
                                        "tools": tools, "config": config, "targets": results, "goals": goals,
                                        "runs": runs})
    h.log(f"\nresults written to {path.relative_to(h.REPO_DIR)}")
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except KeyboardInterrupt:
        print("\ninterrupted; stopping targets", file=sys.stderr)
        sys.exit(130)
