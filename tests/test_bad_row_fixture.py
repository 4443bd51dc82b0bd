"""Hand-made bad rows (tests/fixtures/bad_rows) end to end, on DuckDB and Postgres:
every kind of contract violation lands in quarantine with its reason, clean rows are
staged exactly once, cleaned up, and nothing is lost."""
import csv
import json
from datetime import date
from pathlib import Path

import pytest

from real_data import fx_rate     # the FX seed read on its own, with the documented fallback

from conftest import (Warehouse, build_landed, contract_table_count, csv_fixture_to_parquet, pg_test_db, query,
                      run_dbt, run_sql)

FIXTURES = Path(__file__).parent / "fixtures" / "bad_rows"
FIXTURE_VARS = {"quarantine_max_share": 1}    # a fixture made of bad rows is far above the 5 % threshold on purpose


@pytest.fixture(scope="module", params=["duckdb", "postgres"])
def fixture_warehouse(request, tmp_path_factory) -> Warehouse:
    tmp = tmp_path_factory.mktemp(f"bad_rows_{request.param}")
    csv_fixture_to_parquet(FIXTURES, tmp / "raw")
    return build_landed(request.param, tmp / "raw", tmp, pg_test_db("warehouse_test_fixture"), FIXTURE_VARS)


def test_every_violation_is_quarantined_with_its_reason(fixture_warehouse):
    def key(row):
        return tuple("\0" if v is None else v for v in row)    # a null key sorts apart from a blank one

    with open(FIXTURES / "expected_quarantine.csv") as f:
        # an empty record_id is a null key; '' (two quotes) is a blank one
        expected = sorted(((r["tenant_id"], r["source_table"],
                            "" if r["record_id"] == "''" else (r["record_id"] or None), r["reason"])
                           for r in csv.DictReader(f)), key=key)
    actual = sorted((tuple(r) for r in query(
        fixture_warehouse, "select tenant_id, source_table, record_id, reason from quarantine.quarantine_rows")),
        key=key)
    assert actual == expected


def test_clean_rows_are_staged_once_and_cleaned(fixture_warehouse):
    wh = fixture_warehouse
    assert query(wh, "select tenant_id, customer_id, email, currency from staging.stg_billing__customers"
                     " order by 1, 2") == [
        ("t1", "cus_1", "a@example.com", "USD"), ("t1", "cus_blank", None, "USD"),
        ("t1", "cus_edge", "i@example.com", "USD"), ("t2", "cus_1", "d@example.com", "EUR")]
    assert query(wh, "select invoice_id, status from staging.stg_billing__invoices") == [("inv_1", "paid")]
    assert query(wh, "select invoice_line_item_id, amount_minor, currency from staging.stg_billing__invoice_line_items"
                     " order by 1") == [("il_1", 1000, "USD"), ("il_zero", 500, "USD")]
    prices = dict(query(wh, "select price_id, unit_amount from staging.stg_billing__prices"))
    assert {k: float(v) for k, v in prices.items()} == {"p_1": 10.0, "p_jpy": 1500.0}
    assert query(wh, "select email from staging.stg_crm__leads") == [("lead@example.com",)]
    assert query(wh, "select channel, spend from staging.stg_commerce__marketing_spend") == [("paid_search", 100)]


def _raw_records(table) -> tuple[set, int]:
    """(distinct keyed records, rows without a usable key) of a fixture CSV, read here with pyarrow as
    the loader does, independently of the models: a key is unusable when any part is null or blank."""
    import pyarrow.csv as pacsv
    rows = pacsv.read_csv(FIXTURES / f"{table.source}.{table.name}.csv", convert_options=pacsv.ConvertOptions(
        column_types={c: "string" for c in ("tenant_id", *table.key)},
        strings_can_be_null=True, quoted_strings_can_be_null=False)).to_pylist()
    keys = [(r["tenant_id"], *(r[c] for c in table.key)) for r in rows]
    usable = [k for k in keys if all(v is not None and v.strip() != "" for v in k[1:])]
    return set(usable), len(keys) - len(usable)


def test_nothing_is_lost_between_raw_staging_and_quarantine(fixture_warehouse):
    """Per fixture table: distinct raw records + keyless rows = staged rows + quarantined rows."""
    from orchestration import contract
    wh, checked = fixture_warehouse, 0
    for table in contract.load():
        if not (FIXTURES / f"{table.source}.{table.name}.csv").exists():
            continue
        keyed, keyless = _raw_records(table)
        staged = query(wh, f"select count(*) from staging.{table.base_model.replace('base_', 'stg_', 1)}")[0][0]
        quarantined = query(wh, "select count(*) from quarantine.quarantine_rows "
                                f"where source_table = '{table.source}.{table.name}'")[0][0]
        assert staged + quarantined == len(keyed) + keyless, table.id
        checked += 1
    assert checked == len(list(FIXTURES.glob("raw_*.csv")))
    # and the build's own reconciliation ran for every raw table, fixture or empty
    results = json.loads((wh.target_path / "run_results.json").read_text())["results"]
    assert len([r for r in results if ".raw_reconciles_" in r["unique_id"]]) == contract_table_count()


# --- the catalogue of bad input (docs/contracts/bad_input.md): handled kinds that are not quarantined ----



def one(wh, sql):
    rows = query(wh, sql)
    assert len(rows) == 1, rows
    return rows[0]


def test_blank_free_text_becomes_null(fixture_warehouse):
    # email "  " and name "" on cus_blank: empty strings where nulls belong
    assert one(fixture_warehouse, "select email, customer_name from staging.stg_billing__customers"
                                  " where customer_id = 'cus_blank'") == (None, None)


def test_an_event_within_a_day_after_as_of_is_kept(fixture_warehouse):
    # as_of 2026-11-21: created 2026-11-22 23:00 is kept (a day of slack for time zones), 2026-11-23 is not
    assert one(fixture_warehouse, "select count(*) from staging.stg_billing__customers"
                                  " where customer_id = 'cus_edge'") == (1,)


def test_a_zero_length_service_period_is_staged_and_bears_no_mrr(fixture_warehouse):
    wh = fixture_warehouse
    assert one(wh, "select count(*) from staging.stg_billing__invoice_line_items"
                   " where invoice_line_item_id = 'il_zero'") == (1,)
    assert one(wh, "select count(*) from intermediate.int_mrr_lines_by_month"
                   " where invoice_line_item_id = 'il_zero'") == (0,)


def test_usd_converts_at_exactly_one_with_no_lookup(fixture_warehouse):
    total, source = one(fixture_warehouse, "select total_usd, fx_rate_source from marts.fct_orders where order_id = 'o_1'")
    assert float(total) == 10.80 and source == "identity"


def test_an_amount_with_more_decimals_than_its_currency_is_kept(fixture_warehouse):
    # JPY has no minor unit; 1000.50 JPY as landed is converted, not rounded to whole yen
    total, source = one(fixture_warehouse, "select total_usd, fx_rate_source from marts.fct_orders where order_id = 'o_jpy'")
    assert source == "exact"
    assert float(total) == pytest.approx(round(1000.50 * float(fx_rate("JPY", date(2024, 1, 1))), 4), abs=1e-4)


def test_a_month_the_fx_seed_lacks_converts_at_the_flagged_fallback_rate(fixture_warehouse):
    # EUR in 2014-06: the seed starts in 2015-01, so the earliest later month's rate, and the row says so
    wh = fixture_warehouse
    total, rate_month, source = one(wh, "select total_usd, fx_rate_month, fx_rate_source from marts.fct_orders"
                                        " where order_id = 'o_eur_2014'")
    assert (str(rate_month), source) == ("2015-01-01", "earliest_later")
    assert float(total) == pytest.approx(round(20.00 * float(fx_rate("EUR", date(2014, 6, 1))), 4), abs=1e-4)
    results = json.loads((wh.target_path / "run_results.json").read_text())["results"]
    fallback_test = [r for r in results if "fx_rate_from_its_own_month_fct_orders" in r["unique_id"]]
    assert [(r["status"], r["failures"]) for r in fallback_test] == [("warn", 1)]


def test_a_tenant_with_a_single_day_of_history(fixture_warehouse):
    # t3: one paid order on 2024-05-05 and nothing else; as_of 2026-11-21 (last complete month 2026-10)
    wh = fixture_warehouse
    cells = query(wh, "select month_number, cohort_size, retained_customers, revenue from marts.cohort_retention"
                      " where tenant_id = 't3' order by month_number")
    assert [c[0] for c in cells] == list(range(0, 30))             # 2024-05 .. 2026-10, dense
    assert (cells[0][1], cells[0][2], float(cells[0][3])) == (1, 1, 42.0)
    assert all(c[2] == 0 for c in cells[1:])
    assert one(wh, "select frequency, monetary, r_score, f_score, m_score from marts.customer_rfm"
                   " where tenant_id = 't3'") == (1, pytest.approx(42.0), 3, 3, 3)
    first_day = one(wh, "select min(period_start) from marts.period_kpis where tenant_id = 't3' and period_type = 'day'")
    assert str(first_day[0]) == "2024-05-05"


def test_the_same_id_in_two_tenants_is_two_records(fixture_warehouse):
    assert query(fixture_warehouse, "select tenant_id, customer_name from staging.stg_billing__customers"
                                    " where customer_id = 'cus_1' order by 1") == [("t1", "Ann"), ("t2", "Di")]


def test_a_currency_with_no_rate_at_all_stops_the_build_naming_it(fixture_warehouse):
    # o_chf is staged in CHF; remove CHF from the FX seed as a user's own rate table might lack it
    wh = fixture_warehouse
    run_sql(wh, "delete from reference.fx_rates_monthly where currency_code = 'CHF'")
    try:
        wh.dbt("run", "-s", "int_fx_rates_by_month")
        proc = wh.dbt("test", "-s", "assert_every_currency_has_an_fx_rate", check=False)
        assert proc.returncode != 0
        assert "No FX rate to USD for currency CHF (stg_commerce__orders)" in proc.stdout
    finally:
        wh.dbt("seed", "-s", "fx_rates_monthly")
        wh.dbt("run", "-s", "int_fx_rates_by_month")


def test_a_column_the_source_added_is_kept_and_reported(fixture_warehouse):
    wh = fixture_warehouse
    run_sql(wh, "alter table raw_crm.leads add column utm_campaign text")
    try:
        proc = run_dbt(wh.env, wh.target, wh.target_path, "build", "-s", "source:raw_crm.leads", "base_crm__leads",
                       "stg_crm__leads", extra_vars=FIXTURE_VARS)
        results = json.loads((wh.target_path / "run_results.json").read_text())["results"]
        drift = [r for r in results if "matches_contract_columns" in r["unique_id"]]
        assert [(r["status"], r["failures"]) for r in drift] == [("warn", 1)], proc.stdout[-3000:]
        assert one(wh, "select count(*) from staging.stg_crm__leads") == (1,)
    finally:
        run_sql(wh, "alter table raw_crm.leads drop column utm_campaign")


def test_a_missing_contract_column_is_one_clear_error_and_nothing_below_is_built(fixture_warehouse):
    wh = fixture_warehouse
    run_sql(wh, "alter table raw_crm.leads rename column score to lead_score")
    try:
        proc = run_dbt(wh.env, wh.target, wh.target_path, "build", "-s", "source:raw_crm.leads", "base_crm__leads",
                       check=False, extra_vars=FIXTURE_VARS)
        assert proc.returncode != 0
        assert "raw_crm.leads lacks contract column 'score'" in proc.stdout
        results = json.loads((wh.target_path / "run_results.json").read_text())["results"]
        base = [r["status"] for r in results if r["unique_id"] == "model.warehouse.base_crm__leads"]
        assert base == ["skipped"]
    finally:
        run_sql(wh, "alter table raw_crm.leads rename column lead_score to score")
