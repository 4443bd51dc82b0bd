"""Shared fixtures: one generated and built warehouse per engine for the whole session.

Both engines get the same raw data (same seed, scale and as-of date), so
their outputs can be compared row for row. Postgres is the server at the PG*
env vars (127.0.0.1:5432 by default); the tests use their own database.
"""
import functools
import os
import re
import shutil
import socket
import subprocess
import sys
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

import pytest

from orchestration.files import copy_whole

REPO = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
AS_OF = date(2026, 11, 21)
SEED = 42
SCALE = 0.05
TENANTS = 3


def pg_test_db(name: str) -> str:
    """A Postgres database name of this test process only: several test runs share one server."""
    return f"{name}_{os.getpid()}"


def contract_table_count() -> int:
    """How many raw tables docs/contracts/raw_sources.yml declares, read from the YAML itself."""
    import yaml
    doc = yaml.safe_load((REPO / "docs" / "contracts" / "raw_sources.yml").read_text())
    return sum(len(body["tables"]) for body in doc["sources"].values())


PG_TEST_DB = os.environ.get("WAREHOUSE_TEST_PGDATABASE", pg_test_db("warehouse_test"))
_CREATED_PG_DATABASES: set[str] = set()


@dataclass
class Warehouse:
    target: str
    env: dict
    target_path: Path
    build: subprocess.CompletedProcess

    def dbt(self, *args, check=True):
        return run_dbt(self.env, self.target, self.target_path, *args, check=check)


def base_env(tmp: Path) -> dict:
    profiles = tmp / "profiles"
    profiles.mkdir(parents=True, exist_ok=True)
    shutil.copy(REPO / "profiles.yml.example", profiles / "profiles.yml")
    env = {k: v for k, v in os.environ.items() if not k.startswith("DBT_")}
    # No usage reporting from dbt or Dagster (the webserver would upload telemetry): tests stay offline.
    env.update(DBT_PROFILES_DIR=str(profiles), DBT_SEND_ANONYMOUS_USAGE_STATS="false",
               DBT_LOG_PATH=str(tmp / "logs"), PYTHONUNBUFFERED="1", DAGSTER_DISABLE_TELEMETRY="1")
    return env


def _vars_arg(dbt_vars: dict) -> str:
    return "{" + ", ".join(f"{k}: '{v}'" for k, v in dbt_vars.items()) + "}"


def run_dbt(env, target, target_path, *args, check=True, extra_vars: dict | None = None):
    cmd = [str(BIN / "dbt"), *args, "--target", target, "--target-path", str(target_path)]
    if args and args[0] in ("build", "run", "test", "compile", "seed", "snapshot", "show"):
        cmd += ["--vars", _vars_arg({"as_of_date": AS_OF.isoformat(), **(extra_vars or {})})]
    env = {k: v for k, v in env.items() if k != "DBT_PARTIAL_PARSE_FILE_PATH"}    # this call's own parse
    cwd = REPO
    if target == "duckdb" and Path(env.get("DBT_DUCKDB_PATH", "")).is_absolute():
        # dbt keeps a parse only for the same connection values: the file named relative to its own
        # directory is the same value in every test warehouse, so one parse serves them all
        db = Path(env["DBT_DUCKDB_PATH"])
        cwd, env["DBT_DUCKDB_PATH"] = db.parent, db.name
        cmd += ["--project-dir", str(REPO)]
    parsed = _parse_cache_entry(target, cmd, env)
    Path(target_path).mkdir(parents=True, exist_ok=True)
    own = Path(target_path) / "partial_parse.msgpack"
    if parsed.exists():
        # always, not only into a new target path: the parse left here by the last call may be of
        # other vars (a run-operation after a build), which dbt would throw away for a full parse
        shutil.copy(parsed, own)
    proc = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, check=False, text=True)
    if own.exists() and not parsed.exists():
        copy_whole(own, parsed)     # another test process never reads half a file
    if check and proc.returncode != 0:
        raise AssertionError(f"{' '.join(cmd)} failed:\n{proc.stdout[-6000:]}\n{proc.stderr[-2000:]}")
    return proc


def _project_digest() -> str:
    """A hash of every file dbt parses, and of where the project is (a parse holds absolute paths): a
    cached parse is reused only for exactly this project."""
    global _PROJECT_DIGEST
    if _PROJECT_DIGEST is None:
        import hashlib

        from orchestration.build_state import project_digest
        _PROJECT_DIGEST = hashlib.sha256(f"{REPO}|{project_digest(REPO)}".encode()).hexdigest()[:16]
    return _PROJECT_DIGEST


_PROJECT_DIGEST: str | None = None


def _parse_cache_entry(target: str, cmd: list[str], env: dict) -> Path:
    """Where dbt's parsed project for this call is kept across test processes.

    Every test warehouse has its own target path, so each dbt call there would parse the whole
    project again (about 10 s of CPU). dbt reuses a saved parse made with the same target, --vars,
    connection values (the profile's env vars) and files; the entry is keyed by exactly those, so a
    parse is offered only where dbt accepts it."""
    import hashlib
    import tempfile
    vars_arg = cmd[cmd.index("--vars") + 1] if "--vars" in cmd else ""
    connection = "|".join(f"{k}={env.get(k, '')}" for k in _profile_env_vars())
    key = hashlib.sha256(f"{target}|{vars_arg}|{connection}|{sys.version}".encode()).hexdigest()[:16]
    return Path(tempfile.gettempdir()) / "warehouse-test-parse" / _project_digest() / f"{key}.msgpack"


@functools.cache
def _profile_env_vars() -> list[str]:
    """The env vars profiles.yml reads (their values are the connection values dbt compares); read once."""
    return sorted(set(re.findall(r"env_var\('(\w+)'", (REPO / "profiles.yml.example").read_text())))


def with_cached_parse(env: dict, target: str) -> dict:
    """The env for a process that runs dbt itself (`warehouse build`, a Dagster job) with the session's
    vars: dbt reads the cached parse of this target (_parse_cache_entry) instead of parsing the whole
    project, when there is one (dbt refuses a path that does not exist). It matches a Postgres
    warehouse after its own run_dbt calls; a DuckDB one never, as these processes name the file by its
    absolute path. With other vars dbt sees the difference and parses as it would have."""
    cached = _parse_cache_entry(target, ["--vars", _vars_arg({"as_of_date": AS_OF.isoformat()})], env)
    return {**env, "DBT_PARTIAL_PARSE_FILE_PATH": str(cached)} if cached.exists() else env


def warehouse_cli(env, *args, check=True):
    target = args[args.index("--target") + 1] if "--target" in args[:-1] else env.get("DBT_TARGET", "duckdb")
    proc = subprocess.run([str(BIN / "warehouse"), *args], cwd=REPO, env=with_cached_parse(env, target),
                          capture_output=True, check=False, text=True)
    if check and proc.returncode != 0:
        raise AssertionError(f"warehouse {' '.join(args)} failed: {proc.stderr}")
    return proc


def generate_args(target, **extra):
    args = ["generate", "--tenants", str(TENANTS), "--scale", str(SCALE), "--seed", str(SEED),
            "--as-of-date", AS_OF.isoformat(), "--target", target, "--no-progress"]
    for k, v in extra.items():
        args += [f"--{k.replace('_', '-')}", str(v)]
    return args


@pytest.fixture(scope="session")
def duckdb_warehouse(tmp_path_factory) -> Warehouse:
    tmp = tmp_path_factory.mktemp("duckdb")
    env = base_env(tmp)
    env["DBT_DUCKDB_PATH"] = str(tmp / "warehouse.duckdb")
    warehouse_cli(env, *generate_args("duckdb"))
    build = run_dbt(env, "duckdb", tmp / "target", "build")
    return Warehouse("duckdb", env, tmp / "target", build)


def pg_env(tmp: Path, dbname: str = PG_TEST_DB) -> dict:
    env = base_env(tmp)
    env["PGDATABASE"] = dbname
    return env


def reset_pg_database(dbname: str) -> None:
    import psycopg
    from orchestration.generator.load import pg_conninfo
    info = pg_conninfo("postgres")
    with psycopg.connect(**info, autocommit=True) as con:
        con.execute(f'drop database if exists "{dbname}" with (force)')
        con.execute(f'create database "{dbname}"')
    _CREATED_PG_DATABASES.add(dbname)


def pytest_sessionfinish(session, exitstatus):
    """Drop the databases this process made (names carry its pid, so no other run's are touched)."""
    if not _CREATED_PG_DATABASES:
        return
    import psycopg
    from orchestration.generator.load import pg_conninfo
    try:
        with psycopg.connect(**pg_conninfo("postgres"), autocommit=True) as con:
            for dbname in sorted(_CREATED_PG_DATABASES):
                con.execute(f'drop database if exists "{dbname}" with (force)')
    except psycopg.Error:
        pass    # the server went away: nothing left to clean


@pytest.fixture(scope="session")
def postgres_warehouse(tmp_path_factory) -> Warehouse:
    tmp = tmp_path_factory.mktemp("postgres")
    reset_pg_database(PG_TEST_DB)
    env = pg_env(tmp)
    warehouse_cli(env, *generate_args("postgres"))
    build = run_dbt(env, "postgres", tmp / "target", "build")
    return Warehouse("postgres", env, tmp / "target", build)


def land_raw(target: str, raw_dir: Path, tmp: Path, pg_database: str) -> dict:
    """Load a directory of raw Parquet tables into a fresh DuckDB file (in tmp) or a fresh Postgres
    database, and return the env for dbt to build it."""
    from orchestration.generator.load import load_duckdb, load_postgres
    if target == "duckdb":
        env = base_env(tmp)
        env["DBT_DUCKDB_PATH"] = str(tmp / "warehouse.duckdb")
        load_duckdb(raw_dir, Path(env["DBT_DUCKDB_PATH"]), progress=False)
        return env
    reset_pg_database(pg_database)
    env = pg_env(tmp, pg_database)
    previous = os.environ.get("PGDATABASE")
    os.environ["PGDATABASE"] = pg_database     # the loader reads the PG* env vars
    try:
        load_postgres(raw_dir, progress=False)
    finally:
        if previous is None:
            os.environ.pop("PGDATABASE")
        else:
            os.environ["PGDATABASE"] = previous
    return env


def build_landed(target: str, raw_dir: Path, tmp: Path, pg_database: str, extra_vars: dict | None = None) -> "Warehouse":
    """Land a directory of raw Parquet tables (land_raw) and `dbt build` everything but unit tests on it."""
    env = land_raw(target, raw_dir, tmp, pg_database)
    build = run_dbt(env, target, tmp / "target", "build", "--exclude", "resource_type:unit_test",
                    extra_vars=extra_vars)
    return Warehouse(target, env, tmp / "target", build)


def free_port() -> int:
    """A free TCP port on the loopback interface, for a server a test starts."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def csv_fixture_to_parquet(fixture_dir: Path, out: Path) -> None:
    """Every raw table as Parquet: a fixture's `<schema>.<table>.csv` rows where the file exists (columns it
    leaves out are null), an empty table otherwise."""
    import pyarrow as pa
    import pyarrow.csv as pacsv
    import pyarrow.parquet as pq
    from orchestration.generator.schema import TABLES
    for schema, tables in TABLES.items():
        for table, arrow_schema in tables.items():
            path = fixture_dir / f"{schema}.{table}.csv"
            if path.exists():
                t = pacsv.read_csv(path, convert_options=pacsv.ConvertOptions(
                    column_types={f.name: f.type for f in arrow_schema},
                    strings_can_be_null=True, quoted_strings_can_be_null=False))
                t = pa.table({f.name: t[f.name] if f.name in t.column_names else pa.nulls(t.num_rows, f.type)
                              for f in arrow_schema}, schema=arrow_schema)
            else:
                t = arrow_schema.empty_table()
            (out / schema).mkdir(parents=True, exist_ok=True)
            pq.write_table(t, out / schema / f"{table}.parquet")


def duck_query(wh: Warehouse, sql: str):
    import duckdb
    con = duckdb.connect(wh.env["DBT_DUCKDB_PATH"], read_only=True)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


def pg_query(wh: Warehouse, sql: str):
    import psycopg
    from orchestration.generator.load import pg_conninfo
    with psycopg.connect(**pg_conninfo(wh.env["PGDATABASE"])) as con:
        return con.execute(sql).fetchall()



def rule_summary(check) -> str:
    """A contract rule (orchestration.contract's check) as one short string: its reason, and the
    columns it reads where the reason alone does not say which."""
    if check.reason in ("null_key", "conflicting_versions"):
        return check.reason
    if check.reason == "end_before_start":
        return "end_before_start:" + ",".join(end for _, end in check.pairs)
    if check.reason == "out_of_range" and not check.columns:
        return "out_of_range:dates"
    return f"{check.reason}:{','.join(check.columns)}"


def engine_neutral(value):
    """One representation per value on every engine: numbers as float, instants as naive UTC text,
    dates as ISO text; the form in which tests compare two engines' rows."""
    if isinstance(value, bool) or value is None or isinstance(value, str):
        return value
    if isinstance(value, int | float | Decimal):
        return float(value)
    if isinstance(value, datetime):
        return (value.astimezone(UTC).replace(tzinfo=None) if value.tzinfo else value).isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return str(value)

def query(wh: Warehouse, sql: str):
    return duck_query(wh, sql) if wh.target == "duckdb" else pg_query(wh, sql)


def relation_columns(wh: Warehouse, table: str, schema: str | None = None) -> list[str]:
    """A table's column names in their order in the table (in `schema`, or wherever it is)."""
    where = f"table_name = '{table}'" + (f" and table_schema = '{schema}'" if schema else "")
    return [c for (c,) in query(wh, f"select column_name from information_schema.columns where {where} "
                                    "order by ordinal_position")]


def run_sql(wh: Warehouse, sql: str) -> None:
    """Execute statements (no result) on a test warehouse, as a loader or an operator would."""
    if wh.target == "duckdb":
        import duckdb
        con = duckdb.connect(wh.env["DBT_DUCKDB_PATH"])
        try:
            con.execute(sql)
        finally:
            con.close()
    else:
        import psycopg
        from orchestration.generator.load import pg_conninfo
        with psycopg.connect(**pg_conninfo(wh.env["PGDATABASE"]), autocommit=True) as con:
            con.execute(sql)


def assert_engines_agree(duckdb_wh: Warehouse, postgres_wh: Warehouse, relation: str, keys: str, values: str,
                         digits: int = 2) -> None:
    """The same rows on both engines: numbers rounded to `digits` (cents by default), dates as text."""
    from datetime import date, datetime
    from decimal import Decimal

    def norm(rows):
        return [tuple(round(float(v), digits) if isinstance(v, (float, int, Decimal)) and not isinstance(v, bool)
                      else str(v) if isinstance(v, (date, datetime)) else v for v in r) for r in rows]

    sql = f"select {keys}, {values} from {relation} order by {keys}"
    duck, pg = norm(query(duckdb_wh, sql)), norm(query(postgres_wh, sql))
    assert len(duck) > 0, f"{relation} is empty"
    assert duck == pg


def assert_every_node_ran(wh: Warehouse, unit_tests: bool = True) -> None:
    """A build's fixture fails on a failed build; this holds it to having run everything: every model,
    seed, snapshot and data test of the manifest (and unit test, unless the build excluded them) has a
    passing or warning result; none was skipped or left out."""
    import json
    results = {r["unique_id"]: r["status"]
               for r in json.loads((wh.target_path / "run_results.json").read_text())["results"]}
    manifest = json.loads((wh.target_path / "manifest.json").read_text())
    expected = {uid for uid, n in manifest["nodes"].items() if n["resource_type"] in ("model", "seed", "snapshot", "test")}
    if unit_tests:
        expected |= set(manifest["unit_tests"])
        assert len(manifest["unit_tests"]) >= 24
    assert expected - set(results) == set(), "nodes the build never ran"
    assert {uid: results[uid] for uid in expected if results[uid] not in ("success", "pass", "warn")} == {}


# `make test` runs the suite on two pytest-xdist workers. Tests sharing the session-built warehouses
# must run on one worker, or each worker builds both again: a module whose test or fixture takes
# one of these (as a parameter) joins the one group "session warehouses"; any other module is a
# group of its own, so its module-scoped builds are made once. A module whose one module-scoped build
# is parametrized (an engine, a data set) is split into a group per parameter: each build is made
# once wherever it runs, and two of them can run at the same time on the two workers.
# Groups run longest first: the wall time is the longer worker's queue, so the heaviest groups start
# first and the short ones fill in at the end (order from the CI runs' durations on 2 cores).
SESSION_WAREHOUSES = ("duckdb_warehouse", "postgres_warehouse", "warehouse")
PARAMETER_GROUPS = {"tests/test_faults_builds.py": 1, "tests/test_real_data.py": 2}   # leading parts of the id
LONGEST_FIRST = ["test_faults_restart", "test_dagster", "test_faults_builds[duckdb]", "test_faults_builds[postgres]",
                 "test_real_data[postgres-recent]", "test_real_data[postgres-pre2010]",
                 "test_real_data[duckdb-recent]", "test_real_data[duckdb-pre2010]",
                 "test_readme", "test_bigquery_execute", "test_month_close",
                 "test_contract_new_table", "test_base_incremental",
                 "test_clickstream_incremental", "test_messaging_incremental"]
_TAKES_A_SESSION_WAREHOUSE = re.compile(r"def \w+\([^)]*\b(" + "|".join(SESSION_WAREHOUSES) + r")\b", re.S)


def modules_using_session_warehouses() -> set[str]:
    """Test modules (as pytest names them: tests/test_x.py) with a test or fixture taking a session
    warehouse; read from the source, as xdist's scheduler sees test ids only."""
    return {f"tests/{path.name}" for path in sorted((REPO / "tests").glob("test_*.py"))
            if _TAKES_A_SESSION_WAREHOUSE.search(path.read_text())}


def test_group(nodeid: str, shared: set[str]) -> str:
    """`session warehouses`, `tests/test_x.py`, or for PARAMETER_GROUPS `tests/test_x.py[<param>]`
    (the first parts of the test's id: its module-scoped fixture's parameter)."""
    module = nodeid.split("::", 1)[0]
    if module in shared:
        return "session warehouses"
    parts = PARAMETER_GROUPS.get(module)
    if parts and nodeid.endswith("]") and "[" in nodeid:
        param = nodeid[nodeid.index("[") + 1:-1]
        return f"{module}[{'-'.join(param.split('-')[:parts])}]"
    return module


def group_rank(group: str) -> int:
    """0 for the session group, then LONGEST_FIRST's order, then every other group."""
    if group == "session warehouses":
        return 0
    module, bracket, param = group.partition("[")
    name = Path(module).stem + bracket + param
    return 1 + LONGEST_FIRST.index(name) if name in LONGEST_FIRST else len(LONGEST_FIRST) + 1


def pytest_collection_modifyitems(config, items):
    """The session group first, then LONGEST_FIRST, then the rest in collection order; a module's groups
    are adjacent in LONGEST_FIRST, so a serial run sets each module up once. xdist's scheduler takes
    groups in this order (`--no-loadscope-reorder`)."""
    shared = modules_using_session_warehouses()
    items.sort(key=lambda item: group_rank(test_group(item.nodeid, shared)))   # stable: collection order within


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_make_scheduler(config, log):
    """--dist loadscope, with the groups of test_group instead of one per module."""
    if config.getvalue("dist") != "loadscope":
        return None
    from xdist.scheduler import LoadScopeScheduling
    shared = modules_using_session_warehouses()

    class WarehouseGroups(LoadScopeScheduling):
        def _split_scope(self, nodeid: str) -> str:
            return test_group(nodeid, shared)

    return WarehouseGroups(config, log)


@pytest.fixture(params=["duckdb", "postgres"])
def warehouse(request) -> Warehouse:
    """Each test using this runs once per engine."""
    return request.getfixturevalue(f"{request.param}_warehouse")


# The marts Python computes (forecasts and churn scores) are written by `warehouse forecast` after
# dbt; the models reading the forecast (stg_forecast__revenue_forecasts, targets_vs_actuals) are built
# again after it. Tests that need them on a session warehouse write them and take them away
# afterwards, leaving the warehouse as dbt built it (in its own target path: the session build's
# run_results stay as they were).
def python_mart_tables() -> tuple[str, ...]:
    from orchestration.churn.run import TABLES as CHURN_TABLES
    from orchestration.forecast.run import TABLES as FORECAST_TABLES
    return (*FORECAST_TABLES, *CHURN_TABLES)


def drop_python_marts(wh: "Warehouse") -> None:
    run_sql(wh, "; ".join(f"drop table if exists marts.{t}" for t in python_mart_tables()))


@pytest.fixture(scope="module")
def python_marts():
    """`warehouse forecast` (the forecasts, then the churn scores) on each session warehouse once per
    module, returning its output; the tables are dropped afterwards."""
    built = {}

    def run(wh):
        if wh.target not in built:
            proc = warehouse_cli(wh.env, "forecast", "--target", wh.target, "--as-of-date", AS_OF.isoformat())
            built[wh.target] = (wh, proc)
        return built[wh.target][1]
    yield run
    for wh, _ in built.values():
        drop_python_marts(wh)


FORECAST_READERS = ("build", "--select", "stg_forecast__revenue_forecasts", "targets_vs_actuals",
                    "--exclude", "resource_type:unit_test")


def write_forecast(wh: "Warehouse") -> None:
    warehouse_cli(wh.env, "forecast", "--target", wh.target, "--as-of-date", AS_OF.isoformat())
    run_dbt(wh.env, wh.target, wh.target_path.parent / "target_forecast", *FORECAST_READERS)


def drop_forecast(wh: "Warehouse") -> None:
    drop_python_marts(wh)
    run_dbt(wh.env, wh.target, wh.target_path.parent / "target_forecast", *FORECAST_READERS)


# The churn marts are written by `warehouse churn-risk` after dbt (no model reads them); tests that
# show them write them on a session warehouse and drop them afterwards.
CHURN_TABLES = ("customer_churn_risk", "churn_model_evaluation")


def write_churn_risk(wh: "Warehouse") -> None:
    warehouse_cli(wh.env, "churn-risk", "--target", wh.target, "--as-of-date", AS_OF.isoformat())


def drop_churn_risk(wh: "Warehouse") -> None:
    run_sql(wh, "; ".join(f"drop table if exists marts.{t}" for t in CHURN_TABLES))
