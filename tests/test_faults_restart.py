"""Postgres really restarted in the middle of a Dagster run (docs/FAULTS.md, "The database goes away").

The shared server cannot be restarted under other test processes, so this module starts a Postgres
server of its own (initdb into a temporary directory, a free port), builds a small warehouse on it,
and restarts it with `pg_ctl restart -m fast` the moment dbt, run by Dagster's hourly clickstream
job, is building a table. The dbt step must fail in one line naming the dbt node and the lost
connection, its retry policy must run it again once the server is back, and the marts must end equal
(fingerprint for fingerprint, orchestration/fingerprint.py) to a clean build of the same data.
A password is in the environment throughout (the server trusts local logins, so it is read and never
needed): after the run and a set of reports, it is in none of dbt's logs and artifacts, the Dagster
run's events (messages, errors, metadata) and console, or the report files.
"""
import glob
import json
import os
import secrets
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import psycopg
import pytest

from conftest import REPO, base_env, free_port, run_dbt, warehouse_cli

from orchestration.dagster_defs.retries import is_transient
from orchestration.fingerprint import differences, fingerprint_schema

AS_OF = "2026-11-21"
TENANTS, SCALE, SEED = 1, 0.005, 5
DATABASE = "warehouse"
# every relation, no data test: the run is judged by the marts' fingerprints
NO_TESTS = ("--exclude", "resource_type:unit_test", "resource_type:test")


def _as_server_user(cmd: list[str]) -> list[str]:
    """initdb and pg_ctl refuse to run as root: as root, run them as the postgres user."""
    return ["runuser", "-u", "postgres", "--", *cmd] if os.geteuid() == 0 else cmd


class Server:
    """A throwaway Postgres server: its data directory, port and log, trusting local logins."""

    def __init__(self):
        bins = sorted(glob.glob("/usr/lib/postgresql/*/bin"), key=lambda p: int(Path(p).parent.name))
        if not bins:
            pytest.fail("no Postgres server binaries under /usr/lib/postgresql (the Debian package)")
        self.bin = Path(bins[-1])
        self.home = Path(tempfile.mkdtemp(prefix="warehouse-restart-"))
        if os.geteuid() == 0:
            shutil.chown(self.home, "postgres", "postgres")
        self.data, self.log, self.port = self.home / "data", self.home / "server.log", free_port()

    def run(self, *args: str) -> None:
        subprocess.run(_as_server_user([str(self.bin / args[0]), *args[1:]]), check=True, capture_output=True,
                       text=True, timeout=120)

    def start(self) -> None:
        self.run("initdb", "-D", str(self.data), "-A", "trust", "-U", "postgres", "-E", "UTF8", "--no-sync")
        self.run("pg_ctl", "-D", str(self.data), "-l", str(self.log), "-w", "-o",
                 f"-p {self.port} -k {self.home} -c listen_addresses=127.0.0.1 -c fsync=off", "start")

    def restart(self) -> None:
        # fast: the server ends every session (dbt's included) at once, as a deploy or a crash would;
        # -l again, or the new server would write to (and hold open) this process's pipes
        self.run("pg_ctl", "-D", str(self.data), "-l", str(self.log), "-m", "fast", "-w", "restart")

    def stop(self) -> None:
        subprocess.run(_as_server_user([str(self.bin / "pg_ctl"), "-D", str(self.data), "-m", "immediate", "stop"]),
                       capture_output=True, check=False, timeout=120)
        shutil.rmtree(self.home, ignore_errors=True)

    def connect(self, database: str = "postgres"):
        return psycopg.connect(host="127.0.0.1", port=self.port, user="postgres", dbname=database, autocommit=True)


@pytest.fixture(scope="module")
def restarted(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("restart")
    server = Server()
    try:
        server.start()
        with server.connect() as con:
            con.execute(f'create database "{DATABASE}"')
        secret = "pw-" + secrets.token_hex(12)
        env = {**base_env(tmp), "PGHOST": "127.0.0.1", "PGPORT": str(server.port), "PGUSER": "postgres",
               "PGDATABASE": DATABASE, "PGPASSWORD": secret, "REPORTS_SMTP_PASSWORD": secret}
        warehouse_cli(env, "generate", "--tenants", str(TENANTS), "--scale", str(SCALE), "--seed", str(SEED),
                      "--as-of-date", AS_OF, "--target", "postgres", "--no-progress")
        run_dbt(env, "postgres", tmp / "target", "build", "--full-refresh", *NO_TESTS)
        with server.connect(DATABASE) as con:
            clean = fingerprint_schema(con, "marts")
        run, restarts = _dagster_run_with_a_restart(server, env, tmp)
        with server.connect(DATABASE) as con:
            after = fingerprint_schema(con, "marts")
        # after the faults, the reports of the same warehouse, written where the Dagster run writes them
        warehouse_cli(env, "report", "--kind", "all", "--cadence", "monthly", "--as-of-date", AS_OF,
                      "--target", "postgres", "--out", str(tmp / "reports"))
        yield {"clean": clean, "after": after, "run": run, "restarts": restarts, "log": server.log.read_text(),
               "tmp": tmp, "secret": secret}
    finally:
        server.stop()


def _dagster_run_with_a_restart(server: Server, env: dict, tmp: Path) -> tuple[dict, list[str]]:
    """The hourly clickstream job through Dagster, the server restarted the first time dbt builds a
    table (a query on a `__dbt_tmp` relation)."""
    env = {**env, "DBT_TARGET": "postgres", "WAREHOUSE_AS_OF_DATE": AS_OF, "DAGSTER_HOME": str(tmp / "dagster_home"),
           # the first retry waits this long: the restarted server is up again within it
           "WAREHOUSE_RETRY_DELAY_SECONDS": "5", "WAREHOUSE_REPORTS_DIR": str(tmp / "reports"),
           # the Dagster run's dbt artifacts beside the build's (its manifest is there), inside the scanned tmp;
           # its parse (same target, profile and vars) spares each dbt attempt a full parse of the project
           "DBT_TARGET_PATH": str(tmp / "target"),
           "DAGSTER_JOB_EVENT_LOG": str(tmp / "dagster_home" / "event_log.jsonl")}
    (tmp / "dagster_home").mkdir(exist_ok=True)
    restarts: list[str] = []
    done = threading.Event()

    def restart_at_the_first_build_query():
        with server.connect() as con:
            while not done.is_set():
                # active, or between the statements of its transaction (create, rename, drop): at this
                # scale a statement takes a few milliseconds, the transaction around it many times that
                row = con.execute("select query from pg_stat_activity where datname = %s "
                                  "and state in ('active', 'idle in transaction') "
                                  "and query like %s and pid <> pg_backend_pid() limit 1",
                                  [DATABASE, "%__dbt_tmp%"]).fetchone()
                if row:
                    restarts.append(row[0][:200])
                    break
                time.sleep(0.02)
        if restarts:
            server.restart()

    watcher = threading.Thread(target=restart_at_the_first_build_query, daemon=True)
    watcher.start()
    try:
        proc = subprocess.run([sys.executable, str(REPO / "tests" / "dagster_job.py"), "hourly_clickstream", "{}"],
                              cwd=REPO, env=env, capture_output=True, text=True, check=False, timeout=1200)
    finally:
        done.set()
        watcher.join(timeout=180)
    # the run's console (Dagster logs each event there), kept for the scan for secrets
    (tmp / "dagster_home" / "console.log").write_text(proc.stdout + proc.stderr)
    lines = [line for line in proc.stdout.splitlines() if line.startswith("RESULT ")]
    assert lines, proc.stderr[-4000:]
    return json.loads(lines[-1][len("RESULT "):]), restarts


def test_the_server_restarted_while_dbt_built_a_table(restarted):
    assert restarted["restarts"], "no build query was seen running: nothing was restarted, the run proved nothing"
    log = restarted["log"]
    assert "received fast shutdown request" in log and "database system is ready to accept connections" in log


def test_the_dbt_step_failed_in_one_line_naming_the_node_and_its_retry_succeeded(restarted):
    run = restarted["run"]
    assert run["success"] is True and run["failed_steps"] == [], run
    assert len(run["retried"]) == 1
    step, _, message = run["retried"][0].partition(": ")
    assert step == "warehouse_dbt"
    line = next(line for line in message.splitlines() if "dbt build failed" in line)
    assert "dbt build failed at " in line and ".warehouse." in line, line          # the node that was running
    assert is_transient(line), line          # the lost connection, which is why it was retried


def test_after_the_retry_every_mart_equals_a_clean_build(restarted):
    assert restarted["clean"], "no mart was fingerprinted"
    assert differences(restarted["clean"], restarted["after"]) == {}


def _files_holding(root: Path, secret: str) -> list[Path]:
    return sorted(p for p in root.rglob("*") if p.is_file() and secret.encode() in p.read_bytes())


def test_no_password_reaches_logs_metadata_or_reports(restarted):
    tmp, secret = restarted["tmp"], restarted["secret"]
    dagster_files = [p for p in (tmp / "dagster_home").rglob("*") if p.is_file()]
    reports = [p for p in (tmp / "reports").rglob("*") if p.is_file()]
    # what is scanned exists: the run's every event (metadata, step errors) and console, dbt's logs, the reports
    events = (tmp / "dagster_home" / "event_log.jsonl").read_text()
    assert "ASSET_MATERIALIZATION" in events and "STEP_UP_FOR_RETRY" in events
    assert len(dagster_files) >= 2 and reports and list(tmp.rglob("dbt.log"))
    assert _files_holding(tmp, secret) == []
    # the scan itself can fail: the secret written into Dagster's storage is found there
    probe = tmp / "dagster_home" / "probe.log"
    probe.write_text(f"connecting with {secret}\n")
    try:
        assert _files_holding(tmp, secret) == [probe]
    finally:
        probe.unlink()
