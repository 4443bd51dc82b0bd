"""The churn marts as one Python asset step (orchestration/churn): it reads the built
`marts.customer_churn_features_monthly` and `marts.revenue_unit_economics`, writes
`marts.customer_churn_risk` and `marts.churn_model_evaluation`, then checks what it wrote.

Checks: probabilities within 0-1 and one row per customer with MRR in the latest cut-off month
(blocking), the evaluation present for every scored tenant (blocking), and "High Churn Risk": a
warning, sent to the alert sink with the customers, when any probability is above HIGH_RISK.
It runs in the daily build after the dbt marts it reads, with the run's as-of date, in the writer pool."""
from pathlib import Path

import dagster as dg

from orchestration.churn.run import ALL_TENANTS, EVALUATION, HIGH_RISK, PRIMARY_KEYS, RISK, SCORED, run_churn_risk
from orchestration.dagster_defs import settings
from orchestration.dagster_defs.alerts import send_alert
from orchestration.dagster_defs.dbt_assets import MART_FRESHNESS
from orchestration.dagster_defs.mart_rules import check_rules, duplicate_keys_sql
from orchestration.dagster_defs.warehouse import WarehouseResource

READS = ("customer_churn_features_monthly", "revenue_unit_economics")
KEYS = {table: dg.AssetKey(["marts", table]) for table in (RISK, EVALUATION)}
DESCRIPTIONS = {
    RISK: "Per tenant and billing customer with MRR in the latest complete month: the probability of churning "
          "the next month, its risk band, the three features that raise it most, and lifetime value (sBG).",
    EVALUATION: "The churn model on held-out later months, per tenant and over all: ROC AUC, PR AUC, Brier score, "
                "churn rate, the health-band baseline and the lift over it, calibration by decile, sBG parameters.",
}
CHECKS = {RISK: "probabilities_in_range_one_row_per_active_customer", EVALUATION: "evaluation_present_per_tenant"}
HIGH_RISK_CHECK = "no_high_churn_risk"


def _duplicate_keys_sql(table: str) -> str:
    return duplicate_keys_sql(table, PRIMARY_KEYS[table])


# the customers that must be scored: those with MRR in each tenant's latest cut-off month
_LATEST_FEATURES = ("select f.tenant_id, f.customer_id from marts.customer_churn_features_monthly as f "
                    "where f.cutoff_month = (select max(l.cutoff_month) from marts.customer_churn_features_monthly "
                    "as l where l.tenant_id = f.tenant_id)")

# per table: (what a failure means, a query counting the offending rows or groups)
RULES = {
    RISK: [
        ("duplicate keys", _duplicate_keys_sql(RISK)),
        ("probabilities outside 0-1 or missing", f"select count(*) from marts.{RISK} "
         "where churn_probability is null or churn_probability < 0 or churn_probability > 1"),
        ("active customers not scored", f"select count(*) from ({_LATEST_FEATURES}) as a where not exists "
         f"(select 1 from marts.{RISK} as r where r.tenant_id = a.tenant_id and r.customer_id = a.customer_id)"),
        ("scored customers not active in the latest cut-off month", f"select count(*) from marts.{RISK} as r "
         f"where not exists (select 1 from ({_LATEST_FEATURES}) as a where a.tenant_id = r.tenant_id "
         "and a.customer_id = r.customer_id)"),
    ],
    EVALUATION: [
        ("duplicate keys", _duplicate_keys_sql(EVALUATION)),
        ("scored tenants without a held-out ROC AUC", f"select count(*) from (select distinct tenant_id "
         f"from marts.{RISK}) as t where not exists (select 1 from marts.{EVALUATION} as e where "
         f"e.tenant_id = t.tenant_id and e.metric = 'roc_auc' and e.horizon_months = {SCORED.months})"),
        ("no evaluation over all tenants", f"select case when exists (select 1 from marts.{EVALUATION} where "
         f"tenant_id = '{ALL_TENANTS}' and metric = 'roc_auc' and value is not null) then 0 else 1 end"),
    ],
}


def check_churn_marts(warehouse: WarehouseResource) -> list[dg.AssetCheckResult]:
    return check_rules(warehouse, RULES, KEYS, CHECKS)


def high_churn_risk(warehouse: WarehouseResource, as_of_date: str) -> dg.AssetCheckResult:
    """"High Churn Risk": every customer whose probability is above HIGH_RISK, as a warning (news for
    account managers, not broken data) and one alert listing them."""
    rows = warehouse.query(
        f"select tenant_id, customer_id, churn_probability, mrr, driver_1, driver_2, driver_3 from marts.{RISK} "
        f"where churn_probability > {HIGH_RISK} order by tenant_id, churn_probability desc, customer_id")
    customers = [{"tenant_id": t, "customer_id": c, "churn_probability": round(float(p), 4), "mrr": float(m),
                  "drivers": [d for d in (d1, d2, d3) if d]} for t, c, p, m, d1, d2, d3 in rows]
    if customers:
        send_alert("high_churn_risk", f"High Churn Risk: {len(customers)} customer(s) with a churn probability "
                                      f"above {HIGH_RISK}", as_of_date=as_of_date, customers=customers)
    return dg.AssetCheckResult(
        asset_key=KEYS[RISK], check_name=HIGH_RISK_CHECK, passed=not customers, severity=dg.AssetCheckSeverity.WARN,
        description="; ".join(f"{c['tenant_id']} {c['customer_id']}: {c['churn_probability']:.2f}"
                              for c in customers) or f"no customer above {HIGH_RISK}",
        metadata={"customers": dg.MetadataValue.json(customers),
                  "high_risk_customers": dg.MetadataValue.int(len(customers))})


@dg.multi_asset(
    name="customer_churn_risk", pool="warehouse_writer",
    specs=[dg.AssetSpec(key, group_name="marts_churn", owners=["team:data-platform"], kinds={"python"},
                        deps=[dg.AssetKey(["marts", name]) for name in READS], description=DESCRIPTIONS[table],
                        freshness_policy=MART_FRESHNESS)
           for table, key in KEYS.items()],
    check_specs=[*(dg.AssetCheckSpec(CHECKS[table], asset=key, description=" / ".join(w for w, _ in RULES[table]))
                   for table, key in KEYS.items()),
                 dg.AssetCheckSpec(HIGH_RISK_CHECK, asset=KEYS[RISK],
                                   description=f"Warns and alerts (High Churn Risk) when a customer's churn "
                                               f"probability is above {HIGH_RISK}, listing them.")])
def customer_churn_risk(context: dg.AssetExecutionContext, warehouse: WarehouseResource):
    as_of = settings.run_as_of_date(context)
    run = run_churn_risk(warehouse.target, as_of, duckdb_path=Path(warehouse.duckdb_path or settings.duckdb_path()),
                         progress=context.log.info)
    for table, key in KEYS.items():
        yield dg.MaterializeResult(asset_key=key, metadata={
            "as_of_date": dg.MetadataValue.text(as_of.isoformat()),
            "dagster/row_count": dg.MetadataValue.int(len(run.rows(table))),
            "summary": dg.MetadataValue.md("\n\n".join(t.line for t in run.tenants))})
    yield from check_churn_marts(warehouse)
    yield high_churn_risk(warehouse, as_of.isoformat())
