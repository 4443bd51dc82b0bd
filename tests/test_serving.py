"""Serving on Postgres: what a BI login may read. `analyst` members read every mart and nothing in
raw, staging, quarantine, intermediate, snapshots or reference; a tenant login sees only its
tenant's rows in every mart, after a rebuild too; a platform login sees every tenant; no BI role
can bypass row-level security. Readers querying the marts during a build see only complete old
or complete new data and no errors; a long reader makes the swap fail fast, not stall everyone."""
import threading
import time

import psycopg
import pytest

from orchestration.generator.load import pg_conninfo

from conftest import pg_query, run_dbt, warehouse_cli

TENANT_LOGIN, OTHER_TENANT_LOGIN, PLATFORM_LOGIN = "test_bi_tn_001", "test_bi_tn_002", "test_bi_platform"
PRIVATE_SCHEMAS = ("raw_crm", "raw_billing", "raw_commerce", "raw_messaging", "staging", "quarantine", "intermediate",
                   "snapshots", "reference")


@pytest.fixture(scope="module")
def logins(postgres_warehouse):
    env = postgres_warehouse.env
    warehouse_cli(env, "access", "tenant-login", TENANT_LOGIN, "tn_001")
    warehouse_cli(env, "access", "tenant-login", OTHER_TENANT_LOGIN, "tn_002")
    warehouse_cli(env, "access", "platform-login", PLATFORM_LOGIN)
    yield postgres_warehouse
    for role in (TENANT_LOGIN, OTHER_TENANT_LOGIN, PLATFORM_LOGIN):
        warehouse_cli(env, "access", "drop-login", role)


def as_login(wh, role: str, sql: str):
    with psycopg.connect(**{**pg_conninfo(wh.env["PGDATABASE"]), "user": role}) as con:
        return con.execute(sql).fetchall()


def relations(wh, schemas) -> list[tuple[str, str]]:
    return [tuple(r) for r in pg_query(wh, "select table_schema, table_name from information_schema.tables "
                                           f"where table_schema in ({', '.join(repr(s) for s in schemas)}) "
                                           "order by 1, 2")]


def tenant_marts(wh) -> list[str]:
    return [r[0] for r in pg_query(wh, "select table_name from information_schema.columns where "
                                       "table_schema = 'marts' and column_name = 'tenant_id' order by 1")]


def test_analyst_reads_every_mart_and_nothing_else(logins):
    marts = relations(logins, ["marts"])
    assert len(marts) >= 27
    for schema, table in marts:
        as_login(logins, PLATFORM_LOGIN, f"select 1 from {schema}.{table} limit 1")
    private = relations(logins, PRIVATE_SCHEMAS)
    assert len(private) > 60
    for schema, table in private:
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            as_login(logins, TENANT_LOGIN, f"select 1 from {schema}.{table} limit 1")


def check_isolation(wh):
    marts = tenant_marts(wh)
    assert len(marts) >= 27       # every mart is per tenant
    for table in marts:
        owner = dict(pg_query(wh, f"select tenant_id, count(*) from marts.{table} group by 1"))
        mine = dict(as_login(wh, TENANT_LOGIN, f"select tenant_id, count(*) from marts.{table} group by 1"))
        assert mine == ({"tn_001": owner["tn_001"]} if "tn_001" in owner else {}), table
        other = dict(as_login(wh, OTHER_TENANT_LOGIN, f"select tenant_id, count(*) from marts.{table} group by 1"))
        assert other == ({"tn_002": owner["tn_002"]} if "tn_002" in owner else {}), table
        platform = dict(as_login(wh, PLATFORM_LOGIN, f"select tenant_id, count(*) from marts.{table} group by 1"))
        assert platform == owner, table


def test_a_tenant_login_sees_only_its_tenant_in_every_mart(logins):
    check_isolation(logins)


def test_isolation_survives_a_rebuild(logins):
    run_dbt(logins.env, "postgres", logins.target_path, "run", "--select", "marts")
    check_isolation(logins)


def test_no_bi_role_bypasses_row_level_security(logins):
    roles = pg_query(logins, "select rolname, rolbypassrls, rolsuper from pg_roles where rolname in "
                             f"('analyst', 'platform_analyst', '{TENANT_LOGIN}', '{PLATFORM_LOGIN}')")
    assert len(roles) == 4 and all(not bypass and not superuser for _, bypass, superuser in roles)
    views = pg_query(logins, "select c.relname, c.reloptions from pg_class c join pg_namespace n "
                             "on n.oid = c.relnamespace where n.nspname = 'marts' and c.relkind = 'v'")
    assert all("security_invoker=true" in (options or []) for _, options in views)


def test_a_tenant_login_cannot_widen_its_own_mapping(logins):
    with pytest.raises(psycopg.errors.InsufficientPrivilege):
        as_login(logins, TENANT_LOGIN, "update security.tenant_members set tenant_id = 'tn_002'")
    assert as_login(logins, TENANT_LOGIN, "select role_name, tenant_id from security.tenant_members") == \
        [(TENANT_LOGIN, "tn_001")]


READER_QUERIES = {
    "mrr_monthly": "select count(*), sum(ending_mrr) from marts.mrr_monthly",
    "fct_orders": "select count(*), sum(net_revenue_usd) from marts.fct_orders",
    "customer_rfm": "select count(*), sum(monetary) from marts.customer_rfm",
    "period_kpis": "select count(*), sum(revenue_usd) from marts.period_kpis",
    "cohort_retention": "select count(*), sum(revenue) from marts.cohort_retention",
}


def totals(wh) -> dict:
    return {name: tuple(as_login(wh, PLATFORM_LOGIN, sql)[0]) for name, sql in READER_QUERIES.items()}


def test_readers_during_a_build_see_complete_old_or_new_data(logins):
    """The build changes the clock (as_of one week earlier), so old and new totals differ."""
    old = totals(logins)
    seen, errors, waits = [], [], []
    stop = threading.Event()

    def reader():
        with psycopg.connect(**{**pg_conninfo(logins.env["PGDATABASE"]), "user": PLATFORM_LOGIN},
                             autocommit=True) as con:
            while not stop.is_set():
                for name, sql in READER_QUERIES.items():
                    t0 = time.perf_counter()
                    try:
                        seen.append((name, tuple(con.execute(sql).fetchone())))
                    except psycopg.Error as e:
                        errors.append(f"{name}: {e}")
                    waits.append(time.perf_counter() - t0)

    readers = [threading.Thread(target=reader) for _ in range(4)]
    for t in readers:
        t.start()
    try:
        run_dbt(logins.env, "postgres", logins.target_path, "run", "--select", "marts",
                extra_vars={"as_of_date": "2026-11-14"})
        time.sleep(1)
    finally:
        stop.set()
        for t in readers:
            t.join()
    new = totals(logins)
    try:
        assert errors == []
        assert any(old[n] != new[n] for n in READER_QUERIES)
        torn = [(n, v) for n, v in seen if v not in (old[n], new[n])]
        assert torn == [], f"half-built data seen: {torn[:5]}"
        assert len(seen) > 100
        assert max(waits) < 30, f"a reader waited {max(waits):.1f} s"
    finally:   # the session's warehouse goes back to the shared clock for the tests after this one
        run_dbt(logins.env, "postgres", logins.target_path, "run", "--select", "marts")
    assert totals(logins) == old


def test_a_long_reader_makes_the_swap_fail_fast_and_a_retry_succeeds(logins):
    with psycopg.connect(**{**pg_conninfo(logins.env["PGDATABASE"]), "user": PLATFORM_LOGIN}) as long_reader:
        long_reader.execute("select count(*) from marts.mrr_monthly").fetchall()   # open transaction holds a lock
        time.perf_counter()
        failed = run_dbt(logins.env, "postgres", logins.target_path, "run", "--select", "mrr_monthly",
                         check=False, extra_vars={"swap_lock_timeout": "2s"})
        assert failed.returncode != 0 and "lock timeout" in failed.stdout
        assert as_login(logins, PLATFORM_LOGIN, "select count(*) from marts.mrr_monthly")[0][0] > 0
        long_reader.rollback()
    retried = run_dbt(logins.env, "postgres", logins.target_path, "retry", check=False)
    assert retried.returncode == 0, retried.stdout[-2000:]


def test_the_dashboard_query_pack_runs_as_a_tenant_login(logins):
    """Every query of bi/queries runs under row-level security and returns rows for the tenant."""
    from datetime import timedelta
    from conftest import AS_OF, REPO
    params = {"tenant_id": "tn_001", "since_month": AS_OF.replace(day=1) - timedelta(days=365),
              "since_day": AS_OF - timedelta(days=30)}
    queries = sorted((REPO / "bi" / "queries").rglob("*.sql"))
    assert len(queries) == 16
    empty = []
    with psycopg.connect(**{**pg_conninfo(logins.env["PGDATABASE"]), "user": TENANT_LOGIN}) as con:
        for path in queries:
            if not con.execute(path.read_text(), params).fetchall():
                empty.append(path.name)
    assert empty == []


def test_exposures_declare_every_mart_their_dashboard_queries_read(tmp_path):
    import json
    import re
    from conftest import REPO, base_env
    run_dbt(base_env(tmp_path), "duckdb", tmp_path / "target", "parse")
    manifest = json.loads((tmp_path / "target" / "manifest.json").read_text())
    for exposure in manifest["exposures"].values():
        declared = {uid.split(".")[-1] for uid in exposure["depends_on"]["nodes"]}
        folder = REPO / "bi" / "queries" / exposure["name"].removesuffix("_dashboard")
        read = {m for p in folder.glob("*.sql") for m in re.findall(r"marts\.(\w+)", p.read_text())}
        assert read and read == declared, exposure["name"]
