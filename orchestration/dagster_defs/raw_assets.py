"""Raw tables as assets, keyed [schema, table] as dbt's sources are, so lineage runs from raw to marts.

- demo mode: one multi-asset generates every raw table (or loads a directory of Parquet files) into
  the warehouse, with row counts as metadata;
- external mode: the same keys as observable source assets (someone else loads them); each
  observation records the newest _loaded_at and the row count.
Each raw table has a blocking Great Expectations check (raw_quality.py).
"""
import shutil
import tempfile
from datetime import date
from pathlib import Path

import dagster as dg

from orchestration import contract
from orchestration.dagster_defs import raw_quality, settings
from orchestration.dagster_defs.warehouse import WarehouseResource

RAW_GROUP = "raw"


def raw_key(schema: str, table: str) -> dg.AssetKey:
    return dg.AssetKey([schema, table])


def _description(schema: str, table: str) -> str:
    return contract.table(schema, table).description or f"Raw {schema}.{table}, as landed (at-least-once, messy)."


def raw_specs() -> list[dg.AssetSpec]:
    return [dg.AssetSpec(raw_key(s, t), group_name=RAW_GROUP, description=_description(s, t),
                         kinds={settings.target()}, owners=["team:data-platform"],
                         metadata={"contract": "docs/contracts/raw_sources.yml"})
            for s, t in raw_quality.raw_tables()]


class RawLoadConfig(dg.Config):
    """Generate demo data (tenants/scale/seed) through the run's as-of date (WAREHOUSE_AS_OF_DATE,
    settings.run_as_of_date) or, with parquet_dir, load landed files."""
    tenants: int = 3
    scale: float = 0.05
    seed: int = 42
    # Not a second clock: if set, it must equal the run's as-of date (else the step fails, one line).
    as_of_date: str = ""
    parquet_dir: str = ""           # a directory of <schema>/<table>.parquet to load instead


def generator_as_of(context, config: RawLoadConfig) -> date:
    """The run's as-of date; a config as_of_date that disagrees with it is an error, not an override."""
    as_of = settings.run_as_of_date(context)
    if config.as_of_date and settings.parse_as_of_date(config.as_of_date, "raw_tables config as_of_date") != as_of:
        raise dg.Failure(f"raw_tables config as_of_date={config.as_of_date} disagrees with the run's as-of date "
                         f"{as_of.isoformat()}: set WAREHOUSE_AS_OF_DATE instead (it also drives GX, dbt and "
                         "the reports), and leave the config empty")
    return as_of


def _row_counts(warehouse: WarehouseResource) -> dict[tuple[str, str], int]:
    return {(s, t): warehouse.query(f"select count(*) from {s}.{t}")[0][0] for s, t in raw_quality.raw_tables()}


def demo_raw_assets():
    @dg.multi_asset(specs=raw_specs(), name="raw_tables", pool="warehouse_writer")
    def raw_tables(context: dg.AssetExecutionContext, config: RawLoadConfig, warehouse: WarehouseResource):
        from orchestration.generator.core import generate
        from orchestration.generator.load import load_bigquery, load_duckdb, load_postgres
        as_of = generator_as_of(context, config)
        tmp = Path(tempfile.mkdtemp(prefix="warehouse-raw-"))
        try:
            if config.parquet_dir:
                src = Path(config.parquet_dir)
            else:
                result = generate(tmp, config.tenants, config.scale, config.seed, as_of, progress=False)
                context.log.info(f"generated data through {as_of.isoformat()}, sha256 {result.data_sha256}")
                src = tmp
            if warehouse.target == "duckdb":
                load_duckdb(src, Path(warehouse.duckdb_path or settings.duckdb_path()), progress=False)
            elif warehouse.target.startswith("bigquery"):      # bigquery or bigquery_emulator
                load_bigquery(src, progress=False)
            else:
                load_postgres(src, progress=False)
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
        for (schema, table), rows in _row_counts(warehouse).items():
            yield dg.MaterializeResult(asset_key=raw_key(schema, table),
                                       metadata={"dagster/row_count": dg.MetadataValue.int(rows),
                                                 "as_of_date": dg.MetadataValue.text(as_of.isoformat())})
    return raw_tables


def external_raw_assets():
    @dg.multi_observable_source_asset(specs=raw_specs(), name="raw_tables_observed")
    def raw_tables_observed(warehouse: WarehouseResource):
        for schema, table in raw_quality.raw_tables():
            rows, newest = warehouse.query(f"select count(*), max(_loaded_at) from {schema}.{table}")[0]
            yield dg.ObserveResult(asset_key=raw_key(schema, table),
                                   data_version=dg.DataVersion(f"{rows}:{newest}"),
                                   metadata={"dagster/row_count": dg.MetadataValue.int(rows),
                                             "newest_loaded_at": dg.MetadataValue.text(str(newest))})
    return raw_tables_observed


def raw_quality_checks() -> list[dg.AssetChecksDefinition]:
    """One blocking GX check per raw table."""
    return [_gx_check(schema, table) for schema, table in raw_quality.raw_tables()]


def _gx_check(schema: str, table: str) -> dg.AssetChecksDefinition:
    @dg.asset_check(asset=raw_key(schema, table), name="great_expectations_suite", blocking=True,
                    description=f"Great Expectations suite on {schema}.{table}: row count, keys not null, "
                                "enum sets, quantities >= 0 (up to 5 % bad rows, which staging quarantines), "
                                "freshness of _loaded_at for the continuous feeds.")
    def _check(context: dg.AssetCheckExecutionContext, warehouse: WarehouseResource) -> dg.AssetCheckResult:
        as_of = settings.run_as_of_date(context)
        frame = warehouse.query_df(raw_quality.checked_columns_sql(schema, table))
        result = raw_quality.validate(schema, table, frame, as_of)
        summary = raw_quality.summarise(result)
        failed = sorted(name for name, r in summary.items() if not r["success"])
        floor = raw_quality.freshness_floor(schema, table, as_of)
        return dg.AssetCheckResult(
            passed=bool(result.success), severity=dg.AssetCheckSeverity.ERROR,
            description=("failed: " + ", ".join(failed)) if failed else "all expectations met",
            metadata={"rows": dg.MetadataValue.int(len(frame)), "expectations": dg.MetadataValue.json(summary),
                      "as_of_date": dg.MetadataValue.text(as_of.isoformat()),
                      **({"freshness_oldest_allowed": dg.MetadataValue.text(floor.isoformat())} if floor else {})})
    return _check
