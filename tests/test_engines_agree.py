"""DuckDB and Postgres give the same warehouse: every table of marts, intermediate and snapshots, all
columns (`select *`), row for row, numbers within a relative 1e-9 (the engines' float sums differ
in the last bits, nothing more), from the same raw data and as-of date (tests/conftest.py).

Snapshots are compared without dbt's bookkeeping columns (dbt_scd_id, dbt_updated_at,
dbt_valid_from, dbt_valid_to), and marts without their build stamps (_built_at): they hold when each
build ran, which differs by design."""
import math
from decimal import Decimal

import pytest

from conftest import engine_neutral, duck_query, query, relation_columns
from orchestration.fingerprint import BUILD_STAMPS

SCHEMAS = ("marts", "intermediate", "snapshots")
RUN_METADATA = {"dbt_scd_id", "dbt_updated_at", "dbt_valid_from", "dbt_valid_to", *BUILD_STAMPS}
REL_TOL = 1e-9


def _tables(duckdb_warehouse) -> list[tuple[str, str]]:
    return duck_query(duckdb_warehouse, "select table_schema, table_name from information_schema.tables "
                                        f"where table_schema in {SCHEMAS} and table_type = 'BASE TABLE' order by 1, 2")


def _columns(wh, schema: str, table: str) -> list[str]:
    return sorted(relation_columns(wh, table, schema))




def _sort_key(row):
    """Rows ordered by their exact values first (keys, text, dates: the same on both engines), then by
    their numbers rounded to 6 significant digits, so float noise never reorders two engines' rows."""
    exact = tuple((v is None, str(v)) for v in row if not isinstance(v, float))
    approximate = tuple(f"{v:.6g}" for v in row if isinstance(v, float))
    return exact, approximate


def _same(a, b) -> bool:
    if isinstance(a, float) and isinstance(b, float):
        return math.isclose(a, b, rel_tol=REL_TOL, abs_tol=REL_TOL)
    return a == b


@pytest.fixture(scope="module")
def tables(duckdb_warehouse):
    found = _tables(duckdb_warehouse)
    assert {s for s, _ in found} == set(SCHEMAS) and len(found) > 40
    return found


def test_every_table_exists_on_both_engines_with_the_same_columns(duckdb_warehouse, postgres_warehouse, tables):
    differing = {f"{s}.{t}": (_columns(duckdb_warehouse, s, t), _columns(postgres_warehouse, s, t))
                 for s, t in tables if _columns(duckdb_warehouse, s, t) != _columns(postgres_warehouse, s, t)}
    assert differing == {}


def test_every_table_holds_the_same_rows_on_both_engines(duckdb_warehouse, postgres_warehouse, tables):
    failures, compared = [], 0
    for schema, table in tables:
        columns = [c for c in _columns(duckdb_warehouse, schema, table) if c not in RUN_METADATA]
        sql = f"select {', '.join(columns)} from {schema}.{table}"
        duck = sorted((tuple(engine_neutral(v) for v in r) for r in query(duckdb_warehouse, sql)), key=_sort_key)
        pg = sorted((tuple(engine_neutral(v) for v in r) for r in query(postgres_warehouse, sql)), key=_sort_key)
        if len(duck) != len(pg):
            failures.append(f"{schema}.{table}: {len(duck)} rows on DuckDB, {len(pg)} on Postgres")
            continue
        for d, p in zip(duck, pg, strict=True):
            if not all(_same(a, b) for a, b in zip(d, p, strict=True)):
                diff = {c: (a, b) for c, a, b in zip(columns, d, p, strict=True) if not _same(a, b)}
                failures.append(f"{schema}.{table}: first differing row {diff}")
                break
        compared += len(duck)
    assert failures == []
    assert compared > 10_000


def test_the_comparison_catches_a_difference():
    """The tolerance is tight: a cent on a million differs; float noise does not."""
    assert not _same(1_000_000.00, 1_000_000.01)
    assert _same(0.1 + 0.2, 0.3)
    assert not _same(None, 0.0) and _same(engine_neutral(Decimal("1.50")), engine_neutral(1.5))
