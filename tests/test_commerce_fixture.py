"""The hand-worked commerce fixture (tests/fixtures/commerce_hand, see its README): twenty
customers whose RFM scores and segments, acquisition cohorts and web funnel were worked out by
hand. Every expected row must come out exactly, on DuckDB and on Postgres."""
import csv
from decimal import Decimal
from pathlib import Path

import pytest

from conftest import Warehouse, build_landed, csv_fixture_to_parquet, query, pg_test_db

FIXTURES = Path(__file__).parent / "fixtures" / "commerce_hand"
AS_OF = "2024-07-01"


@pytest.fixture(scope="module", params=["duckdb", "postgres"])
def shop(request, tmp_path_factory) -> Warehouse:
    tmp = tmp_path_factory.mktemp(f"commerce_hand_{request.param}")
    csv_fixture_to_parquet(FIXTURES, tmp / "raw")
    # one quarantined event in nineteen is above the 5 % threshold: tiny fixtures are not loads
    return build_landed(request.param, tmp / "raw", tmp, pg_test_db("warehouse_test_commerce_hand"),
                        {"as_of_date": AS_OF, "rfm_as_of_date": AS_OF, "quarantine_max_share": 1})


def _norm(value) -> str:
    """One text form per value on both engines: numbers to 4 decimals, dates ISO, null empty."""
    if value is None or value == "":
        return ""
    if isinstance(value, (int, float, Decimal)) and not isinstance(value, bool):
        return f"{Decimal(str(value)):.4f}"
    try:
        return f"{Decimal(value):.4f}"
    except Exception:
        return str(value)[:10] if hasattr(value, "isoformat") else str(value)


def _check(wh: Warehouse, relation: str, expected_file: str, where: str = "1 = 1") -> None:
    with open(FIXTURES / expected_file) as f:
        reader = csv.DictReader(f)
        columns = reader.fieldnames
        expected = sorted(tuple(_norm(r[c]) for c in columns) for r in reader)
    actual = sorted(tuple(_norm(v) for v in row) for row in
                    query(wh, f"select {', '.join(columns)} from {relation} where {where}"))
    assert actual == expected


def test_rfm_scores_and_segments(shop):
    _check(shop, "marts.customer_rfm", "expected_customer_rfm.csv")


def test_rfm_segment_summary(shop):
    _check(shop, "marts.rfm_segment_summary", "expected_rfm_segment_summary.csv")


def test_cohort_retention_grid(shop):
    _check(shop, "marts.cohort_retention", "expected_cohort_retention.csv")


def test_web_funnel(shop):
    _check(shop, "marts.web_funnel_daily", "expected_web_funnel_daily.csv")
