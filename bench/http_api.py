#!/usr/bin/env python3
"""HTTP APIs: nimbus's API Gateway HTTP API side by side with serverless-offline's httpApi.

    python3 bench/http_api.py               # both runtimes, 1/8/32 connections (~4 minutes)
    python3 bench/http_api.py --rounds 3    # medians of 3 interleaved rounds
    python3 bench/http_api.py --quick       # smoke run

The same trivial handler, in Python and in Node.js, answers `POST /hello` through each target's
HTTP API: nimbus (a function per runtime, an HTTP API with a Lambda proxy route to each, payload
2.0, `$default` stage, called by its `<api-id>.execute-api.localhost` host name) and
serverless-offline 13 (`httpApi` events, one process per runtime). wrk measures requests/s and
p50/p99 at 1, 8 and 32 connections after an untimed warm-up run at the same concurrency; for
nimbus also a direct Invoke of the same function at 1 connection, so the gateway's own p50 cost
shows. Prints tables and the issue's goals, writes bench/results/http_api-<time>.json.
"""

from __future__ import annotations

import argparse
import datetime
import io
import shutil
import statistics
import sys
import tempfile
import zipfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import harness as h  # noqa: E402
import peers  # noqa: E402

HANDLERS = {
    "python3.11": ("handler.py", 'def handler(event, context):\n    return {"statusCode": 200, "body": "{\\"ok\\": true}"}\n'),
    "nodejs20.x": ("handler.js", 'exports.handler = async () => ({statusCode: 200, body: \'{"ok": true}\'});\n'),
}
TARGETS = ("nimbus", "serverless-offline")
CONCURRENCY = (1, 8, 32)
ROLE = "arn:aws:iam::000000000000:role/bench"


def parse_args() -> argparse.Namespace:
    p = argparse.ArgumentParser(description="HTTP APIs: nimbus beside serverless-offline (see bench/README.md).")
    p.add_argument("--targets", default=",".join(TARGETS))
    p.add_argument("--runtimes", default=",".join(HANDLERS))
    p.add_argument("--quick", action="store_true", help="3-second wrk runs")
    p.add_argument("--wrk-duration", type=int)
    p.add_argument("--rounds", type=int, default=1)
    p.add_argument("--nimbus-bin", type=Path, default=peers.NIMBUS_BIN)
    p.add_argument("--build", action="store_true")
    args = p.parse_args()
    args.wrk_duration = args.wrk_duration or (3 if args.quick else 8)
    args.targets = [t for t in args.targets.split(",") if t]
    args.runtimes = [r for r in args.runtimes.split(",") if r]
    return args


def client(service: str, port: int):
    import boto3
    from botocore.config import Config

    return boto3.client(service, endpoint_url=f"http://{h.HOST}:{port}", region_name="us-east-1",
                        aws_access_key_id="test", aws_secret_access_key="test",
                        config=Config(retries={"total_max_attempts": 1}))


def setup_nimbus(port: int, runtime: str) -> tuple[str, str]:
    """A function and an HTTP API routing `POST /hello` to it; answers (path, Host header)."""
    file, code = HANDLERS[runtime]
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr(file, code)
    lam, gw = client("lambda", port), client("apigatewayv2", port)
    name = "hello-" + runtime.replace(".", "")
    fn = lam.create_function(FunctionName=name, Runtime=runtime, Role=ROLE, Handler="handler.handler",
                             Code={"ZipFile": buf.getvalue()}, MemorySize=256)
    lam.get_waiter("function_active_v2").wait(FunctionName=name)
    api = gw.create_api(Name=name, ProtocolType="HTTP")
    integration = gw.create_integration(ApiId=api["ApiId"], IntegrationType="AWS_PROXY",
                                        IntegrationUri=fn["FunctionArn"], PayloadFormatVersion="2.0")
    gw.create_route(ApiId=api["ApiId"], RouteKey="POST /hello", Target=f"integrations/{integration['IntegrationId']}")
    gw.create_stage(ApiId=api["ApiId"], StageName="$default", AutoDeploy=True)
    return name, f"{api['ApiId']}.execute-api.localhost:{port}"


def measure(wrk: str, server: h.Server, port: int, script: str, script_args: list[str], c: int, duration: int) -> dict:
    threads = min(2, c)
    h.run_wrk(wrk, port, script, script_args, h.WrkConfig(threads, c, 2))
    cpu = server.cpu_seconds()
    m = h.run_wrk(wrk, port, script, script_args, h.WrkConfig(threads, c, duration))
    m["server_cpu_us"] = (server.cpu_seconds() - cpu) * 1e6 / max(m["requests"], 1)
    if m["non_2xx"] or m["requests"] == 0:
        raise h.Unavailable(f"{m['non_2xx']} non-2xx answers of {m['requests']}")
    return m


def bench(key: str, runtime: str, args, wrk: str) -> dict:
    result = {"key": key, "runtime": runtime, "status": "unavailable", "reason": None, "wrk": {}}
    handler_dir = Path(tempfile.mkdtemp(prefix="http-api-handler-"))
    file, code = HANDLERS[runtime]
    (handler_dir / file).write_text(code)
    if key == "nimbus":
        target = peers.nimbus(durable=False, binary=args.nimbus_bin, build=args.build)
    else:
        target = peers.serverless_offline(handler_dir, {"hello": "handler.handler"}, runtime=runtime)
    result["name"] = target.name
    h.log(f"\n== {target.name}, {runtime}")
    workdir = Path(tempfile.mkdtemp(prefix="http-api-", dir=peers.PEERS_DIR / "tmp"))
    try:
        result["version"] = target.install()
        port = h.free_port()
        with h.Server(target.name, target.launch(port, workdir), port) as server:
            def probe(p: int) -> None:
                status, _ = h.http_call(p, "GET", "/_nimbus/health" if key == "nimbus" else "/", timeout=5)
                if status >= 500:
                    raise h.Unavailable(f"answered HTTP {status}")
            server.wait_ready(probe)
            if key == "nimbus":
                name, host = setup_nimbus(port, runtime)
                route = ["/hello", host]
            else:
                route = ["/hello"]
            result["status"] = "ok"
            for c in CONCURRENCY:
                m = measure(wrk, server, port, "http_api.lua", route, c, args.wrk_duration)
                result["wrk"][str(c)] = m
                h.log(f"  HTTP API c={c:<3} {m['ops_per_s']:9,.0f} req/s  p50 {m['p50_ms']:.2f} ms  "
                      f"p99 {m['p99_ms']:.2f} ms  server CPU {m['server_cpu_us']:.0f} µs/req")
            if key == "nimbus":
                path = f"/2015-03-31/functions/{name}/invocations"
                m = measure(wrk, server, port, "lambda.lua", [path], 1, args.wrk_duration)
                result["direct_invoke"] = m
                h.log(f"  Invoke   c=1   {m['ops_per_s']:9,.0f} inv/s  p50 {m['p50_ms']:.2f} ms")
    except h.Unavailable as e:
        result["reason"] = str(e)
        h.log(f"  SKIPPED, {e}")
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
        shutil.rmtree(handler_dir, ignore_errors=True)
    return result


def main() -> int:
    args = parse_args()
    h.reexec_under(peers.client_python())
    wrk = h.ensure_wrk()
    (peers.PEERS_DIR / "tmp").mkdir(parents=True, exist_ok=True)
    started = datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds")
    runs: dict[tuple[str, str], list[dict]] = {(k, r): [] for r in args.runtimes for k in args.targets}
    for rnd in range(args.rounds):
        if args.rounds > 1:
            h.log(f"\n######## round {rnd + 1} of {args.rounds}")
        for (k, r) in runs:
            runs[(k, r)].append(bench(k, r, args, wrk))

    def med(k: str, r: str, *path: str):
        values = []
        for run in runs.get((k, r), []):
            v = run
            for p in path:
                v = v.get(p, {}) if isinstance(v, dict) else {}
            if isinstance(v, (int, float)):
                values.append(v)
        return statistics.median(values) if values else None

    h.log(f"\nHTTP API — {h.describe_machine(h.machine_info())}; wrk {args.wrk_duration} s per run, medians of {args.rounds}")
    goals = []
    for r in args.runtimes:
        rows = []
        for c in CONCURRENCY:
            mine, peer = med("nimbus", r, "wrk", str(c), "ops_per_s"), med("serverless-offline", r, "wrk", str(c), "ops_per_s")
            rows.append([str(c), h.fmt(mine), h.fmt(med("nimbus", r, "wrk", str(c), "p50_ms"), 2),
                         h.fmt(med("nimbus", r, "wrk", str(c), "p99_ms"), 2), h.fmt(peer),
                         h.fmt(med("serverless-offline", r, "wrk", str(c), "p50_ms"), 2),
                         h.fmt(med("serverless-offline", r, "wrk", str(c), "p99_ms"), 2),
                         f"{mine / peer:.2f}×" if mine and peer else "–"])
            goals.append((f"{r}, {c} connection(s): requests/s ≥ 2× serverless-offline",
                          None if not (mine and peer) else mine >= 2 * peer, f"{h.fmt(mine)} vs {h.fmt(peer)}"))
        h.log(f"\n{r}: POST /hello through the HTTP API")
        h.log(h.markdown_table(["connections", "nimbus req/s", "p50 ms", "p99 ms", "serverless-offline req/s",
                                "p50 ms", "p99 ms", "nimbus ÷ peer"], rows))
        api_p50, invoke_p50 = med("nimbus", r, "wrk", "1", "p50_ms"), med("nimbus", r, "direct_invoke", "p50_ms")
        overhead = api_p50 - invoke_p50 if api_p50 is not None and invoke_p50 is not None else None
        goals.append((f"{r}: HTTP API p50 within 0.3 ms of a direct Invoke", None if overhead is None else overhead < 0.3,
                      f"{h.fmt(api_p50, 2)} vs {h.fmt(invoke_p50, 2)} ms"))
    h.log("\nGoals")
    for text, holds, detail in goals:
        h.log(f"- {'pending' if holds is None else ('PASS' if holds else 'FAIL'):7} {text} ({detail})")
    path = h.write_results("http_api", {"benchmark": "http_api", "started_at": started, "machine": h.machine_info(),
                                        "runs": {f"{k}/{r}": v for (k, r), v in runs.items()},
                                        "goals": [{"goal": g, "result": str(p), "detail": d} for g, p, d in goals]})
    h.log(f"\nresults written to {path.relative_to(h.REPO_DIR)}")
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except KeyboardInterrupt:
        print("\ninterrupted; stopping targets", file=sys.stderr)
        sys.exit(130)
