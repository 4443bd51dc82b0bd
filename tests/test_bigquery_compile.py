"""The project compiles for BigQuery offline, and the compiled SQL parses as BigQuery SQL."""
import json
import socket

import pytest
import sqlglot

from bigquery_offline import NetworkAccessError, compile_for_bigquery, no_network
from conftest import AS_OF, REPO, base_env


def test_socket_guard_blocks_the_network():
    with no_network(), pytest.raises(NetworkAccessError):
        socket.create_connection(("bigquery.googleapis.com", 443), timeout=1)


def test_project_compiles_for_bigquery_offline(tmp_path, monkeypatch):
    env = base_env(tmp_path)
    for k, v in env.items():
        monkeypatch.setenv(k, v)
    monkeypatch.chdir(REPO)
    res = compile_for_bigquery(REPO, env["DBT_PROFILES_DIR"], tmp_path / "target",
                               f"{{as_of_date: '{AS_OF.isoformat()}'}}")
    assert res.success, res.exception
    manifest = json.loads((tmp_path / "target" / "manifest.json").read_text())
    models = {n["original_file_path"] for n in manifest["nodes"].values() if n["resource_type"] == "model"}
    compiled = {p for p in (tmp_path / "target" / "compiled").rglob("*.sql")}
    compiled_models = {p for p in compiled if "/models/" in str(p) and p.parent.suffix != ".yml"}
    assert len(compiled_models) == len(models) > 50
    for path in compiled:
        sql = path.read_text()
        sqlglot.parse(sql, read="bigquery", error_level=sqlglot.ErrorLevel.RAISE)
    sample = next(p for p in compiled_models if p.name == "stg_billing__invoices.sql").read_text()
    assert "to_hex(md5(" in sample and "as string" in sample   # BigQuery dialect, not Postgres
    nodes = {n["name"]: n for n in manifest["nodes"].values() if n["resource_type"] == "model"}
    for model, (field, granularity) in PARTITIONED.items():
        config = nodes[model]["config"]
        assert config["partition_by"]["field"] == field, model
        assert config["partition_by"].get("granularity", "day") == granularity, model
        assert config["cluster_by"][0] == "tenant_id", model
    # grants are Postgres's: on BigQuery a mart has no grants config at all (an empty list is one)
    assert {m: n["config"]["grants"] for m, n in nodes.items() if n["schema"] == "marts" and n["config"]["grants"]} == {}


# The large facts and marts, partitioned on their date (field, granularity) and clustered by tenant on
# BigQuery; the execute test (tests/test_bigquery_execute.py) holds the DDL dbt runs to them.
PARTITIONED = {
    "fct_messages": ("sent_date", "day"), "conversation_metrics_daily": ("day", "day"),
    "fct_mrr": ("month", "month"), "fct_customer_churn": ("churn_month", "month"),
    "fct_leads": ("cohort_month", "month"), "fct_opportunities": ("created_at", "month"),
    "fct_orders": ("order_date", "day"), "cohort_retention": ("cohort_month", "month"),
    "cohort_retention_by_channel": ("cohort_month", "month"), "product_performance_monthly": ("month", "month"),
    "subscription_cohort_retention": ("cohort_month", "month"),
    "period_kpis": ("period_start", "month"), "messaging_snapshots": ("period_start", "month"),
    "metric_anomalies_daily": ("day", "day"), "web_funnel_daily": ("session_date", "day"),
    "int_web_sessions": ("session_date", "day"), "messaging_engagement_daily": ("day", "day"),
    # the incremental bases read what landed after their watermark
    "base_commerce__web_events": ("_loaded_at", "day"), "base_messaging__messages": ("_loaded_at", "day"),
    "base_messaging__message_status_events": ("_loaded_at", "day"),
}
