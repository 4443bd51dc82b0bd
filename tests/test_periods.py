"""One rule for the running period (docs/periods.md): a period is complete when its last day is
before as_of_date, and every mart with a period either stops at the last complete one or shows
the others with `is_complete` false.

The period marts are not listed here: each mart's YAML declares the grain of the column that
starts its period (`config.meta.period_grain`, or `period_grain_column` naming the column that
holds it), and the test reads those declarations from the dbt manifest. Every column of a built
mart whose name says it starts a period must carry one, so a new mart is covered as soon as it
exists. The period ends are computed here, in Python, not by the macro under test."""
import json
from datetime import date, timedelta

import pytest

from conftest import AS_OF, Warehouse, query

# Column names that start a period in this project's marts (house style: `month`, `…_month`,
# `…_date` for days). A built mart with one of these columns must declare its grain.
PERIOD_COLUMN_NAMES = {"day", "week", "week_start", "month", "quarter", "year", "period_start",
                       "session_date", "cohort_month", "activity_month"}
GRAINS = {"day", "week", "month", "quarter", "year"}
NOT_A_PERIOD = "event"  # the month of an event (a lead's cohort month), not a period the row sums


def period_end(start: date, grain: str) -> date:
    """Last day of the period of `grain` starting on `start`."""
    if grain == "day":
        return start
    if grain == "week":
        return start + timedelta(days=6)
    carry, month = divmod(start.month - 1 + {"month": 1, "quarter": 3, "year": 12}[grain], 12)
    return date(start.year + carry, month + 1, 1) - timedelta(days=1)


def test_period_end_on_the_boundaries():
    assert period_end(date(2024, 2, 1), "month") == date(2024, 2, 29)
    assert period_end(date(2026, 10, 1), "quarter") == date(2026, 12, 31)
    assert period_end(date(2026, 11, 30), "week") == date(2026, 12, 6)
    assert period_end(date(2026, 12, 1), "month") == date(2026, 12, 31)


def _column_meta(column: dict) -> dict:
    return {**column.get("meta", {}), **column.get("config", {}).get("meta", {})}


def declared_periods(wh: Warehouse) -> dict[tuple[str, str], dict]:
    """(mart, column) -> its period declaration, for every mart column that has one."""
    manifest = json.loads((wh.target_path / "manifest.json").read_text())
    out = {}
    for node in manifest["nodes"].values():
        if node["resource_type"] != "model" or not node["original_file_path"].startswith("models/marts/"):
            continue
        for name, column in node["columns"].items():
            meta = _column_meta(column)
            if "period_grain" in meta or "period_grain_column" in meta:
                out[(node["name"], name)] = meta
    return out


def built_mart_columns(wh: Warehouse) -> dict[str, set[str]]:
    out: dict[str, set[str]] = {}
    for table, column in query(wh, "select table_name, column_name from information_schema.columns "
                                   "where table_schema = 'marts'"):
        out.setdefault(table, set()).add(column)
    return out


@pytest.fixture(params=["duckdb", pytest.param("postgres", marks=pytest.mark.postgres)])
def built(request) -> Warehouse:
    return request.getfixturevalue(f"{request.param}_warehouse")


def test_every_period_column_of_a_mart_declares_its_grain(duckdb_warehouse):
    declared = declared_periods(duckdb_warehouse)
    columns = built_mart_columns(duckdb_warehouse)
    undeclared = sorted((table, column) for table, names in columns.items() for column in names
                        if column in PERIOD_COLUMN_NAMES and (table, column) not in declared)
    assert undeclared == [], ("declare the grain in the mart's YAML: config: {meta: {period_grain: month}} "
                              "(or period_grain: event for an event's own month)")
    for (table, column), meta in declared.items():
        assert table in columns and column in columns[table], f"{table}.{column} is declared but not built"
        if "period_grain_column" in meta:
            assert meta["period_grain_column"] in columns[table], (table, meta)
        else:
            assert meta["period_grain"] in GRAINS | {NOT_A_PERIOD}, (table, meta)
    # the declarations reach every domain: not a list that quietly lost its marts
    marts = {table for (table, _), meta in declared.items() if meta.get("period_grain") != NOT_A_PERIOD}
    assert {"mrr_monthly", "period_kpis", "executive_kpis", "sales_funnel", "renewals_quarterly",
            "web_funnel_daily", "cohort_retention", "customer_health_monthly"} <= marts
    assert len(marts) >= 18


def test_no_period_ending_on_or_after_as_of_date_appears_unflagged(built):
    """For every declared period column: a row whose period ends on or after as_of_date is only
    allowed with is_complete false, and is_complete, where present, is exactly the rule."""
    columns = built_mart_columns(built)
    problems, flagged_partial_rows, checked = [], 0, 0
    for (table, column), meta in sorted(declared_periods(built).items()):
        if meta.get("period_grain") == NOT_A_PERIOD:
            continue
        grain = meta.get("period_grain_column") or f"'{meta['period_grain']}'"
        flag = "is_complete" if "is_complete" in columns[table] else "null"
        rows = query(built, f"select distinct {column}, {grain}, {flag} from marts.{table} "
                            f"where {column} is not null")
        assert rows, f"marts.{table} is empty: nothing to check"
        checked += 1
        for start, row_grain, is_complete in rows:
            start = start if type(start) is date else start.date()
            complete = period_end(start, row_grain) < AS_OF
            if flag == "null" and not complete:
                problems.append(f"{table}.{column} = {start} ({row_grain}) ends on or after {AS_OF}, unflagged")
            elif flag != "null" and is_complete is not complete:
                problems.append(f"{table}.{column} = {start} ({row_grain}): is_complete {is_complete}, "
                                f"the rule says {complete}")
            flagged_partial_rows += flag != "null" and not complete
    assert problems == []
    assert checked >= 18
    # the data reaches the running period, so the flagged marts really show one (the test is not empty)
    assert flagged_partial_rows > 0


def test_marts_that_stop_reach_the_last_complete_month(duckdb_warehouse):
    """Stopping is not stopping early: the month marts end at the month before as_of_date's."""
    last_complete = date(AS_OF.year - (AS_OF.month == 1), (AS_OF.month - 2) % 12 + 1, 1)
    for relation in ("mrr_monthly", "executive_kpis", "customer_health_monthly", "sales_pipeline_monthly"):
        assert query(duckdb_warehouse, f"select max(month) from marts.{relation}")[0][0] == last_complete, relation
    assert query(duckdb_warehouse, "select max(period_start) from marts.period_kpis "
                                   "where period_type = 'day'")[0][0] == AS_OF - timedelta(days=1)
