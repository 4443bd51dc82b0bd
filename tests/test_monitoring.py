"""The alert rules of marts.metric_anomalies_daily on demo-like data: alerts are rare on ordinary days,
and a drop planted in a copy of the same warehouse is flagged.

The rules themselves are proven by hand-worked dbt unit tests (models/marts/monitoring/
_monitoring__unit_tests.yml); here they meet three years of generated, Poisson-noisy days."""
import shutil
from datetime import date, timedelta

import duckdb
import pytest

from conftest import REPO, Warehouse, duck_query, run_dbt

MAX_ALERT_RATE = 0.05             # alerts on at most a few per cent of days, per tenant
DROP_DAYS = 10                    # the planted drops' length
EARLIEST_DROP = date(2026, 3, 1)  # after the holiday season's January dip (conftest's AS_OF is 2026-11-21)
QUIET_MARGIN = 14                 # days around a planted drop with no alert in the original data
HALVED_TENANT = "tn_002"          # the demo's busiest tenant: half its orders and revenue lost
OUTAGE_TENANT = "tn_003"          # the quietest: no order at all (a broken checkout)


def _days(start: date, n: int) -> list[date]:
    return [start + timedelta(days=i) for i in range(n)]


def _fired(rows) -> dict[tuple[str, date], bool]:
    return {(tenant, day): fired for tenant, day, fired in rows}


ANOMALIES_SQL = "select tenant_id, day, is_anomalous from marts.metric_anomalies_daily"


def test_alerts_fire_on_a_few_per_cent_of_days_per_tenant(duckdb_warehouse):
    rows = duck_query(duckdb_warehouse, """
        select tenant_id, count(*), count(*) filter (where is_anomalous)
        from marts.metric_anomalies_daily
        where trailing_days = 28            -- the days the rules judge
        group by tenant_id order by tenant_id""")
    assert len(rows) == 3 and all(judged > 700 for _, judged, _ in rows)
    rates = {tenant: fired / judged for tenant, judged, fired in rows}
    assert all(rate <= MAX_ALERT_RATE for rate in rates.values()), rates


def _quiet_start(original: dict[tuple[str, date], bool], tenant: str) -> date:
    """The first day from EARLIEST_DROP on such that the original data alerts on no day from
    QUIET_MARGIN days before a drop starting then to QUIET_MARGIN days after it ends: whatever
    fires there in the copy, the plant caused."""
    days = sorted(d for t, d in original if t == tenant)
    for start in (d for d in days if d >= EARLIEST_DROP):
        span = _days(start - timedelta(days=QUIET_MARGIN), DROP_DAYS + 2 * QUIET_MARGIN)
        if span[-1] <= days[-1] and not any(original.get((tenant, d), True) for d in span):
            return start
    raise AssertionError(f"no quiet {DROP_DAYS}-day span for {tenant} after {EARLIEST_DROP}")


@pytest.fixture(scope="module")
def planted_drop(duckdb_warehouse, tmp_path_factory) -> tuple[Warehouse, dict[str, date]]:
    """A copy of the session's DuckDB warehouse in which period_kpis (the model's only input) loses
    half of HALVED_TENANT's orders and revenue, and all of OUTAGE_TENANT's, for DROP_DAYS quiet days
    (_quiet_start); metric_anomalies_daily is rebuilt on the copy. Returns it and the drops' starts."""
    original = _fired(duck_query(duckdb_warehouse, ANOMALIES_SQL))
    starts = {tenant: _quiet_start(original, tenant) for tenant in (HALVED_TENANT, OUTAGE_TENANT)}
    tmp = tmp_path_factory.mktemp("planted_drop")
    copy = tmp / "warehouse.duckdb"
    shutil.copy(duckdb_warehouse.env["DBT_DUCKDB_PATH"], copy)
    con = duckdb.connect(str(copy))
    try:
        for tenant, kept in ((HALVED_TENANT, 0.5), (OUTAGE_TENANT, 0.0)):
            # orders are lost whole and a kept count rounds up: the planted drop is at most the share
            con.execute("""
                update marts.period_kpis
                set revenue_usd = revenue_usd * ?, orders = cast(ceil(orders * ?) as integer)
                where period_type = 'day' and tenant_id = ? and period_start between ? and ?""",
                        [kept, kept, tenant, starts[tenant], starts[tenant] + timedelta(days=DROP_DAYS - 1)])
    finally:
        con.close()
    env = {**duckdb_warehouse.env, "DBT_DUCKDB_PATH": str(copy)}
    build = run_dbt(env, "duckdb", tmp / "target", "run", "--select", "metric_anomalies_daily")
    return Warehouse("duckdb", env, tmp / "target", build), starts


@pytest.mark.parametrize("tenant", [HALVED_TENANT, OUTAGE_TENANT])
def test_a_planted_drop_is_flagged_within_its_days(planted_drop, tenant):
    copy, starts = planted_drop
    planted = _fired(duck_query(copy, ANOMALIES_SQL))
    fired_on = [d for d in _days(starts[tenant], DROP_DAYS) if planted[(tenant, d)]]
    assert fired_on, f"{tenant}'s drop from {starts[tenant]} did not alert"


def test_a_planted_drop_leaves_other_tenants_alone(duckdb_warehouse, planted_drop):
    original, planted = _fired(duck_query(duckdb_warehouse, ANOMALIES_SQL)), _fired(duck_query(planted_drop[0],
                                                                                             ANOMALIES_SQL))
    others = {k: v for k, v in original.items() if k[0] not in (HALVED_TENANT, OUTAGE_TENANT)}
    assert others and all(planted[k] == v for k, v in others.items())


def test_the_dagster_check_words_every_rule_of_the_model():
    """The anomaly check alerts on the model's flags by name: every rule column the YAML documents,
    and nothing else."""
    import yaml
    from orchestration.dagster_defs.monitoring import RULES
    doc = yaml.safe_load((REPO / "models" / "marts" / "monitoring" / "_monitoring__models.yml").read_text())
    columns = {c["name"] for c in doc["models"][0]["columns"]}
    assert set(RULES) == {c for c in columns if c.startswith("is_")} - {"is_anomalous"}
