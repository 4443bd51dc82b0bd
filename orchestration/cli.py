"""`warehouse` command line: generate raw data, and summarise a built warehouse.

    warehouse generate --tenants 3 --scale 0.01 --seed 42 --target duckdb
    warehouse load exports/ --target duckdb      # your own raw tables, one Parquet file each (or postgres,
                                                 # bigquery: the BIGQUERY_* env vars)
    warehouse build --full-refresh --as-of-date 2026-11-21   # dbt build; one writer per DuckDB file; with
                                                             # nothing new since the last build, no dbt at all
    warehouse summary
    warehouse forecast --target duckdb                  # forecasts, churn risk and lifetime value from the built
                                                        # marts (orchestration/forecast, orchestration/churn)
    warehouse report --kind sales --start 2026-11-01 --end 2026-11-30   # reports from the marts (orchestration/reports)
    warehouse api serve --target postgres --port 8000   # the metrics API (orchestration/api)
    warehouse queue                                     # why each queued Dagster run waits (orchestration/run_queue.py)

Bad arguments or an unreachable target give one line on stderr and exit code 2,
with nothing written.
"""
import argparse
import os
import shutil
import subprocess
import sys
import tempfile
from contextlib import contextmanager
from datetime import date, datetime, UTC
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]


class UsageError(Exception):
    pass


class _Parser(argparse.ArgumentParser):
    def error(self, message):  # one line, exit 2
        raise UsageError(message)


def _positive_float(s):
    try:
        v = float(s)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {s!r}") from None
    if not 0 < v <= 20:
        raise argparse.ArgumentTypeError(f"scale must be > 0 and <= 20, got {s}")
    return v


def _count_between(what: str, low: int, high: int):
    """An argparse type: an integer from low to high, else one line naming `what`."""
    def parse(s):
        try:
            v = int(s)
        except ValueError:
            raise argparse.ArgumentTypeError(f"not an integer: {s!r}") from None
        if not low <= v <= high:
            raise argparse.ArgumentTypeError(f"{what} must be between {low} and {high}, got {s}")
        return v
    return parse


_tenant_count = _count_between("tenants", 1, 100)
_worker_count = _count_between("workers", 1, 64)


def _date(s):
    try:
        return date.fromisoformat(s)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a date (YYYY-MM-DD): {s!r}") from None


# The warehouse quarantines dates before 1970-01-01 (dbt var earliest_valid_date) and the generator
# writes up to 4 years 5 months of history before its as-of date (accounts predate the 3-year window).
GENERATOR_EARLIEST_AS_OF = date(1975, 1, 1)
GENERATOR_LATEST_AS_OF = date(9990, 12, 31)


def _generator_as_of(s):
    d = _date(s)
    if not GENERATOR_EARLIEST_AS_OF <= d <= GENERATOR_LATEST_AS_OF:
        raise argparse.ArgumentTypeError(
            f"as-of date must be between {GENERATOR_EARLIEST_AS_OF} and {GENERATOR_LATEST_AS_OF}, got {s}: the "
            f"generator writes about 4 years of history and the warehouse quarantines dates before 1970-01-01")
    return d


def default_duckdb_path() -> Path:
    return Path(os.environ.get("DBT_DUCKDB_PATH", REPO_ROOT / "warehouse.duckdb"))


def build_parser() -> argparse.ArgumentParser:
    p = _Parser(prog="warehouse", description=__doc__.splitlines()[0])
    sub = p.add_subparsers(dest="command", required=True, parser_class=_Parser)
    g = sub.add_parser("generate", help="generate raw tables for several tenants and load them")
    g.add_argument("--tenants", type=_tenant_count, default=3)
    g.add_argument("--scale", type=_positive_float, default=0.01, help="1 is about 10 million rows")
    g.add_argument("--seed", type=int, default=42)
    g.add_argument("--as-of-date", type=_generator_as_of, default=datetime.now(UTC).date(),
                   help="history ends on this date (default: today, UTC)")
    g.add_argument("--target", choices=["duckdb", "postgres", "bigquery", "parquet"], default="duckdb",
                   help="bigquery: the BIGQUERY_* env vars (BIGQUERY_API_ENDPOINT for an emulator)")
    g.add_argument("--duckdb-path", type=Path, default=None, help="default: $DBT_DUCKDB_PATH or warehouse.duckdb")
    g.add_argument("--out", type=Path, default=REPO_ROOT / "data" / "raw", help="directory for --target parquet")
    g.add_argument("--workers", type=_worker_count, default=None,
                   help="tenants simulated at once, each in its own process (default: one per core from "
                        "scale 0.5, else one); the data is the same for any number")
    g.add_argument("--no-progress", action="store_true")
    ld = sub.add_parser("load", help="load your own raw tables (one Parquet file per contract table) into the warehouse")
    ld.add_argument("directory", type=Path, help="holds <schema>/<table>.parquet, e.g. raw_billing/invoices.parquet")
    ld.add_argument("--target", choices=["duckdb", "postgres", "bigquery"], default="duckdb")
    ld.add_argument("--duckdb-path", type=Path, default=None, help="default: $DBT_DUCKDB_PATH or warehouse.duckdb")
    b = sub.add_parser("build", help="dbt build of the whole project (extra dbt arguments after --); on DuckDB "
                                     "one writer at a time: a second stops at once and names the first")
    b.add_argument("--target", choices=["duckdb", "postgres"], default="duckdb")
    b.add_argument("--duckdb-path", type=Path, default=None, help="default: $DBT_DUCKDB_PATH or warehouse.duckdb")
    b.add_argument("--as-of-date", type=_date, default=None,
                   help="dbt var as_of_date (default: $WAREHOUSE_AS_OF_DATE, else today, UTC)")
    b.add_argument("--full-refresh", action="store_true", help="after generate or load replaced the raw history")
    b.add_argument("--all", action="store_true",
                   help="build everything even when the record of the last build says nothing changed")
    b.add_argument("--dry-run", action="store_true", help="only print what the build would do; start no dbt")
    b.add_argument("dbt_args", nargs="*", help="after --: more dbt build arguments (--select ...)")
    ct = sub.add_parser("contract", help="the raw contract (docs/contracts/raw_sources.yml) and the files made from it")
    ctc = ct.add_subparsers(dest="contract_command", required=True, parser_class=_Parser)
    cs = ctc.add_parser("sync", help="write the dbt sources, base models and raw_contract macro from the contract")
    cs.add_argument("--check", action="store_true", help="only say which files differ (exit 1 when any does)")
    s = sub.add_parser("summary", help="row counts per layer and headline metrics of a DuckDB warehouse")
    s.add_argument("--duckdb-path", type=Path, default=None)
    a = sub.add_parser("access", help="BI logins on the Postgres warehouse (docs/ACCESS.md)")
    acc = a.add_subparsers(dest="access_command", required=True, parser_class=_Parser)
    t = acc.add_parser("tenant-login", help="a login that sees one tenant's rows in the marts")
    t.add_argument("role")
    t.add_argument("tenant_id")
    t.add_argument("--password-env", default=None, help="environment variable holding its password")
    pl = acc.add_parser("platform-login", help="a login that sees every tenant")
    pl.add_argument("role")
    pl.add_argument("--password-env", default=None)
    d = acc.add_parser("drop-login", help="remove a login and its tenant mapping")
    d.add_argument("role")
    ss = sub.add_parser("superset", help="Superset on the Postgres warehouse (bi/superset/README.md)")
    sup = ss.add_subparsers(dest="superset_command", required=True, parser_class=_Parser)
    sup.add_parser("install", help="only install Superset into .superset/venv (skipped when up to date)")
    su = sup.add_parser("setup", help="install, initialise, register the warehouse, import the dashboards")
    su.add_argument("--login", default="superset_reader", help="the warehouse login Superset queries as")
    su.add_argument("--password-env", default=None, help="environment variable holding that login's password")
    su.add_argument("--tenant", default=None, help="make the login see this tenant only (default: every tenant)")
    sv = sup.add_parser("serve", help="serve Superset on 127.0.0.1")
    sv.add_argument("--port", type=int, default=8088)
    fc = sub.add_parser("forecast", aliases=["churn-risk"],
                        help="the marts Python computes from the built marts: MRR and store revenue forecasts per "
                             "tenant (marts.revenue_forecast, forecast_backtest, forecast_backtest_steps), then each "
                             "billing customer's churn risk and lifetime value (marts.customer_churn_risk, "
                             "churn_model_evaluation); churn-risk is another name for it")
    fc.add_argument("--target", choices=["duckdb", "postgres", "bigquery"], default="duckdb",
                    help="bigquery: the BIGQUERY_* variables, as the loader reads them")
    fc.add_argument("--duckdb-path", type=Path, default=None, help="default: $DBT_DUCKDB_PATH or warehouse.duckdb")
    fc.add_argument("--as-of-date", type=_date, default=None,
                    help="the run's as-of date, as given to dbt (default: $WAREHOUSE_AS_OF_DATE, else today, UTC)")
    rp = sub.add_parser("report", help="Sales, Customer Success, Revenue and Executive reports (CSV, XLSX, PDF) per "
                                       "tenant from the built marts, for a date range or the last complete day, "
                                       "week or month; e-mailed and posted to Slack when configured")
    rp.add_argument("--kind", choices=["sales", "customer_success", "revenue", "executive", "all"], default="all")
    rp.add_argument("--start", type=_date, default=None, help="first day of the range (with --end)")
    rp.add_argument("--end", type=_date, default=None, help="last day of the range (with --start)")
    rp.add_argument("--cadence", choices=["daily", "weekly", "monthly"], default=None,
                    help="instead of --start/--end: the last complete day, week or month before the as-of date")
    rp.add_argument("--as-of-date", type=_date, default=None,
                    help="the marts' as-of date (default: $WAREHOUSE_AS_OF_DATE, else today, UTC)")
    rp.add_argument("--tenant", action="append", default=None, help="only this tenant (repeatable)")
    rp.add_argument("--target", choices=["duckdb", "postgres", "bigquery"], default="duckdb")
    rp.add_argument("--duckdb-path", type=Path, default=None, help="default: $DBT_DUCKDB_PATH or warehouse.duckdb")
    rp.add_argument("--out", type=Path, default=None, help="default: $WAREHOUSE_REPORTS_DIR or reports/")
    rp.add_argument("--deliver", action="store_true",
                    help="also e-mail and post the files (REPORTS_SMTP_*, REPORTS_SLACK_WEBHOOK_URL)")
    q = sub.add_parser("queue", help="the Dagster instance's queued runs, one line each: which run-queue limit "
                                     "holds it and which run in progress holds that limit")
    q.add_argument("--dagster-home", type=Path, default=None,
                   help="default: $DAGSTER_HOME, else .dagster_home (the instance of `make dagster`)")
    from orchestration.api.cli import add_parser as add_api_parser
    add_api_parser(sub, _Parser)
    return p


def cmd_generate(args) -> int:
    from orchestration.generator.core import generate
    from orchestration.generator.load import ensure_pg_database, load_bigquery, load_duckdb, load_postgres

    progress = not args.no_progress and sys.stderr.isatty()
    if args.target == "postgres":
        ensure_pg_database()            # fail before generating anything
    if args.target == "duckdb":
        db_path = args.duckdb_path or default_duckdb_path()
        _check_duckdb_writable(db_path)
    tmp_parent = args.out.parent if args.target == "parquet" else None
    if tmp_parent:
        tmp_parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix="warehouse-gen-", dir=tmp_parent))
    try:
        res = generate(tmp, args.tenants, args.scale, args.seed, args.as_of_date, progress=progress,
                       workers=args.workers)
        if args.target == "duckdb":
            load_duckdb(tmp, db_path, progress=progress)
            where = str(db_path)
        elif args.target == "postgres":
            load_postgres(tmp, progress=progress)
            where = "postgres"
        elif args.target == "bigquery":
            load_bigquery(tmp, progress=progress)
            where = "bigquery"
        else:
            old = args.out.with_name(args.out.name + ".previous")
            if args.out.exists():
                args.out.rename(old)
            tmp.rename(args.out)
            shutil.rmtree(old, ignore_errors=True)
            where = str(args.out)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    total = sum(res.row_counts.values())
    print(f"generated {total:,} raw rows for {args.tenants} tenants in {res.seconds:.1f}s "
          f"-> {where} (data sha256 {res.data_sha256[:16]})")
    return 0


def cmd_load(args) -> int:
    from orchestration.generator.load import LoadError, load_bigquery, load_duckdb, load_postgres
    if not args.directory.is_dir():
        raise LoadError(f"no such directory: {args.directory}")
    if args.target == "duckdb":
        db_path = args.duckdb_path or default_duckdb_path()
        _check_duckdb_writable(db_path)
        load_duckdb(args.directory, db_path, progress=False)
        where = str(db_path)
    elif args.target == "bigquery":
        load_bigquery(args.directory, progress=False)
        where = "bigquery"
    else:
        load_postgres(args.directory, progress=False)
        where = "postgres"
    print(f"loaded {args.directory} -> {where}; now run dbt build (with --full-refresh when this replaced "
          f"earlier raw history)")
    return 0


def cmd_contract(args) -> int:
    from orchestration import contract
    try:
        changed = contract.sync(check=args.check)
    except (ValueError, KeyError) as e:
        raise UsageError(f"docs/contracts/raw_sources.yml: {e}") from None
    for path in changed:
        print(f"{'differs' if args.check else 'wrote'}: {path.relative_to(REPO_ROOT)}")
    if args.check and changed:
        print("run `warehouse contract sync` and commit the result", file=sys.stderr)
        return 1
    return 0


# The writer lock of each DuckDB file this process writes, held open until the process ends.
_WRITER_LOCKS: dict[Path, object] = {}


def _hold_writer_lock(db_path: Path) -> None:
    """Take `<file>.lock` (an flock, which the kernel releases when this process ends, a kill -9
    included) and write this process's pid into it; when another `warehouse` command holds it, stop
    with one line naming that process. DuckDB's own lock only exists while a connection is open,
    and a build opens and closes several: the lock file covers the gaps between them."""
    import fcntl
    from orchestration.generator.load import LoadError
    lock_path = db_path.with_name(db_path.name + ".lock")
    if db_path in _WRITER_LOCKS:
        return
    handle = open(lock_path, "a+")          # noqa: SIM115 (held until the process ends)
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        handle.seek(0)
        holder = handle.read().strip() or "another process"
        handle.close()
        raise LoadError(f"{db_path} is being written by {holder}; wait for it to end "
                        f"(DuckDB allows one writer)") from None
    handle.seek(0)
    handle.truncate()
    handle.write(f"pid {os.getpid()} (warehouse {' '.join(sys.argv[1:2])}, since "
                 f"{datetime.now(UTC).strftime('%Y-%m-%d %H:%M:%S')} UTC)")
    handle.flush()
    _WRITER_LOCKS[db_path] = handle


def _check_duckdb_writable(db_path: Path):
    import duckdb
    from orchestration.generator.load import LoadError
    db_path.parent.mkdir(parents=True, exist_ok=True)
    _hold_writer_lock(db_path)
    try:
        duckdb.connect(str(db_path)).close()
    except duckdb.Error as e:
        raise LoadError(f"cannot open DuckDB file {db_path}: {str(e).splitlines()[0]}") from None


def cmd_build(args) -> int:
    """dbt build, holding the DuckDB file's writer lock for the whole of it (not only while dbt has
    it open); dbt's own output passes through, and its exit code is this command's. State-aware
    (orchestration/build_state.py): with the same project, as_of_date and arguments as the last
    successful build it starts no dbt when no source table changed, and builds only what the changed
    ones feed otherwise; one line says which, before dbt starts."""
    from orchestration import build_state
    as_of = _run_as_of_date(args)
    env = dict(os.environ)
    db_path = None
    if args.target == "duckdb":
        db_path = (args.duckdb_path or default_duckdb_path()).resolve()
        _check_duckdb_writable(db_path)
        env["DBT_DUCKDB_PATH"] = str(db_path)
    inputs, decision = _build_decision(args, as_of.isoformat(), db_path)
    print(decision.line(), flush=True)
    if decision.kind == "nothing_new" or args.dry_run:
        return 0
    cmd = [str(Path(sys.executable).parent / "dbt"), "build", "--target", args.target,
           "--vars", f"{{as_of_date: '{as_of.isoformat()}'}}", *(["--full-refresh"] if args.full_refresh else []),
           *(["--select", *decision.selectors] if decision.kind == "changed_sources" else []), *args.dbt_args]
    code = subprocess.run(cmd, cwd=REPO_ROOT, env=env, check=False).returncode
    if code == 0 and inputs is not None:
        try:
            with _state_connection(args.target, db_path, read_only=False) as con:
                build_state.record(con, inputs)
        except Exception as e:           # the build stands; the next one only rebuilds more than it must
            if not _is_environment_error(e):
                raise
            print(f"warehouse build: the build succeeded but its state was not recorded ({type(e).__name__}: "
                  f"{str(e).strip().splitlines()[0]}); the next build builds everything", file=sys.stderr)
    return code


def _build_decision(args, as_of: str, db_path: Path | None):
    """The inputs of this build (None when the warehouse cannot be read: dbt then says why) and what to build."""
    from orchestration import build_state
    sources = build_state.declared_sources()
    try:
        with _state_connection(args.target, db_path, read_only=True) as con:
            inputs = build_state.take_inputs(con, as_of, build_state.dbt_args_key(args.target, args.dbt_args))
            before = build_state.read_record(con)
    except Exception as e:
        if not _is_environment_error(e):
            raise
        return None, build_state.Decision("everything", f"building everything: the warehouse's state cannot be "
                                                        f"read ({type(e).__name__})")
    return inputs, build_state.decide(inputs, before, full_refresh=args.full_refresh, build_all=args.all,
                                      sources=sources)


@contextmanager
def _state_connection(target: str, db_path: Path | None, read_only: bool):
    """One connection to the warehouse for reading or writing the build state: DuckDB (read-only while
    deciding: this process holds the file's writer lock, dbt is not running yet), or Postgres (PG*)."""
    if target == "duckdb":
        import duckdb
        con = duckdb.connect(str(db_path), read_only=read_only)
    else:
        import psycopg
        from orchestration.generator.load import pg_conninfo
        con = psycopg.connect(**pg_conninfo(), autocommit=True)
    try:
        yield con
    finally:
        con.close()


def cmd_summary(args) -> int:
    from orchestration.summary import SummaryError, print_summary
    try:
        print_summary(args.duckdb_path or default_duckdb_path())
    except SummaryError as e:
        raise UsageError(str(e)) from None
    return 0


def cmd_access(args) -> int:
    import psycopg
    from orchestration import access
    try:
        if args.access_command == "tenant-login":
            access.tenant_login(args.role, args.tenant_id, args.password_env)
        elif args.access_command == "platform-login":
            access.platform_login(args.role, args.password_env)
        else:
            access.drop_login(args.role)
    except (psycopg.Error, ValueError) as e:
        raise UsageError(str(e).strip().splitlines()[0]) from None
    print(f"{args.access_command} {args.role}: done")
    return 0


def cmd_superset(args) -> int:
    import psycopg
    from orchestration import superset
    if args.superset_command == "serve":
        superset.serve(args.port)
        return 0
    if args.superset_command == "install":
        superset.install()
        print(f"superset: installed in {superset.venv()}")
        return 0
    try:
        superset.setup(args.login, args.password_env, args.tenant)
    except (psycopg.Error, ValueError, subprocess.CalledProcessError) as e:
        raise UsageError(str(e).strip().splitlines()[0]) from None
    print(f"superset: ready; `warehouse superset serve` serves it on 127.0.0.1 (admin password: "
          f"$SUPERSET_ADMIN_PASSWORD or {superset.home() / 'admin_password'})")
    return 0


def _run_as_of_date(args):
    """--as-of-date, else $WAREHOUSE_AS_OF_DATE, else today (UTC): the date dbt was given."""
    if args.as_of_date is not None:
        return args.as_of_date
    pinned = os.environ.get("WAREHOUSE_AS_OF_DATE", "").strip()
    try:
        return _date(pinned) if pinned else datetime.now(UTC).date()
    except argparse.ArgumentTypeError as e:
        raise UsageError(f"WAREHOUSE_AS_OF_DATE: {e}") from None


def _writable_duckdb_path(args) -> Path | None:
    if args.target != "duckdb":
        return None
    db_path = args.duckdb_path or default_duckdb_path()
    _check_duckdb_writable(db_path)
    return db_path


def cmd_forecast(args) -> int:
    """The forecasts, then the churn scores: one as-of date, one connection's settings, one BigQuery
    client; a progress line per tenant and series, then per tenant."""
    from orchestration.churn.run import HIGH_RISK, RISK, run_churn_risk
    from orchestration.forecast.run import FORECAST, run_forecast
    as_of = _run_as_of_date(args)
    db_path = _writable_duckdb_path(args)
    bigquery = None
    if args.target == "bigquery":
        from orchestration.generator.load import bigquery_client
        bigquery = bigquery_client()

    def progress(line: str) -> None:
        print(line, flush=True)
    try:
        forecast = run_forecast(args.target, as_of, duckdb_path=db_path, progress=progress, bigquery=bigquery)
        forecasts = sum(1 for r in forecast.results if r.model)
        print(f"forecast as of {as_of}: {forecasts} of {len(forecast.results)} series forecast "
              f"-> marts.{FORECAST} ({args.target})", flush=True)
        churn = run_churn_risk(args.target, as_of, duckdb_path=db_path, progress=progress, bigquery=bigquery)
    except RuntimeError as e:
        raise UsageError(str(e)) from None
    scored = churn.rows(RISK)
    high = sum(1 for r in scored if r["churn_probability"] > HIGH_RISK)
    print(f"churn risk as of {as_of}: {len(scored)} customers scored, {high} above {HIGH_RISK} "
          f"-> marts.{RISK} ({args.target})")
    return 0


def cmd_report(args) -> int:
    from orchestration.dagster_defs.warehouse import WarehouseResource, frame_reader
    from orchestration.reports.delivery import DeliveryError
    from orchestration.reports.kinds import REPORT_KINDS, check_tenant
    from orchestration.reports.ranges import ReportRange, last_complete_range
    from orchestration.reports.runner import deliver_reports, write_reports
    as_of = _run_as_of_date(args)
    if args.cadence and (args.start or args.end):
        raise UsageError("give either --cadence or --start and --end, not both")
    if args.cadence:
        rng = last_complete_range(args.cadence, as_of)
    elif args.start and args.end:
        if args.end < args.start:
            raise UsageError(f"--end {args.end} is before --start {args.start}")
        if args.end >= as_of:
            raise UsageError(f"--end {args.end} is not before the as-of date {as_of}: the marts hold complete "
                             "days only (docs/periods.md)")
        rng = ReportRange(args.start, args.end)
    else:
        raise UsageError("give --start and --end (YYYY-MM-DD), or --cadence daily|weekly|monthly")
    try:
        tenants = [check_tenant(t) for t in args.tenant] if args.tenant else None
    except ValueError as e:
        raise UsageError(str(e)) from None
    path = args.duckdb_path or default_duckdb_path()
    if args.target == "duckdb" and not path.exists():
        raise UsageError(f"no DuckDB warehouse at {path}: build it first (warehouse build)")
    warehouse = WarehouseResource(target=args.target, duckdb_path=str(path))
    kinds = REPORT_KINDS if args.kind == "all" else (args.kind,)
    out = args.out or Path(os.environ.get("WAREHOUSE_REPORTS_DIR", REPO_ROOT / "reports"))
    with warehouse.session() as con:
        outputs = write_reports(frame_reader(con), rng, out, kinds, as_of, tenants)
    files = sum(len(o.files) for o in outputs.values())
    print(f"{', '.join(kinds)} reports for {rng.days.label('day')}: {files} files for {len(outputs)} tenants "
          f"-> {out / rng.cadence}")
    if args.deliver:
        try:
            for line in deliver_reports(outputs):
                print(f"delivered {line}")
        except (DeliveryError, ValueError) as e:
            raise UsageError(f"{e} (the files are written)") from None
    return 0


def cmd_queue(args) -> int:
    from orchestration.run_queue import open_instance, queue_report
    home = args.dagster_home or Path(os.environ.get("DAGSTER_HOME") or REPO_ROOT / ".dagster_home")
    try:
        instance = open_instance(home)
    except ValueError as e:
        raise UsageError(str(e)) from None
    try:
        for line in queue_report(instance):
            print(line)
    finally:
        instance.dispose()
    return 0


def cmd_api(args) -> int:
    from orchestration.api.cli import run
    try:
        return run(args)
    except (ValueError, RuntimeError) as e:
        raise UsageError(str(e).strip().splitlines()[0]) from None


def main(argv=None) -> int:
    from orchestration.generator.load import LoadError
    try:
        args = build_parser().parse_args(argv)
        return {"generate": cmd_generate, "load": cmd_load, "build": cmd_build, "contract": cmd_contract,
                "summary": cmd_summary, "access": cmd_access, "api": cmd_api, "forecast": cmd_forecast,
                "churn-risk": cmd_forecast, "report": cmd_report, "queue": cmd_queue,
                "superset": cmd_superset}[args.command](args)
    except (UsageError, LoadError) as e:
        print(f"warehouse: error: {e}", file=sys.stderr)
        return 2
    except Exception as e:
        # what the environment did (a file, a server, a lock), not a bug of this command: one line too
        if not _is_environment_error(e):
            raise
        print(f"warehouse: error: {type(e).__name__}: {str(e).strip().splitlines()[0] if str(e).strip() else e!r}",
              file=sys.stderr)
        return 2


def _is_environment_error(e: Exception) -> bool:
    import duckdb
    import psycopg
    return isinstance(e, OSError | duckdb.Error | psycopg.Error | subprocess.CalledProcessError)


if __name__ == "__main__":
    sys.exit(main())
