"""A local BigQuery emulator for the tests and for `make bigquery-emulator`: install, start, stop.

bqemulator 1.4.0 (PyPI) serves BigQuery's REST and gRPC APIs over an in-memory DuckDB. It lives in
its own venv, .bqemulator/venv: it needs duckdb 1.5.x (the project has 2.x) and, at start-up,
DuckDB's `spatial` extension, which it would download. `install` pip-installs the pinned
requirements (tests/bqemulator_requirements.txt) and installs the extensions from their PyPI
wheels into the emulator's own HOME (.bqemulator/home), so it starts offline. `make test` runs
the install before the tests; the tests never reach the network.

It is started through tests/bqemulator_workarounds.py (the emulator's bugs that block dbt, patched
in its process) on 127.0.0.1 only, and dbt talks to it through the profile's `bigquery_emulator`
target (BIGQUERY_API_ENDPOINT).

    .venv/bin/python tests/bigquery_emulator.py install
    .venv/bin/python tests/bigquery_emulator.py serve --port 9050     # until Ctrl-C
"""
from __future__ import annotations

import argparse
import hashlib
import os
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
ROOT = REPO / ".bqemulator"
VENV = ROOT / "venv"
HOME = ROOT / "home"
REQUIREMENTS = Path(__file__).with_name("bqemulator_requirements.txt")
WORKAROUNDS = Path(__file__).with_name("bqemulator_workarounds.py")
PROJECT = "warehouse-emulator"
# the DuckDB extensions bqemulator loads at start-up, shipped as wheels (duckdb-extension-<name>)
EXTENSION_PACKAGES = ("duckdb_extension_spatial", "duckdb_extension_avro")


def python() -> Path:
    return VENV / "bin" / "python"


def _digest() -> str:
    return hashlib.sha256(REQUIREMENTS.read_bytes() + WORKAROUNDS.name.encode()).hexdigest()


def installed() -> bool:
    marker = VENV / ".requirements.sha256"
    return marker.exists() and marker.read_text() == _digest()


def install() -> None:
    """The venv with the pinned emulator, and DuckDB's extensions installed from their wheels."""
    if installed():
        return
    subprocess.run([sys.executable, "-m", "venv", "--clear", str(VENV)], check=True)
    subprocess.run([str(python()), "-m", "pip", "install", "--quiet", "-r", str(REQUIREMENTS)], check=True)
    install_extensions = (
        "import duckdb, importlib, pathlib, sys\n"
        "con = duckdb.connect()\n"
        "for name in sys.argv[1:]:\n"
        "    package = pathlib.Path(importlib.import_module(name).__file__).parent\n"
        "    con.execute(\"install '\" + str(next(package.rglob('*.duckdb_extension'))) + \"'\")\n"
    )
    HOME.mkdir(parents=True, exist_ok=True)
    subprocess.run([str(python()), "-c", install_extensions, *EXTENSION_PACKAGES], check=True,
                   env=emulator_env())
    (VENV / ".requirements.sha256").write_text(_digest())


def emulator_env() -> dict:
    """The emulator's process environment: its own HOME (DuckDB's extension directory), no telemetry."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("BQEMU_", "OTEL_"))}
    env.update(HOME=str(HOME), PYTHONUNBUFFERED="1", BQEMU_LOG_LEVEL="warning")
    return env


def client_env(endpoint: str) -> dict:
    """Variables for dbt (target bigquery_emulator) and the loader to use the emulator at endpoint;
    google-auth must never look for a metadata server."""
    return dict(BIGQUERY_API_ENDPOINT=endpoint, BIGQUERY_PROJECT=PROJECT, BIGQUERY_LOCATION="US",
                GCE_METADATA_HOST="127.0.0.1:1", GCE_METADATA_IP="127.0.0.1:1", NO_GCE_CHECK="true")


def command(rest_port: int, grpc_port: int) -> list[str]:
    return [str(python()), str(WORKAROUNDS), "start", "--rest-host", "127.0.0.1", "--rest-port", str(rest_port),
            "--grpc-host", "127.0.0.1", "--grpc-port", str(grpc_port), "--project", PROJECT, "--ephemeral"]


@dataclass
class Emulator:
    """One running emulator; `endpoint` is its REST address on the loopback interface."""
    rest_port: int
    grpc_port: int
    log_path: Path
    process: subprocess.Popen | None = field(default=None, repr=False)

    @property
    def endpoint(self) -> str:
        return f"http://127.0.0.1:{self.rest_port}"

    def start(self, timeout: float = 60) -> Emulator:
        if not installed():
            raise RuntimeError("the BigQuery emulator is not installed: run `make bigquery-emulator-venv` "
                               "(make test does)")
        log = self.log_path.open("ab")
        self.process = subprocess.Popen(command(self.rest_port, self.grpc_port), env=emulator_env(),
                                        stdout=log, stderr=subprocess.STDOUT, cwd=ROOT)
        deadline = time.monotonic() + timeout
        url = f"{self.endpoint}/bigquery/v2/projects/{PROJECT}/datasets"
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"the BigQuery emulator exited at start-up: {self.log_path.read_text()[-2000:]}")
            try:
                with urllib.request.urlopen(url, timeout=2):
                    return self
            except OSError:
                time.sleep(0.2)
        self.stop()
        raise RuntimeError(f"the BigQuery emulator did not answer within {timeout}s")

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = p.add_subparsers(dest="command", required=True)
    sub.add_parser("install")
    s = sub.add_parser("serve")
    s.add_argument("--port", type=int, default=9050, help="REST port (gRPC: the next one)")
    args = p.parse_args(argv)
    install()
    if args.command == "serve":
        cmd = command(args.port, args.port + 1)
        print(f"BigQuery emulator on http://127.0.0.1:{args.port} (project {PROJECT}); dbt: "
              f"BIGQUERY_API_ENDPOINT=http://127.0.0.1:{args.port} dbt build --target bigquery_emulator", flush=True)
        os.execvpe(cmd[0], cmd, emulator_env())
    return 0


if __name__ == "__main__":
    sys.exit(main())
