"""Sales, funnel and customer marts against independent truths: the generator ledger's funnel
stage counts, one row per customer with no orphans, and identical results on both engines."""
import pytest

from conftest import assert_engines_agree, Warehouse, query


def test_funnel_stage_counts_equal_the_generator_ledger(warehouse: Warehouse):
    rows = query(warehouse, """
        select count(*),
               sum(case when m.leads = l.leads and m.contacted = l.contacted and m.qualified = l.qualified
                         and m.proposal = l.proposal and m.won = l.won and m.customer = l.customer
                        then 0 else 1 end),
               sum(l.customer)
        from marts.sales_funnel m
        full outer join generator_ledger.funnel l
            on m.tenant_id = l.tenant_id and m.cohort_month = l.cohort_month and m.lead_source = l.lead_source""")
    cells, mismatched, customers = rows[0]
    assert cells > 100 and customers > 0
    assert mismatched == 0


def test_funnel_totals_per_tenant_equal_the_ledger(warehouse: Warehouse):
    sql = """select tenant_id, sum(leads), sum(contacted), sum(qualified), sum(proposal), sum(won), sum(customer)
             from {} group by 1 order by 1"""
    mart = [tuple(int(v) if not isinstance(v, str) else v for v in r)
            for r in query(warehouse, sql.format("marts.sales_funnel"))]
    ledger = [tuple(int(v) if not isinstance(v, str) else v for v in r)
              for r in query(warehouse, sql.format("generator_ledger.funnel"))]
    assert mart == ledger and len(mart) == 3


def test_dim_customers_has_one_row_per_customer_and_no_orphans(warehouse: Warehouse):
    dupes = query(warehouse, """select count(*) from (select tenant_id, customer_id from marts.dim_customers
                                where customer_id is not null group by 1, 2 having count(*) > 1) d""")[0][0]
    assert dupes == 0
    billing = query(warehouse, "select count(*) from staging.stg_billing__customers")[0][0]
    in_dim = query(warehouse, "select count(*) from marts.dim_customers where customer_id is not null")[0][0]
    assert billing == in_dim
    for child, column in [("marts.fct_mrr", "customer_id"), ("marts.fct_customer_churn", "customer_id"),
                          ("marts.fct_leads", "customer_id")]:
        orphans = query(warehouse, f"""
            select count(*) from {child} c
            where c.{column} is not null and not exists (
                select 1 from marts.dim_customers d where d.tenant_id = c.tenant_id and d.customer_id = c.{column})""")
        assert orphans[0][0] == 0, child
    current = query(warehouse, """
        select (select sum(current_mrr) from marts.dim_customers),
               (select sum(ending_mrr) from marts.mrr_monthly
                where month = (select max(month) from marts.mrr_monthly))""")[0]
    assert abs(float(current[0]) - float(current[1])) < 0.01



def test_onboarding_customers_equal_a_recount_from_staging(warehouse: Warehouse):
    """Every month of mrr_monthly: the customers (billing customers, and accounts without one) whose
    account's first closed-won opportunity closed by the month's end and who had no MRR in the month
    or before, recounted from staged opportunities, customers and accounts and fct_mrr's paid months."""
    rows = query(warehouse, """
        with wins as (
            select tenant_id, account_id, min(closed_at) as won_at
            from staging.stg_crm__opportunities
            where stage = 'closed_won' and account_id is not null
            group by tenant_id, account_id
        ),
        first_paid as (
            select tenant_id, customer_id, min(month) as first_month
            from marts.fct_mrr where mrr > 0 group by tenant_id, customer_id
        ),
        entities as (
            select tenant_id, customer_id, crm_account_id as account_id from staging.stg_billing__customers
            union all
            select a.tenant_id, null, a.account_id from staging.stg_crm__accounts a
            where not exists (select 1 from staging.stg_billing__customers c
                              where c.tenant_id = a.tenant_id and c.crm_account_id = a.account_id)
        ),
        truth as (
            select m.tenant_id, m.month, count(e.tenant_id) as onboarding
            from marts.mrr_monthly m
            left join wins w on w.tenant_id = m.tenant_id and w.won_at < m.month + interval '1 month'
            left join entities e on e.tenant_id = w.tenant_id and e.account_id = w.account_id
                and not exists (select 1 from first_paid p where p.tenant_id = e.tenant_id
                                and p.customer_id = e.customer_id and p.first_month <= m.month)
            group by m.tenant_id, m.month
        )
        select count(*), sum(case when m.onboarding_customers = t.onboarding then 1 else 0 end),
               sum(t.onboarding)
        from marts.mrr_monthly m
        inner join truth t on t.tenant_id = m.tenant_id and t.month = m.month""")
    months, matching, onboarding = rows[0]
    assert months > 30 and matching == months
    assert onboarding > 0


def test_subscription_cohorts_equal_a_recount_from_fct_mrr(warehouse: Warehouse):
    """Each cohort cell's paying customers and MRR, recounted from fct_mrr: cohort = a customer's first
    month with MRR; every customer-month with MRR lands in exactly one cell (returns included)."""
    rows = query(warehouse, """
        with firsts as (
            select tenant_id, customer_id, min(month) as cohort_month
            from marts.fct_mrr where mrr > 0 group by tenant_id, customer_id
        ),
        truth as (
            select f.tenant_id, f.cohort_month, m.month, count(*) as active, sum(m.mrr) as mrr
            from firsts f
            inner join marts.fct_mrr m on m.tenant_id = f.tenant_id and m.customer_id = f.customer_id
            where m.mrr > 0
            group by f.tenant_id, f.cohort_month, m.month
        ),
        cells as (
            select * from marts.subscription_cohort_retention where active_customers > 0
        )
        select count(*),
               sum(case when c.active_customers = t.active and abs(c.mrr - t.mrr) < 0.01 then 1 else 0 end),
               (select count(*) from marts.subscription_cohort_retention
                where month_number = 0 and active_customers <> cohort_size)
        from cells c
        full outer join truth t
            on t.tenant_id = c.tenant_id and t.cohort_month = c.cohort_month and t.month = c.activity_month""")
    cells, matching, month0_off = rows[0]
    assert cells > 100 and matching == cells
    assert month0_off == 0


SALES_MARTS = {
    "marts.fct_leads": ("tenant_id, lead_id", "is_contacted, is_qualified, has_proposal, is_won, is_customer, "
                        "hours_to_first_contact, days_lead_to_won, customer_id"),
    "marts.sales_funnel": ("tenant_id, cohort_month, lead_source", "leads, won, customer, qualified_rate"),
    "marts.fct_opportunities": ("tenant_id, opportunity_id", "amount_usd, weighted_amount_usd, sales_cycle_days"),
    "marts.sales_pipeline_monthly": ("tenant_id, month, opportunity_type",
                                     "open_pipeline_usd, weighted_pipeline_usd, win_rate_by_count"),
    "marts.pipeline_history": ("tenant_id, month, stage", "history_source, open_opportunities, open_pipeline_usd, "
                               "weighted_pipeline_usd"),
    "marts.sales_rep_performance_monthly": ("tenant_id, user_id, month",
                                            "leads_worked, activities, won_amount_usd, median_sales_cycle_days"),
    "marts.dim_customers": ("tenant_id, customer_key", "lifecycle_stage, current_mrr, lifetime_revenue, "
                            "commerce_customer_id, latest_health_band"),
    "marts.subscription_cohort_retention": ("tenant_id, cohort_month, month_number",
                                            "cohort_size, active_customers, retention_rate, cohort_starting_mrr, "
                                            "mrr, mrr_retention_rate"),
    "marts.customer_health_monthly": ("tenant_id, month", "healthy_accounts, at_risk_mrr, average_health_score"),
    "marts.renewals_quarterly": ("tenant_id, quarter, plan_term", "renewals_due, renewed, renewal_rate"),
}


@pytest.mark.parametrize("grain", ["month", "quarter", "year"])
def test_period_kpis_sales_figures_equal_a_recount_from_staging(warehouse: Warehouse, grain: str):
    """Month, quarter and year rows of period_kpis against staging: leads created, of them qualified
    (qualified_at set or an opportunity, which implies it), their scores, opportunities created, deals
    won, and every lead created up to the period's last day (leads_to_date)."""
    off = query(warehouse, f"""
        with lead_truth as (
            select l.tenant_id, cast(date_trunc('{grain}', l.created_at) as date) as period_start,
                   count(*) as leads,
                   sum(case when l.qualified_at is not null
                                 or exists (select 1 from staging.stg_crm__opportunities o
                                            where o.tenant_id = l.tenant_id and o.lead_id = l.lead_id)
                            then 1 else 0 end) as qualified,
                   sum(l.lead_score) as score_sum, count(l.lead_score) as scored
            from staging.stg_crm__leads l group by 1, 2
        ),
        proposal_truth as (
            select tenant_id, cast(date_trunc('{grain}', created_at) as date) as period_start,
                   count(*) as proposals
            from staging.stg_crm__opportunities group by 1, 2
        ),
        won_truth as (
            select tenant_id, cast(date_trunc('{grain}', closed_at) as date) as period_start, count(*) as won
            from staging.stg_crm__opportunities where stage = 'closed_won' group by 1, 2
        ),
        to_date_truth as (
            select k.tenant_id, k.period_start, count(l.lead_id) as leads_to_date
            from marts.period_kpis k
            left join staging.stg_crm__leads l
                on k.tenant_id = l.tenant_id and cast(l.created_at as date) <= k.period_end
            where k.period_type = '{grain}'
            group by 1, 2
        )
        select count(*),
               sum(case when k.leads = coalesce(l.leads, 0) and k.qualified_leads = coalesce(l.qualified, 0)
                         and k.lead_score_sum = coalesce(l.score_sum, 0) and k.scored_leads = coalesce(l.scored, 0)
                         and k.proposals_created = coalesce(p.proposals, 0) and k.deals_won = coalesce(w.won, 0)
                         and k.leads_to_date = t.leads_to_date
                        then 1 else 0 end),
               sum(k.qualified_leads), sum(k.proposals_created)
        from marts.period_kpis k
        left join lead_truth l on k.tenant_id = l.tenant_id and k.period_start = l.period_start
        left join proposal_truth p on k.tenant_id = p.tenant_id and k.period_start = p.period_start
        left join won_truth w on k.tenant_id = w.tenant_id and k.period_start = w.period_start
        inner join to_date_truth t on k.tenant_id = t.tenant_id and k.period_start = t.period_start
        where k.period_type = '{grain}'""")
    periods, matching, qualified, proposals = off[0]
    assert periods >= {"month": 30, "quarter": 9, "year": 3}[grain] and matching == periods
    assert qualified > 0 and proposals > 0


@pytest.mark.parametrize("relation", SALES_MARTS)
def test_duckdb_and_postgres_give_identical_sales_and_customer_marts(duckdb_warehouse, postgres_warehouse,
                                                                     relation):
    keys, values = SALES_MARTS[relation]
    assert_engines_agree(duckdb_warehouse, postgres_warehouse, relation, keys, values)
