"""Plumbing shared by nimbus's side-by-side benchmarks (stdlib only).

- `Server`: a target process on a loopback port, started in its own session so that stopping it
  also stops its children; every live server is stopped at exit, on Ctrl-C and on SIGTERM.
- readiness and memory measurements (`Server.wait_ready`, `Server.rss_mb`),
- `run_wrk`: the wrk load generator with a Lua script from bench/wrk/, parsed into numbers,
- statistics, Markdown tables, machine description, results files.
"""

from __future__ import annotations

import atexit
import http.client
import json
import math
import os
import platform
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

BENCH_DIR = Path(__file__).resolve().parent
REPO_DIR = BENCH_DIR.parent
PEERS_DIR = BENCH_DIR / ".peers"
LOGS_DIR = PEERS_DIR / "logs"
RESULTS_DIR = BENCH_DIR / "results"
WRK_DIR = BENCH_DIR / "wrk"
HOST = "127.0.0.1"


class Unavailable(Exception):
    """A target or tool cannot be installed, started or used; the message says why."""


def log(message: str) -> None:
    print(message, flush=True)


def tail(text: str, lines: int = 12) -> str:
    return "\n".join(text.strip().splitlines()[-lines:])


def run_checked(argv: list[str], what: str, timeout: float, **kwargs) -> str:
    """Runs a command to completion; returns its output or raises Unavailable with its tail."""
    try:
        done = subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                              timeout=timeout, **kwargs)
    except FileNotFoundError as e:
        raise Unavailable(f"{what}: {e.filename} not found") from None
    except subprocess.TimeoutExpired:
        raise Unavailable(f"{what}: timed out after {timeout:.0f} s") from None
    if done.returncode != 0:
        raise Unavailable(f"{what}: exit code {done.returncode}\n{tail(done.stdout)}")
    return done.stdout


def free_port() -> int:
    """A port that is free on the loopback interface right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


def http_call(port: int, method: str, path: str, body: bytes = b"", headers: dict | None = None,
              timeout: float = 5.0) -> tuple[int, bytes]:
    """One HTTP/1.1 request to 127.0.0.1:port on a fresh connection; returns (status, body)."""
    conn = http.client.HTTPConnection(HOST, port, timeout=timeout)
    try:
        conn.request(method, path, body=body, headers=headers or {})
        response = conn.getresponse()
        return response.status, response.read()
    finally:
        conn.close()


def sigv4_headers(service: str, region: str = "us-east-1") -> dict[str, str]:
    """Headers of a syntactically valid SigV4 request (no target verifies the signature; some,
    like dynalite, require the header). bench/wrk/common.lua builds the same for wrk."""
    now = time.gmtime()
    scope = f"{time.strftime('%Y%m%d', now)}/{region}/{service}/aws4_request"
    return {
        "X-Amz-Date": time.strftime("%Y%m%dT%H%M%SZ", now),
        "Authorization": f"AWS4-HMAC-SHA256 Credential=test/{scope}, "
                         f"SignedHeaders=content-type;host;x-amz-date;x-amz-target, Signature={'0' * 64}",
    }


# --------------------------------------------------------------------------------------------
# Processes


@dataclass
class LaunchSpec:
    """How to start one target listening on a given port."""
    argv: list[str]
    env: dict[str, str] = field(default_factory=dict)  # added to the inherited environment
    cwd: Path | None = None
    ready_timeout: float = 30.0  # seconds from process start to the first successful request


_live_servers: set["Server"] = set()


def _stop_all_servers() -> None:
    for server in list(_live_servers):
        server.stop()


def _raise_keyboard_interrupt(signum, frame):  # SIGTERM: unwind like Ctrl-C, running finally blocks
    raise KeyboardInterrupt(f"signal {signum}")


atexit.register(_stop_all_servers)
signal.signal(signal.SIGTERM, _raise_keyboard_interrupt)
signal.signal(signal.SIGINT, signal.default_int_handler)  # even if started with SIGINT ignored (`cmd &`)


class Server:
    """A target process; use as a context manager so that it is always stopped."""

    def __init__(self, name: str, spec: LaunchSpec, port: int):
        self.name = name
        self.spec = spec
        self.port = port
        self.proc: subprocess.Popen | None = None
        self.started_at = 0.0
        LOGS_DIR.mkdir(parents=True, exist_ok=True)
        self.log_path = LOGS_DIR / f"{name.replace(' ', '_').replace('(', '').replace(')', '')}.log"

    def __enter__(self) -> "Server":
        self.start()
        return self

    def __exit__(self, *exc) -> None:
        self.stop()

    def start(self) -> None:
        env = {**os.environ, **self.spec.env}
        with open(self.log_path, "wb") as log_file:
            self.started_at = time.perf_counter()
            try:
                self.proc = subprocess.Popen(self.spec.argv, stdin=subprocess.DEVNULL,
                                             stdout=log_file, stderr=subprocess.STDOUT,
                                             cwd=self.spec.cwd, env=env, start_new_session=True)
            except OSError as e:
                raise Unavailable(f"cannot start {self.spec.argv[0]}: {e}") from None
        _live_servers.add(self)

    def wait_ready(self, probe: Callable[[int], None], error_grace: float = 5.0) -> float:
        """Polls `probe(port)` until it returns without raising; returns ms since process start.

        The probe raises OSError/HTTPException while the server does not answer (keep polling
        until the launch spec's ready timeout) and Unavailable when it answers wrongly: a server
        that answers only wrongly for `error_grace` seconds is given up on. Polls every
        millisecond for the first two seconds, so that a server that is ready in a few
        milliseconds is measured as such, then every 20 ms.
        """
        assert self.proc is not None
        deadline = self.started_at + self.spec.ready_timeout
        last_failure, wrong_since = "no answer", None
        while True:
            code = self.proc.poll()
            if code is not None:
                raise Unavailable(f"exited with code {code} before it answered; "
                                  f"last output:\n{tail(self.output(), 8) or '(none)'}")
            try:
                probe(self.port)
                return (time.perf_counter() - self.started_at) * 1000
            except (OSError, http.client.HTTPException) as e:
                last_failure, wrong_since = f"{type(e).__name__}: {e}", None
            except Unavailable as e:
                last_failure = str(e)
                wrong_since = wrong_since or time.perf_counter()
            now = time.perf_counter()
            if now > deadline or (wrong_since and now - wrong_since > error_grace):
                waited = f"after {now - self.started_at:.0f} s"
                raise Unavailable(f"not ready {waited}; last probe: {last_failure}\n"
                                  f"output tail:\n{tail(self.output(), 6) or '(none)'}")
            time.sleep(0.001 if now - self.started_at < 2 else 0.02)

    def output(self) -> str:
        try:
            return self.log_path.read_text(errors="replace")
        except OSError:
            return ""

    def rss_mb(self) -> float:
        """Resident memory of the process and all its descendants, in MB (VmRSS)."""
        assert self.proc is not None
        return sum(_status_kb(pid, "VmRSS") for pid in _process_tree(self.proc.pid)) / 1024

    def cpu_seconds(self) -> float:
        """CPU time (user + system) used so far by the process and its live descendants."""
        assert self.proc is not None
        return sum(_cpu_seconds(pid) for pid in _process_tree(self.proc.pid))

    def stop(self) -> None:
        _live_servers.discard(self)
        proc, self.proc = self.proc, None
        if proc is None or proc.poll() is not None:
            return
        for sig, grace in ((signal.SIGTERM, 5.0), (signal.SIGKILL, 5.0)):
            try:
                os.killpg(proc.pid, sig)
            except ProcessLookupError:
                return
            try:
                proc.wait(timeout=grace)
                return
            except subprocess.TimeoutExpired:
                continue


def _process_tree(root: int) -> list[int]:
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text()
        except OSError:
            continue
        ppid = int(stat.rsplit(")", 1)[1].split()[1])  # the command name may contain spaces
        children.setdefault(ppid, []).append(int(entry))
    tree, todo = [], [root]
    while todo:
        pid = todo.pop()
        tree.append(pid)
        todo.extend(children.get(pid, []))
    return tree


def _cpu_seconds(pid: int) -> float:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # utime + stime


def _status_kb(pid: int, key: str) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(key + ":"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


# --------------------------------------------------------------------------------------------
# wrk


def ensure_wrk() -> str:
    """The path of wrk, installing the Debian package if needed."""
    found = shutil.which("wrk")
    if found:
        return found
    if not shutil.which("apt-get"):
        raise Unavailable("wrk is not installed and apt-get is not available; install wrk")
    if os.geteuid() != 0:
        raise Unavailable("wrk is not installed; run `sudo apt-get install -y wrk`")
    log("  installing wrk with apt-get ...")
    install = ["apt-get", "install", "-y", "-q", "wrk"]
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    try:
        run_checked(install, "apt-get install wrk", timeout=300, env=env)
    except Unavailable:
        run_checked(["apt-get", "update", "-q"], "apt-get update", timeout=300, env=env)
        run_checked(install, "apt-get install wrk", timeout=300, env=env)
    found = shutil.which("wrk")
    if not found:
        raise Unavailable("wrk is still not on PATH after apt-get install")
    return found


def wrk_version(wrk: str) -> str:
    done = subprocess.run([wrk, "-v"], stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                          text=True, timeout=10)
    return done.stdout.strip().splitlines()[0] if done.stdout.strip() else "wrk"


@dataclass
class WrkConfig:
    threads: int = 2
    connections: int = 64
    duration: int = 10  # seconds
    timeout: int = 10  # seconds before wrk counts a request as timed out


def run_wrk(wrk: str, port: int, script: str, script_args: list[str], config: WrkConfig) -> dict:
    """Runs wrk with bench/wrk/<script> against 127.0.0.1:port; returns throughput and latency.

    The script's done() (bench/wrk/common.lua) prints one `WRK_JSON {...}` line.
    """
    argv = [wrk, f"-t{config.threads}", f"-c{config.connections}", f"-d{config.duration}s",
            "--timeout", f"{config.timeout}s", "-s", script, f"http://{HOST}:{port}/",
            "--", *script_args]
    output = run_checked(argv, "wrk", timeout=config.duration + config.timeout + 30, cwd=WRK_DIR)
    line = next((l for l in output.splitlines() if l.startswith("WRK_JSON ")), None)
    if line is None:
        raise Unavailable(f"wrk printed no WRK_JSON line:\n{tail(output)}")
    raw = json.loads(line[len("WRK_JSON "):])
    seconds = raw["duration_us"] / 1e6
    errors = raw["errors"]
    return {
        "ops_per_s": raw["requests"] / seconds if seconds else 0.0,
        "p50_ms": raw["p50_us"] / 1000,
        "p90_ms": raw["p90_us"] / 1000,
        "p99_ms": raw["p99_us"] / 1000,
        "max_ms": raw["max_us"] / 1000,
        "requests": raw["requests"],
        "non_2xx": errors["status"],
        "socket_errors": {k: v for k, v in errors.items() if k != "status" and v},
        "threads": config.threads,
        "connections": config.connections,
        "duration_s": seconds,
    }


# --------------------------------------------------------------------------------------------
# Statistics, tables, machine, results


def percentile(sorted_values: list[float], p: float) -> float:
    """Nearest-rank percentile of an ascending list."""
    if not sorted_values:
        return math.nan
    rank = max(1, math.ceil(p / 100 * len(sorted_values)))
    return sorted_values[rank - 1]


def merge_rounds(rounds: list[dict], kinds: tuple[str, ...]) -> dict:
    """One target's result over several rounds: the median of each figure over the rounds that
    ran (error and request counts are summed). A result is a dict with "status", "ready_ms",
    "idle_rss_mb", "rss_after_load_mb", "loadavg_at_start" and, per kind of workload,
    {operation: measurement}."""
    ok = [r for r in rounds if r["status"] == "ok"]
    if len(ok) <= 1:
        return {**(ok or rounds)[-1], "rounds": len(ok)}
    merged = {**ok[0], "rounds": len(ok), "reason": next((r["reason"] for r in rounds if r.get("reason")), None)}
    for key in ("ready_ms", "idle_rss_mb", "rss_after_load_mb", "loadavg_at_start"):
        values = [r[key] for r in ok if r.get(key) is not None]
        merged[key] = statistics.median(values) if values else None
    for kind in kinds:
        merged[kind] = {}
        for operation in ok[0][kind]:
            measured = [r[kind][operation] for r in ok if "error" not in r[kind].get(operation, {"error": 1})]
            if not measured:
                merged[kind][operation] = ok[-1][kind][operation]
                continue
            merged[kind][operation] = combined = {}
            for name, value in measured[0].items():
                values = [m[name] for m in measured]
                if name in ("requests", "non_2xx", "calls"):
                    combined[name] = sum(values)
                elif name == "socket_errors":
                    combined[name] = {k: sum(v.get(k, 0) for v in values) for k in set().union(*values)}
                elif isinstance(value, (int, float)) and len(set(values)) > 1:
                    combined[name] = statistics.median(values)
                else:
                    combined[name] = value  # the same in every round, or not a number
    return merged


def markdown_table(headers: list[str], rows: list[list[str]]) -> str:
    """A Markdown table padded for reading in a terminal; the first column is left-aligned."""
    widths = [max(len(str(r[i])) for r in [headers, *rows]) for i in range(len(headers))]

    def line(cells):
        padded = [str(c).ljust(w) if i == 0 else str(c).rjust(w)
                  for i, (c, w) in enumerate(zip(cells, widths))]
        return "| " + " | ".join(padded) + " |"

    rule = "|" + "|".join(("-" * (w + 1) + ("-" if i == 0 else ":")) for i, w in enumerate(widths)) + "|"
    return "\n".join([line(headers), rule, *(line(r) for r in rows)])


def fmt(value: float | None, digits: int = 0) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    return f"{value:,.{digits}f}"


def machine_info() -> dict:
    info = {
        "nproc": len(os.sched_getaffinity(0)),
        "cpu_model": "unknown",
        "mem_total_gb": None,
        "kernel": platform.release(),
        "os": platform.platform(),
        "python": platform.python_version(),
        "loadavg_at_start": [round(x, 2) for x in os.getloadavg()],
    }
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                info["cpu_model"] = line.split(":", 1)[1].strip()
                break
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                info["mem_total_gb"] = round(int(line.split()[1]) / 1024 / 1024, 1)
    except OSError:
        pass
    return info


def describe_machine(info: dict) -> str:
    return (f"{info['nproc']} CPUs ({info['cpu_model']}), {info['mem_total_gb']} GB RAM, "
            f"Linux {info['kernel']}, load average at start {info['loadavg_at_start'][0]}")


def write_results(benchmark: str, results: dict) -> Path:
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    stamp = time.strftime("%Y%m%d-%H%M%S")
    path = RESULTS_DIR / f"{benchmark}-{stamp}.json"
    path.write_text(json.dumps(results, indent=2) + "\n")
    return path


def reexec_under(python: Path) -> None:
    """Re-runs the current script under another interpreter (a venv), unless already there."""
    if Path(sys.prefix).resolve() == python.parent.parent.resolve():
        return
    os.execv(str(python), [str(python), sys.argv[0], *sys.argv[1:]])
