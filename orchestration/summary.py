"""What `make demo` prints after the build: where the raw rows went (per source), the as-of date,
the headline numbers per tenant and what to run next.

Reads the DuckDB file read-only and copies numbers from the models; computes nothing they own
(the reconciliation per raw table is a dbt test, `raw_reconciles`: this only shows its totals).
"""
from pathlib import Path

SOURCES = ("crm", "billing", "commerce", "messaging")
OTHER_LAYERS = ("intermediate", "marts", "snapshots")
HEADLINE_SQL = """
    select tenant_id, month, mrr, arr, net_new_mrr, subscription_customers, logo_churn_rate,
           store_revenue_usd, store_orders
    from marts.executive_kpis
    where month = (select max(month) from marts.executive_kpis)
    order by tenant_id"""
NEXT_STEPS = """Next:
  make docs       dbt docs, lineage and every column, on http://127.0.0.1:8080 (DOCS_PORT=...)
  make dagster    Dagster UI on http://127.0.0.1:3000 (DAGSTER_PORT=...): assets, checks, schedules
  make superset   Superset dashboards on the Postgres warehouse (SUPERSET_PORT=..., bi/superset/README.md)
  make test       the whole suite"""


class SummaryError(Exception):
    """One line for the command line: the file is missing, locked or not a built warehouse."""


def _connect(db_path: Path):
    import duckdb
    if not db_path.exists():
        raise SummaryError(f"no warehouse at {db_path}: run `make demo` first (or set DBT_DUCKDB_PATH / --duckdb-path)")
    try:
        return duckdb.connect(str(db_path), read_only=True)
    except duckdb.Error as e:
        raise SummaryError(f"cannot open {db_path}: {str(e).splitlines()[0]} "
                           "(another process may be writing to it; wait for it to finish)") from None


def _count(con, schema: str, table: str) -> int:
    return con.execute(f'select count(*) from "{schema}"."{table}"').fetchone()[0]


def _money(v) -> str:
    return "n/a" if v is None else f"{round(float(v)) + 0:,}"   # + 0: no "-0"


def _pct(v) -> str:
    return "n/a" if v is None else f"{float(v) * 100:.1f} %"


def print_summary(db_path: Path) -> None:
    con = _connect(db_path)
    try:
        # tables and views: the staged web events are a view on their incremental base table
        tables = con.execute("select table_schema, table_name from information_schema.tables order by 1, 2").fetchall()
        if not any(s.startswith("raw_") for s, _ in tables):
            raise SummaryError(f"{db_path} holds no raw tables: run `make demo` (or `warehouse generate`) first")
        as_of = None
        if ("intermediate", "util_calendar_bounds") in tables:
            as_of = con.execute("select as_of_date from intermediate.util_calendar_bounds").fetchone()[0]
        print(f"Warehouse {db_path}" + (f", built as of {as_of} (dbt var as_of_date)" if as_of else ""))

        print("\nWhere the raw rows went, per source: raw = staged + quarantined + older copies of re-delivered rows")
        print(f"{'source':<12}{'raw':>12}{'staged':>12}{'quarantined':>13}{'re-delivered':>14}")
        quarantined = {}
        if ("quarantine", "quarantine_rows") in tables:
            quarantined = dict(con.execute(
                "select split_part(source_table, '.', 1), count(*) from quarantine.quarantine_rows group by 1").fetchall())
        for source in SOURCES:
            raw_tables = [t for s, t in tables if s == f"raw_{source}"]
            if not raw_tables:
                continue
            raw = sum(_count(con, f"raw_{source}", t) for t in raw_tables)
            staged = sum(_count(con, "staging", t) for s, t in tables
                         if s == "staging" and t.startswith(f"stg_{source}__"))
            held = quarantined.get(f"raw_{source}", quarantined.get(source, 0))
            print(f"{source:<12}{raw:>12,}{staged:>12,}{held:>13,}{raw - staged - held:>14,}")
        print("  Each raw table is reconciled key by key in the build (dbt test raw_reconciles).")
        if quarantined:
            print("  The build's WARN lines are the tests counting these quarantined rows: the generator plants\n"
                  "  bad rows on purpose (null keys, unknown currencies, negative quantities, ...). See each row\n"
                  "  and its reason in quarantine.quarantine_rows; the rules are in docs/contracts/bad_input.md.")

        counts = [(layer, [t for s, t in tables if s == layer]) for layer in OTHER_LAYERS]
        print("\nBuilt: " + ", ".join(f"{layer} {len(names)}" for layer, names in counts if names) + " tables and views")

        if ("marts", "executive_kpis") in tables:
            rows = con.execute(HEADLINE_SQL).fetchall()
            if rows:
                print(f"\nHeadline, last complete month ({rows[0][1]}), USD, from marts.executive_kpis:")
                print(f"{'tenant':<10}{'MRR':>12}{'ARR':>14}{'net new MRR':>13}{'customers':>11}"
                      f"{'logo churn':>12}{'store revenue':>15}{'orders':>9}")
                for tenant, _month, mrr, arr, net_new, customers, churn, revenue, orders in rows:
                    print(f"{tenant:<10}{_money(mrr):>12}{_money(arr):>14}{_money(net_new):>13}"
                          f"{customers if customers is not None else 'n/a':>11}{_pct(churn):>12}"
                          f"{_money(revenue):>15}{orders if orders is not None else 'n/a':>9}")
        print("\n" + NEXT_STEPS)
    finally:
        con.close()
