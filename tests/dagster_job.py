"""Run a Dagster job of the project in-process and print what happened as JSON (for tests).

    python tests/dagster_job.py <job> '<run config json>' [--evaluate-failure-sensor]
                                [--checks-only=<check>,... [--of=<asset>,...]]

--checks-only runs only the job's asset checks of those names (on those assets, with --of), against
the warehouse as it is: no asset is materialised.

Runs in its own process so that the environment (DBT_DUCKDB_PATH, WAREHOUSE_AS_OF_DATE, ...) is
read fresh by the definitions, as in a real deployment.

With DAGSTER_JOB_EVENT_LOG set, every event log entry of the run (what a persistent instance stores:
messages, step errors, materialisation and check metadata) is also written there, one serialised
entry per line.
"""
import json
import os
import sys

import dagster as dg

from orchestration.dagster_defs.definitions import defs
from orchestration.dagster_defs.monitoring import alert_on_run_failure


def _plain(metadata) -> dict:
    """The scalar metadata values (int, float, str) of an event."""
    return {k: v.value for k, v in (metadata or {}).items() if isinstance(getattr(v, "value", None), (int, float, str))}


def main():
    job_name, run_config = sys.argv[1], json.loads(sys.argv[2])
    instance = dg.DagsterInstance.ephemeral()
    sensor_cursor = None
    if "--evaluate-failure-sensor" in sys.argv:     # a first tick sets the cursor, as a running daemon would
        sensor_cursor = alert_on_run_failure.evaluate_tick(
            dg.build_sensor_context(instance=instance, definitions=defs)).cursor
    job = defs.resolve_job_def(job_name)
    only, of = (next((a.split("=", 1)[1].split(",") for a in sys.argv if a.startswith(flag)), None)
                for flag in ("--checks-only=", "--of="))
    if only:        # the job's checks of those names, in a subset of the implicit job (no job-level config)
        keys = {key for key in job.asset_layer.asset_graph.asset_check_keys
                if key.name in only and (of is None or key.asset_key.to_user_string() in of)}
        job = defs.resolve_implicit_global_asset_job_def().get_subset(asset_selection=set(),
                                                                      asset_check_selection=keys)
    result = job.execute_in_process(run_config=run_config, instance=instance, raise_on_error=False)
    materialized = sorted(e.asset_key.to_user_string() for e in result.get_asset_materialization_events())
    checks = [{"asset": e.asset_check_evaluation_data.asset_key.to_user_string(),
               "check": e.asset_check_evaluation_data.check_name,
               "passed": e.asset_check_evaluation_data.passed,
               "severity": e.asset_check_evaluation_data.severity.value,
               "description": e.asset_check_evaluation_data.description,
               "metadata": _plain(e.asset_check_evaluation_data.metadata)}
              for e in result.all_events if e.event_type_value == "ASSET_CHECK_EVALUATION"]
    out = {"success": result.success, "materialized": materialized, "checks": checks,
           "failed_steps": sorted({e.step_key for e in result.all_events if e.event_type_value == "STEP_FAILURE"}),
           "errors": [e.event_specific_data.error.message.strip() for e in result.all_events
                      if e.event_type_value == "STEP_FAILURE" and e.event_specific_data.error],
           # a retry's own error is the policy's; what failed is its cause
           "retried": [f"{e.step_key}: {(e.event_specific_data.error.cause or e.event_specific_data.error).message.strip()}"
                       for e in result.all_events
                       if e.event_type_value == "STEP_UP_FOR_RETRY" and e.event_specific_data.error]}
    out["metadata"] = {e.asset_key.to_user_string(): _plain(e.materialization.metadata)
                       for e in result.get_asset_materialization_events()}
    if "--evaluate-failure-sensor" in sys.argv:
        cursor = sensor_cursor
        for _ in range(2):      # the webhook counts alerts: a second tick must not send the failure again
            tick = alert_on_run_failure.evaluate_tick(
                dg.build_sensor_context(instance=instance, cursor=cursor, definitions=defs))
            cursor = tick.cursor
    if os.environ.get("DAGSTER_JOB_EVENT_LOG"):
        with open(os.environ["DAGSTER_JOB_EVENT_LOG"], "w") as log:
            for entry in instance.all_logs(result.run_id):
                log.write(dg.serialize_value(entry) + "\n")
    print("RESULT " + json.dumps(out, default=str))


if __name__ == "__main__":
    main()
