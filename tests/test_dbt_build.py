"""`dbt build` of the whole project passes on DuckDB and Postgres, and staging keeps its promises."""
import json

import pytest

from conftest import Warehouse, assert_engines_agree, assert_every_node_ran, contract_table_count, query


def _results(wh: Warehouse):
    return json.loads((wh.target_path / "run_results.json").read_text())["results"]


def test_every_node_and_every_unit_test_ran_and_passed(warehouse: Warehouse):
    assert_every_node_ran(warehouse)


def test_quarantine_counts_equal_the_planted_counts_exactly(warehouse: Warehouse):
    diff = query(warehouse, """
        with quarantined as (
            select tenant_id, source_table, reason, count(*) as n
            from quarantine.quarantine_rows group by 1, 2, 3
        ),
        planted as (
            select tenant_id, source_table, reason, planted_rows as n from generator_ledger.planted_bad_rows
        )
        select coalesce(q.tenant_id, p.tenant_id), coalesce(q.source_table, p.source_table),
               coalesce(q.reason, p.reason), q.n, p.n
        from quarantined q full outer join planted p
            on q.tenant_id = p.tenant_id and q.source_table = p.source_table and q.reason = p.reason
        where q.n is null or p.n is null or q.n <> p.n""")
    assert diff == []
    reasons = {r[0] for r in query(warehouse, "select distinct reason from quarantine.quarantine_rows")}
    assert {"null_key", "unknown_enum", "negative_amount", "negative_quantity", "orphan_fk"} <= reasons


def test_reconciliation_tests_ran_for_every_raw_table(warehouse: Warehouse):
    ran = [r for r in _results(warehouse) if ".raw_reconciles_" in r["unique_id"]]
    assert len(ran) == contract_table_count() and all(r["status"] == "pass" for r in ran)


STAGING_FINGERPRINTS = {
    "staging.stg_billing__invoice_line_items": "sum(amount) as a, sum(amount_minor) as b",
    "staging.stg_billing__invoices": "sum(total) as a, count(distinct status) as b",
    "staging.stg_commerce__orders": "sum(total) as a, count(distinct customer_id) as b",
    "staging.stg_commerce__web_events": "count(distinct session_id) as a, count(distinct event_type) as b",
    "staging.stg_crm__leads": "count(qualified_at) as a, count(distinct lead_source) as b",
    "staging.stg_crm__accounts": "count(distinct segment) as a, sum(employee_count) as b",
}


@pytest.mark.parametrize("relation, aggregates", STAGING_FINGERPRINTS.items())
def test_duckdb_and_postgres_stage_identical_data(duckdb_warehouse, postgres_warehouse, relation, aggregates):
    assert_engines_agree(duckdb_warehouse, postgres_warehouse, f"(select tenant_id, count(*) as n, {aggregates} "
                         f"from {relation} group by 1) as fingerprint", "tenant_id", "n, a, b", digits=6)
