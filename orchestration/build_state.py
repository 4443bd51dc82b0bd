"""What a build was made from, kept in the warehouse, so that `warehouse build` with nothing new
starts no dbt and a build after a few new loads rebuilds only what they feed.

The inputs of a build are: every dbt source table (the raw tables of the contract, and the few
tables Python writes that dbt reads, such as the forecast), the project's files, the profile target,
the var `as_of_date` and the extra dbt arguments. Same inputs, same marts (README, "One clock"). So:
- before dbt starts, `take_inputs` reads each source's row count and newest load time
  (`loaded_at_field` of its sources YAML) in one connection, and the digest of the project;
- after a successful build, `record` writes them to `warehouse_meta.build_state` in one
  transaction: the record lives and dies with the data (a copied DuckDB file carries it);
- every dbt run or build drops that table as it starts (on-run-start, macro `forget_build_state`),
  so a failed or killed build, or a dbt run outside `warehouse build`, leaves no record;
- `decide` compares the next build's inputs with the record (docs/DECISIONLOG.md, "Builds with
  nothing new").

The raw tables are append-only (docs/contracts/raw_sources.yml): a new load adds rows, so it changes
the count or the newest `_loaded_at`. A source outside the contract may be rewritten in place, so its
state also carries a checksum of every row (orchestration/fingerprint.py `rows_checksum`).
"""
import hashlib
import json
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Literal

import yaml

from orchestration.fingerprint import engine_of

REPO_ROOT = Path(__file__).resolve().parents[1]
SCHEMA = "warehouse_meta"
TABLE = "build_state"
# everything dbt reads to build: a change to any of these files may change the marts
PROJECT_FILES = ("dbt_project.yml", "packages.yml", "selectors.yml", "models", "macros", "seeds", "snapshots",
                 "tests/dbt", "analyses")
# extra dbt arguments that choose what to build: a state-aware selection cannot be combined with them
SELECTION_ARGS = ("--select", "-s", "--models", "-m", "--selector", "--resource-type", "--resource-types")


def project_digest(root: Path = REPO_ROOT) -> str:
    """A hash of every file dbt reads (path and bytes), in a fixed order."""
    h = hashlib.sha256()
    for top in PROJECT_FILES:
        base = root / top
        paths = [base] if base.is_file() else sorted(base.rglob("*")) if base.is_dir() else []
        for path in paths:
            if path.is_file() and "__pycache__" not in path.parts:
                h.update(str(path.relative_to(root)).encode() + b"\0" + path.read_bytes() + b"\0")
    return h.hexdigest()[:16]


@dataclass(frozen=True)
class Source:
    """A dbt source table: its dbt name, where it lives, and the column that dates its rows."""
    source: str
    table: str
    schema: str
    loaded_at: str | None
    append_only: bool         # a raw table of the contract: rows are only ever added

    @property
    def selector(self) -> str:
        return f"source:{self.source}.{self.table}+"


def declared_sources(root: Path = REPO_ROOT) -> tuple[Source, ...]:
    """Every source table the project's YAML declares, read from the YAML (no dbt parse)."""
    from orchestration.contract import load
    raw = {(t.source, t.name) for t in load()}
    out = []
    for path in sorted((root / "models").rglob("*.yml")):
        text = path.read_text()
        if not text.startswith("sources:") and "\nsources:" not in text:
            continue            # most YAML files hold models only: parsing them all takes seconds
        doc = yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader)) or {}
        for src in doc.get("sources") or ():
            schema = src.get("schema", src["name"])
            src_loaded_at = (src.get("config") or {}).get("loaded_at_field", src.get("loaded_at_field"))
            for t in src.get("tables") or ():
                loaded_at = (t.get("config") or {}).get("loaded_at_field", t.get("loaded_at_field", src_loaded_at))
                name = t.get("identifier", t["name"])
                out.append(Source(src["name"], t["name"], schema, loaded_at, (schema, name) in raw))
    return tuple(out)


@dataclass(frozen=True)
class SourceState:
    """One source table's state: None rows when the table does not exist."""
    source: str
    table: str
    rows: int | None
    max_loaded_at: str | None
    checksum: str | None


@dataclass(frozen=True)
class BuildInputs:
    project_digest: str
    as_of_date: str
    dbt_args: str                         # JSON list: the extra dbt arguments and the profile target
    sources: tuple[SourceState, ...]
    built_at: datetime | None = None      # set on a record read back from the warehouse

    def by_source(self) -> dict[tuple[str, str], SourceState]:
        return {(s.source, s.table): s for s in self.sources}


def dbt_args_key(target: str, dbt_args: list[str]) -> str:
    return json.dumps({"target": target, "args": list(dbt_args)}, sort_keys=True)


def _existing(con, pairs: set[tuple[str, str]]) -> set[tuple[str, str]]:
    rows = con.execute("select table_schema, table_name from information_schema.tables").fetchall()
    return {(s, t) for s, t in rows} & pairs


def take_source_states(con, sources: tuple[Source, ...]) -> tuple[SourceState, ...]:
    """Row count and newest load time of every source table, in one query over one connection (one
    snapshot on Postgres); a checksum of every row for sources that may be rewritten in place."""
    from orchestration.fingerprint import rows_checksum
    text = "varchar" if engine_of(con) == "duckdb" else "text"
    present = _existing(con, {(s.schema, s.table) for s in sources})
    parts = []
    for i, s in enumerate(sources):
        if (s.schema, s.table) not in present:
            continue
        newest = f'cast(max("{s.loaded_at}") as {text})' if s.loaded_at else "cast(null as text)"
        parts.append(f'select {i} as i, count(*) as n, {newest} as newest from "{s.schema}"."{s.table}"')
    found = {}
    if parts:
        found = {i: (n, newest) for i, n, newest in con.execute(" union all ".join(parts)).fetchall()}
    states = []
    for i, s in enumerate(sources):
        if i not in found:
            states.append(SourceState(s.source, s.table, None, None, None))
            continue
        n, newest = found[i]
        checksum = None if s.append_only else rows_checksum(con, s.schema, s.table)
        states.append(SourceState(s.source, s.table, int(n), newest, checksum))
    return tuple(states)


def take_inputs(con, as_of_date: str, dbt_args: str, root: Path = REPO_ROOT) -> BuildInputs:
    return BuildInputs(project_digest(root), as_of_date, dbt_args, take_source_states(con, declared_sources(root)))


def read_record(con) -> BuildInputs | None:
    """The inputs of the last successful `warehouse build`, or None when there is no record."""
    if not _existing(con, {(SCHEMA, TABLE)}):
        return None
    rows = con.execute(f"select project_digest, cast(as_of_date as varchar(10)), dbt_args, built_at, source_name, "
                       f"source_table, row_count, max_loaded_at, row_checksum from {SCHEMA}.{TABLE} "
                       "order by source_name, source_table").fetchall()
    if not rows:
        return None
    digest, as_of, args, built_at = rows[0][:4]
    return BuildInputs(digest, as_of, args, tuple(SourceState(*r[4:]) for r in rows), built_at)


def record(con, inputs: BuildInputs) -> None:
    """Write the inputs of the build that just succeeded, replacing any earlier record, in one transaction."""
    placeholder = "?" if engine_of(con) == "duckdb" else "%s"
    built_at = datetime.now(UTC).replace(tzinfo=None, microsecond=0)
    con.execute("begin")
    try:
        con.execute(f"create schema if not exists {SCHEMA}")
        con.execute(f"create table if not exists {SCHEMA}.{TABLE} (source_name text not null, "
                    "source_table text not null, row_count bigint, max_loaded_at text, row_checksum text, "
                    "project_digest text not null, as_of_date date not null, dbt_args text not null, "
                    "built_at timestamp not null, primary key (source_name, source_table))")
        con.execute(f"delete from {SCHEMA}.{TABLE}")
        values = ", ".join([placeholder] * 9)
        for s in inputs.sources:
            con.execute(f"insert into {SCHEMA}.{TABLE} values ({values})",
                        [s.source, s.table, s.rows, s.max_loaded_at, s.checksum, inputs.project_digest,
                         inputs.as_of_date, inputs.dbt_args, built_at])
        con.execute("commit")
    except BaseException:
        con.execute("rollback")
        raise


@dataclass(frozen=True)
class Decision:
    kind: Literal["nothing_new", "changed_sources", "everything"]
    reason: str
    changed: tuple[str, ...] = ()          # "schema.table" of the changed sources
    selectors: tuple[str, ...] = ()        # dbt --select arguments, for changed_sources

    def line(self) -> str:
        return f"warehouse build: {self.reason}"


def decide(now: BuildInputs, before: BuildInputs | None, *, full_refresh: bool = False,
           build_all: bool = False, sources: tuple[Source, ...] = ()) -> Decision:
    """What this build must do, from its inputs and the record of the last successful build."""
    if build_all:
        return Decision("everything", "building everything (--all)")
    if full_refresh:
        return Decision("everything", "building everything (--full-refresh)")
    if before is None:
        return Decision("everything", "building everything: no record of an earlier successful build")
    when = f"the build of {before.built_at:%Y-%m-%d %H:%M:%S} UTC"
    if now.project_digest != before.project_digest:
        return Decision("everything", f"building everything: the project's files changed since {when}")
    if now.as_of_date != before.as_of_date:
        return Decision("everything", f"building everything: as_of_date {now.as_of_date} differs from "
                                      f"{before.as_of_date} of {when}")
    if now.dbt_args != before.dbt_args:
        return Decision("everything", f"building everything: the target or dbt arguments differ from {when}")
    old = before.by_source()
    if old.keys() != now.by_source().keys():
        return Decision("everything", f"building everything: the declared sources differ from {when}")
    where = {(s.source, s.table): s for s in sources}
    changed = [s for s in now.sources if s != old[(s.source, s.table)]]
    if not changed:
        return Decision("nothing_new", f"nothing new since {when}: every raw table, the project and "
                                       "as_of_date are unchanged; the marts are current")
    names = tuple(f"{where[(s.source, s.table)].schema}.{s.table}" if (s.source, s.table) in where
                  else f"{s.source}.{s.table}" for s in changed)
    args = json.loads(now.dbt_args)["args"]
    if any(a.split("=")[0] in SELECTION_ARGS for a in args):
        return Decision("everything", f"building what the dbt arguments select: {len(changed)} source tables "
                                      f"changed since {when} ({', '.join(names)})", names)
    selectors = tuple(f"source:{s.source}.{s.table}+" for s in changed)
    tables = f"{len(changed)} changed source table{'s' if len(changed) > 1 else ''}"
    return Decision("changed_sources", f"building what {tables} feed, since {when}: {', '.join(names)}",
                    names, selectors)
