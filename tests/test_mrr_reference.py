"""The public dbt MRR playbook sample (tests/fixtures/mrr_playbook, see its README), landed
through the raw contract as one USD tenant, must give its independently computed fct_mrr and
mrr_monthly, every row, exactly, on DuckDB and Postgres."""
import csv
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from orchestration.generator.schema import TABLES

from conftest import Warehouse, assert_every_node_ran, land_raw, query, run_dbt, pg_test_db

REF = Path(__file__).parent / "fixtures" / "mrr_playbook"
AS_OF = "2020-03-01"
TENANT = "playbook"


def _add_month(d: date) -> date:
    return date(d.year + d.month // 12, d.month % 12 + 1, 1)


def _land(out: Path) -> None:
    """Each subscription period becomes one paid monthly invoice line per month, [month, month + 1)."""
    rows = {k: [] for k in ("customers", "prices", "invoices", "invoice_line_items")}
    customers = set()
    n = 0
    with open(REF / "subscription_periods.csv") as f:
        for period in csv.DictReader(f):
            customers.add(period["customer_id"])
            month = date.fromisoformat(period["start_date"])
            end = date.fromisoformat(period["end_date"])
            cents = int(Decimal(period["monthly_amount"]) * 100)
            while month < end:
                n += 1
                start_ts, end_ts = datetime.combine(month, datetime.min.time()), \
                    datetime.combine(_add_month(month), datetime.min.time())
                rows["invoices"].append(dict(
                    id=f"in_{n}", tenant_id=TENANT, customer_id=period["customer_id"],
                    subscription_id=period["subscription_id"], status="paid", currency="usd", subtotal=cents,
                    discount_total=0, tax=0, total=cents, amount_paid=cents, created_at=start_ts,
                    period_start=start_ts, period_end=end_ts, paid_at=start_ts, updated_at=start_ts,
                    _loaded_at=start_ts))
                rows["invoice_line_items"].append(dict(
                    id=f"il_{n}", tenant_id=TENANT, invoice_id=f"in_{n}",
                    subscription_id=period["subscription_id"], price_id="price_monthly", type="subscription",
                    is_proration=False, quantity=1, amount=cents, discount_amount=0, currency="usd",
                    period_start=start_ts, period_end=end_ts, _loaded_at=start_ts))
                month = _add_month(month)
    t0 = datetime(2017, 1, 1)
    rows["customers"] = [dict(id=c, tenant_id=TENANT, currency="usd", created_at=t0, is_deleted=False,
                              updated_at=t0, _loaded_at=t0) for c in sorted(customers)]
    rows["prices"] = [dict(id="price_monthly", tenant_id=TENANT, product_id="prod_1", unit_amount=100,
                           currency="usd", recurring_interval="month", recurring_interval_count=1,
                           is_active=True, created_at=t0, _loaded_at=t0)]
    for schema, tables in TABLES.items():
        for table, arrow_schema in tables.items():
            data = rows.get(table, []) if schema == "raw_billing" else []
            t = pa.Table.from_pylist(data, schema=arrow_schema) if data else arrow_schema.empty_table()
            (out / schema).mkdir(parents=True, exist_ok=True)
            pq.write_table(t, out / schema / f"{table}.parquet")


@pytest.fixture(scope="module", params=["duckdb", "postgres"])
def playbook(request, tmp_path_factory) -> Warehouse:
    tmp = tmp_path_factory.mktemp(f"playbook_{request.param}")
    _land(tmp / "raw")
    env = land_raw(request.param, tmp / "raw", tmp, pg_test_db("warehouse_test_playbook"))
    build = run_dbt(env, request.param, tmp / "target", "build", "--exclude", "resource_type:unit_test",
                    extra_vars={"as_of_date": AS_OF})
    return Warehouse(request.param, env, tmp / "target", build)


def _num(v) -> float:
    return round(float(v), 4)


def test_fct_mrr_matches_the_reference_row_for_row(playbook):
    with open(REF / "expected_fct_mrr.csv") as f:
        expected = sorted((r["customer_id"], r["month"], _num(r["mrr"]), _num(r["previous_mrr"]), r["movement"])
                          for r in csv.DictReader(f))
    actual = sorted((c, str(m), _num(mrr), _num(prev), mv) for c, m, mrr, prev, mv in query(playbook, f"""
        select customer_id, month, mrr, previous_mrr, movement from marts.fct_mrr
        where tenant_id = '{TENANT}' and movement <> 'inactive'"""))
    assert len(expected) == 410
    assert actual == expected


def test_mrr_monthly_matches_the_reference_row_for_row(playbook):
    cols = ["ending_mrr", "active_customers", "new_mrr", "expansion_mrr", "contraction_mrr", "churned_mrr",
            "reactivation_mrr", "net_mrr_change"]
    with open(REF / "expected_mrr_monthly.csv") as f:
        expected = sorted((r["month"], *(_num(r[c]) for c in cols)) for r in csv.DictReader(f))
    actual = sorted((str(r[0]), *(_num(v) for v in r[1:])) for r in query(playbook, f"""
        select month, ending_mrr, active_customers, new_mrr, expansion_mrr, contraction_mrr, churned_mrr,
               reactivation_mrr, net_new_mrr
        from marts.mrr_monthly
        where tenant_id = '{TENANT}'
          and not (ending_mrr = 0 and starting_mrr = 0)"""))
    assert actual == expected


def test_playbook_build_ran_every_model_and_test(playbook):
    assert_every_node_ran(playbook, unit_tests=False)      # the playbook build leaves unit tests out
