"""dbt source freshness of the continuous feeds, as one non-blocking check per feed.

The windows live once, in orchestration/contract.py FRESHNESS_HOURS: `warehouse contract sync`
writes them into the dbt sources YAML (error after the window, warn after half of it) and the
Great Expectations raw checks read them (raw_quality.freshness_floor). This check runs
`dbt source freshness` ONCE for every feed (the venv's dbt, the project's profiles and target, as
the dbt assets do; artifacts in a temporary --target-path so the project's target/ is left alone)
and reports dbt's verdict per table from sources.json.

Two clocks, said out loud: the GX check judges a feed against the run's as-of date
(settings.run_as_of_date: midnight starting it, minus the window), dbt against the wall clock when
it ran. On a run for today they agree: a feed stale for GX is stale for dbt, and the reverse holds
but for a feed whose newest load crossed the window's edge since midnight (dbt counts from now: the
description says so). On a replay of another day dbt's age says nothing about that day: the check
reports dbt's figures but passes, and says that the GX check judges the run. It never blocks: a late
feed is news; the GX check is the one that blocks.
"""
import tempfile
from datetime import date, datetime, UTC
from pathlib import Path

import dagster as dg
from dagster_dbt import DbtCliResource

from orchestration import contract
from orchestration.dagster_defs import raw_quality, settings
from orchestration.dagster_defs.dbt_assets import dbt_vars, keep_parse

CHECK_NAME = "dbt_source_freshness"


def feeds() -> list[tuple[str, str]]:
    """The continuous feeds: the tables the contract gives a freshness window."""
    return sorted(contract.FRESHNESS_HOURS)


def freshness_args() -> list[str]:
    # one --select value: dagster-dbt re-parses --select with argparse, one value per flag
    return ["source", "freshness", "--select", " ".join(f"source:{s}.{t}" for s, t in feeds())]


def _hours(threshold: dict | None) -> float | None:
    """A dbt freshness threshold ({count, period}) in hours."""
    if not threshold or threshold.get("count") is None:
        return None
    return threshold["count"] * {"minute": 1 / 60, "hour": 1, "day": 24}[threshold["period"]]


def _utc(value: str | None) -> datetime | None:
    if not value:
        return None
    stamp = datetime.fromisoformat(value.replace("Z", "+00:00"))
    return stamp if stamp.tzinfo else stamp.replace(tzinfo=UTC)


def judge(results: list[dict], as_of: date, dbt_error: str = "") -> dict[tuple[str, str], dg.AssetCheckResult]:
    """One check result per feed from sources.json's results (dbt's status, its max_loaded_at and
    criteria, the contract's window), given the run's as-of date."""
    by_table = {tuple(r["unique_id"].split(".")[-2:]): r for r in results}
    out = {}
    for schema, table in feeds():
        window = contract.FRESHNESS_HOURS[(schema, table)]
        floor = raw_quality.freshness_floor(schema, table, as_of)
        r = by_table.get((schema, table))
        metadata = {"window_hours": dg.MetadataValue.int(window),
                    "as_of_date": dg.MetadataValue.text(as_of.isoformat()),
                    "gx_oldest_allowed": dg.MetadataValue.text(floor.isoformat())}
        if r is None or r.get("status") not in ("pass", "warn", "error"):
            reason = (r or {}).get("error") or dbt_error or "no result in sources.json"
            out[(schema, table)] = dg.AssetCheckResult(
                asset_key=dg.AssetKey([schema, table]), check_name=CHECK_NAME, passed=False,
                severity=dg.AssetCheckSeverity.ERROR,
                description=f"dbt source freshness could not measure {schema}.{table}: "
                            + str(reason).strip().splitlines()[0][:300],
                metadata={"status": dg.MetadataValue.text((r or {}).get("status") or "missing"), **metadata})
            continue
        status = r["status"]
        measured_at = _utc(r.get("snapshotted_at")) or datetime.now(UTC)
        newest = _utc(r.get("max_loaded_at"))
        criteria = r.get("criteria") or {}
        error_after, warn_after = _hours(criteria.get("error_after")), _hours(criteria.get("warn_after"))
        metadata.update({
            "status": dg.MetadataValue.text(status),
            "max_loaded_at": dg.MetadataValue.text(newest.replace(tzinfo=None).isoformat() if newest else "none"),
            "measured_at": dg.MetadataValue.text(measured_at.replace(tzinfo=None).isoformat(timespec="seconds")),
            "age_hours": dg.MetadataValue.float(round(float(r.get("max_loaded_at_time_ago_in_s") or 0) / 3600, 2)),
            "dbt_error_after_hours": dg.MetadataValue.float(float(error_after or 0)),
            "dbt_warn_after_hours": dg.MetadataValue.float(float(warn_after or 0)),
        })
        replay = measured_at.date() != as_of
        metadata["replay"] = dg.MetadataValue.bool(replay)
        if error_after != window or warn_after != window / 2:
            # the YAML was edited by hand, or the contract changed without `warehouse contract sync`
            passed, severity = False, dg.AssetCheckSeverity.ERROR
            description = (f"dbt's freshness for {schema}.{table} (warn {warn_after} h, error {error_after} h) is not "
                           f"the contract's window ({window} h, warn at half): run `warehouse contract sync`")
        elif replay:
            passed, severity = True, dg.AssetCheckSeverity.WARN
            description = (f"replay of {as_of.isoformat()}: dbt measures against the wall clock "
                           f"({measured_at.date().isoformat()}, dbt status {status}); "
                           "the GX freshness check judges this run")
        else:
            passed = status == "pass"
            severity = dg.AssetCheckSeverity.ERROR if status == "error" else dg.AssetCheckSeverity.WARN
            age = metadata["age_hours"].value
            description = {"pass": f"newest load {age} h old, within the {window} h window",
                           "warn": f"newest load {age} h old: past half of the {window} h window",
                           "error": f"newest load {age} h old: past the {window} h window"}[status]
            if status == "error" and newest and newest.replace(tzinfo=None) >= floor:
                description += (f" (GX, counting from the start of {as_of.isoformat()}, still passes it: "
                                "it crossed the edge since midnight)")
        out[(schema, table)] = dg.AssetCheckResult(
            asset_key=dg.AssetKey([schema, table]), check_name=CHECK_NAME, passed=passed, severity=severity,
            description=description, metadata=metadata)
    return out


@dg.multi_asset_check(
    name="dbt_source_freshness", pool="warehouse_writer",       # dbt opens the DuckDB file for writing
    specs=[dg.AssetCheckSpec(CHECK_NAME, asset=dg.AssetKey([s, t]), blocking=False,
                             description=f"dbt source freshness of {s}.{t}: error after {h} h, warn after {h / 2:g} h "
                                         "(orchestration/contract.py FRESHNESS_HOURS), measured against the wall "
                                         "clock; on a replay of another day it passes and the GX check judges.")
           for (s, t), h in sorted(contract.FRESHNESS_HOURS.items())])
def dbt_source_freshness(context: dg.AssetCheckExecutionContext, dbt: DbtCliResource):
    """`dbt source freshness` of the continuous feeds, once; one result per feed."""
    as_of = settings.run_as_of_date(context)
    with tempfile.TemporaryDirectory(prefix="warehouse-freshness-") as tmp:
        # the run's vars, though freshness reads none: dbt then reuses the build's parse (keep_parse)
        invocation = dbt.cli([*freshness_args(), *dbt_vars(as_of)], target_path=Path(tmp),
                             raise_on_error=False).wait()
        keep_parse(invocation)
        sources_json = Path(tmp) / "sources.json"
        results = invocation.get_artifact("sources.json")["results"] if sources_json.exists() else []
        dbt_error = "" if results else str(invocation.get_error() or f"dbt source freshness exited "
                                           f"{invocation.process.returncode} without sources.json")
    yield from judge(results, as_of, dbt_error).values()
