"""Hand-made bad rows (tests/fixtures/bad_rows) end to end, on DuckDB and Postgres:
every kind of contract violation lands in quarantine with its reason, clean rows are
staged exactly once, cleaned up, and nothing is lost."""
import csv
from pathlib import Path

import pytest

from conftest import Warehouse, build_landed, csv_fixture_to_parquet, query

FIXTURES = Path(__file__).parent / "fixtures" / "bad_rows"


@pytest.fixture(scope="module", params=["duckdb", "postgres"])
def fixture_warehouse(request, tmp_path_factory) -> Warehouse:
    tmp = tmp_path_factory.mktemp(f"bad_rows_{request.param}")
    csv_fixture_to_parquet(FIXTURES, tmp / "raw")
    # a fixture made of bad rows is far above the 5 % quarantine threshold on purpose
    return build_landed(request.param, tmp / "raw", tmp, "warehouse_test_fixture", {"quarantine_max_share": 1})


def test_every_violation_is_quarantined_with_its_reason(fixture_warehouse):
    def key(row):
        return tuple("" if v is None else v for v in row)

    with open(FIXTURES / "expected_quarantine.csv") as f:
        expected = sorted(((r["tenant_id"], r["source_table"], r["record_id"] or None, r["reason"])
                           for r in csv.DictReader(f)), key=key)
    actual = sorted((tuple(r) for r in query(
        fixture_warehouse, "select tenant_id, source_table, record_id, reason from quarantine.quarantine_rows")),
        key=key)
    assert actual == expected


def test_clean_rows_are_staged_once_and_cleaned(fixture_warehouse):
    wh = fixture_warehouse
    assert query(wh, "select tenant_id, email, currency from staging.stg_billing__customers order by 1") == [
        ("t1", "a@example.com", "USD"), ("t2", "d@example.com", "EUR")]
    assert query(wh, "select invoice_id, status from staging.stg_billing__invoices") == [("inv_1", "paid")]
    assert query(wh, "select invoice_line_item_id, amount_minor, currency from staging.stg_billing__invoice_line_items") \
        == [("il_1", 1000, "USD")]
    prices = dict(query(wh, "select price_id, unit_amount from staging.stg_billing__prices"))
    assert {k: float(v) for k, v in prices.items()} == {"p_1": 10.0, "p_jpy": 1500.0}
    assert query(wh, "select email from staging.stg_crm__leads") == [("lead@example.com",)]
    assert query(wh, "select channel, spend from staging.stg_commerce__marketing_spend") == [("paid_search", 100)]


def test_nothing_is_lost_between_raw_staging_and_quarantine(fixture_warehouse):
    import json
    results = json.loads((fixture_warehouse.target_path / "run_results.json").read_text())["results"]
    recon = [r for r in results if ".raw_reconciles_" in r["unique_id"]]
    assert len(recon) == 21 and all(r["status"] == "pass" for r in recon)
    errors = [r["unique_id"] for r in results if r["status"] in ("error", "fail")]
    assert errors == []
