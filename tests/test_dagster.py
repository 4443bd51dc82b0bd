"""Dagster: the Definitions load and cover every asset with checks; the whole graph materialises
in-process on DuckDB with every error-severity check passing, metadata and reports included (the
reports from their five marts alone); a planted order drop alerts through the webhook; the hourly
clickstream job is incremental and the weekly one rebuilds; raw tables with over 5 % of any kind of
bad row, or a stale feed, are stopped by their blocking Great Expectations check before any model
runs (up to 5 % passes) and the failure sensor alerts once; dbt source freshness and the GX freshness
expectations agree on the continuous feeds, whose windows live once (orchestration/contract.py); the
run queue admits one writer run, and a second one stays queued, with `warehouse queue` naming the run that
holds it, until the first ends; external mode observes row counts and newest loads; the webserver
answers GraphQL on loopback; an alert is a JSON log line and a failing webhook never raises."""
import json
import shutil
import subprocess
import threading
import time
import urllib.request
from datetime import date, datetime, timedelta, UTC
from decimal import ROUND_HALF_UP, Decimal
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path
from types import SimpleNamespace

import duckdb
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest

from conftest import AS_OF, BIN, REPO, base_env, free_port, generate_args, warehouse_cli, contract_table_count, with_cached_parse

SCALE = "0.01"
FEEDS = [("raw_billing", "invoices"), ("raw_commerce", "orders"), ("raw_commerce", "web_events"), ("raw_crm", "leads"),
         ("raw_messaging", "conversations"), ("raw_messaging", "message_status_events"), ("raw_messaging", "messages")]


class Webhook:
    """A local HTTP server that records every JSON body POSTed to it."""

    def __init__(self, status: int = 204):
        received = self.received = []

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                received.append(json.loads(self.rfile.read(int(self.headers["Content-Length"]))))
                self.send_response(status)
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = HTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/alerts"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()


def dagster_env(tmp: Path, webhook: Webhook | None = None) -> dict:
    env = base_env(tmp)
    env.update(DBT_DUCKDB_PATH=str(tmp / "warehouse.duckdb"), WAREHOUSE_AS_OF_DATE=AS_OF.isoformat(),
               WAREHOUSE_REPORTS_DIR=str(tmp / "reports"), DAGSTER_HOME=str(tmp / "dagster_home"),
               DBT_TARGET="duckdb",
               # the jobs are the subject here: the unit tests (the same on any data) run in the
               # session builds on both engines (tests/test_dbt_build.py), not in each job's build
               DBT_EXCLUDE_RESOURCE_TYPES="unit_test")
    (tmp / "dagster_home").mkdir(exist_ok=True)
    if webhook:
        env["ALERT_WEBHOOK_URL"] = webhook.url
    return env


def run_job(env: dict, job: str, run_config: dict, *flags) -> dict:
    proc = subprocess.run([str(BIN / "python"), str(REPO / "tests" / "dagster_job.py"), job, json.dumps(run_config),
                           *flags], cwd=REPO, env=with_cached_parse(env, env.get("DBT_TARGET", "duckdb")),
                          capture_output=True, check=False, text=True)
    lines = [line for line in proc.stdout.splitlines() if line.startswith("RESULT ")]
    assert lines, f"{job} did not report:\n{proc.stderr[-4000:]}"
    return json.loads(lines[-1][len("RESULT "):])


def full_build_config(**raw) -> dict:
    """The daily build at a small scale; its clock is WAREHOUSE_AS_OF_DATE (dagster_env), never the config."""
    return {"ops": {"raw_tables": {"config": {"scale": float(SCALE), **raw}},
                    "warehouse_dbt": {"config": {"full_refresh": True}}}}


@pytest.fixture(scope="module", autouse=True)
def current_manifest(tmp_path_factory):
    """The Definitions map dbt's events through target/manifest.json, read when they are imported:
    parse it from the project as it is now (as `dagster dev` does on reload) before any test imports
    them, or a model or test edited since the last parse fails the build on a node it does not know."""
    env = {**base_env(tmp_path_factory.mktemp("parse")), "DBT_TARGET": "duckdb"}
    proc = subprocess.run([str(BIN / "dbt"), "parse", "--project-dir", str(REPO), "--target", "duckdb", "--quiet"],
                          cwd=REPO, env=env, capture_output=True, check=False, text=True)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]


@pytest.fixture(scope="module")
def definitions():
    from orchestration.dagster_defs.definitions import defs
    return defs


def test_definitions_validate_from_the_repo_root(tmp_path):
    proc = subprocess.run([str(BIN / "dagster"), "definitions", "validate"], cwd=REPO, env=dagster_env(tmp_path),
                          capture_output=True, check=False, text=True)
    assert proc.returncode == 0, proc.stderr[-3000:]


def test_every_asset_has_a_check_and_a_group(definitions):
    import dagster as dg
    from orchestration.dagster_defs.raw_quality import raw_tables
    graph = definitions.resolve_asset_graph()
    keys = set(graph.get_all_asset_keys())
    checked = {check.asset_key for check in graph.asset_check_keys}
    assert keys - checked == set()
    raw = {tuple(k.path) for k in keys if graph.get(k).group_name == "raw"}
    assert raw == set(raw_tables()) and len(raw) == contract_table_count()
    groups = {graph.get(k).group_name for k in keys}
    assert {"staging_crm", "staging_billing", "staging_commerce", "quarantine", "intermediate_revenue",
            "intermediate_kpis", "marts_revenue", "marts_sales", "marts_customers", "marts_commerce",
            "marts_kpis", "marts_monitoring", "reference", "snapshots", "reports"} <= groups
    # the cross-domain KPIs have their own folder, so their own group (models/marts/kpis)
    assert {graph.get(dg.AssetKey(["marts", name])).group_name for name in ("period_kpis", "executive_kpis")} \
        == {"marts_kpis"}
    assert graph.get(dg.AssetKey(["intermediate", "int_tenant_daily_activity"])).group_name == "intermediate_kpis"
    # counted from the project's files, not from the manifest the Definitions were loaded from: a
    # model, seed or snapshot dagster-dbt dropped (or one the manifest lacks) changes the count
    import yaml
    models = list((REPO / "models").rglob("*.sql"))
    seeds = list((REPO / "seeds").rglob("*.csv"))
    snapshots = [s["name"] for path in (REPO / "snapshots").rglob("*.yml")
                 for s in (yaml.safe_load(path.read_text()) or {}).get("snapshots", [])]
    assert len(models) >= 100 and len(seeds) >= 5 and len(snapshots) >= 4
    from orchestration.dagster_defs.churn import KEYS as CHURN_KEYS
    from orchestration.dagster_defs.forecast import KEYS as FORECAST_KEYS
    # + the executive and the range reports, the forecast marts and the churn marts
    assert len(keys) == (contract_table_count() + len(models) + len(seeds) + len(snapshots) + 2 + len(FORECAST_KEYS)
                         + len(CHURN_KEYS))


def test_lineage_runs_from_raw_to_marts_and_marts_have_freshness(definitions):
    import dagster as dg
    graph = definitions.resolve_asset_graph()
    upstream = graph.get(dg.AssetKey(["staging", "base_commerce__web_events"])).parent_keys
    assert dg.AssetKey(["raw_commerce", "web_events"]) in upstream
    marts = [k for k in graph.get_all_asset_keys() if k.path[0] == "marts"]
    assert len(marts) >= 20
    # the README's promise: each mart must have been refreshed within 26 hours (a warning after 25)
    windows = {(graph.get(k).freshness_policy.fail_window.to_timedelta(),
                graph.get(k).freshness_policy.warn_window.to_timedelta()) for k in marts}
    assert windows == {(timedelta(hours=26), timedelta(hours=25))}
    others = [k for k in graph.get_all_asset_keys() if k.path[0] != "marts"]
    assert others and all(graph.get(k).freshness_policy is None for k in others)
    assert graph.get(dg.AssetKey(["marts", "fct_mrr"])).owners


def test_reports_depend_on_every_mart_they_read(definitions):
    """The report asset's deps are the marts its SQL reads, each a dbt model of the graph: lineage
    shows what a report is made of, and a stale mart marks the reports stale."""
    import re
    import dagster as dg
    from orchestration.dagster_defs import reports
    graph = definitions.resolve_asset_graph()
    sql = " ".join((reports.KPI_SQL, reports.BRIDGE_SQL, reports.OUTLOOK_SQL,
                    reports.movements_sql(date(2026, 11, 1))))
    read = {dg.AssetKey(["marts", name]) for name in re.findall(r"\bmarts\.(\w+)", sql)}
    assert read == {dg.AssetKey(["marts", name]) for name in ("executive_kpis", "period_kpis", "mrr_monthly",
                                                              "fct_mrr", "dim_customers", "targets_vs_actuals")}
    assert graph.get(reports.REPORTS).parent_keys == read
    assert all(graph.get(key).is_materializable and graph.get(key).group_name.startswith("marts_") for key in read)



def test_range_reports_depend_on_every_mart_they_read(definitions):
    """The range reports' asset depends on every mart a kind's SQL reads (and executive_kpis, whose
    last month proves the marts were built with the run's as-of date)."""
    import re
    import dagster as dg
    from orchestration.dagster_defs import reports
    from orchestration.reports.kinds import SPECS, section_sql, table_sql
    from orchestration.reports.ranges import last_complete_range
    rng = last_complete_range("monthly", date(2026, 12, 6))
    sql = " ".join([*(section_sql(s, rng.window(s.source.window_grain)) for spec in SPECS.values()
                      for s in spec.sections),
                    *(table_sql(t, rng.window(t.source.window_grain)) for spec in SPECS.values() for t in spec.tables)])
    read = {dg.AssetKey(["marts", name]) for name in {*re.findall(r"\bmarts\.(\w+)", sql), "executive_kpis"}}
    graph = definitions.resolve_asset_graph()
    assert graph.get(reports.PERIOD_REPORTS).parent_keys == read
    assert all(graph.get(key).is_materializable and graph.get(key).group_name.startswith("marts_") for key in read)


def test_schedules_and_single_writer(definitions):
    crons = {s.name: s.cron_schedule for s in definitions.schedules}
    assert crons["daily_full_build_schedule"] == "0 2 * * *"
    assert crons["hourly_clickstream_schedule"] == "30 * * * *"
    assert crons["weekly_executive_reports"] == "0 6 * * 1" and crons["monthly_executive_reports"] == "0 6 1 * *"
    assert crons["weekly_messaging_full_refresh_schedule"] == "30 4 * * 0"
    # the range reports after the nightly build: yesterday daily, the last week on Mondays, the last month on the 1st
    assert (crons["daily_reports_schedule"], crons["weekly_reports_schedule"], crons["monthly_reports_schedule"]) == \
        ("15 6 * * *", "30 6 * * 1", "45 6 1 * *")
    from orchestration.dagster_defs.definitions import period_report_jobs
    assert {cadence: job.config["ops"]["reports__period_reports"]["config"]["cadence"]
            for cadence, job in period_report_jobs.items()} == {c: c for c in ("daily", "weekly", "monthly")}
    # the nightly build writes the marts; it runs neither report
    assert not {n for n in definitions.resolve_job_def("daily_full_build").graph.node_names() if n.startswith("reports")}
    for job in ("daily_full_build", "hourly_clickstream", "weekly_clickstream_full_refresh", "weekly_messaging_full_refresh"):
        assert definitions.resolve_job_def(job).tags["warehouse/writer"] == "duckdb"
    # dbt source freshness of the continuous feeds runs in the daily build only
    freshness = {job: sorted(k.asset_key.to_user_string() for k in
                             definitions.resolve_job_def(job).asset_layer.asset_graph.asset_check_keys
                             if k.name == "dbt_source_freshness")
                 for job in ("daily_full_build", "hourly_clickstream", "weekly_clickstream_full_refresh")}
    assert freshness == {"daily_full_build": [f"{s}/{t}" for s, t in FEEDS], "hourly_clickstream": [],
                         "weekly_clickstream_full_refresh": []}


def test_the_instance_admits_one_writer_run_at_a_time(definitions, tmp_path):
    """The instance `make dagster` uses (orchestration/dagster_home/dagster.yaml), loaded by Dagster
    itself: its run queue limits runs tagged warehouse/writer=<target> to one, and Dagster's own
    tag-limit counter, given that config, holds back a second writer run while one is in progress
    (but not the reports, which only read)."""
    import dagster as dg
    from dagster._utils.tags import TagConcurrencyLimitsCounter
    shutil.copy(REPO / "orchestration" / "dagster_home" / "dagster.yaml", tmp_path / "dagster.yaml")
    instance = dg.DagsterInstance.from_config(str(tmp_path))
    try:
        config = instance.get_concurrency_config()
        assert type(instance.run_coordinator).__name__ == "QueuedRunCoordinator"
    finally:
        instance.dispose()
    limits = config.run_queue_config.tag_concurrency_limits
    assert {(limit["value"], limit["limit"]) for limit in limits if limit["key"] == "warehouse/writer"} == \
        {("duckdb", 1), ("postgres", 1)}
    assert config.pool_config.default_pool_limit == 1           # pool warehouse_writer: one writing step
    daily, hourly, reports = (SimpleNamespace(tags=definitions.resolve_job_def(job).tags)
                              for job in ("daily_full_build", "hourly_clickstream", "executive_reports"))
    counter = TagConcurrencyLimitsCounter(limits, [])
    assert not counter.is_blocked(daily)
    counter.update_counters_with_launched_item(daily)
    assert counter.is_blocked(hourly) and not counter.is_blocked(reports)


# What the UI's "Run queue criteria" dialog of a queued run reads (Dagster 1.13, QueuedRunCriteriaDialog):
# the instance's run-queue settings and the run's tags; it lists the limits whose tag the run carries.
QUEUE_CRITERIA_QUERY = """
query QueueCriteria($runId: ID!) {
  instance { runQueuingSupported runQueueConfig { maxConcurrentRuns tagConcurrencyLimitsYaml } }
  runOrError(runId: $runId) { __typename ... on Run { status tags { key value } } }
}"""


@pytest.fixture
def queue_home(tmp_path) -> Path:
    """A DAGSTER_HOME holding the project's dagster.yaml as it is, plus one line of difference: Dagster's
    own MockedRunLauncher, which records the runs the queue daemon dequeues instead of starting them in
    a code server (which would build the warehouse). The queue's settings are the project's."""
    home = tmp_path / "dagster_home"
    home.mkdir()
    project = (REPO / "orchestration" / "dagster_home" / "dagster.yaml").read_text()
    (home / "dagster.yaml").write_text(project + "run_launcher: {module: dagster._core.test_utils, class: MockedRunLauncher}\n")
    return home


class RunQueue:
    """The instance at a DAGSTER_HOME with the project's code location loaded in-process, runs of its jobs
    submitted as the UI and the schedules submit them (the job's tags, through the instance's run
    coordinator), and single passes of Dagster's queue daemon, driven as Dagster's own daemon tests do."""

    def __init__(self, home: Path, definitions):
        import sys
        from contextlib import ExitStack
        import dagster as dg
        from dagster._core.remote_origin import InProcessCodeLocationOrigin
        from dagster._core.test_utils import create_test_daemon_workspace_context
        from dagster._core.types.loadable_target_origin import LoadableTargetOrigin
        from dagster._core.workspace.load_target import InProcessWorkspaceLoadTarget
        self.definitions = definitions
        self.stack = ExitStack()
        self.instance = self.stack.enter_context(dg.DagsterInstance.from_config(str(home)))
        location = InProcessCodeLocationOrigin(LoadableTargetOrigin(
            executable_path=sys.executable, module_name="orchestration.dagster_defs.definitions",
            working_directory=str(REPO)))
        self.workspace = self.stack.enter_context(create_test_daemon_workspace_context(
            InProcessWorkspaceLoadTarget(location), self.instance))
        entry = next(iter(self.workspace.create_request_context().get_code_location_entries().values()))
        assert entry.code_location, entry.load_error
        self.repository = next(iter(entry.code_location.get_repositories().values()))

    def submit(self, job: str):
        from dagster._core.storage.dagster_run import DagsterRunStatus
        from dagster._core.test_utils import create_run_for_test
        remote_job = self.repository.get_full_job(job)
        run = create_run_for_test(self.instance, job_name=job, status=DagsterRunStatus.NOT_STARTED,
                                  tags=self.definitions.resolve_job_def(job).run_tags,
                                  remote_job_origin=remote_job.get_remote_origin(),
                                  job_code_origin=remote_job.get_python_origin())
        return self.instance.submit_run(run.run_id, self.workspace.create_request_context())

    def daemon_pass(self) -> None:
        from dagster._daemon.run_coordinator.queued_run_coordinator_daemon import QueuedRunCoordinatorDaemon
        list(QueuedRunCoordinatorDaemon(interval_seconds=1).run_iteration(self.workspace))

    def report(self, run, event_type) -> None:
        """What the run's own process reports when it starts or ends."""
        from dagster._core.events import DagsterEvent
        self.instance.report_dagster_event(DagsterEvent(event_type.value, job_name=run.job_name), run_id=run.run_id)

    def status(self, run) -> str:
        return self.instance.get_run_by_id(run.run_id).status.value

    def dequeued(self) -> list[str]:
        return [run.run_id for run in self.instance.run_launcher.queue()]

    def close(self) -> None:
        self.stack.close()


def queue_lines(home: Path, capsys) -> list[str]:
    from orchestration.cli import main
    capsys.readouterr()
    assert main(["queue", "--dagster-home", str(home)]) == 0
    return capsys.readouterr().out.splitlines()


def test_a_second_writer_run_stays_queued_and_says_which_run_holds_it(definitions, queue_home, capsys):
    """A writer run in progress (daily_full_build, dequeued by the daemon and started); a second writer
    run (hourly_clickstream) submitted through the run coordinator stays QUEUED pass after pass, the
    reports (no writer tag) go through; the UI's queue criteria show the writer limit it waits on, and
    `warehouse queue` names the run that holds it; once the first run ends, the second is dequeued."""
    import yaml
    from dagster._core.events import DagsterEventType
    from dagster_graphql.test.utils import execute_dagster_graphql
    queue = RunQueue(queue_home, definitions)
    try:
        daily = queue.submit("daily_full_build")
        assert queue.status(daily) == "QUEUED"
        # before the daemon's pass nothing holds it: the line says who would start it
        assert queue_lines(queue_home, capsys) == [
            f"run {daily.run_id} (daily_full_build) waits: no run-queue limit holds it: the queue daemon starts "
            f"it on its next pass (`dagster-daemon run`, which `make dagster` starts)"]
        queue.daemon_pass()
        assert queue.dequeued() == [daily.run_id]
        queue.report(daily, DagsterEventType.RUN_START)
        hourly, reports = queue.submit("hourly_clickstream"), queue.submit("executive_reports")
        queue.daemon_pass()
        queue.daemon_pass()
        assert (queue.status(daily), queue.status(hourly), queue.status(reports)) == ("STARTED", "QUEUED", "STARTING")
        assert queue.dequeued() == [daily.run_id, reports.run_id]

        # Dagster's own account of the wait: the queue criteria the UI shows for the queued run
        result = execute_dagster_graphql(queue.workspace.create_request_context(), QUEUE_CRITERIA_QUERY,
                                         {"runId": hourly.run_id})
        assert not result.errors, result.errors
        shown = result.data["instance"]
        run_tags = {t["key"]: t["value"] for t in result.data["runOrError"]["tags"]}
        assert shown["runQueuingSupported"] and shown["runQueueConfig"]["maxConcurrentRuns"] == 4
        assert result.data["runOrError"]["status"] == "QUEUED"
        criteria = [limit for limit in yaml.safe_load(shown["runQueueConfig"]["tagConcurrencyLimitsYaml"])
                    if run_tags.get(limit["key"]) == limit["value"]]
        assert criteria == [{"key": "warehouse/writer", "value": "duckdb", "limit": 1}]

        # the project's: which run holds the limit, and since when
        started = datetime.fromtimestamp(queue.instance.get_run_record_by_id(daily.run_id).start_time, UTC)
        assert queue_lines(queue_home, capsys) == [
            f"run {hourly.run_id} (hourly_clickstream) waits: warehouse/writer=duckdb is held by run "
            f"{daily.run_id} (daily_full_build, started {started:%Y-%m-%d %H:%M:%S} UTC)"]

        queue.report(daily, DagsterEventType.RUN_SUCCESS)
        queue.daemon_pass()
        assert queue.status(hourly) == "STARTING" and queue.dequeued() == [daily.run_id, reports.run_id, hourly.run_id]
        lines = queue_lines(queue_home, capsys)
        assert len(lines) == 1 and lines[0].startswith("no queued runs; 2 in progress: ")
        assert f"run {reports.run_id} (executive_reports, starting)" in lines[0]
    finally:
        queue.close()


def test_warehouse_queue_with_nothing_queued_or_no_instance(queue_home, tmp_path, capsys):
    assert queue_lines(queue_home, capsys) == ["no queued runs; 0 in progress"]
    from orchestration.cli import main
    assert main(["queue", "--dagster-home", str(tmp_path / "nowhere")]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "no Dagster instance at" in err[0]
    assert not (tmp_path / "nowhere").exists()


def _default_statuses(env: dict) -> dict[str, str]:
    code = ("import json; from orchestration.dagster_defs.definitions import defs; "
            "print(json.dumps({d.name: d.default_status.value for d in [*defs.schedules, *defs.sensors]}))")
    proc = subprocess.run([str(BIN / "python"), "-c", code], cwd=REPO, env=env, capture_output=True, check=False,
                          text=True)
    assert proc.returncode == 0, proc.stderr[-3000:]
    return json.loads(proc.stdout.strip().splitlines()[-1])


def test_make_dagster_starts_with_the_schedules_and_the_sensors_on(tmp_path):
    env = dagster_env(tmp_path)
    env.pop("WAREHOUSE_AUTOMATION", None)
    off = _default_statuses(env)
    on = _default_statuses({**env, "WAREHOUSE_AUTOMATION": "running"})
    # 6 schedules of the builds and the executive report, 3 of the range reports, 2 sensors
    assert "alert_on_run_failure" in off and "api_cache_refresh" in off and len(off) == 11
    assert set(off.values()) == {"STOPPED"} and set(on.values()) == {"RUNNING"}
    # `make dagster` sets it, on the port asked for; `make dagster-job` replays the demo into the same instance
    dry = subprocess.run(["make", "-n", "dagster", "dagster-job", "docs", "superset", "DAGSTER_PORT=3999", "DOCS_PORT=3998",
                          "SUPERSET_PORT=3997", "AS_OF_DATE=2026-11-21"], cwd=REPO, capture_output=True, check=False, text=True)
    assert dry.returncode == 0, dry.stderr
    assert "WAREHOUSE_AUTOMATION=running" in dry.stdout and "-p 3999" in dry.stdout
    assert "--port 3998" in dry.stdout and "serve --port 3997" in dry.stdout
    assert "WAREHOUSE_AS_OF_DATE=2026-11-21" in dry.stdout and "-j daily_full_build" in dry.stdout


# A planted anomaly: this tenant's orders of the last two weeks before AS_OF moved back two weeks,
# so its last 7 days have no order against ~2.4 a day in the 28 before (orders z about -4.6).
ANOMALY_TENANT = "tn_002"
# web events loaded after this moment are held back from the full build: the hourly job's next load
SECOND_LOAD_AFTER = datetime.combine(AS_OF, datetime.min.time()) - timedelta(hours=12)
CLICKSTREAM_KEYS = ["intermediate/int_web_sessions", "marts/web_funnel_daily", "staging/base_commerce__web_events",
                    "staging/stg_commerce__web_events"]


def rewrite_parquet(path: Path, sql: str) -> None:
    """Replace a raw Parquet file by `sql` over it (the table is `t`), keeping its exact Arrow schema."""
    table = pq.read_table(path)
    con = duckdb.connect()
    try:
        con.register("t", table)
        pq.write_table(con.sql(sql).to_arrow_table().select(table.column_names).cast(table.schema), path)
    finally:
        con.close()


@pytest.fixture(scope="module")
def full_build(tmp_path_factory):
    """The daily build on generated raw Parquet with a planted anomaly (ANOMALY_TENANT) and the newest
    web events held back (second_load.parquet, for the hourly job); then the reports."""
    tmp = tmp_path_factory.mktemp("dagster_full")
    webhook = Webhook()
    env = dagster_env(tmp, webhook)
    raw = tmp / "raw"
    warehouse_cli(env, *generate_args("parquet", scale=SCALE, out=raw))
    week_start = datetime.combine(AS_OF - timedelta(days=14), datetime.min.time())
    rewrite_parquet(raw / "raw_commerce" / "orders.parquet",
                    "select * replace (case when tenant_id = '" + ANOMALY_TENANT + "' and id in (select id from t "
                    f"where placed_at >= timestamp '{week_start}') then placed_at - interval 14 day "
                    "else placed_at end as placed_at) from t")
    events = pq.read_table(raw / "raw_commerce" / "web_events.parquet")
    later = pc.greater(events["_loaded_at"], pa.scalar(SECOND_LOAD_AFTER, events.schema.field("_loaded_at").type))
    pq.write_table(events.filter(later), tmp / "second_load.parquet")
    pq.write_table(events.filter(pc.invert(later)), raw / "raw_commerce" / "web_events.parquet")
    build = run_job(env, "daily_full_build", full_build_config(parquet_dir=str(raw)))
    reports = run_job(env, "executive_reports", {})
    yield build, reports, env, webhook
    webhook.close()


def test_full_build_materialises_everything_with_checks_passing(full_build, definitions):
    build, _, _, _ = full_build
    assert build["success"], build["failed_steps"]
    graph = definitions.resolve_asset_graph()
    expected = {k.to_user_string() for k in graph.get_all_asset_keys() if k.path[0] != "reports"}
    assert set(build["materialized"]) == expected
    errors = [c for c in build["checks"] if c["severity"] == "ERROR" and not c["passed"]]
    assert errors == []
    assert {(c["asset"], c["check"]) for c in build["checks"]} >= {
        ("raw_commerce/web_events", "great_expectations_suite"),
        ("marts/metric_anomalies_daily", "latest_day_has_no_anomaly")}
    # a replay (AS_OF is not today): dbt's wall-clock freshness is reported, not held against the run
    freshness = [c for c in build["checks"] if c["check"] == "dbt_source_freshness"]
    assert sorted(c["asset"] for c in freshness) == [f"{s}/{t}" for s, t in FEEDS]
    assert all(c["passed"] and c["metadata"]["replay"] and c["description"].startswith(
        f"replay of {AS_OF.isoformat()}: dbt measures against the wall clock") for c in freshness)


def test_the_daily_build_builds_targets_vs_actuals_after_the_forecast(full_build):
    """The forecast is a dbt source of stg_forecast__revenue_forecasts: in one daily run Dagster builds
    the marts it reads, then the forecast, then targets_vs_actuals, whose running month carries the
    forecast's ending MRR. The first run has no earlier forecast to hold MRR against: the check says so."""
    build, _, env, _ = full_build
    con = duckdb.connect(env["DBT_DUCKDB_PATH"], read_only=True)
    try:
        forecast = dict(((t, m), v) for t, m, v in con.execute(
            "select tenant_id, period_start, point_forecast from marts.revenue_forecast "
            "where series = 'ending_mrr' and horizon_step = 1").fetchall())
        expected = dict(((t, m), v) for t, m, v in con.execute(
            "select tenant_id, month, expected_value from marts.targets_vs_actuals "
            "where metric = 'mrr' and expected_basis = 'ending_mrr forecast for the month'").fetchall())
    finally:
        con.close()
    assert len(forecast) == 3
    assert {k: round(float(expected[k]), 4) for k in forecast} == {k: round(v, 4) for k, v in forecast.items()}
    earlier = [c for c in build["checks"] if c["check"] == "ending_mrr_within_earlier_forecast"]
    assert [(c["asset"], c["passed"], c["severity"]) for c in earlier] == [("marts/revenue_forecast", True, "WARN")]
    assert earlier[0]["description"].startswith("no earlier forecast stored")


def test_materialisation_metadata_reads_the_marts(full_build):
    build, _, env, _ = full_build
    con = duckdb.connect(env["DBT_DUCKDB_PATH"], read_only=True)
    try:
        fct_rows = con.execute("select count(*) from marts.fct_mrr").fetchone()[0]
        ending = dict(con.execute("select tenant_id, ending_mrr from marts.mrr_monthly "
                                  "where month = (select max(month) from marts.mrr_monthly)").fetchall())
    finally:
        con.close()
    assert fct_rows > 0 and len(ending) == 3
    assert build["metadata"]["marts/fct_mrr"]["dagster/row_count"] == fct_rows
    assert "Execution Duration" in build["metadata"]["marts/fct_mrr"]
    mrr_md = build["metadata"]["marts/mrr_monthly"]
    assert {t: round(mrr_md[f"ending_mrr_{t}"], 2) for t in ending} == {t: round(float(v), 2) for t, v in ending.items()}


def test_anomaly_alerts_reach_the_webhook(full_build):
    """The planted drop (ANOMALY_TENANT's orders gone from its last 7 days) fires the weekly orders
    rule on the latest day: the check warns, and exactly one alert naming it reaches the webhook."""
    from orchestration.dagster_defs.monitoring import RULES
    build, _, _, webhook = full_build
    check = next(c for c in build["checks"] if c["check"] == "latest_day_has_no_anomaly")
    assert check["severity"] == "WARN" and not check["passed"]
    assert f"{ANOMALY_TENANT}: {RULES['is_orders_below_trailing']}" in check["description"]
    anomaly_alerts = [a for a in webhook.received if a["kind"] == "metric_anomaly"]
    assert len(anomaly_alerts) == 1, anomaly_alerts
    latest = (AS_OF - timedelta(days=1)).isoformat()
    fired = anomaly_alerts[0]["anomalies"]
    assert {(a["tenant_id"], a["day"], a["rule"]) for a in fired} >= {
        (ANOMALY_TENANT, latest, RULES["is_orders_below_trailing"])}
    assert anomaly_alerts[0]["as_of_date"] == AS_OF.isoformat()
    assert all(a["tenant_id"].startswith("tn_") and a["day"] == latest for a in fired)


def _alert_lines(caplog) -> list[tuple[str, dict]]:
    """The alert sink's log records: (level, the message parsed as JSON); fails on a line that is not JSON."""
    return [(r.levelname, json.loads(r.getMessage())) for r in caplog.records if r.name == "warehouse.alerts"]


def test_an_alert_is_always_a_json_log_line_and_a_failing_webhook_never_raises(monkeypatch, caplog):
    """README: alerts go to the log as one JSON line always; a webhook that is down or answers 500 is
    logged (as JSON too) and never raised, so an alert cannot fail the run that noticed the problem."""
    import logging
    from orchestration.dagster_defs.alerts import send_alert
    caplog.set_level(logging.INFO, logger="warehouse.alerts")
    monkeypatch.delenv("ALERT_WEBHOOK_URL", raising=False)
    alert = send_alert("metric_anomaly", "1 rule fired", tenant_id="tn_x")
    assert _alert_lines(caplog) == [("WARNING", alert)]
    assert alert["kind"] == "metric_anomaly" and "webhook_status" not in alert

    failing = Webhook(status=500)
    try:
        for url in (f"http://127.0.0.1:{free_port()}/alerts", failing.url):     # nothing listening; a 500
            caplog.clear()
            monkeypatch.setenv("ALERT_WEBHOOK_URL", url)
            alert = send_alert("run_failure", "run r1 of job j failed", run_id="r1")
            lines = _alert_lines(caplog)
            assert alert["webhook_status"] is None and len(lines) == 2, lines
            assert lines[0] == ("WARNING", {k: v for k, v in alert.items() if k != "webhook_status"})
            assert lines[1][0] == "ERROR" and lines[1][1]["kind"] == "alert_webhook_failed" \
                and lines[1][1]["url"] == url and lines[1][1]["error"]
    finally:
        failing.close()
    assert [a["run_id"] for a in failing.received] == ["r1"]           # the 500 server did get the POST


def test_executive_reports_hold_the_mart_numbers(full_build):
    import openpyxl
    from pypdf import PdfReader
    _, reports, env, _ = full_build
    assert reports["success"], reports["failed_steps"]
    assert [(c["check"], c["passed"]) for c in reports["checks"]] == [("every_tenant_has_its_three_files", True)]
    con = duckdb.connect(env["DBT_DUCKDB_PATH"], read_only=True)
    try:
        latest = con.execute("select tenant_id, month, mrr, store_orders from marts.executive_kpis "
                             "qualify row_number() over (partition by tenant_id order by month desc) = 1").fetchall()
    finally:
        con.close()
    out = Path(env["WAREHOUSE_REPORTS_DIR"])
    assert len(latest) == 3
    for tenant, month, mrr, _orders in latest:
        cents = Decimal(mrr).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
        sheet = openpyxl.load_workbook(out / f"executive_report_{tenant}.xlsx", read_only=True)["Monthly KPIs"]
        rows = list(sheet.iter_rows(values_only=True))
        header, last = rows[0], rows[-1]
        assert str(last[header.index("Month")])[:10] == month.isoformat()
        assert Decimal(str(last[header.index("MRR (USD)")])) == cents
        text = PdfReader(out / f"executive_report_{tenant}.pdf").pages[0].extract_text()
        assert f"Executive report: {tenant}" in text and f"${cents:,}" in text
        csv_rows = (out / f"executive_report_{tenant}.csv").read_text().splitlines()
        assert len(csv_rows) == len(rows) and csv_rows[-1].startswith(f"{tenant},{month.isoformat()},{cents},")


def test_reports_read_only_their_marts_and_preview_them(full_build, tmp_path, monkeypatch):
    """README: the reports come from executive_kpis, period_kpis, mrr_monthly, fct_mrr and
    dim_customers only. Materialised on a warehouse holding just those five tables (copied from the
    full build), the asset succeeds; its metadata lists the files it wrote and previews each tenant's
    latest month with the mart's MRR, ARR and store revenue."""
    import dagster as dg
    from orchestration.dagster_defs.reports import MARTS, executive_reports
    from orchestration.dagster_defs.warehouse import WarehouseResource
    from orchestration.reports.content import fmt_money
    _, _, env, _ = full_build
    only_marts = tmp_path / "marts_only.duckdb"
    con = duckdb.connect(str(only_marts))
    try:
        con.execute(f"attach '{env['DBT_DUCKDB_PATH']}' as built (read_only)")
        con.execute("create schema marts")
        for name in MARTS:
            con.execute(f"create table marts.{name} as select * from built.marts.{name}")
        latest = con.execute("select tenant_id, month, mrr, arr, store_revenue_usd from marts.executive_kpis "
                             "qualify row_number() over (partition by tenant_id order by month desc) = 1 "
                             "order by tenant_id").fetchall()
        con.execute("detach built")
    finally:
        con.close()
    monkeypatch.setenv("WAREHOUSE_AS_OF_DATE", AS_OF.isoformat())
    monkeypatch.setenv("WAREHOUSE_REPORTS_DIR", str(tmp_path / "reports"))
    result = dg.materialize([executive_reports], resources={"warehouse": WarehouseResource(duckdb_path=str(only_marts))})
    assert result.success
    metadata = result.get_asset_materialization_events()[0].materialization.metadata
    files = metadata["files"].value
    assert len(latest) == 3 and len(files) == 3 * len(latest) and all(Path(f).stat().st_size > 0 for f in files)
    assert metadata["tenants"].value == len(latest) and metadata["as_of_date"].value == AS_OF.isoformat()
    rows = [line for line in metadata["preview"].value.splitlines() if line.startswith("| tn_")]
    assert rows == [f"| {tenant} | {month.isoformat()} | {fmt_money(mrr)} | {fmt_money(arr)} | {fmt_money(store)} |"
                    for tenant, month, mrr, arr, store in latest]


def test_hourly_clickstream_is_incremental_and_the_weekly_job_rebuilds(full_build, tmp_path):
    """On a copy of the full build: the web events held back from it land as a second load; the
    hourly job runs only the clickstream models and takes in every new event without rebuilding
    from history (an old event's time, altered in the base table, stays altered); the weekly job
    rebuilds them from all of raw_commerce.web_events (the old event's time is back)."""
    from orchestration.generator.load import append_rows
    _, _, built_env, _ = full_build
    env = {**dagster_env(tmp_path), "DBT_DUCKDB_PATH": str(tmp_path / "copy.duckdb")}
    shutil.copy(built_env["DBT_DUCKDB_PATH"], env["DBT_DUCKDB_PATH"])
    second = pq.read_table(Path(built_env["DBT_DUCKDB_PATH"]).parent / "second_load.parquet")
    append_rows(second, "raw_commerce", "web_events", Path(env["DBT_DUCKDB_PATH"]))
    con = duckdb.connect(env["DBT_DUCKDB_PATH"])
    try:
        tenant, event, occurred = con.execute(
            "select tenant_id, event_id, occurred_at from staging.base_commerce__web_events "
            "where event_id is not null order by _loaded_at, event_id limit 1").fetchone()
        con.execute("update staging.base_commerce__web_events set occurred_at = occurred_at + interval 1 second "
                    "where tenant_id = ? and event_id = ?", [tenant, event])
    finally:
        con.close()

    def base() -> dict:
        con = duckdb.connect(env["DBT_DUCKDB_PATH"], read_only=True)
        try:
            return {(t, e): at for t, e, at in con.execute(
                "select tenant_id, event_id, occurred_at from staging.base_commerce__web_events").fetchall()}
        finally:
            con.close()

    new_ids = {(t, e) for t, e in zip(second["tenant_id"].to_pylist(), second["event_id"].to_pylist()) if e}
    new_ids -= set(base())                       # not the re-deliveries of events already loaded
    assert len(new_ids) >= 20
    for job, marker in (("hourly_clickstream", occurred + timedelta(seconds=1)),
                        ("weekly_clickstream_full_refresh", occurred)):
        result = run_job(env, job, {})
        assert result["success"], (job, result["errors"])
        assert result["materialized"] == CLICKSTREAM_KEYS, job
        rows = base()
        assert new_ids <= set(rows), job
        assert rows[(tenant, event)] == marker, job


# The tables plant_bad_rows breaks, each with the one expectation of its GX suite that must fail.
BROKEN = {"raw_commerce/orders": "failed: expect_column_values_to_be_in_set[status]",
          "raw_commerce/order_items": "failed: expect_column_values_to_be_between[quantity]",
          "raw_crm/leads": "failed: expect_column_max_to_be_between[_loaded_at]"}


def plant_bad_rows(raw: Path) -> float:
    """In a directory of generated raw Parquet: 6 % of orders get an unknown status and 6 % of order
    items a negative quantity (on top of the demo's own bad rows), every lead's _loaded_at moves 10
    days back (stale: the window is 7 days); invoice line items are cleaned, then 4 % get an unknown
    type and another 4 % a negative quantity (tolerated: staging quarantines them). Returns the
    smallest share planted in invoice line items."""
    from orchestration.dagster_defs.raw_quality import enum_columns
    over = "row_number() over (order by id) <= ceil(0.06 * (select count(*) from t))"
    rewrite_parquet(raw / "raw_commerce" / "orders.parquet",
                    f"select * replace (case when {over} then 'not_a_status' else status end as status) from t")
    rewrite_parquet(raw / "raw_commerce" / "order_items.parquet",
                    f"select * replace (case when {over} then -1 else quantity end as quantity) from t")
    rewrite_parquet(raw / "raw_crm" / "leads.parquet",
                    "select * replace (_loaded_at - interval 10 day as _loaded_at) from t")
    types = enum_columns("raw_billing", "invoice_line_items")["type"]
    listed = ", ".join(f"'{v}'" for v in types)
    path = raw / "raw_billing" / "invoice_line_items.parquet"
    rewrite_parquet(path, "select * replace ("
                    "case when row_number() over (order by id) <= floor(0.04 * (select count(*) from t)) then -1 "
                    "else abs(quantity) end as quantity, "
                    "case when row_number() over (order by id desc) <= floor(0.04 * (select count(*) from t)) "
                    f"then 'not_a_type' when lower(trim(type)) in ({listed}) then type else '{types[0]}' end as type"
                    ") from t")
    con = duckdb.connect()
    try:
        shares = con.execute(
            f"select avg(case when quantity < 0 then 1 else 0 end) filter (where quantity is not null), "
            f"avg(case when lower(trim(type)) not in ({listed}) then 1 else 0 end) filter (where type is not null) "
            f"from read_parquet('{path}')").fetchone()
    finally:
        con.close()
    assert all(share <= 0.05 for share in shares), shares
    return min(shares)


def test_corrupted_raw_table_blocks_every_model_and_alerts_once(tmp_path):
    """Half the web events without a key, and in other tables over 5 % of unknown enums, of negative
    quantities or a stale feed: each table's blocking GX suite fails on its expectation, up to 5 %
    passes, no model runs and the failure sensor alerts once."""
    webhook = Webhook()
    try:
        env = dagster_env(tmp_path, webhook)
        warehouse_cli(env, *generate_args("parquet", scale=SCALE, out=tmp_path / "raw"))
        path = tmp_path / "raw" / "raw_commerce" / "web_events.parquet"
        events = pq.read_table(path)
        broken = pc.if_else(pa.array([i % 2 == 0 for i in range(events.num_rows)]),
                            pa.scalar(None, pa.string()), events["event_id"])
        pq.write_table(events.set_column(events.schema.get_field_index("event_id"), "event_id", broken), path)
        tolerated = plant_bad_rows(tmp_path / "raw")
        result = run_job(env, "daily_full_build", full_build_config(parquet_dir=str(tmp_path / "raw")),
                         "--evaluate-failure-sensor")
    finally:
        webhook.close()
    assert not result["success"]
    gx = next(c for c in result["checks"]
              if c["asset"] == "raw_commerce/web_events" and c["check"] == "great_expectations_suite")
    assert not gx["passed"] and "expect_column_values_to_not_be_null[event_id]" in gx["description"]
    # over 5 % of each kind of bad row, or a stale feed, fails its table's blocking suite ...
    gx = {c["asset"]: c for c in result["checks"] if c["check"] == "great_expectations_suite"}
    assert {asset: gx[asset]["description"] for asset in BROKEN} == BROKEN
    # ... and up to 5 % of them passes (so do the tables nothing was planted in)
    assert tolerated > 0.035
    assert [a for a, c in gx.items() if not c["passed"]] == sorted(["raw_commerce/web_events", *BROKEN])
    assert len(gx) == contract_table_count()
    # no model ran (the reference seeds read no raw table, so no failed raw check holds them back)
    assert [k for k in result["materialized"] if not k.startswith(("raw_", "reference/"))] == []
    failures = [a for a in webhook.received if a["kind"] == "run_failure"]
    assert len(failures) == 1 and failures[0]["job"] == "daily_full_build"


PINNED = date(2025, 3, 14)         # a past day, far from conftest's AS_OF and from today


def test_one_clock_a_pinned_date_reaches_generator_gx_dbt_anomalies_and_reports(tmp_path):
    """Replaying a past day: WAREHOUSE_AS_OF_DATE alone (the raw config names no date) must drive
    the generator, the GX checks, dbt's var, the anomaly check and the reports (one tenant, tiny
    scale). With two clocks the generator would build raw data through today."""
    env = {**dagster_env(tmp_path), "WAREHOUSE_AS_OF_DATE": PINNED.isoformat()}
    build = run_job(env, "daily_full_build", {"ops": {"raw_tables": {"config": {"tenants": 1, "scale": 0.02}},
                                                      "warehouse_dbt": {"config": {"full_refresh": True}}}})
    con = duckdb.connect(env["DBT_DUCKDB_PATH"], read_only=True)
    try:
        manifest = dict(con.execute("select key, value from generator_ledger.manifest").fetchall())
        raw_tables = con.execute("select table_schema, table_name from information_schema.tables "
                                 "where table_schema like 'raw_%'").fetchall()
        newest_loaded = max(con.execute(f"select max(_loaded_at) from {schema}.{table}").fetchone()[0]
                            for schema, table in raw_tables)
        newest_event = con.execute("select max(occurred_at) from raw_commerce.web_events").fetchone()[0]
        newest_order = con.execute("select max(placed_at) from raw_commerce.orders").fetchone()[0]
    finally:
        con.close()
    # the generator: its ledger records the pinned date, and no raw row is newer than that day
    assert json.loads(manifest["as_of_date"]) == PINNED.isoformat()
    day_after = datetime.combine(PINNED + timedelta(days=1), datetime.min.time())
    assert len(raw_tables) == contract_table_count() and newest_loaded <= day_after
    assert newest_event < day_after and newest_order < day_after
    assert newest_event >= day_after - timedelta(days=2)            # ... and it reaches that day
    assert build["success"], (build["failed_steps"], build["errors"])
    assert {md["as_of_date"] for key, md in build["metadata"].items() if key.startswith("raw_")} == {"2025-03-14"}
    # GX: every raw suite judged against the pinned day; the freshness windows passed from there
    gx = [c for c in build["checks"] if c["check"] == "great_expectations_suite"]
    assert len(gx) == contract_table_count() and all(c["passed"] and c["metadata"]["as_of_date"] == "2025-03-14" for c in gx)
    web = next(c for c in gx if c["asset"] == "raw_commerce/web_events")
    assert web["metadata"]["freshness_oldest_allowed"] == "2025-03-12T00:00:00"
    # dbt: the var reached every model; month marts end the month before, daily ones the day before
    con = duckdb.connect(env["DBT_DUCKDB_PATH"], read_only=True)
    try:
        last_month = con.execute("select max(month) from marts.mrr_monthly").fetchone()[0]
        last_day = con.execute("select max(day) from marts.metric_anomalies_daily").fetchone()[0]
    finally:
        con.close()
    dbt_outputs = {k: md for k, md in build["metadata"].items() if not k.startswith("raw_")}
    assert dbt_outputs and {md["as_of_date"] for md in dbt_outputs.values()} == {"2025-03-14"}
    assert last_month == date(2025, 2, 1) and last_day == date(2025, 3, 13)
    anomaly = next(c for c in build["checks"] if c["check"] == "latest_day_has_no_anomaly")
    assert anomaly["metadata"]["day"] == "2025-03-13" and anomaly["metadata"]["tenants_checked"] == 1
    # the reports, a run of their own: the same clock, stated in the PDF
    from pypdf import PdfReader
    reports = run_job(env, "executive_reports", {})
    assert reports["success"], (reports["failed_steps"], reports["errors"])
    assert reports["metadata"]["reports/executive_reports"]["as_of_date"] == "2025-03-14"
    pdf = next(Path(env["WAREHOUSE_REPORTS_DIR"]).glob("executive_report_*.pdf"))
    assert "as of 2025-03-14" in PdfReader(pdf).pages[0].extract_text()


@pytest.fixture(scope="module")
def fresh_today(tmp_path_factory):
    """Demo data generated through today (UTC), the run's as-of date, in the tests' own DuckDB file
    (kept pristine: each test copies it to the warehouse path); and dbt's parse of the project for
    that file and target, which DBT_TARGET_PATH hands to the check's dbt (partial parsing: seconds,
    not the ~20 s of a full parse). 3 tenants at scale 0.02: at 0.01 the newest lead of a quiet
    tenant can be over a week old, and the demo data is then stale for GX as well."""
    tmp = tmp_path_factory.mktemp("freshness")
    today = datetime.now(UTC).date()
    env = {**dagster_env(tmp), "WAREHOUSE_AS_OF_DATE": today.isoformat(), "DBT_TARGET_PATH": str(tmp / "target")}
    warehouse_cli(env, "generate", "--tenants", "3", "--scale", "0.02", "--seed", "42", "--as-of-date",
                  today.isoformat(), "--target", "duckdb", "--no-progress")
    pristine = tmp / "pristine.duckdb"
    shutil.move(env["DBT_DUCKDB_PATH"], pristine)
    # with the run's vars: the check passes them to dbt (dbt_assets.dbt_vars), and dbt reuses a parse only
    # for the same vars
    from orchestration.dagster_defs.dbt_assets import dbt_vars
    proc = subprocess.run([str(BIN / "dbt"), "parse", "--project-dir", str(REPO), "--target", "duckdb", "--quiet",
                           *dbt_vars(today)], cwd=REPO, env=env, capture_output=True, check=False, text=True)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    return env, pristine, today


def freshness_checks(env: dict, pristine: Path, stale_sql: str = "") -> dict:
    """The daily job's GX and dbt freshness checks of the continuous feeds only (no asset is
    materialised) on a copy of the pristine warehouse, after `stale_sql`; {(asset, check): result}."""
    shutil.copy(pristine, env["DBT_DUCKDB_PATH"])
    if stale_sql:
        con = duckdb.connect(env["DBT_DUCKDB_PATH"])
        con.execute(stale_sql)
        con.close()
    result = run_job(env, "daily_full_build", {}, "--checks-only=great_expectations_suite,dbt_source_freshness",
                     "--of=" + ",".join(f"{s}/{t}" for s, t in FEEDS))
    assert result["materialized"] == []
    assert len(result["checks"]) == 2 * len(FEEDS), result["errors"]
    return {(c["asset"], c["check"]): c for c in result["checks"]}


def assert_fresh(checks: dict, schema: str, table: str, today: date) -> None:
    """Both pass: GX's suite (its freshness floor: the start of the as-of day minus the window) and
    dbt (the wall clock minus the window). dbt also warns past half the window, which GX has no
    level for: that warning is allowed, never an error (it can show late in the UTC day for
    web_events, whose newest demo load is the evening before: 24 h)."""
    from orchestration import contract
    window = contract.FRESHNESS_HOURS[(schema, table)]
    gx, dbt = checks[(f"{schema}/{table}", "great_expectations_suite")], checks[(f"{schema}/{table}", "dbt_source_freshness")]
    assert gx["passed"], gx["description"]
    md = dbt["metadata"]
    assert md["window_hours"] == window and md["as_of_date"] == today.isoformat() and md["replay"] is False
    assert md["dbt_error_after_hours"] == window and md["dbt_warn_after_hours"] == window / 2
    assert md["status"] in ("pass", "warn") and md["age_hours"] < window, (schema, table, dbt)
    assert (dbt["passed"], md["status"]) == (True, "pass") or \
        ((dbt["passed"], dbt["severity"], md["status"]) == (False, "WARN", "warn") and md["age_hours"] >= window / 2), dbt


def test_dbt_source_freshness_agrees_with_gx_on_todays_demo_data(fresh_today):
    """As of today (UTC), freshly generated demo data: the dbt source freshness check (one dbt run,
    one result per continuous feed) and the GX freshness expectations both pass."""
    env, pristine, today = fresh_today
    checks = freshness_checks(env, pristine)
    assert sorted(k for k in checks if k[1] == "dbt_source_freshness") == \
        [(f"{s}/{t}", "dbt_source_freshness") for s, t in FEEDS]
    for schema, table in FEEDS:
        assert_fresh(checks, schema, table, today)


def test_a_stale_feed_fails_dbt_freshness_and_gx_alike(fresh_today):
    """raw_commerce.orders' loads shifted 10 days back: GX's freshness expectation and dbt's source
    freshness both fail it (error), and both still pass the other feeds."""
    env, pristine, today = fresh_today
    checks = freshness_checks(env, pristine, "update raw_commerce.orders set _loaded_at = _loaded_at - interval 10 day")
    gx, dbt = checks[("raw_commerce/orders", "great_expectations_suite")], checks[("raw_commerce/orders", "dbt_source_freshness")]
    assert not gx["passed"] and gx["description"] == "failed: expect_column_max_to_be_between[_loaded_at]"
    assert not dbt["passed"] and dbt["severity"] == "ERROR" and dbt["metadata"]["status"] == "error"
    assert dbt["metadata"]["age_hours"] > 10 * 24 and dbt["description"].endswith("past the 72 h window")
    for schema, table in FEEDS:
        if (schema, table) != ("raw_commerce", "orders"):
            assert_fresh(checks, schema, table, today)


def test_freshness_windows_live_once_in_the_contract():
    """contract.FRESHNESS_HOURS is the one home of the windows: the generated dbt sources YAML (and
    so dbt's parsed manifest: error after the window, warn after half), the GX floor and the dbt
    check's feeds all derive from it; no other table has a window."""
    import yaml
    from orchestration import contract
    from orchestration.dagster_defs import raw_quality, source_freshness
    hours = contract.FRESHNESS_HOURS
    expected = {key: {"warn_after": {"count": h // 2, "period": "hour"}, "error_after": {"count": h, "period": "hour"}}
                for key, h in hours.items()}
    in_yaml = {}
    for path in sorted((REPO / "models" / "staging").glob("*/_*__sources.yml")):
        for source in yaml.safe_load(path.read_text())["sources"]:
            assert (source.get("config") or {}).get("freshness") is None and "freshness" not in source
            for table in source["tables"]:
                assert "freshness" not in table                      # only under config, as generated
                if (table.get("config") or {}).get("freshness"):
                    in_yaml[(source["name"], table["name"])] = table["config"]["freshness"]
    assert in_yaml == expected
    manifest = json.loads((REPO / "target" / "manifest.json").read_text())     # parsed by current_manifest
    in_dbt = {(n["source_name"], n["name"]): {k: n["freshness"][k] for k in ("warn_after", "error_after")}
              for n in manifest["sources"].values()
              if n["freshness"] and (n["freshness"].get("error_after") or {}).get("count")}
    assert in_dbt == expected
    as_of = date(2026, 3, 1)
    for schema, table in raw_quality.raw_tables():
        floor = raw_quality.freshness_floor(schema, table, as_of)
        assert floor == (datetime(2026, 3, 1) - timedelta(hours=hours[(schema, table)])
                         if (schema, table) in hours else None), (schema, table)
    assert source_freshness.feeds() == sorted(hours) == FEEDS
    assert source_freshness.freshness_args()[-1].split() == [f"source:{s}.{t}" for s, t in FEEDS]


def test_reports_refuse_marts_built_for_another_month(tmp_path):
    """The same warehouse read with a later clock: the report run fails with one clear line."""
    import dagster as dg
    from orchestration.dagster_defs.reports import check_marts_month
    from orchestration.dagster_defs.warehouse import WarehouseResource
    path = tmp_path / "w.duckdb"
    con = duckdb.connect(str(path))
    con.execute("create schema marts; create table marts.executive_kpis as select date '2025-02-01' as month")
    con.close()
    warehouse = WarehouseResource(target="duckdb", duckdb_path=str(path))
    check_marts_month(warehouse, PINNED)
    with pytest.raises(dg.Failure, match=r"^marts.executive_kpis ends in 2025-02, not 2025-03 .* 2025-04-02\)"):
        check_marts_month(warehouse, date(2025, 4, 2))


@pytest.mark.parametrize("bad", ["2025-3-14", "14/03/2025", "2025-02-30", "20250314", "today"])
def test_an_invalid_as_of_date_is_one_clear_error(monkeypatch, bad):
    from orchestration.dagster_defs import settings
    monkeypatch.setenv("WAREHOUSE_AS_OF_DATE", bad)
    with pytest.raises(ValueError) as error:
        settings.run_as_of_date(None)
    assert str(error.value) == f"WAREHOUSE_AS_OF_DATE must be a YYYY-MM-DD date, got {bad!r}"


def test_unpinned_the_clock_is_the_day_the_run_was_created(monkeypatch):
    """Empty WAREHOUSE_AS_OF_DATE: every step reads the UTC date of the run's creation (the root
    run's, for a re-execution), not the wall clock when the step happens to start."""
    from orchestration.dagster_defs import settings
    monkeypatch.setenv("WAREHOUSE_AS_OF_DATE", "")
    created = {"root": datetime(2026, 1, 31, 23, 59, 59, tzinfo=UTC),
               "retry": datetime(2026, 2, 1, 0, 30, tzinfo=UTC)}
    instance = SimpleNamespace(get_run_record_by_id=lambda run_id: SimpleNamespace(create_timestamp=created[run_id]))

    def step(run_id, root_run_id=None):
        return SimpleNamespace(instance=instance, dagster_run=SimpleNamespace(run_id=run_id, root_run_id=root_run_id))

    assert settings.run_as_of_date(step("root")) == date(2026, 1, 31)
    assert settings.run_as_of_date(step("retry", root_run_id="root")) == date(2026, 1, 31)
    monkeypatch.setenv("WAREHOUSE_AS_OF_DATE", "2025-03-14")
    assert settings.run_as_of_date(step("root")) == PINNED            # pinned wins


def test_a_raw_config_date_cannot_disagree_with_the_clock(monkeypatch, tmp_path):
    import dagster as dg
    from orchestration.dagster_defs.raw_assets import demo_raw_assets
    from orchestration.dagster_defs.warehouse import WarehouseResource
    monkeypatch.setenv("WAREHOUSE_AS_OF_DATE", PINNED.isoformat())
    result = dg.materialize([demo_raw_assets()], raise_on_error=False,
                            resources={"warehouse": WarehouseResource(duckdb_path=str(tmp_path / "w.duckdb"))},
                            run_config={"ops": {"raw_tables": {"config": {"as_of_date": "2025-03-15"}}}})
    failure = next(e for e in result.all_events if e.event_type_value == "STEP_FAILURE")
    assert failure.event_specific_data.error.message.strip() == (
        "dagster._core.definitions.events.Failure: raw_tables config as_of_date=2025-03-15 disagrees with the "
        "run's as-of date 2025-03-14: set WAREHOUSE_AS_OF_DATE instead (it also drives GX, dbt and the reports), "
        "and leave the config empty")
    assert not (tmp_path / "w.duckdb").exists()                     # nothing generated or loaded


def test_webserver_serves_the_asset_graph_over_graphql_on_loopback(tmp_path):
    port = free_port()
    env = dagster_env(tmp_path)
    server = subprocess.Popen([str(BIN / "dagster-webserver"), "-h", "127.0.0.1", "-p", str(port)],
                              cwd=REPO, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        body = json.dumps({"query": "{ assetNodes { assetKey { path } } }"}).encode()
        deadline, nodes = time.time() + 120, None
        while time.time() < deadline and nodes is None:
            try:
                request = urllib.request.Request(f"http://127.0.0.1:{port}/graphql", data=body,
                                                 headers={"Content-Type": "application/json"})
                with urllib.request.urlopen(request, timeout=10) as response:
                    nodes = json.loads(response.read())["data"]["assetNodes"]
            except (OSError, KeyError, TypeError):
                assert server.poll() is None, server.stderr.read().decode()[-3000:]
                time.sleep(1)
        assert nodes is not None, "webserver did not answer"
        paths = {"/".join(n["assetKey"]["path"]) for n in nodes}
        assert {"raw_commerce/web_events", "marts/fct_mrr", "reports/executive_reports"} <= paths
    finally:
        server.terminate()
        server.wait(timeout=30)


def test_external_mode_observes_the_same_raw_keys(tmp_path):
    """With WAREHOUSE_RAW_MODE=external the raw tables are observable (not materialisable) source
    assets, under the same keys as the demo's generated tables: one per contract table."""
    import yaml
    contract = yaml.safe_load((REPO / "docs" / "contracts" / "raw_sources.yml").read_text())
    expected = sorted(f"{source}/{table}" for source, body in contract["sources"].items() for table in body["tables"])
    code = ("import json\n"
            "from orchestration.dagster_defs.definitions import defs\n"
            "g = defs.resolve_asset_graph()\n"
            "raw = [g.get(k) for k in g.get_all_asset_keys() if g.get(k).group_name == 'raw']\n"
            "print(json.dumps({'keys': sorted(n.key.to_user_string() for n in raw),\n"
            "                  'observable': [n.is_observable for n in raw],\n"
            "                  'materializable': [n.is_materializable for n in raw]}))")
    modes = {}
    for mode in ("external", "demo"):
        env = {**dagster_env(tmp_path), "WAREHOUSE_RAW_MODE": mode}
        proc = subprocess.run([str(BIN / "python"), "-c", code], cwd=REPO, env=env, capture_output=True, check=False, text=True)
        assert proc.returncode == 0, proc.stderr[-2000:]
        modes[mode] = json.loads(proc.stdout.splitlines()[-1])
    assert len(expected) == contract_table_count() and modes["external"]["keys"] == expected == modes["demo"]["keys"]
    assert all(modes["external"]["observable"]) and not any(modes["external"]["materializable"])
    assert all(modes["demo"]["materializable"])


def test_an_external_observation_reports_row_count_and_newest_load(tmp_path):
    """External mode: observing the raw source assets (no write) records, per raw table of a small
    DuckDB, its row count and newest _loaded_at; the data version changes with either."""
    import dagster as dg
    from orchestration.dagster_defs.raw_assets import external_raw_assets
    from orchestration.dagster_defs.raw_quality import raw_tables
    from orchestration.dagster_defs.warehouse import WarehouseResource
    path = tmp_path / "external.duckdb"
    con = duckdb.connect(str(path))
    for schema, table in raw_tables():
        con.execute(f"create schema if not exists {schema}")
        con.execute(f"create table {schema}.{table} (tenant_id text, _loaded_at timestamp)")
    con.execute("insert into raw_commerce.orders values ('tn_1', '2026-11-20 08:00'), ('tn_1', '2026-11-20 09:30'), "
                "('tn_2', null)")
    con.execute("insert into raw_crm.leads values ('tn_1', '2026-11-19 23:59:59')")
    con.close()
    job = dg.Definitions(assets=[external_raw_assets()],
                         resources={"warehouse": WarehouseResource(duckdb_path=str(path))}
                         ).resolve_implicit_global_asset_job_def()
    result = job.execute_in_process(raise_on_error=False)
    assert result.success
    observed = {e.asset_key.to_user_string(): e.event_specific_data.asset_observation
                for e in result.all_events if e.event_type_value == "ASSET_OBSERVATION"}
    assert not result.get_asset_materialization_events()
    assert len(observed) == contract_table_count()
    seen = {key: (o.metadata["dagster/row_count"].value, o.metadata["newest_loaded_at"].value)
            for key, o in observed.items()}
    assert seen["raw_commerce/orders"] == (3, "2026-11-20 09:30:00")
    assert seen["raw_crm/leads"] == (1, "2026-11-19 23:59:59")
    assert {v for k, v in seen.items() if k not in ("raw_commerce/orders", "raw_crm/leads")} == {(0, "None")}
    assert observed["raw_commerce/orders"].tags["dagster/data_version"] == "3:2026-11-20 09:30:00"


def test_the_dbt_resource_knows_the_dbt_version_without_running_dbt(monkeypatch):
    """dagster-dbt's own lookup runs `dbt --version`, which queries PyPI for the latest release:
    a network call from every run. The resource must answer from the installed dbt-core."""
    import dagster_dbt.core.resource as dagster_dbt_resource
    from dbt.version import __version__
    from orchestration.dagster_defs.dbt_assets import dbt_resource

    def refuse(cmd, *args, **kwargs):
        raise AssertionError(f"the dbt resource ran {cmd}")

    monkeypatch.setattr(dagster_dbt_resource, "check_output", refuse)
    assert str(dbt_resource()._cli_version) == __version__
