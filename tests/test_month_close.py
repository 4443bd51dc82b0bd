"""The month-close record keeps restatements visible (snap_mrr_monthly_close), on a warehouse of its
own: a module apart from tests/test_revenue.py, whose other tests share the session warehouses, so that
xdist can run this build on the other worker (tests/conftest.py, test_group)."""
import duckdb

from conftest import AS_OF, base_env, run_dbt, warehouse_cli


def test_month_close_keeps_restated_months_visible(tmp_path):
    """Close the books, then void a paid invoice of a closed month: the snapshot keeps the
    figures first reported and adds the restated ones."""
    db = tmp_path / "close.duckdb"
    env = base_env(tmp_path)
    env["DBT_DUCKDB_PATH"] = str(db)
    warehouse_cli(env, "generate", "--tenants", "1", "--scale", "0.02", "--seed", "5", "--as-of-date",
                  AS_OF.isoformat(), "--target", "duckdb", "--no-progress")

    def close_books():
        run_dbt(env, "duckdb", tmp_path / "target", "seed")
        run_dbt(env, "duckdb", tmp_path / "target", "run", "--select", "+mrr_monthly")
        run_dbt(env, "duckdb", tmp_path / "target", "snapshot", "--select", "snap_mrr_monthly_close")
        run_dbt(env, "duckdb", tmp_path / "target", "test", "--select", "snap_mrr_monthly_close")

    close_books()
    con = duckdb.connect(str(db))
    _month, ending = con.execute("""
        select month, ending_mrr from marts.mrr_monthly where month = date '2026-06-01'""").fetchone()
    invoice = con.execute("""
        select l.invoice_id from intermediate.int_mrr_lines_by_month m
        join staging.stg_billing__invoice_line_items l
          on m.tenant_id = l.tenant_id and m.invoice_line_item_id = l.invoice_line_item_id
        where m.month = date '2026-06-01' and m.mrr_usd > 0 limit 1""").fetchone()[0]
    # the billing system voids the invoice later: a newer version of the row arrives
    con.execute(f"""
        insert into raw_billing.invoices
        select * replace ('void' as status, updated_at + interval 200 day as updated_at,
                          _loaded_at + interval 200 day as _loaded_at)
        from raw_billing.invoices where id = '{invoice}'
        qualify row_number() over (order by updated_at desc, _loaded_at desc) = 1""")
    con.close()
    close_books()
    con = duckdb.connect(str(db), read_only=True)
    versions = con.execute("""
        select ending_mrr, dbt_valid_to is null from snapshots.snap_mrr_monthly_close
        where month = date '2026-06-01' order by dbt_valid_from""").fetchall()
    con.close()
    assert len(versions) == 2
    assert versions[0] == (ending, False)             # what was reported at close, now superseded
    assert versions[1][1] is True and versions[1][0] < ending
