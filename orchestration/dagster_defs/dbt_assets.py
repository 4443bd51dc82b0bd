"""Every dbt model, seed and snapshot as a Dagster asset (dagster-dbt), with dbt tests as asset checks.

One translator decides keys, groups, owners and freshness:
- keys are [schema, name] (staging/stg_crm__accounts, marts/fct_mrr); sources map onto the raw
  assets' keys [source schema, table], so lineage is continuous from raw to marts (and the forecast
  source onto the Python asset marts/revenue_forecast, so targets_vs_actuals is built after it);
- groups are layer_domain from the model's folder (staging_crm, marts_revenue, ...);
- owners come from dbt meta.owner (folder-level in dbt_project.yml), else the data platform team;
- marts get a freshness policy: the daily build must have refreshed them within 26 hours.
Error-severity tests run inside `dbt build`, so a failing staging test skips everything downstream
of it in the same run (dbt's own blocking), and the check is reported on the asset.
"""
import json
import sys
from datetime import date, timedelta
from functools import cached_property
from pathlib import Path

import dagster as dg
from dagster_dbt import DagsterDbtTranslator, DagsterDbtTranslatorSettings, DbtCliResource, DbtProject, dbt_assets
from dagster_dbt.dbt_project import DagsterDbtProjectPreparer
from dagster_dbt.errors import DagsterDbtCliRuntimeError

from orchestration.dagster_defs import retries, settings
from orchestration.files import copy_whole
from orchestration.dagster_defs.warehouse import WarehouseResource

DEFAULT_OWNER = "team:data-platform"
MART_FRESHNESS = dg.FreshnessPolicy.time_window(fail_window=timedelta(hours=26), warn_window=timedelta(hours=25))
# The dbt selections of the incremental jobs: tags on the models themselves (the base models' from the
# raw contract), so a model added to either set joins its job without an edit here.
# clickstream: what the hourly job refreshes (incremental: only newly loaded events).
CLICKSTREAM_SELECTION = "tag:clickstream"
# messaging_incremental: the daily build runs them incrementally; a weekly job rebuilds them from all
# history, for what increments cannot see (a changed price seed, invalid re-deliveries).
MESSAGING_INCREMENTAL_SELECTION = "tag:messaging_incremental"

dbt_project = DbtProject(project_dir=settings.DBT_PROJECT_DIR, profiles_dir=settings.DBT_PROFILES_DIR,
                         target=settings.target(), target_path=settings.DBT_TARGET_PATH)
DBT_EXECUTABLE = str(Path(sys.executable).parent / "dbt")     # the venv's dbt: the venv need not be on PATH


class VenvDbtProjectPreparer(DagsterDbtProjectPreparer):
    """dagster-dbt's preparer (`dbt parse --quiet` into the project's target path), run with the venv's
    dbt: dagster-dbt's own looks `dbt` up on PATH, which need not hold the venv."""

    def prepare(self, project: DbtProject) -> None:
        DbtCliResource(project_dir=project, dbt_executable=DBT_EXECUTABLE).cli(
            ["parse", "--quiet"], target_path=project.target_path).wait()


# `dagster dev` re-parses so model edits show up on reload; elsewhere the Definitions load from the
# manifest as it is (fast, offline). A fresh clone has none yet: parse it once.
if dbt_project.manifest_path.exists():
    VenvDbtProjectPreparer().prepare_if_dev(dbt_project)
else:
    VenvDbtProjectPreparer().prepare(dbt_project)


class WarehouseTranslator(DagsterDbtTranslator):
    def get_asset_key(self, props) -> dg.AssetKey:
        if props["resource_type"] == "source":
            # [schema, table] as for models: the raw sources' schemas are their names (raw_crm), and
            # the forecast source is the Python asset marts/revenue_forecast (dagster_defs/forecast.py)
            return dg.AssetKey([props["schema"], props["name"]])
        return dg.AssetKey([props["schema"] if props["resource_type"] != "seed" else "reference", props["name"]])

    def get_group_name(self, props) -> str:
        if props["resource_type"] == "source":
            return "raw"
        if props["resource_type"] == "seed":
            return "reference"
        if props["resource_type"] == "snapshot":
            return "snapshots"
        folders = props["fqn"][1:-1]          # [package, layer, domain, ..., name]
        layer = folders[0] if folders else "models"
        domain = next((f for f in folders[1:] if f != "base"), None)
        return f"{layer}_{domain}" if domain else layer

    def get_owners(self, props):
        owner = (props.get("meta") or {}).get("owner") or (props.get("config", {}).get("meta") or {}).get("owner")
        return [owner if owner and "@" in owner else DEFAULT_OWNER]

    def get_asset_spec(self, manifest, unique_id, project):
        spec = super().get_asset_spec(manifest, unique_id, project)
        if unique_id.startswith("model.") and spec.key.path[0] == "marts":
            spec = spec.replace_attributes(freshness_policy=MART_FRESHNESS)
        return spec


class DbtRunConfig(dg.Config):
    full_refresh: bool = False      # rebuild incremental models from all history (the weekly clickstream job)


translator = WarehouseTranslator(settings=DagsterDbtTranslatorSettings(enable_source_tests_as_checks=True))


def dbt_vars(as_of: date) -> list[str]:
    """Always pinned: dbt's own default (its run start) would be a second clock."""
    return ["--vars", json.dumps({"as_of_date": as_of.isoformat()})]


def keep_parse(invocation) -> None:
    """Leave the invocation's parse of the project where the next dbt step of the run starts from.

    dagster-dbt runs each invocation in a target path of its own, seeded with the project's
    target/partial_parse.msgpack, and dbt writes its parse only to its own target path: so every
    dbt step of a run (the build is split around the forecast, then the freshness check) parsed
    the whole project again, 10-20 s of CPU each. dbt reuses a parse only when the vars, profile
    and files are unchanged, so passing it on can never build from a stale one."""
    parsed = Path(invocation.target_path) / "partial_parse.msgpack"
    if not parsed.exists():
        return
    copy_whole(parsed, dbt_project.target_path / "partial_parse.msgpack")   # a next step may be reading it


@dbt_assets(manifest=dbt_project.manifest_path, project=dbt_project, dagster_dbt_translator=translator,
            name="warehouse_dbt", pool="warehouse_writer", retry_policy=retries.retry_policy())
def warehouse_dbt(context: dg.AssetExecutionContext, dbt: DbtCliResource, warehouse: WarehouseResource,
                  config: DbtRunConfig):
    """`dbt build` of the selected models, seeds and snapshots with their tests, with var as_of_date =
    the run's as-of date (settings.run_as_of_date), also in each output's metadata. Results are held
    until dbt exits (DuckDB has one writer: the dbt process), then yielded with row counts and,
    for mrr_monthly, ending MRR per tenant, so the UI plots them over time. dbt's own timing of
    each node is in the metadata as Execution Duration. A failed build is one line naming the node and
    the reason, retried when the warehouse went away rather than the data failing (retries.py)."""
    as_of = settings.run_as_of_date(context)
    args = ["build", *dbt_vars(as_of), *(["--full-refresh"] if config.full_refresh else [])]
    invocation = dbt.cli(args, context=context)
    try:
        events = list(invocation.stream())
    except DagsterDbtCliRuntimeError as e:
        try:
            run_results = invocation.get_artifact("run_results.json")
        except Exception:       # dbt died before writing it
            run_results = None
        raise retries.dbt_failure(run_results, str(e)) from None
    finally:
        keep_parse(invocation)
    built = {context.asset_key_for_output(e.output_name): e for e in events if isinstance(e, dg.Output)}
    extra = observed_metadata(warehouse, list(built))
    for event in events:
        if isinstance(event, dg.Output):
            key = context.asset_key_for_output(event.output_name)
            yield event.with_metadata({**event.metadata, **extra.get(key, {}),
                                       "as_of_date": dg.MetadataValue.text(as_of.isoformat())})
        else:
            yield event


def observed_metadata(warehouse: WarehouseResource, keys: list[dg.AssetKey]) -> dict[dg.AssetKey, dict]:
    """Row counts of the built tables and the headline metric of the revenue mart (read, not
    computed), over one connection."""
    out = {}
    try:
        with warehouse.session() as con:
            existing = {(s, t) for s, t in con.execute(
                "select table_schema, table_name from information_schema.tables").fetchall()}
            for key in keys:
                schema, name = key.path[0], key.path[-1]
                if (schema, name) not in existing:
                    continue
                rows = con.execute(f"select count(*) from {schema}.{name}").fetchone()[0]
                out[key] = {"dagster/row_count": dg.MetadataValue.int(rows)}
            if ("marts", "mrr_monthly") in existing:
                for tenant, mrr in con.execute(
                        "select tenant_id, ending_mrr from marts.mrr_monthly "
                        "where month = (select max(month) from marts.mrr_monthly) order by tenant_id").fetchall():
                    out.setdefault(dg.AssetKey(["marts", "mrr_monthly"]), {})[f"ending_mrr_{tenant}"] = \
                        dg.MetadataValue.float(float(mrr))
    except Exception as e:            # metadata must never fail a build that succeeded
        return {key: {"metadata_error": dg.MetadataValue.text(str(e).splitlines()[0])} for key in keys}
    return out


class WarehouseDbtCli(DbtCliResource):
    """dagster-dbt asks `dbt --version` for the dbt version before every invocation, and that
    command also looks up the latest dbt-core release on PyPI: a network call from every run
    (1-3 s, and none is allowed from tests). The executable is this venv's pinned dbt-core, so
    the version is read from the installed package instead."""

    @cached_property
    def _cli_version(self):
        from dbt.version import __version__
        from packaging import version
        return version.parse(__version__)


def dbt_resource() -> DbtCliResource:
    return WarehouseDbtCli(project_dir=dbt_project, profiles_dir=str(settings.DBT_PROFILES_DIR),
                           target=settings.target(), dbt_executable=DBT_EXECUTABLE)
