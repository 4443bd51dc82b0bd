"""What a run retries by itself, and the one line a failed dbt step says.

A step that failed because the warehouse went away for a moment (the server restarted or ended the
connection, a lock wait timed out behind a long reader, the DuckDB file was held by another process)
is retried: RETRY_POLICY on the dbt and report assets, 2 more attempts, WAREHOUSE_RETRY_DELAY_SECONDS
(30 s) then twice that. Every build is idempotent (docs/FAULTS.md), so a retry rebuilds from the
marts as they were and ends equal to a clean build. A failure of the data itself (a failing test, a
model's SQL error) is not retried: the same data would fail the same way, and the failure sensor
alerts at once.
"""
import os
import re

import dagster as dg

# Messages of psycopg2/libpq, Postgres and DuckDB that say the connection or a lock failed, not the data.
TRANSIENT = re.compile(
    r"terminating connection|server closed the connection|connection (?:refused|reset|timed out)"
    r"|could not connect to server|connection to server .* failed|the database system is "
    r"(?:shutting down|starting up|in recovery)|canceling statement due to lock timeout|lock timeout"
    r"|SSL SYSCALL error|Could not set lock on file|Conflicting lock is held", re.IGNORECASE)


def retry_delay_seconds() -> float:
    return float(os.environ.get("WAREHOUSE_RETRY_DELAY_SECONDS", "30"))


def retry_policy() -> dg.RetryPolicy:
    return dg.RetryPolicy(max_retries=2, delay=retry_delay_seconds(), backoff=dg.Backoff.EXPONENTIAL)


def is_transient(message: str) -> bool:
    return bool(TRANSIENT.search(message or ""))


def first_line(message: str) -> str:
    return next((line.strip() for line in (message or "").splitlines() if line.strip()), "")


def dbt_failure(run_results: dict | None, fallback: str) -> dg.Failure:
    """One line naming the first dbt node that errored or failed and why, retried only when that
    (or, with no run results, the fallback text) is transient."""
    failed = [r for r in (run_results or {}).get("results", []) if r.get("status") in ("error", "fail")]
    if failed:
        node = failed[0]
        message = node.get("message") or ""
        # dbt's first line often only says where ("Runtime Error in unit_test x"); the why follows
        reason = next((line.strip() for line in message.splitlines() if is_transient(line)), first_line(message))
        text = f"{node['unique_id']}: {reason}"
        line = f"dbt build failed at {text}" + (f" (and {len(failed) - 1} more)" if len(failed) > 1 else "")
        transient = any(is_transient(r.get("message") or "") for r in failed)
    else:       # no node failed (dbt died, or a hook failed): the line of dbt's output that says why
        lines = [line.strip() for line in (fallback or "").splitlines() if line.strip()]
        reason = next((line for line in lines if is_transient(line)),
                      next((line for line in lines if "Error" in line), first_line(fallback)))
        line = f"dbt build failed: {reason}"
        transient = is_transient(fallback)
    return dg.Failure(description=line, allow_retries=transient,
                      metadata={"retried": dg.MetadataValue.bool(transient)})
