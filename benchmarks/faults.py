"""Kill dbt at random points of a full and of an incremental build, and check what survives.

    .venv/bin/python benchmarks/faults.py --target duckdb --trials 20
    .venv/bin/python benchmarks/faults.py --target postgres --trials 20 --faults kill9,terminate

Each trial starts `dbt build` on a warehouse whose marts are complete, and at a random moment
(uniform over 10-90 % of a clean build's duration) either kills the dbt process with SIGKILL
(`kill9`) or, on Postgres, ends dbt's busy connections with pg_terminate_backend until the build
gives up (`terminate`, what a server going down does to a run). Then:
- right after the fault every mart still equals, fingerprint for fingerprint
  (orchestration/fingerprint.py), either its complete state before the build or the clean build's:
  no mart is half-built; "rows lost" counts the rows missing from any mart that is neither;
- on Postgres, a reader thread queried the MRR bridge (marts.mrr_monthly) and per-tenant order totals
  (marts.fct_orders) throughout: "readers' errors" counts failed queries, "changed" answers that
  differed from before the build (the data is the same, so none may);
- on DuckDB the file opens afterwards, read-write;
- the next `dbt build` completes and every mart equals the clean build's (incremental models did not
  count a row twice).
A `full` trial rebuilds everything with --full-refresh over the same raw data; its clean build is a
--full-refresh over all the data. An `incremental` trial first holds back the last HOLDBACK_DAYS of
loads of the tables that incremental models read, builds without them (--full-refresh), lands them,
then runs the incremental build that is killed; its clean build is the same incremental build left to
finish. (Where that differs from a full refresh, the runner says so: a property of the incremental
models, not of the fault.)

Prints a markdown table (trials, survived, rows lost, readers' errors) per engine, build kind and
fault. At scale 0.01 a trial costs two builds; 20 per engine is for an otherwise idle machine.
"""
import argparse
import os
import random
import shutil
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
from orchestration import fingerprint as fp  # noqa: E402
from orchestration.contract import POLICY  # noqa: E402

BIN = Path(sys.executable).parent
AS_OF = "2026-11-21"
HOLDBACK_DAYS = 3
# The raw tables read by incremental models: the contract's policy names them.
INCREMENTAL_SOURCES = tuple(f"{source}.{table}" for source, table in POLICY["incremental"])
READER_QUERIES = (
    "select tenant_id, month, starting_mrr, new_mrr, expansion_mrr, reactivation_mrr, contraction_mrr, "
    "churned_mrr, ending_mrr from marts.mrr_monthly order by tenant_id, month",
    "select tenant_id, count(*), sum(net_revenue_usd) from marts.fct_orders group by tenant_id order by tenant_id",
)
READER_APP = "faults_reader"
# Builds write every relation and run no test: the trials judge a build by its relations' fingerprints,
# and the data tests (several hundred nodes) would only lengthen every build and kill window.
BUILD_EXCLUDE = ("--exclude", "resource_type:unit_test", "resource_type:test")


@dataclass
class Warehouse:
    target: str
    env: dict
    workdir: Path

    @property
    def database(self) -> str | None:
        return self.env.get("PGDATABASE")

    def connect(self, read_only: bool = True):
        if self.target == "duckdb":
            import duckdb
            return duckdb.connect(self.env["DBT_DUCKDB_PATH"], read_only=read_only)
        return fp.connect("postgres", database=self.database)

    def execute(self, sql: str) -> None:
        con = self.connect(read_only=False)
        try:
            con.execute(sql)
        finally:
            con.close()

    def fingerprints(self, schema: str = "marts") -> dict[str, fp.Fingerprint]:
        con = self.connect()
        try:
            return fp.fingerprint_schema(con, schema)
        finally:
            con.close()

    def dbt_cmd(self, *args: str) -> list[str]:
        return [str(BIN / "dbt"), *args, "--target", self.target, "--target-path", str(self.workdir / "target"),
                "--vars", "{as_of_date: '" + AS_OF + "'}"]

    def dbt(self, *args: str, check: bool = True) -> subprocess.CompletedProcess:
        proc = subprocess.run(self.dbt_cmd(*args), cwd=REPO, env=self.env, capture_output=True, text=True, check=False)
        if check and proc.returncode != 0:
            raise RuntimeError(f"dbt {' '.join(args)} failed:\n{proc.stdout[-4000:]}")
        return proc

    def build(self, full_refresh: bool) -> float:
        """A complete build of every relation (models, seeds, snapshots; tests are not the point here:
        a fault is judged by the fingerprints), its duration in seconds."""
        start = time.monotonic()
        self.dbt("build", *BUILD_EXCLUDE, *(["--full-refresh"] if full_refresh else []))
        return time.monotonic() - start


def prepare(target: str, workdir: Path, tenants: int, scale: float, seed: int, pg_database: str | None,
            base_env: dict | None = None) -> Warehouse:
    """Generate raw data into a new DuckDB file under workdir, or into pg_database (which the caller
    created and drops)."""
    workdir.mkdir(parents=True, exist_ok=True)
    env = dict(base_env or os.environ)
    env.setdefault("DBT_PROFILES_DIR", str(REPO / ".dbt"))
    env.setdefault("DBT_LOG_PATH", str(workdir / "logs"))
    env["DBT_SEND_ANONYMOUS_USAGE_STATS"] = "false"
    if target == "duckdb":
        env["DBT_DUCKDB_PATH"] = str(workdir / "warehouse.duckdb")
    else:
        env["PGDATABASE"] = pg_database
    subprocess.run([str(BIN / "warehouse"), "generate", "--tenants", str(tenants), "--scale", str(scale),
                    "--seed", str(seed), "--as-of-date", AS_OF, "--target", target, "--no-progress"],
                   cwd=REPO, env=env, check=True, capture_output=True, text=True)
    return Warehouse(target, env, workdir)


def hold_back(wh, sources: tuple[str, ...] = INCREMENTAL_SOURCES, days: int = HOLDBACK_DAYS) -> None:
    """Move the last `days` of loads of each raw table (by default the incremental models' sources)
    aside, into schema holdback; each table's cutoff is its own newest load. `wh` needs `execute`."""
    wh.execute("create schema if not exists holdback")
    for source in sources:
        aside = "holdback." + source.replace(".", "__")
        cutoff = f"(select max(_loaded_at) - interval '{days} days' from {source})"
        wh.execute(f"drop table if exists {aside}")
        wh.execute(f"create table {aside} as select * from {source} where _loaded_at > {cutoff}")
        wh.execute(f"delete from {source} where _loaded_at > {cutoff}")


def land_held_back(wh, sources: tuple[str, ...] = INCREMENTAL_SOURCES) -> None:
    for source in sources:
        wh.execute(f"insert into {source} select * from holdback.{source.replace('.', '__')}")


class Reader(threading.Thread):
    """Queries the MRR bridge and per-tenant totals in a loop on Postgres, as a dashboard would."""

    def __init__(self, wh: Warehouse, expected: list):
        super().__init__(daemon=True)
        self.wh, self.expected = wh, expected
        self.stop = threading.Event()
        self.reads = self.errors = self.changed = 0
        self.first_error = ""

    def run(self):
        import psycopg
        from orchestration.generator.load import pg_conninfo
        con = None
        while not self.stop.is_set():
            try:
                if con is None:
                    con = psycopg.connect(**pg_conninfo(self.wh.database), autocommit=True,
                                          application_name=READER_APP)
                answers = [con.execute(q).fetchall() for q in READER_QUERIES]
                self.reads += 1
                self.changed += answers != self.expected
            except psycopg.Error as e:
                self.errors += 1
                self.first_error = self.first_error or str(e).strip().splitlines()[0]
                if con is not None:
                    con.close()
                con = None
            time.sleep(0.05)
        if con is not None:
            con.close()


def reader_answers(wh: Warehouse) -> list:
    con = fp.connect("postgres", database=wh.database)
    try:
        return [con.execute(q).fetchall() for q in READER_QUERIES]
    finally:
        con.close()


def dbt_backends(wh: Warehouse) -> list[int]:
    """Server processes of this database's clients other than the readers and this check."""
    con = fp.connect("postgres", database="postgres")
    try:
        return [r[0] for r in con.execute(
            "select pid from pg_stat_activity where datname = %s and pid <> pg_backend_pid() "
            "and backend_type = 'client backend' and coalesce(application_name, '') <> %s",
            [wh.database, READER_APP]).fetchall()]
    finally:
        con.close()


def terminate(pids: list[int]) -> None:
    con = fp.connect("postgres", database="postgres")
    try:
        for pid in pids:
            con.execute("select pg_terminate_backend(%s)", [pid])
    finally:
        con.close()


def terminate_busy(wh: Warehouse) -> bool:
    """End every dbt connection of this database that is inside a query or a transaction, in the one
    statement that sees it so (a separate look then end lets the node finish in between). True if any."""
    con = fp.connect("postgres", database="postgres")
    try:
        return any(ended for (ended,) in con.execute(
            "select pg_terminate_backend(pid) from pg_stat_activity where datname = %s "
            "and pid <> pg_backend_pid() and backend_type = 'client backend' "
            "and coalesce(application_name, '') <> %s and state in ('active', 'idle in transaction')",
            [wh.database, READER_APP]).fetchall())
    finally:
        con.close()


def wait_for_backends_to_end(wh: Warehouse, seconds: float = 120) -> int:
    """A killed client's server process stops at its next write to the dead socket, rolling its
    transaction back; wait for that. Returns how many were still there at the deadline (then ended)."""
    deadline = time.monotonic() + seconds
    while (pids := dbt_backends(wh)) and time.monotonic() < deadline:
        time.sleep(0.2)
    if pids:
        terminate(pids)
    return len(pids)


@dataclass
class Trial:
    target: str
    kind: str                   # full | incremental
    fault: str                  # kill9 | terminate
    delay: float
    faulted: bool = False       # the fault hit a running build (not one that had already finished)
    opens: bool = True
    torn: list[str] = field(default_factory=list)
    rows_lost: int = 0
    reads: int = 0
    reader_errors: int = 0
    reader_changed: int = 0
    recovered: bool = False
    recovery_diff: dict = field(default_factory=dict)
    fault_output: str = ""

    @property
    def survived(self) -> bool:
        return (self.opens and not self.torn and self.reader_errors == 0 and self.reader_changed == 0
                and self.recovered)


def run_trial(wh: Warehouse, kind: str, fault: str, fraction: float, clean_seconds: float,
              before: dict[str, fp.Fingerprint], clean: dict[str, fp.Fingerprint]) -> Trial:
    """One fault on a build that starts from `before` (complete marts) and would end at `clean`."""
    trial = Trial(wh.target, kind, fault, round(fraction * clean_seconds, 2))
    reader = None
    if wh.target == "postgres":
        reader = Reader(wh, reader_answers(wh))
        reader.start()
    args = ["build", *BUILD_EXCLUDE, *(["--full-refresh"] if kind == "full" else [])]
    # dbt's output goes to a file: a pipe nobody reads during the wait below fills up and blocks dbt
    output = wh.workdir / "faulted_build.log"
    with output.open("w") as sink:
        proc = subprocess.Popen(wh.dbt_cmd(*args), cwd=REPO, env=wh.env, stdout=sink, stderr=subprocess.STDOUT)
    try:
        proc.wait(timeout=trial.delay)
    except subprocess.TimeoutExpired:
        if fault == "kill9":
            os.kill(proc.pid, signal.SIGKILL)
            trial.faulted = True
        else:
            # from then on, every dbt connection busy with a query or inside a transaction, until the
            # build gives up, as a server going down ends them (an idle one is reopened; one ended as
            # its node finished, or while dbt only rolls it back, lets the build go on)
            while proc.poll() is None:
                terminate_busy(wh)
                time.sleep(0.02)
    proc.wait()
    if fault == "terminate":
        trial.faulted = proc.returncode not in (0, None)    # a build that still succeeded proved nothing
    trial.fault_output = output.read_text()
    if wh.target == "postgres":
        wait_for_backends_to_end(wh)
        reader.stop.set()
        reader.join()
        trial.reads, trial.reader_errors, trial.reader_changed = reader.reads, reader.errors, reader.changed
    else:
        try:
            wh.connect(read_only=False).close()
        except Exception:
            trial.opens = False
    if trial.opens:
        after = wh.fingerprints()
        for mart, clean_fp in clean.items():
            now = after.get(mart)
            if now != clean_fp and now != before.get(mart):
                trial.torn.append(mart)
                trial.rows_lost += max(0, clean_fp.rows - (now.rows if now else 0))
    # the next run: the same build again, to its end
    wh.dbt(*args)
    trial.recovery_diff = fp.differences(clean, wh.fingerprints())
    trial.recovered = not trial.recovery_diff
    return trial


def incremental_start(wh: Warehouse) -> dict[str, fp.Fingerprint]:
    """Hold back the newest loads and build without them (--full-refresh), then land them: the state
    an incremental build starts from. Returns the marts' fingerprints before the landing."""
    hold_back(wh)
    wh.build(full_refresh=True)
    before = wh.fingerprints()
    land_held_back(wh)
    return before


def save_state(wh: Warehouse) -> str:
    """Copy the whole warehouse aside (the DuckDB file, or the Postgres database as a template), for
    restore_state: a state costs a copy instead of the builds that made it. Returns the copy's name."""
    if wh.target == "duckdb":
        saved = wh.env["DBT_DUCKDB_PATH"] + ".saved"
        for suffix in ("", ".wal"):     # the log too, should a process have left one unmerged
            path = Path(wh.env["DBT_DUCKDB_PATH"] + suffix)
            if path.exists():
                shutil.copy(path, saved + suffix)
        return saved
    saved = f"{wh.database}_saved"
    con = fp.connect("postgres", database="postgres")
    try:
        terminate(dbt_backends(wh))     # a template must have no session; none should be left by now
        con.execute(f'drop database if exists "{saved}" with (force)')
        con.execute(f'create database "{saved}" template "{wh.database}"')
    finally:
        con.close()
    return saved


def restore_state(wh: Warehouse, saved: str) -> None:
    """Put back the warehouse save_state copied, and remove the copy. A Postgres database made from a
    template holds its schemas, tables, grants and row-level-security policies; there are no database-level
    settings or grants to lose (roles are the server's, unchanged)."""
    if wh.target == "duckdb":
        for suffix in ("", ".wal"):
            if Path(saved + suffix).exists():
                os.replace(saved + suffix, wh.env["DBT_DUCKDB_PATH"] + suffix)
            else:
                Path(wh.env["DBT_DUCKDB_PATH"] + suffix).unlink(missing_ok=True)
        return
    con = fp.connect("postgres", database="postgres")
    try:
        con.execute(f'drop database if exists "{wh.database}" with (force)')
        con.execute(f'create database "{wh.database}" template "{saved}"')
        con.execute(f'drop database "{saved}"')
    finally:
        con.close()


def incremental_start_and_reference(wh: Warehouse) -> tuple[dict[str, fp.Fingerprint], dict[str, fp.Fingerprint]]:
    """incremental_start, then incremental_reference's build from that very state, which is then put
    back: the fingerprints before the landing and the uninterrupted incremental build's, and the
    warehouse ready for an incremental trial (one held-back build instead of incremental_reference's
    and incremental_start's two, over the same data)."""
    before = incremental_start(wh)
    saved = save_state(wh)
    wh.build(full_refresh=False)
    reference = wh.fingerprints()
    restore_state(wh, saved)
    return before, reference


def incremental_reference(wh: Warehouse) -> tuple[dict[str, fp.Fingerprint], float]:
    """What an uninterrupted incremental build makes from incremental_start: the clean build an
    interrupted one must end equal to; and how long that build took (the kill moments are drawn from it)."""
    incremental_start(wh)
    seconds = wh.build(full_refresh=False)
    return wh.fingerprints(), seconds


def run_trials(wh: Warehouse, kinds: list[str], faults: list[str], trials: int, seed: int,
               progress=lambda line: None) -> tuple[list[Trial], dict]:
    """`trials` trials of each kind and fault on one prepared warehouse; also returns how the
    uninterrupted incremental build differs from a full refresh (per mart), which no kill causes."""
    rng = random.Random(seed)
    results = []
    # the clean build: every mart's fingerprint after a complete --full-refresh over all the data
    clean_seconds = wh.build(full_refresh=True)
    clean = wh.fingerprints()
    progress(f"{wh.target}: clean build {clean_seconds:.0f} s, {len(clean)} marts")
    incremental_vs_full = {}
    for kind in kinds:
        reference, kind_seconds = clean, clean_seconds
        if kind == "incremental":
            # an incremental build is shorter than a full one: kill moments drawn from the full build's
            # duration would often fall after it ended
            reference, kind_seconds = incremental_reference(wh)
            incremental_vs_full = fp.differences(clean, reference)
        for fault in faults:
            for i in range(trials):
                before = incremental_start(wh) if kind == "incremental" else clean
                trial = run_trial(wh, kind, fault, rng.uniform(0.1, 0.9), kind_seconds, before, reference)
                results.append(trial)
                progress(f"{wh.target} {kind} {fault} #{i + 1}: at {trial.delay} s, "
                         f"{'survived' if trial.survived else 'FAILED'}"
                         f"{'' if trial.faulted else ' (build ended before the fault)'}")
    return results, incremental_vs_full


def table(results: list[Trial]) -> str:
    lines = ["| engine | build | fault | trials | hit a running build | survived | rows lost | torn marts "
             "| reads | readers' errors | changed answers |",
             "|---|---|---|---:|---:|---:|---:|---:|---:|---:|---:|"]
    groups: dict[tuple, list[Trial]] = {}
    for t in results:
        groups.setdefault((t.target, t.kind, t.fault), []).append(t)
    for (target, kind, fault), ts in groups.items():
        pg = target == "postgres"
        lines.append(f"| {target} | {kind} | {fault} | {len(ts)} | {sum(t.faulted for t in ts)} "
                     f"| {sum(t.survived for t in ts)} | {sum(t.rows_lost for t in ts)} "
                     f"| {sum(len(t.torn) for t in ts)} | {sum(t.reads for t in ts) if pg else 'n/a'} "
                     f"| {sum(t.reader_errors for t in ts) if pg else 'n/a'} "
                     f"| {sum(t.reader_changed for t in ts) if pg else 'n/a'} |")
    return "\n".join(lines)


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--target", choices=["duckdb", "postgres"], default="duckdb")
    p.add_argument("--trials", type=int, default=20, help="per build kind and fault")
    p.add_argument("--kinds", default="full,incremental")
    p.add_argument("--faults", default="kill9", help="kill9, and on Postgres terminate")
    p.add_argument("--tenants", type=int, default=1)
    p.add_argument("--scale", type=float, default=0.01)
    p.add_argument("--seed", type=int, default=7)
    p.add_argument("--workdir", type=Path, default=REPO / "tmp_faults")
    args = p.parse_args()
    if args.scale > 0.1:
        p.error("scale above 0.1 is not for a shared machine")
    database = f"faults_bench_{os.getpid()}" if args.target == "postgres" else None
    if database:
        con = fp.connect("postgres", database="postgres")
        con.execute(f'create database "{database}"')
        con.close()
    try:
        wh = prepare(args.target, args.workdir / f"{args.target}_{os.getpid()}", args.tenants, args.scale,
                     args.seed, database)
        results, incremental_vs_full = run_trials(wh, args.kinds.split(","), args.faults.split(","), args.trials,
                                                  args.seed, progress=lambda line: print(line, flush=True))
    finally:
        if database:
            con = fp.connect("postgres", database="postgres")
            con.execute(f'drop database if exists "{database}" with (force)')
            con.close()
    print(table(results))
    if incremental_vs_full:
        print(f"(no fault) the incremental build differs from a full refresh in: {incremental_vs_full}")
    for t in results:
        if not t.survived:
            print(f"- {t.target} {t.kind} {t.fault} at {t.delay} s: torn {t.torn}, reader error "
                  f"{t.reader_errors}, recovery differences {t.recovery_diff}")
    return 0 if all(t.survived for t in results) else 1


if __name__ == "__main__":
    raise SystemExit(main())
