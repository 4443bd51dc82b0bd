"""Which Dagster step failures are retried, and what a failed dbt step says (docs/FAULTS.md): the
warehouse going away (connection ended, lock timeout, a held DuckDB file) is retried by the dbt and
report assets' retry policy; a failing test or a SQL error is not; either way one line names the node."""
import dagster as dg
import pytest

from orchestration.dagster_defs import retries


def run_results(*nodes) -> dict:
    return {"results": [{"unique_id": uid, "status": status, "message": message} for uid, status, message in nodes]}


TERMINATED = ("terminating connection due to administrator command\nserver closed the connection unexpectedly\n"
              "\tThis probably means the server terminated abnormally")


@pytest.mark.parametrize("results, line, retried", [
    (run_results(("model.warehouse.fct_mrr", "success", None), ("model.warehouse.mrr_monthly", "error", TERMINATED)),
     "dbt build failed at model.warehouse.mrr_monthly: terminating connection due to administrator command", True),
    (run_results(("model.warehouse.fct_orders", "error", "canceling statement due to lock timeout")),
     "dbt build failed at model.warehouse.fct_orders: canceling statement due to lock timeout", True),
    (run_results(("test.warehouse.unique_fct_mrr_key.1a", "fail", "Got 2 results, configured to fail if != 0"),
                 ("model.warehouse.x", "error", "Database Error\n  division by zero")),
     "dbt build failed at test.warehouse.unique_fct_mrr_key.1a: Got 2 results, configured to fail if != 0 "
     "(and 1 more)", False),
    (run_results(("unit_test.warehouse.int_web_sessions.late", "error",
                  "Runtime Error in unit_test late (models/x.yml)\n  " + TERMINATED)),
     "dbt build failed at unit_test.warehouse.int_web_sessions.late: terminating connection due to "
     "administrator command", True),
    (None, "dbt build failed: IO Error: Could not set lock on file \"w.duckdb\": Conflicting lock is held", True),
    (None, "dbt build failed: Compilation Error in model x", False),
])
def test_a_failed_dbt_build_is_one_line_retried_only_when_the_warehouse_went_away(results, line, retried):
    fallback = line.removeprefix("dbt build failed: ") + "\nmore detail"
    failure = retries.dbt_failure(results, fallback)
    assert failure.description == line
    assert failure.allow_retries is retried


def test_the_dbt_and_report_assets_carry_the_retry_policy():
    from orchestration.dagster_defs.definitions import defs
    for key in (dg.AssetKey(["marts", "mrr_monthly"]), dg.AssetKey(["reports", "executive_reports"])):
        policy = defs.resolve_assets_def(key).op.retry_policy
        assert (policy.max_retries, policy.delay, policy.backoff) == (2, 30, dg.Backoff.EXPONENTIAL), key
