"""Builds under faults, on DuckDB and Postgres (docs/FAULTS.md). On one small generated warehouse per
engine (2 tenants, scale 0.01):
- the same raw data and as_of_date built twice give identical fingerprints for every mart, and the
  snapshots (the month-close record among them) come through a --full-refresh build unchanged (the
  second build is the one after the killed full build below, so it also shows a kill changes neither);
- dbt killed (SIGKILL) at a random point of a full and of an incremental build: no mart is left
  half-built, on Postgres a reader sees the old complete marts throughout, the DuckDB file opens, and
  the next build equals a clean one (no incremental row counted twice);
- on Postgres, dbt's connections ended by the server (pg_terminate_backend, as in a restart): the
  build fails with a line naming the model, and the next build equals a clean one (a real restart
  during a Dagster run, and its retry: tests/test_faults_restart.py);
- afterwards a tenant login sees exactly what it saw before, and none of another tenant's rows; no
  password from the environment is in dbt's logs or artifacts.
The trials are benchmarks/faults.py's, one of each here (the runner does 20)."""
import os
import random
import re
import secrets
import sys
from pathlib import Path

import psycopg
import pytest

from conftest import REPO, base_env, reset_pg_database, warehouse_cli

sys.path.insert(0, str(REPO / "benchmarks"))
import faults

from orchestration.fingerprint import differences
from orchestration.generator.load import pg_conninfo

TENANTS, SCALE, SEED = 2, 0.01, 11
TENANT_LOGIN = f"faults_tn_{os.getpid()}"


def tenant_view(wh: faults.Warehouse, role: str) -> dict[str, tuple[int, int]]:
    """Per mart with a tenant_id: (rows the login sees, of which another tenant's)."""
    with psycopg.connect(**pg_conninfo(wh.database)) as con:
        marts = [r[0] for r in con.execute("select table_name from information_schema.columns where "
                                           "table_schema = 'marts' and column_name = 'tenant_id' order by 1")]
    with psycopg.connect(**{**pg_conninfo(wh.database), "user": role}) as con:
        return {m: con.execute(f"select count(*), count(*) filter (where tenant_id <> 'tn_001') "
                               f"from marts.{m}").fetchone() for m in marts}


@pytest.fixture(scope="module", params=["duckdb", "postgres"])
def faulted(request, tmp_path_factory):
    target = request.param
    tmp = tmp_path_factory.mktemp(f"faults_{target}")
    env = base_env(tmp)
    secret = "pw-" + secrets.token_hex(12)
    database = None
    if target == "postgres":
        database = f"faults_builds_{os.getpid()}"
        reset_pg_database(database)
        # the server trusts local logins, so a password in the environment is read and never needed:
        # exactly what must not be copied into a log or an artifact
        env.update(PGPASSWORD=secret, FAULTS_TENANT_PASSWORD=secret)
    wh = faults.prepare(target, tmp, TENANTS, SCALE, SEED, database, base_env=env)
    out = {"wh": wh, "secret": secret, "tmp": tmp}

    clean_seconds = wh.build(full_refresh=True)
    out["clean"], out["clean_snapshots"] = wh.fingerprints(), wh.fingerprints("snapshots")
    clean = out["clean"]
    if target == "postgres":
        warehouse_cli(wh.env, "access", "tenant-login", TENANT_LOGIN, "tn_001", "--password-env",
                      "FAULTS_TENANT_PASSWORD")
        out["tenant_before"] = tenant_view(wh, TENANT_LOGIN)

    rng = random.Random(SEED)
    # early in the build (10-30 % of a clean one's time): the trial must catch the build running even
    # when the machine is quicker than it was for the clean build (the runner draws from 20-80 %)
    out["full"] = faults.run_trial(wh, "full", "kill9", rng.uniform(0.1, 0.3), clean_seconds, clean, clean)
    # the trial's next run built the same data again, with --full-refresh, to its end
    out["rebuilt"], out["rebuilt_snapshots"] = wh.fingerprints(), wh.fingerprints("snapshots")
    # the incremental trial starts from the very state its reference build started from (a copy)
    before, reference = faults.incremental_start_and_reference(wh)
    out["held_back"], out["incremental_clean"] = before, reference
    out["incremental"] = faults.run_trial(wh, "incremental", "kill9", rng.uniform(0.1, 0.3), clean_seconds,
                                          before, reference)
    if target == "postgres":
        # from the incremental trial's end to a full refresh: each mart is one or the other throughout
        out["terminate"] = faults.run_trial(wh, "full", "terminate", rng.uniform(0.1, 0.3), clean_seconds,
                                            reference, clean)
        out["tenant_after"] = tenant_view(wh, TENANT_LOGIN)
    yield out
    if target == "postgres":
        warehouse_cli(wh.env, "access", "drop-login", TENANT_LOGIN)


def test_the_same_data_built_twice_gives_identical_marts(faulted):
    clean, rebuilt = faulted["clean"], faulted["rebuilt"]
    assert len(clean) >= 27 and all(f.rows > 0 for f in clean.values())
    assert differences(clean, rebuilt) == {}


def test_snapshots_and_the_month_close_survive_a_full_refresh(faulted):
    before, after = faulted["clean_snapshots"], faulted["rebuilt_snapshots"]
    assert {"snap_mrr_monthly_close", "snap_crm__accounts"} <= set(after)
    assert after["snap_mrr_monthly_close"].rows > 0
    assert before == after          # dbt_valid_from included: not one version was rewritten or added


@pytest.mark.parametrize("kind", ["full", "incremental"])
def test_a_killed_build_leaves_whole_marts_and_the_next_run_equals_a_clean_build(faulted, kind):
    trial = faulted[kind]
    assert trial.faulted, "the build ended before the kill: the trial proved nothing"
    assert trial.opens                      # DuckDB: the file opens read-write after the kill
    assert trial.torn == [] and trial.rows_lost == 0
    assert trial.recovery_diff == {}
    if faulted["wh"].target == "postgres":
        assert trial.reads > 0
        assert (trial.reader_errors, trial.reader_changed) == (0, 0)


def test_the_incremental_trial_started_from_other_marts(faulted):
    """The incremental trial is only a test of double counting if the held-back loads changed marts."""
    held_back, clean = faulted["held_back"], faulted["incremental_clean"]
    changed = {m for m in clean if held_back.get(m) != clean[m]}
    assert {"fct_messages", "web_funnel_daily"} <= changed


def test_connections_ended_by_the_server_fail_the_build_with_the_model_named(faulted):
    if faulted["wh"].target != "postgres":
        pytest.skip("a server-side end of connections is a Postgres fault")
    trial = faulted["terminate"]
    assert trial.faulted
    # libpq says one or the other, depending on whether the client was reading when the server ended it
    assert re.search("terminating connection due to administrator command|server closed the connection "
                     "unexpectedly", trial.fault_output)
    # dbt's summary line names the node: "<time>  Database Error in model <name> (<path>)"
    assert re.search(r"Database Error in (model|seed|snapshot|test) \w+", trial.fault_output), trial.fault_output
    assert trial.torn == [] and (trial.reader_errors, trial.reader_changed) == (0, 0)
    assert trial.recovery_diff == {}


def test_a_tenant_sees_exactly_what_it_saw_and_no_other_tenant_after_the_faults(faulted):
    if faulted["wh"].target != "postgres":
        pytest.skip("logins and row-level security are Postgres's")
    before, after = faulted["tenant_before"], faulted["tenant_after"]
    assert len(after) >= 27 and sum(rows for rows, _ in after.values()) > 0
    assert after == before
    assert {m: other for m, (_, other) in after.items() if other} == {}


def test_no_password_reaches_logs_or_artifacts(faulted):
    secret = faulted["secret"]
    leaked = [str(p) for p in Path(faulted["tmp"]).rglob("*")
              if p.is_file() and p.suffix != ".duckdb" and secret.encode() in p.read_bytes()]
    assert leaked == []
    # the scan itself can fail: the same secret written into a log is found
    probe = Path(faulted["tmp"]) / "logs" / "probe.log"
    probe.parent.mkdir(exist_ok=True)
    probe.write_text(f"connecting with {secret}\n")
    try:
        assert [p for p in Path(faulted["tmp"]).rglob("*.log") if secret.encode() in p.read_bytes()] == [probe]
    finally:
        probe.unlink()
