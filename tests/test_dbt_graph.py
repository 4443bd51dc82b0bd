"""The dbt graph flows one way: sources -> staging -> intermediate -> marts.

Read from the manifest of a `dbt parse` (no warehouse needed): each model's layer is the
top folder under models/, and each edge is a `depends_on` node (a ref or a source).
Which layer may read which (only staging reads sources, no intermediate model reads a mart)
and the layer prefixes are checked in one place, dbt-bouncer.yml (`make lint`); this module
holds what a bouncer rule cannot say.
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
def manifest(tmp_path_factory) -> dict:
    tmp = tmp_path_factory.mktemp("dbt_graph")
    env = base_env(tmp)
    env["DBT_DUCKDB_PATH"] = str(tmp / "unused.duckdb")      # parse opens no connection; never the repo's file
    run_dbt(env, "duckdb", tmp / "target", "parse", "--no-partial-parse", "--quiet")
    return json.loads((tmp / "target" / "manifest.json").read_text())


@pytest.fixture(scope="module")
def edges(manifest) -> list[tuple[str, str, str, str]]:
    """(model, its layer, upstream node, upstream layer) for every model's every upstream node."""
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


def test_the_lead_stages_have_one_home_that_no_mart_reads_through_fct_leads(edges):
    """int_leads_enriched decides a lead's stages; fct_leads publishes it and the marts that count
    stages read it, never the mart."""
    for reader in ("fct_leads", "sales_funnel", "period_kpis"):
        assert (reader, "marts", "int_leads_enriched", "intermediate") in edges, reader
    assert [e for e in edges if e[2] == "fct_leads" and e[1] == "marts"] == []


def _ancestors(manifest: dict, uid: str) -> set[str]:
    seen, todo = set(), [uid]
    while todo:
        for parent in manifest["parent_map"].get(todo.pop(), []):
            if parent not in seen:
                seen.add(parent)
                todo.append(parent)
    return seen


def test_a_failing_test_on_one_model_skips_everything_below_it(manifest):
    """`dbt build` makes a test block a model only when every node the test reads is that model
    or one of its ancestors. So a generic error test attached to a model must read nothing
    else, or nothing downstream would wait for it, as the README promises. The one kind
    allowed to read a second model is a relationships test (it blocks only what is below both
    sides, as the README says); the raw-vs-staged reconciliation reads the base model, an
    ancestor, never a side table."""
    loose, reconciliations = [], 0
    for uid, test in manifest["nodes"].items():
        if test["resource_type"] != "test" or not test.get("attached_node"):
            continue
        if test["config"]["severity"].lower() != "error":
            continue
        kind = (test.get("test_metadata") or {}).get("name", "singular")
        attached = test["attached_node"]
        others = set(test["depends_on"]["nodes"]) - _ancestors(manifest, attached) - {attached}
        reconciliations += kind == "raw_reconciles"
        if others and kind not in ("relationships", "relationships_within_tenant"):
            loose.append((uid, sorted(others)))
    assert loose == []
    assert reconciliations >= 28, "every staged raw table is reconciled with its raw rows"
