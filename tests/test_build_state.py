"""`warehouse build` is state-aware (orchestration/build_state.py, docs/DECISIONLOG.md "Builds with
nothing new"): with nothing new since the last successful build it starts no dbt and the marts stay
as they were; after new rows in one raw table it builds only what that table feeds, and the marts
equal, fingerprint for fingerprint, those of a full `dbt build` of a copy of the same data; a changed
as_of_date, project or arguments, --full-refresh and --all build everything; a failed build leaves no
record. DuckDB end to end (one tenant, scale 0.005); the record itself on Postgres too."""
import json
import shutil
from dataclasses import replace
from datetime import datetime
from pathlib import Path

import duckdb
import pytest

from conftest import (AS_OF, REPO, base_env, pg_env, pg_test_db, reset_pg_database, run_dbt,
                      warehouse_cli)
from orchestration import build_state
from orchestration.build_state import BuildInputs, SourceState, decide
from orchestration.fingerprint import differences, fingerprint_schema

NEXT_DAY = "2026-11-22"
BUILD = ("build", "--as-of-date", AS_OF.isoformat())
LATEST_VERSIONS = ("select * from raw_crm.opportunities qualify row_number() over (partition by tenant_id, id "
                   "order by updated_at desc, _loaded_at desc) = 1")
# the latest versions of three opportunities, as the raw table holds them
LATEST_THREE = (f"select * from ({LATEST_VERSIONS}) where amount > 0 and updated_at < timestamp '2026-11-15' "
                "order by id limit 3")
# ... and a new version of each: amount doubled, updated an hour later, landed a day later
NEW_VERSIONS = (f"select * replace (amount * 2 as amount, updated_at + interval 1 hour as updated_at, "
                f"_loaded_at + interval 1 day as _loaded_at) from ({LATEST_THREE})")


# --- the decision, on hand-made inputs --------------------------------------------------------------

def _inputs(**changes) -> BuildInputs:
    base = BuildInputs("digest-1", "2026-11-21", build_state.dbt_args_key("duckdb", []),
                       (SourceState("raw_crm", "leads", 10, "2026-11-20 10:00:00", None),
                        SourceState("raw_billing", "invoices", 7, "2026-11-20 09:00:00", None),
                        SourceState("forecast", "revenue_forecast", None, None, None)),
                       datetime(2026, 11, 21, 2, 0, 0))
    return replace(base, **changes)


def test_same_inputs_are_nothing_new():
    d = decide(_inputs(built_at=None), _inputs())
    assert d.kind == "nothing_new"
    assert d.line() == ("warehouse build: nothing new since the build of 2026-11-21 02:00:00 UTC: every raw "
                        "table, the project and as_of_date are unchanged; the marts are current")


def test_a_new_load_selects_what_that_source_feeds():
    now = _inputs(sources=(SourceState("raw_crm", "leads", 12, "2026-11-21 10:00:00", None),
                           *_inputs().sources[1:]))
    d = decide(now, _inputs())
    assert (d.kind, d.selectors) == ("changed_sources", ("source:raw_crm.leads+",))
    # a source that appeared (the forecast ran) counts as changed too
    now = _inputs(sources=(*_inputs().sources[:2], SourceState("forecast", "revenue_forecast", 3, "2026-11-21",
                                                               "3:123")))
    assert decide(now, _inputs()).selectors == ("source:forecast.revenue_forecast+",)


@pytest.mark.parametrize(("now", "flags", "reason"), [
    (_inputs(as_of_date="2026-11-22"), {}, "as_of_date 2026-11-22 differs from 2026-11-21"),
    (_inputs(project_digest="digest-2"), {}, "the project's files changed"),
    (_inputs(dbt_args=build_state.dbt_args_key("duckdb", ["--threads", "2"])), {}, "dbt arguments differ"),
    (_inputs(dbt_args=build_state.dbt_args_key("postgres", [])), {}, "target or dbt arguments differ"),
    (_inputs(), {"full_refresh": True}, "(--full-refresh)"),
    (_inputs(), {"build_all": True}, "(--all)"),
])
def test_other_inputs_or_flags_build_everything(now, flags, reason):
    d = decide(now, _inputs(), **flags)
    assert d.kind == "everything" and reason in d.reason and not d.selectors


def test_no_record_builds_everything_and_a_user_selection_is_kept_whole():
    assert decide(_inputs(), None).reason == "building everything: no record of an earlier successful build"
    args = build_state.dbt_args_key("duckdb", ["--select", "fct_mrr"])
    changed = _inputs(dbt_args=args, sources=(SourceState("raw_crm", "leads", 11, "x", None),
                                              *_inputs().sources[1:]))
    d = decide(changed, _inputs(dbt_args=args))
    assert d.kind == "everything" and not d.selectors and d.changed == ("raw_crm.leads",)


def test_the_digest_covers_the_files_dbt_reads_and_nothing_else(tmp_path):
    for top in ("dbt_project.yml", "models", "macros", "seeds", "snapshots"):
        src = REPO / top
        (shutil.copy if src.is_file() else shutil.copytree)(src, tmp_path / top)
    before = build_state.project_digest(tmp_path)
    (tmp_path / "README.md").write_text("not read by dbt")
    assert build_state.project_digest(tmp_path) == before
    model = tmp_path / "models" / "intermediate" / "utilities" / "util_months.sql"
    model.write_text(model.read_text() + "\n")
    assert build_state.project_digest(tmp_path) != before


def test_every_contract_table_and_the_forecast_are_sources():
    from orchestration.contract import load
    sources = build_state.declared_sources()
    raw = {(t.source, t.name) for t in load()}
    assert {(s.schema, s.table) for s in sources if s.append_only} == raw
    assert [(s.schema, s.table, s.loaded_at) for s in sources if not s.append_only] == [
        ("marts", "revenue_forecast", "as_of_date")]
    assert all(s.loaded_at == "_loaded_at" for s in sources if s.append_only)


# --- DuckDB, end to end -----------------------------------------------------------------------------

class Built:
    def __init__(self, tmp: Path):
        self.tmp = tmp
        self.db = tmp / "w.duckdb"
        self.target = tmp / "target"
        self.env = base_env(tmp)
        # what is built is the subject here: the unit tests (the same on any data) run in the session
        # builds on both engines (tests/test_dbt_build.py), not once per build of this module
        self.env.update(DBT_DUCKDB_PATH=str(self.db), DBT_TARGET_PATH=str(self.target),
                        DBT_EXCLUDE_RESOURCE_TYPES="unit_test")
        self.first_models: set[str] = set()

    def build(self, *args, check=True):
        return warehouse_cli(self.env, *args, check=check)

    def models_run(self) -> set[str]:
        results = json.loads((self.target / "run_results.json").read_text())["results"]
        return {r["unique_id"].split(".")[-1] for r in results if r["unique_id"].startswith("model.")}

    def marts(self) -> dict:
        con = duckdb.connect(str(self.db), read_only=True)
        try:
            return fingerprint_schema(con, "marts")
        finally:
            con.close()

    def query(self, sql: str, db: Path | None = None, read_only=True):
        con = duckdb.connect(str(db or self.db), read_only=read_only)
        try:
            return con.execute(sql).fetchall()
        finally:
            con.close()


def _first_line(proc) -> str:
    return proc.stdout.splitlines()[0]


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> Built:
    b = Built(tmp_path_factory.mktemp("build_state"))
    warehouse_cli(b.env, "generate", "--tenants", "1", "--scale", "0.005", "--seed", "42", "--as-of-date",
                  AS_OF.isoformat(), "--target", "duckdb", "--no-progress")
    first = b.build(*BUILD)
    assert _first_line(first) == "warehouse build: building everything: no record of an earlier successful build"
    b.first_models = b.models_run()
    return b


def test_a_second_build_with_nothing_new_starts_no_dbt(built):
    before = built.marts()
    results = built.target / "run_results.json"
    stamp = results.stat().st_mtime_ns
    log_size = (built.tmp / "logs" / "dbt.log").stat().st_size
    again = built.build(*BUILD)
    assert again.stdout.splitlines() == [_first_line(again)]
    assert _first_line(again).startswith("warehouse build: nothing new since the build of ")
    assert _first_line(again).endswith("every raw table, the project and as_of_date are unchanged; the marts are "
                                       "current")
    assert results.stat().st_mtime_ns == stamp                          # dbt wrote no results ...
    assert (built.tmp / "logs" / "dbt.log").stat().st_size == log_size  # ... nor a line of log
    assert not differences(before, built.marts())


def test_new_rows_in_one_raw_table_build_what_it_feeds_and_equal_a_full_build(built, tmp_path):
    from orchestration.generator.load import append_rows
    con = duckdb.connect(str(built.db), read_only=True)
    batch = con.sql(NEW_VERSIONS).to_arrow_table()
    old_amounts = dict(con.execute(f"select id, amount from ({LATEST_THREE})").fetchall())
    con.close()
    assert batch.num_rows == 3
    append_rows(batch, "raw_crm", "opportunities", built.db)
    copy = tmp_path / "copy.duckdb"
    shutil.copy(built.db, copy)

    selective = built.build(*BUILD)
    assert _first_line(selective).startswith("warehouse build: building what 1 changed source table feed, since "
                                             "the build of ")
    assert _first_line(selective).endswith(": raw_crm.opportunities")
    ran = built.models_run()
    assert {"base_crm__opportunities", "stg_crm__opportunities", "fct_opportunities"} <= ran
    assert "stg_billing__invoices" not in ran and "stg_commerce__orders" not in ran and ran < built.first_models
    # the new versions reached the mart: each amount doubled (the generator's amount, by hand)
    ids = ", ".join(f"'{i}'" for i in old_amounts)
    got = dict(built.query(f"select opportunity_id, amount from marts.fct_opportunities where opportunity_id in ({ids})"))
    assert got == {i: a * 2 for i, a in old_amounts.items()}

    env = {**built.env, "DBT_DUCKDB_PATH": str(copy)}
    run_dbt(env, "duckdb", tmp_path / "target", "build")
    con = duckdb.connect(str(copy), read_only=True)
    try:
        full = fingerprint_schema(con, "marts")
    finally:
        con.close()
    assert not differences(full, built.marts())
    assert _first_line(built.build(*BUILD)).startswith("warehouse build: nothing new since")


def test_a_new_as_of_date_builds_everything(built):
    proc = built.build("build", "--as-of-date", NEXT_DAY)
    assert _first_line(proc).startswith("warehouse build: building everything: as_of_date 2026-11-22 differs from "
                                        "2026-11-21 of the build of ")
    assert built.models_run() == built.first_models
    assert _first_line(built.build("build", "--as-of-date", NEXT_DAY)).startswith(
        "warehouse build: nothing new since")


@pytest.mark.parametrize(("flags", "line"), [
    ((), "warehouse build: nothing new since the build of "),
    (("--full-refresh",), "warehouse build: building everything (--full-refresh)"),
    (("--all",), "warehouse build: building everything (--all)"),
    (("--", "--threads", "1"), "warehouse build: building everything: the target or dbt arguments differ from "),
])
def test_full_refresh_all_or_other_arguments_build_everything(built, flags, line):
    stamp = (built.target / "run_results.json").stat().st_mtime_ns
    assert _first_line(built.build("build", "--as-of-date", NEXT_DAY, "--dry-run", *flags)).startswith(line)
    assert (built.target / "run_results.json").stat().st_mtime_ns == stamp      # --dry-run starts no dbt


def test_a_changed_project_builds_everything(built):
    # the record says another project: what a changed model file makes of it (the digest test above)
    built.query("update warehouse_meta.build_state set project_digest = 'another'", read_only=False)
    assert _first_line(built.build("build", "--as-of-date", NEXT_DAY, "--dry-run")).startswith(
        "warehouse build: building everything: the project's files changed since the build of ")
    built.query(f"update warehouse_meta.build_state set project_digest = '{build_state.project_digest()}'",
                read_only=False)


def test_a_failed_build_records_nothing(built):
    day = ("build", "--as-of-date", NEXT_DAY)
    assert built.query("select count(*) from warehouse_meta.build_state")[0][0] > 0
    built.query("alter table raw_billing.invoices rename to invoices_aside", read_only=False)
    try:
        failed = built.build(*day, check=False)
    finally:
        built.query("alter table raw_billing.invoices_aside rename to invoices", read_only=False)
    assert failed.returncode != 0
    assert _first_line(failed).endswith(": raw_billing.invoices")
    assert _first_line(built.build(*day, "--dry-run")) == (
        "warehouse build: building everything: no record of an earlier successful build")


# --- the record on Postgres -------------------------------------------------------------------------

@pytest.mark.postgres
def test_the_record_on_postgres(tmp_path):
    import psycopg

    from orchestration.generator.load import append_rows, pg_conninfo
    dbname = pg_test_db("warehouse_test_build_state")
    reset_pg_database(dbname)
    env = pg_env(tmp_path, dbname)
    warehouse_cli(env, "generate", "--tenants", "1", "--scale", "0.005", "--seed", "42", "--as-of-date",
                  AS_OF.isoformat(), "--target", "postgres", "--no-progress")
    dry = ("build", "--target", "postgres", "--as-of-date", AS_OF.isoformat(), "--dry-run")
    assert _first_line(warehouse_cli(env, *dry)).endswith("no record of an earlier successful build")
    args = build_state.dbt_args_key("postgres", [])
    with psycopg.connect(**pg_conninfo(dbname), autocommit=True) as con:
        inputs = build_state.take_inputs(con, AS_OF.isoformat(), args)
        counts = {(s.source, s.table): s.rows for s in inputs.sources}
        assert counts[("raw_crm", "opportunities")] == con.execute(
            "select count(*) from raw_crm.opportunities").fetchone()[0]
        assert counts[("forecast", "revenue_forecast")] is None           # absent until the forecast runs
        build_state.record(con, inputs)
        back = build_state.read_record(con)
        assert back.by_source() == inputs.by_source()
        assert (back.project_digest, back.as_of_date, back.dbt_args) == (inputs.project_digest, AS_OF.isoformat(),
                                                                          args)
    assert _first_line(warehouse_cli(env, *dry)).startswith("warehouse build: nothing new since the build of ")

    with psycopg.connect(**pg_conninfo(dbname), autocommit=True) as con:
        rows = con.execute("select * from raw_crm.opportunities order by id limit 2").fetchall()
        cols = [d.name for d in con.execute("select * from raw_crm.opportunities limit 0").description]
        # a forecast table rewritten in place: same count, same as_of_date, another value
        con.execute("create schema if not exists marts")
        con.execute("create table marts.revenue_forecast (tenant_id text, as_of_date date, point_forecast double "
                    "precision)")
        con.execute("insert into marts.revenue_forecast values ('tn_001', '2026-11-21', 1.5), "
                    "('tn_001', '2026-11-21', 2.5)")
        first = build_state.take_inputs(con, AS_OF.isoformat(), args)
        con.execute("update marts.revenue_forecast set point_forecast = 3.5 where point_forecast = 2.5")
        second = build_state.take_inputs(con, AS_OF.isoformat(), args)
    forecast = ("forecast", "revenue_forecast")
    assert first.by_source()[forecast].rows == second.by_source()[forecast].rows == 2
    assert first.by_source()[forecast].max_loaded_at == second.by_source()[forecast].max_loaded_at
    assert decide(second, replace(first, built_at=datetime(2026, 11, 21))).selectors == (
        "source:forecast.revenue_forecast+",)

    import pyarrow as pa
    batch = pa.Table.from_pylist([dict(zip(cols, r, strict=True)) for r in rows])
    append_rows(batch, "raw_crm", "opportunities", pg_database=dbname)
    with psycopg.connect(**pg_conninfo(dbname), autocommit=True) as con:
        con.execute("drop table marts.revenue_forecast")
        d = decide(build_state.take_inputs(con, AS_OF.isoformat(), args), build_state.read_record(con))
    assert d.selectors == ("source:raw_crm.opportunities+",)

    # any dbt run drops the record as it starts (on-run-start forget_build_state)
    run_dbt(env, "postgres", tmp_path / "target", "seed", "--select", "currencies")
    assert _first_line(warehouse_cli(env, *dry)).endswith("no record of an earlier successful build")

