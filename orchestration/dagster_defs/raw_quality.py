"""Great Expectations 1.x suites for the raw tables, run as blocking Dagster asset checks.

dagster-ge needs GX < 1, so this is the thin wrapper: one ExpectationSuite per raw table, built
from the raw contract (docs/contracts/raw_sources.yml: keys, enum sets), validated through a GX
ValidationDefinition on the table's checked columns read from the warehouse. Key nulls, unknown
enum values and negative quantities are tolerated up to var quarantine_max_share (5 %), as
staging quarantines them row by row; beyond that the load is broken and the check blocks every
downstream model in the run. GX is imported inside the check, not at definition load (~4 s).
"""
import os
import re
from datetime import date, datetime, timedelta
from functools import lru_cache

import yaml

from orchestration.dagster_defs import settings
from orchestration.generator.schema import key_of

TOLERATED_BAD_SHARE = 0.05          # = dbt var quarantine_max_share
MAX_ROWS = 2_000_000_000
# fact feeds that land continuously: their newest row must be at most this old at the as-of date
FRESHNESS = {("raw_commerce", "web_events"): timedelta(days=2), ("raw_commerce", "orders"): timedelta(days=3),
             ("raw_billing", "invoices"): timedelta(days=7), ("raw_crm", "leads"): timedelta(days=7)}


@lru_cache
def contract() -> dict:
    with open(settings.REPO_ROOT / "docs" / "contracts" / "raw_sources.yml") as f:
        return yaml.safe_load(f)


def raw_tables() -> list[tuple[str, str]]:
    return [(schema, table) for schema, spec in contract()["sources"].items() for table in spec["tables"]]


def enum_columns(schema: str, table: str) -> dict[str, list[str]]:
    """Columns the contract types as `text: a | b | c`, with their values."""
    out = {}
    for column, typ in contract()["sources"][schema]["tables"][table]["columns"].items():
        m = re.fullmatch(r"text:\s*(.+)", str(typ).strip())
        if m and "|" in m.group(1):
            out[column] = [v.strip() for v in m.group(1).split("|")]
    return out


def checked_columns_sql(schema: str, table: str) -> str:
    """The projection GX validates: keys, enums (trimmed, lower-cased, as staging cleans them),
    quantity and _loaded_at."""
    columns = contract()["sources"][schema]["tables"][table]["columns"]
    parts = [f"{k} as {k}" for k in ("tenant_id", *key_of(schema, table))]
    parts += [f"lower(trim({c})) as {c}" for c in enum_columns(schema, table)]
    if "quantity" in columns:
        parts.append("quantity")
    parts.append("_loaded_at")
    return f"select {', '.join(dict.fromkeys(parts))} from {schema}.{table}"


def build_suite(schema: str, table: str, as_of: date):
    import great_expectations as gx
    suite = gx.ExpectationSuite(name=f"{schema}.{table}")
    mostly = 1 - TOLERATED_BAD_SHARE
    suite.add_expectation(gx.expectations.ExpectTableRowCountToBeBetween(min_value=1, max_value=MAX_ROWS))
    suite.add_expectation(gx.expectations.ExpectColumnValuesToNotBeNull(column="tenant_id"))
    for key in key_of(schema, table):
        suite.add_expectation(gx.expectations.ExpectColumnValuesToNotBeNull(column=key, mostly=mostly))
    for column, values in enum_columns(schema, table).items():
        suite.add_expectation(gx.expectations.ExpectColumnValuesToBeInSet(column=column, value_set=values,
                                                                          mostly=mostly))
    if "quantity" in contract()["sources"][schema]["tables"][table]["columns"]:
        suite.add_expectation(gx.expectations.ExpectColumnValuesToBeBetween(column="quantity", min_value=0,
                                                                            mostly=mostly))
    oldest_allowed = freshness_floor(schema, table, as_of)
    if oldest_allowed is not None:
        suite.add_expectation(gx.expectations.ExpectColumnMaxToBeBetween(column="_loaded_at",
                                                                         min_value=oldest_allowed))
    return suite


def freshness_floor(schema: str, table: str, as_of: date) -> datetime | None:
    """The oldest newest-_loaded_at a continuous feed may have at the run's as-of date (midnight
    starting it, minus the feed's window); None for tables without a freshness window."""
    if (schema, table) not in FRESHNESS:
        return None
    return datetime.combine(as_of, datetime.min.time()) - FRESHNESS[(schema, table)]


def validate(schema: str, table: str, frame, as_of: date):
    """Run the table's suite on `frame` through a GX ValidationDefinition; returns the GX result."""
    os.environ.setdefault("GX_ANALYTICS_ENABLED", "False")     # GX must never call home
    import great_expectations as gx
    context = gx.get_context(mode="ephemeral")
    batch = (context.data_sources.add_pandas(f"{schema}_{table}")
             .add_dataframe_asset(table)
             .add_batch_definition_whole_dataframe("whole_table"))
    suite = context.suites.add(build_suite(schema, table, as_of))
    definition = context.validation_definitions.add(
        gx.ValidationDefinition(name=f"{schema}.{table}", data=batch, suite=suite))
    return definition.run(batch_parameters={"dataframe": frame})


def summarise(result) -> dict:
    """Per expectation: passed or not, and the observed value or unexpected share (for metadata)."""
    out = {}
    for r in result.results:
        cfg = r.expectation_config
        name = cfg.type + (f"[{cfg.kwargs['column']}]" if "column" in cfg.kwargs else "")
        observed = r.result.get("observed_value", r.result.get("unexpected_percent"))
        out[name] = {"success": bool(r.success), "observed": None if observed is None else str(observed)}
    return out
