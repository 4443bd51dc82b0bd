"""The dbt graph flows one way: sources -> staging -> intermediate -> marts.

Read from the manifest of a `dbt parse` (no warehouse needed): each model's layer is the
top folder under models/, and each edge is a `depends_on` node (a ref or a source).
"""
import json
from pathlib import Path

import pytest

from conftest import base_env, run_dbt


def layer(node: dict) -> str:
    """'source', 'seed', 'snapshot', or the model's folder under models/ (staging, marts, ...)."""
    if node["resource_type"] != "model":
        return node["resource_type"]
    parts = Path(node["original_file_path"]).parts
    assert parts[0] == "models", node["original_file_path"]
    return parts[1]


@pytest.fixture(scope="module")
def edges(tmp_path_factory) -> list[tuple[str, str, str, str]]:
    """(model, its layer, upstream node, upstream layer) for every model's every upstream node."""
    tmp = tmp_path_factory.mktemp("dbt_graph")
    env = base_env(tmp)
    env["DBT_DUCKDB_PATH"] = str(tmp / "unused.duckdb")      # parse opens no connection; never the repo's file
    run_dbt(env, "duckdb", tmp / "target", "parse", "--no-partial-parse", "--quiet")
    manifest = json.loads((tmp / "target" / "manifest.json").read_text())
    nodes = {**manifest["nodes"], **manifest["sources"]}
    out = []
    for _uid, node in manifest["nodes"].items():
        if node["resource_type"] != "model":
            continue
        for parent in node["depends_on"]["nodes"]:
            out.append((node["name"], layer(node), nodes[parent]["name"], layer(nodes[parent])))
    return out


def test_the_manifest_has_every_layer(edges):
    assert {"staging", "intermediate", "marts"} <= {model_layer for _, model_layer, _, _ in edges}
    assert ("fct_orders", "marts", "int_orders_enriched", "intermediate") in edges
    assert ("fct_opportunities", "marts", "int_opportunities_enriched", "intermediate") in edges


def test_no_staging_or_intermediate_model_reads_a_mart(edges):
    assert [e for e in edges if e[1] in ("staging", "intermediate") and e[3] == "marts"] == []


def test_staging_reads_only_sources_seeds_and_staging(edges):
    assert [e for e in edges if e[1] == "staging" and e[3] not in ("source", "seed", "staging")] == []


def test_marts_never_read_sources(edges):
    assert [e for e in edges if e[1] == "marts" and e[3] == "source"] == []
