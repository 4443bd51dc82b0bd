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
    # the large messaging marts are partitioned by day and clustered by tenant there
    nodes = {n["name"]: n for n in manifest["nodes"].values() if n["resource_type"] == "model"}
    for model, day in (("fct_messages", "sent_date"), ("conversation_metrics_daily", "day")):
        config = nodes[model]["config"]
        assert config["partition_by"] == {"field": day, "data_type": "date"}, model
        assert config["cluster_by"][0] == "tenant_id", model
