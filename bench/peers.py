"""The targets of the side-by-side benchmarks: nimbus, a do-nothing server, and its peers.

Each target is a `Target`: `install()` makes it runnable (idempotently, into bench/.peers/) and
returns its version, or raises `Unavailable` with the reason, and the benchmark carries on with
the others; `launch(port, workdir)` says how to start it on 127.0.0.1:port. The factories take
the services to enable, so the S3/SQS/Lambda benchmarks can reuse them:

    client_python()          the venv python (boto3) the benchmarks re-run themselves under
    noop(service)            bench/noop_server.py: canned minimal responses, the client's ceiling
    nimbus(durable=...)      target/release/nimbus serve --ephemeral | --data-dir DIR
    moto()                   moto_server (pip moto[server]) in bench/.peers/venv
    dynalite()               npm dynalite in bench/.peers/node
    localstack(services)     localstack-core in host mode (no Docker) in bench/.peers/localstack
"""

from __future__ import annotations

import glob
import json
import os
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from harness import BENCH_DIR, HOST, LOGS_DIR, PEERS_DIR, REPO_DIR, LaunchSpec, Unavailable, log, run_checked

VENV = PEERS_DIR / "venv"
NODE_DIR = PEERS_DIR / "node"
LOCALSTACK_VENV = PEERS_DIR / "localstack"
NIMBUS_BIN = REPO_DIR / "target" / "release" / "nimbus"

PIP_TIMEOUT = 900
NPM_TIMEOUT = 600
CARGO_TIMEOUT = 3600


@dataclass
class Target:
    name: str
    install: Callable[[], str]  # -> version; raises Unavailable
    launch: Callable[[int, Path], LaunchSpec]  # (port, scratch dir) -> how to start it
    is_ceiling: bool = False  # the do-nothing server
    is_nimbus: bool = False
    diagnose: Callable[[str], str | None] | None = None  # its output -> why it did not start


# --------------------------------------------------------------------------------------------
# Python and Node installs


def _venv_python(venv: Path) -> Path:
    return venv / "bin" / "python"


def _ensure_venv(venv: Path, base_python: str) -> Path:
    python = _venv_python(venv)
    if not python.exists():
        log(f"  creating venv {venv.relative_to(REPO_DIR)} ...")
        run_checked([base_python, "-m", "venv", str(venv)], f"python -m venv {venv}", timeout=300)
    return python


def _pip_install(venv: Path, base_python: str, import_name: str, requirements: list[str],
                 options: tuple[str, ...] = ()) -> None:
    """pip-installs `requirements` into `venv` unless `import_name` already imports there."""
    python = _ensure_venv(venv, base_python)
    check = subprocess.run([str(python), "-c", f"import {import_name}"], capture_output=True, timeout=120)
    if check.returncode == 0:
        return
    what = f"pip install {' '.join([*options, *requirements])}"
    log(f"  {what} into {venv.relative_to(REPO_DIR)} ...")
    if options:  # options newer than the bundled pip knows
        run_checked([str(python), "-m", "pip", "install", "-q", "-U", "pip"], "pip install -U pip",
                    timeout=PIP_TIMEOUT)
    run_checked([str(python), "-m", "pip", "install", "-q", *options, *requirements], what, timeout=PIP_TIMEOUT)


def _pip_version(venv: Path, distribution: str) -> str:
    code = f"import importlib.metadata as m; print(m.version({distribution!r}))"
    out = run_checked([str(_venv_python(venv)), "-c", code], f"{distribution} version", timeout=60)
    return f"{distribution} {out.strip()}"


def client_python() -> Path:
    """The interpreter of bench/.peers/venv, with boto3 installed (the benchmarks' client)."""
    _pip_install(VENV, sys.executable, "boto3", ["boto3"])
    return _venv_python(VENV)


def _npm_install(package: str) -> Path:
    """npm-installs `package` into bench/.peers/node unless present; returns its directory."""
    package_dir = NODE_DIR / "node_modules" / package
    if not (package_dir / "package.json").exists():
        if not shutil.which("npm") or not shutil.which("node"):
            raise Unavailable("node/npm are not installed")
        NODE_DIR.mkdir(parents=True, exist_ok=True)
        log(f"  npm install {package} into {NODE_DIR.relative_to(REPO_DIR)} ...")
        run_checked(["npm", "install", "--no-audit", "--no-fund", "--prefix", str(NODE_DIR), package],
                    f"npm install {package}", timeout=NPM_TIMEOUT)
    return package_dir


def _npm_version(package_dir: Path) -> str:
    meta = json.loads((package_dir / "package.json").read_text())
    node = subprocess.check_output(["node", "--version"], text=True, timeout=10).strip()
    return f"{meta['name']} {meta['version']} (node {node})"


def _find_python(versions: tuple[str, ...]) -> str:
    """A working interpreter for one of `versions` (e.g. "3.13"), from PATH or pyenv."""
    pyenv_root = os.environ.get("PYENV_ROOT", os.path.expanduser("~/.pyenv"))
    candidates = []
    for v in versions:
        candidates.append(f"python{v}")
        candidates += sorted(glob.glob(f"{pyenv_root}/versions/{v}*/bin/python{v}"), reverse=True)
    for candidate in candidates:
        path = shutil.which(candidate) or (candidate if os.path.isfile(candidate) else None)
        if path and subprocess.run([path, "--version"], capture_output=True, timeout=30).returncode == 0:
            return path
    raise Unavailable(f"no Python {' / '.join(versions)} found (on PATH or under pyenv)")


# --------------------------------------------------------------------------------------------
# Targets


def noop(service: str) -> Target:
    def launch(port: int, workdir: Path) -> LaunchSpec:
        return LaunchSpec([sys.executable, str(BENCH_DIR / "noop_server.py"), "--host", HOST,
                           "--port", str(port), "--service", service], ready_timeout=10)

    return Target("do-nothing", lambda: f"bench/noop_server.py (Python {sys.version.split()[0]}, asyncio)",
                  launch, is_ceiling=True)


def nimbus(durable: bool, binary: Path = NIMBUS_BIN, build: bool = False) -> Target:
    """nimbus, `--ephemeral` or with `--data-dir` on a scratch directory on disk."""

    def install() -> str:
        if build or (binary == NIMBUS_BIN and not binary.exists()):
            _cargo_build()
        if not binary.exists():
            raise Unavailable(f"{binary} does not exist")
        stale = _newer_sources(binary)
        if stale:
            log(f"  warning: {binary.relative_to(REPO_DIR) if binary.is_relative_to(REPO_DIR) else binary} "
                f"is older than {stale}; pass --build to rebuild it")
        try:
            done = subprocess.run([str(binary), "--version"], capture_output=True, text=True, timeout=10)
        except (OSError, subprocess.SubprocessError) as e:
            raise Unavailable(f"{binary} --version failed: {e}") from None
        return done.stdout.strip() or f"{binary.name} (--version printed nothing)"

    def launch(port: int, workdir: Path) -> LaunchSpec:
        storage = ["--data-dir", str(workdir / "data")] if durable else ["--ephemeral"]
        return LaunchSpec([str(binary), "serve", "--host", HOST, "--port", str(port), *storage],
                          env={"RUST_LOG": os.environ.get("RUST_LOG", "warn")}, ready_timeout=10)

    return Target("nimbus (data-dir)" if durable else "nimbus (ephemeral)", install, launch, is_nimbus=True)


_cargo_outcome: list[Unavailable | None] = []  # the one build of this run: [] not tried yet


def _cargo_build() -> None:
    """Builds target/release/nimbus once per run; a failure is raised again for every variant."""
    if not _cargo_outcome:
        _cargo_outcome.append(_run_cargo_build())
    if _cargo_outcome[0] is not None:
        raise _cargo_outcome[0]


def _run_cargo_build() -> Unavailable | None:
    if not shutil.which("cargo"):
        return Unavailable("cargo is not installed, cannot build target/release/nimbus")
    log("  cargo build --release -p nimbus (this takes a while the first time) ...")
    LOGS_DIR.mkdir(parents=True, exist_ok=True)
    build_log = LOGS_DIR / "cargo-build.log"
    try:
        output = run_checked(["cargo", "build", "--release", "-p", "nimbus"], "cargo build --release -p nimbus",
                             timeout=CARGO_TIMEOUT, cwd=REPO_DIR)
        build_log.write_text(output)
        return None
    except Unavailable as e:
        build_log.write_text(str(e))
        return Unavailable(f"the nimbus binary could not be built: {e}")


def _newer_sources(binary: Path) -> str | None:
    """The first Rust source or manifest newer than `binary`, if any."""
    built = binary.stat().st_mtime
    for pattern in ("crates/**/*.rs", "crates/**/Cargo.toml", "Cargo.toml", "Cargo.lock"):
        for path in REPO_DIR.glob(pattern):
            if path.stat().st_mtime > built:
                return str(path.relative_to(REPO_DIR))
    return None


def moto() -> Target:
    def install() -> str:
        _pip_install(VENV, sys.executable, "moto.server", ["moto[server]"])
        return _pip_version(VENV, "moto")

    def launch(port: int, workdir: Path) -> LaunchSpec:
        return LaunchSpec([str(VENV / "bin" / "moto_server"), "-H", HOST, "-p", str(port)], ready_timeout=30)

    return Target("moto", install, launch)


def dynalite() -> Target:
    package_dir = NODE_DIR / "node_modules" / "dynalite"

    def install() -> str:
        _npm_install("dynalite")
        return _npm_version(package_dir)

    def launch(port: int, workdir: Path) -> LaunchSpec:
        return LaunchSpec(["node", str(package_dir / "cli.js"), "--host", HOST, "--port", str(port),
                           "--createTableMs", "0", "--deleteTableMs", "0", "--updateTableMs", "0"],
                          ready_timeout=30)

    return Target("dynalite", install, launch)


# The last free localstack-core (2026.3.0) only runs with the dependencies of its time: later
# releases of cbor2 (6) and pyOpenSSL (26.4) removed APIs it uses. pip resolves as of this date.
LOCALSTACK_SNAPSHOT = "2026-04-01T00:00:00Z"


def localstack(services: tuple[str, ...], ready_timeout: float = 60) -> Target:
    """LocalStack in host mode (no Docker). Its DynamoDB runs DynamoDB Local, a Java jar that
    LocalStack downloads on first use; if it cannot, the readiness probe fails and says so."""

    def install() -> str:
        base = sys.executable if LOCALSTACK_VENV.exists() else _find_python(("3.13", "3.12", "3.11"))
        _pip_install(LOCALSTACK_VENV, base, "localstack.aws.app", ["localstack-core[runtime]"],
                     options=("--uploaded-prior-to", LOCALSTACK_SNAPSHOT))
        return _pip_version(LOCALSTACK_VENV, "localstack-core")

    def launch(port: int, workdir: Path) -> LaunchSpec:
        env = {
            "GATEWAY_LISTEN": f"{HOST}:{port}",
            "GATEWAY_SERVER": "hypercorn",
            "DNS_ADDRESS": "0",
            "OVERRIDE_IN_DOCKER": "0",
            "FILESYSTEM_ROOT": str(workdir / "localstack"),
            "SERVICES": ",".join(services),
            "LOCALSTACK_TELEMETRY_DISABLED": "1",
            "DISABLE_EVENTS": "1",
            "SKIP_SSL_CERT_DOWNLOAD": "1",
        }
        return LaunchSpec([str(_venv_python(LOCALSTACK_VENV)), "-m", "localstack.runtime.main"],
                          env=env, cwd=workdir, ready_timeout=ready_timeout)

    def diagnose(output: str) -> str | None:
        """LocalStack installs some services' backends on first use (DynamoDB: DynamoDB Local and
        a Java 21 to run it); without network access that fails and the service is unavailable."""
        failed = re.search(r"Installation of (.+?) failed", output)
        download = re.search(r"Failed to download archive from (https?://\S+?):\s", output)
        if not (failed or download):
            return None
        what = failed.group(1) if failed else "a package"
        where = f" (cannot download {download.group(1)})" if download else ""
        return (f"{'/'.join(services)} unavailable in LocalStack: installing {what}, which it needs, "
                f"failed on first use{where}")

    return Target("localstack", install, launch, diagnose=diagnose)


MINISTACK_VENV = PEERS_DIR / "ministack"
SLS_DIR = PEERS_DIR / "sls"


def ministack() -> Target:
    """ministack (PyPI), whose Lambda runs functions with a local executor (no Docker). It gets a
    venv of its own: its pins conflict with the benchmark client's boto3."""

    def install() -> str:
        _pip_install(MINISTACK_VENV, sys.executable, "ministack", ["ministack"])
        return _pip_version(MINISTACK_VENV, "ministack")

    def launch(port: int, workdir: Path) -> LaunchSpec:
        env = {"GATEWAY_PORT": str(port), "BIND_HOST": HOST, "LAMBDA_EXECUTOR": "local",
               "LOG_LEVEL": "WARNING", "TMPDIR": str(workdir)}
        return LaunchSpec([str(MINISTACK_VENV / "bin" / "ministack")], env=env, cwd=workdir, ready_timeout=60)

    return Target("ministack", install, launch)


def serverless_offline(handler_dir: Path, functions: dict[str, str], runtime: str = "python3.11") -> Target:
    """serverless-offline 13 (npm, with serverless 3): each function of `functions`
    (name -> handler in `handler_dir`) behind an httpApi route and on the Lambda invoke endpoint,
    which listens on PORT+1. Function names there are `bench-dev-<name>`."""
    serverless_js = SLS_DIR / "node_modules" / "serverless" / "bin" / "serverless.js"

    def install() -> str:
        if not serverless_js.exists():
            if not shutil.which("npm"):
                raise Unavailable("node/npm are not installed")
            SLS_DIR.mkdir(parents=True, exist_ok=True)
            log(f"  npm install serverless@3 serverless-offline@13 into {SLS_DIR.relative_to(REPO_DIR)} ...")
            run_checked(["npm", "install", "--no-audit", "--no-fund", "--loglevel=error", "--prefix", str(SLS_DIR),
                         "serverless@3", "serverless-offline@13"], "npm install serverless-offline", timeout=NPM_TIMEOUT)
        return _npm_version(SLS_DIR / "node_modules" / "serverless-offline")

    def launch(port: int, workdir: Path) -> LaunchSpec:
        service = workdir / "service"
        service.mkdir(parents=True, exist_ok=True)
        for f in handler_dir.iterdir():
            if f.is_file():
                shutil.copy(f, service / f.name)
        lines = ["service: bench", "frameworkVersion: '3'", "provider:", "  name: aws", f"  runtime: {runtime}",
                 "  stage: dev", "  region: us-east-1", "plugins:", "  - serverless-offline", "functions:"]
        for name, handler in functions.items():
            lines += [f"  {name}:", f"    handler: {handler}", "    timeout: 30",
                      "    events:", f"      - httpApi: {{path: /{name}, method: post}}"]
        (service / "serverless.yml").write_text("\n".join(lines) + "\n")
        (workdir / "home").mkdir(exist_ok=True)
        env = {"HOME": str(workdir / "home"), "SLS_TELEMETRY_DISABLED": "1", "SLS_NOTIFICATIONS_MODE": "off",
               "NODE_PATH": str(SLS_DIR / "node_modules")}
        # serverless resolves its plugins from the service directory's node_modules.
        link = service / "node_modules"
        if not link.exists():
            link.symlink_to(SLS_DIR / "node_modules")
        return LaunchSpec(["node", str(serverless_js), "offline", "start", "--host", HOST,
                           "--httpPort", str(port), "--lambdaPort", str(port + 1),
                           "--websocketPort", str(port + 2), "--albPort", str(port + 3), "--noPrependStageInUrl"],
                          env=env, cwd=service, ready_timeout=60)

    return Target("serverless-offline", install, launch)
