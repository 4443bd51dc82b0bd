"""SCD2 snapshots through a scripted life of one account: insert -> update -> delete -> re-insert.
After every step the snapshot's own tests (one current row per key, no overlapping windows) pass,
and the account's history is exactly what happened."""
import duckdb

from conftest import AS_OF, base_env, run_dbt, warehouse_cli
import itertools

# cautious: the reconciliation test of stg_crm__accounts also reads quarantine_rows, which this test does not build
SELECT = ["--select", "base_crm__accounts stg_crm__accounts snap_crm__accounts", "--indirect-selection", "cautious"]


def test_account_history_through_insert_update_delete_reinsert(tmp_path):
    db = tmp_path / "snap.duckdb"
    env = base_env(tmp_path)
    env["DBT_DUCKDB_PATH"] = str(db)
    warehouse_cli(env, "generate", "--tenants", "1", "--scale", "0.01", "--seed", "3", "--as-of-date",
                  AS_OF.isoformat(), "--target", "duckdb", "--no-progress")

    def step(sql=None):
        if sql:
            con = duckdb.connect(str(db))
            con.execute(sql)
            con.close()
        run_dbt(env, "duckdb", tmp_path / "target", "build", *SELECT)   # includes the snapshot's tests
        con = duckdb.connect(str(db), read_only=True)
        rows = con.execute(f"""
            select s.owner_user_id, s.dbt_valid_from, s.dbt_valid_to
            from snapshots.snap_crm__accounts s
            where s.account_id = '{account}' and s.tenant_id = 'tn_001'
            order by s.dbt_valid_from""").fetchall()
        con.close()
        return rows

    con = duckdb.connect(str(db), read_only=True)
    account, owner = con.execute("""
        select id, owner_user_id from raw_crm.accounts
        where id is not null and id not like '%-dq%' order by id limit 1""").fetchone()
    con.close()

    history = step()                                               # insert
    assert [(h[0], h[2]) for h in history] == [(owner, None)]

    history = step(f"""                                             -- update: a new owner
        insert into raw_crm.accounts
        select id, tenant_id, name, domain, industry, employee_count, country_code, 'usr_new_owner',
               created_at, updated_at + interval 1 day, is_deleted, _loaded_at + interval 1 day
        from raw_crm.accounts where id = '{account}'
        qualify row_number() over (order by updated_at desc, _loaded_at desc) = 1""")
    assert [h[0] for h in history] == [owner, "usr_new_owner"]
    assert history[0][2] is not None and history[1][2] is None

    history = step(f"delete from raw_crm.accounts where id = '{account}'")   # delete
    assert len(history) == 2 and all(h[2] is not None for h in history)

    history = step(f"""                                             -- re-insert
        insert into raw_crm.accounts
        select '{account}', 'tn_001', 'Back Again Ltd', 'back.example', 'software', 42, 'DE',
               'usr_new_owner', timestamp '2024-01-01', timestamp '2026-11-20', false, timestamp '2026-11-20 01:00'""")
    assert [h[0] for h in history] == [owner, "usr_new_owner", "usr_new_owner"]
    assert [h[2] is None for h in history] == [False, False, True]
    for earlier, later in itertools.pairwise(history):
        assert earlier[2] <= later[1]                               # windows do not overlap


def test_pipeline_history_reads_the_snapshot_from_its_start_and_reconstructs_before(tmp_path):
    """A snapshot that started on 2026-06-15 (its history shifted there, as if the first build had run
    that day and nothing had changed since): month ends from June 2026 read the recorded versions,
    so a deal counts when it is open now and was created before the month end; earlier month ends
    are reconstructed: created before, closed after or never. Both recounted here from staging."""
    db = tmp_path / "pipeline.duckdb"
    env = base_env(tmp_path)
    env["DBT_DUCKDB_PATH"] = str(db)
    warehouse_cli(env, "generate", "--tenants", "1", "--scale", "0.01", "--seed", "3", "--as-of-date",
                  AS_OF.isoformat(), "--target", "duckdb", "--no-progress")
    run_dbt(env, "duckdb", tmp_path / "target", "build", "--select", "+pipeline_history",
            "--exclude", "resource_type:test", "resource_type:unit_test")
    con = duckdb.connect(str(db))
    con.execute("update snapshots.snap_crm__opportunities set dbt_valid_from = timestamp '2026-06-15'")
    con.close()
    run_dbt(env, "duckdb", tmp_path / "target", "run", "--select", "pipeline_history")

    con = duckdb.connect(str(db), read_only=True)
    mart = con.execute("""
        select month, history_source, sum(open_opportunities)
        from marts.pipeline_history group by 1, 2 order by 1""").fetchall()
    truth = con.execute("""
        with month_ends as (
            select distinct month, month + interval 1 month as month_end_at
            from marts.pipeline_history
        )
        select m.month,
               case when m.month_end_at >= timestamp '2026-06-15' then 'snapshot' else 'reconstructed' end,
               count(*)
        from month_ends m
        inner join staging.stg_crm__opportunities o
            on o.created_at < m.month_end_at
            and case
                when m.month_end_at >= timestamp '2026-06-15'
                    then o.stage in ('prospecting', 'proposal', 'negotiation')
                else o.closed_at is null or o.closed_at >= m.month_end_at
            end
        group by 1, 2 order by 1""").fetchall()
    con.close()
    assert mart == truth
    assert {source for _, source, _ in mart} == {"snapshot", "reconstructed"}
    assert mart[-1][0].isoformat() == "2026-10-01"
