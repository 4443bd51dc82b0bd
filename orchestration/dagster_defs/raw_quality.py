"""Great Expectations 1.x suites for the raw tables, run as blocking Dagster asset checks.

dagster-ge needs GX < 1, so this is the thin wrapper: one ExpectationSuite per raw table, built
from the raw contract (orchestration/contract.py: keys, enum sets, counts, freshness windows), validated through a GX
ValidationDefinition on the table's checked columns read from the warehouse. Key nulls, unknown
enum values and negative quantities are tolerated up to var quarantine_max_share (5 %), as
staging quarantines them row by row; beyond that the load is broken and the check blocks every
downstream model in the run. GX is imported inside the check, not at definition load (~4 s).
"""
import os
from datetime import date, datetime, timedelta

from orchestration import contract
from orchestration.dagster_defs import settings

MAX_ROWS = 2_000_000_000


def tolerated_bad_share() -> float:
    """dbt var quarantine_max_share: the share of a raw table staging may quarantine before the load is broken."""
    return float(settings.dbt_vars()["quarantine_max_share"])


def raw_tables() -> list[tuple[str, str]]:
    return [(t.source, t.name) for t in contract.load()]


def enum_columns(schema: str, table: str) -> dict[str, list[str]]:
    """Columns the contract types as `text: a | b | c`, with their values."""
    return {c.name: list(c.enum) for c in contract.table(schema, table).columns if c.enum}


def quantity_columns(schema: str, table: str) -> list[str]:
    """The counts the contract's rules hold to >= 0 (negative_quantity)."""
    return [col for check in contract.table(schema, table).checks() if check.reason == "negative_quantity"
            for col in check.columns]


def checked_columns_sql(schema: str, table: str) -> str:
    """The projection GX validates: keys, enums (trimmed, lower-cased, as staging cleans them),
    quantities and _loaded_at."""
    parts = [f"{k} as {k}" for k in ("tenant_id", *contract.table(schema, table).key)]
    parts += [f"lower(trim({c})) as {c}" for c in enum_columns(schema, table)]
    parts += quantity_columns(schema, table)
    parts.append("_loaded_at")
    return f"select {', '.join(dict.fromkeys(parts))} from {schema}.{table}"


def build_suite(schema: str, table: str, as_of: date):
    import great_expectations as gx
    suite = gx.ExpectationSuite(name=f"{schema}.{table}")
    mostly = 1 - tolerated_bad_share()
    suite.add_expectation(gx.expectations.ExpectTableRowCountToBeBetween(min_value=1, max_value=MAX_ROWS))
    suite.add_expectation(gx.expectations.ExpectColumnValuesToNotBeNull(column="tenant_id"))
    for key in contract.table(schema, table).key:
        suite.add_expectation(gx.expectations.ExpectColumnValuesToNotBeNull(column=key, mostly=mostly))
    for column, values in enum_columns(schema, table).items():
        suite.add_expectation(gx.expectations.ExpectColumnValuesToBeInSet(column=column, value_set=values,
                                                                          mostly=mostly))
    for column in quantity_columns(schema, table):
        suite.add_expectation(gx.expectations.ExpectColumnValuesToBeBetween(column=column, min_value=0,
                                                                            mostly=mostly))
    oldest_allowed = freshness_floor(schema, table, as_of)
    if oldest_allowed is not None:
        suite.add_expectation(gx.expectations.ExpectColumnMaxToBeBetween(column="_loaded_at",
                                                                         min_value=oldest_allowed))
    return suite


def freshness_floor(schema: str, table: str, as_of: date) -> datetime | None:
    """The oldest newest-_loaded_at a continuous feed may have at the run's as-of date (midnight
    starting it, minus the feed's window, orchestration/contract.py FRESHNESS_HOURS, which the dbt
    source freshness reads too); None for tables without a freshness window."""
    hours = contract.table(schema, table).freshness_hours
    if hours is None:
        return None
    return datetime.combine(as_of, datetime.min.time()) - timedelta(hours=hours)


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
