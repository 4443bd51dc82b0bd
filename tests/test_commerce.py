"""Commerce marts: identical on DuckDB and Postgres, and consistent with independent recounts
from staging (paying customers, cohort sizes, funnel sessions)."""
import pytest

from conftest import AS_OF, assert_engines_agree, Warehouse, query


def test_every_paying_customer_gets_exactly_one_rfm_row(warehouse: Warehouse):
    """Recount paying customers straight from staged orders, not from fct_orders."""
    paying = query(warehouse, """
        select count(*) from (
            select distinct tenant_id, customer_id from staging.stg_commerce__orders
            where status in ('paid', 'fulfilled', 'partially_refunded', 'refunded')
              and placed_at is not null and customer_id is not null) p""")[0][0]
    rfm = query(warehouse, "select count(*), count(distinct customer_rfm_key) from marts.customer_rfm")[0]
    assert rfm[0] == rfm[1] == paying > 100


def test_cohort_month_zero_retains_the_whole_cohort(warehouse: Warehouse):
    bad = query(warehouse, """select count(*) from marts.cohort_retention
                              where month_number = 0 and retained_customers <> cohort_size""")[0][0]
    assert bad == 0
    sizes = query(warehouse, """
        select (select sum(cohort_size) from marts.cohort_retention where month_number = 0),
               (select count(*) from (
                    select tenant_id, customer_id, min(cast(placed_at as date)) as first_day
                    from staging.stg_commerce__orders
                    where status in ('paid', 'fulfilled', 'partially_refunded', 'refunded')
                      and customer_id is not null
                    group by 1, 2) c
                where first_day < date '2026-11-01')""")[0]
    assert int(sizes[0]) == int(sizes[1])


def test_funnel_sessions_match_a_recount_from_events(warehouse: Warehouse):
    mart = query(warehouse, """select sum(sessions), sum(purchase_sessions) from marts.web_funnel_daily""")[0]
    recount = query(warehouse, """
        select count(distinct tenant_id || '|' || session_id),
               count(distinct case when event_type = 'purchase' then tenant_id || '|' || session_id end)
        from staging.stg_commerce__web_events
        where session_id is not null""")[0]   # every generated session starts before the as-of date
    assert int(mart[0]) == int(recount[0]) and int(mart[1]) == int(recount[1])


COMMERCE_MARTS = {
    "marts.fct_orders": ("tenant_id, order_id", "is_paid, net_revenue_usd, gross_margin_usd, customer_type"),
    "marts.cohort_retention": ("tenant_id, cohort_month, month_number",
                               "cohort_size, retained_customers, retention_rate, cumulative_revenue_per_customer"),
    "marts.customer_rfm": ("tenant_id, customer_id", "recency_days, frequency, monetary, r_score, f_score, "
                           "m_score, segment"),
    "marts.web_funnel_daily": ("tenant_id, session_date, device, utm_source",
                               "sessions, add_to_cart_sessions, purchase_sessions, cart_abandonment_rate"),
    "marts.product_performance_monthly": ("tenant_id, month, product_id", "units, revenue_usd, return_rate"),
    "marts.basket_affinity": ("tenant_id, antecedent_product_id, consequent_product_id", "support, confidence, lift"),
    "marts.period_kpis": ("tenant_id, period_type, period_start", "revenue_usd, orders, conversion_rate, "
                          "revenue_growth, win_rate"),
    "marts.executive_kpis": ("tenant_id, month", "mrr, store_revenue_usd, leads, at_risk_mrr"),
    "marts.cac_by_channel_monthly": ("tenant_id, month, channel", "spend_usd, new_customers, cac_usd, "
                                     "payback_months, months_observed, gross_margin_to_date_usd, "
                                     "monthly_margin_per_customer_usd, margin_clv_usd, margin_payback_months"),
    "marts.store_operations_daily": ("tenant_id, day", "visitors, revenue_per_visitor_usd, orders_fulfilled, "
                                     "avg_fulfilment_hours, orders_awaiting_fulfilment"),
    "marts.product_conversion_monthly": ("tenant_id, month, product_id", "product_view_sessions, "
                                         "add_to_cart_sessions, purchase_sessions, product_page_conversion_rate"),
    "marts.repeat_customers_monthly": ("tenant_id, month", "ordering_customers, repeat_customers, "
                                       "repeat_customer_rate"),
}


def test_channel_cohort_margin_equals_a_recount_from_orders(warehouse: Warehouse):
    """The margin behind the margin CLV and payback: per tenant, cohort month (first paid order) and
    acquisition channel, the gross margin of the cohort's paid orders through the last complete month,
    recounted from fct_orders and staged customers; and the payback is CAC / (that margin / customers /
    months observed)."""
    rows = query(warehouse, """
        with firsts as (
            select tenant_id, customer_id, min(order_month) as cohort_month
            from marts.fct_orders where is_paid and customer_id is not null
            group by tenant_id, customer_id
        ),
        truth as (
            select f.tenant_id, f.cohort_month, coalesce(c.acquisition_channel, 'unknown') as channel,
                   sum(o.gross_margin_usd) as margin
            from firsts f
            inner join marts.fct_orders o on o.tenant_id = f.tenant_id and o.customer_id = f.customer_id
            left join staging.stg_commerce__customers c
                on c.tenant_id = f.tenant_id and c.customer_id = f.customer_id
            where o.is_paid and o.order_month < date '2026-11-01'
            group by f.tenant_id, f.cohort_month, coalesce(c.acquisition_channel, 'unknown')
        )
        select count(*),
               sum(case when abs(m.gross_margin_to_date_usd - coalesce(t.margin, 0)) < 0.01 then 1 else 0 end),
               sum(case when m.margin_payback_months is not null
                         and abs(m.margin_payback_months * m.gross_margin_to_date_usd
                                 - m.cac_usd * m.new_customers * m.months_observed)
                             <= 1e-4 * m.cac_usd * m.new_customers * m.months_observed
                        then 1 else 0 end),
               sum(case when m.margin_payback_months is not null then 1 else 0 end)
        from marts.cac_by_channel_monthly m
        left join truth t on t.tenant_id = m.tenant_id and t.cohort_month = m.month and t.channel = m.channel
        where m.months_observed is not null""")
    cohorts, matching, payback_ok, paybacks = rows[0]
    assert cohorts > 20 and matching == cohorts
    assert paybacks > 0 and payback_ok == paybacks


def test_store_operations_equal_a_recount_from_staging(warehouse: Warehouse):
    """Recounted from staged orders and events, per tenant: distinct visitors per day summed over the
    days, paid orders fulfilled before the as-of date with their average hours, and the backlog on the
    last day = paid orders never fulfilled that can still ship (status paid or partially_refunded)."""
    rows = query(warehouse, f"""
        with visitors as (
            select tenant_id, count(*) as visitor_days from (
                select distinct tenant_id, cast(occurred_at as date) as day, anonymous_id
                from staging.stg_commerce__web_events
                where anonymous_id is not null and occurred_at < date '{AS_OF.isoformat()}') v
            group by tenant_id
        ),
        orders as (
            select tenant_id,
                   sum(case when fulfilled_at < date '{AS_OF.isoformat()}' then 1 else 0 end) as fulfilled,
                   sum(case when fulfilled_at is null and status in ('paid', 'partially_refunded')
                            then 1 else 0 end) as waiting
            from staging.stg_commerce__orders
            where status in ('paid', 'fulfilled', 'partially_refunded', 'refunded') and placed_at is not null
            group by tenant_id
        ),
        mart as (
            select tenant_id, sum(visitors) as visitor_days, sum(orders_fulfilled) as fulfilled,
                   max(case when day = date '{AS_OF.isoformat()}' - 1 then orders_awaiting_fulfilment end)
                       as waiting
            from marts.store_operations_daily group by tenant_id
        )
        select visitors.tenant_id, visitors.visitor_days, mart.visitor_days, orders.fulfilled, mart.fulfilled,
               orders.waiting, mart.waiting
        from visitors
        inner join orders on visitors.tenant_id = orders.tenant_id
        left join mart on visitors.tenant_id = mart.tenant_id
        order by 1""")
    assert len(rows) == 3
    for tenant, visitors, m_visitors, fulfilled, m_fulfilled, waiting, m_waiting in rows:
        assert (visitors, fulfilled, waiting) == (m_visitors, m_fulfilled, m_waiting), tenant
        assert visitors > 100 and fulfilled > 100 and waiting > 0


def test_product_purchases_never_exceed_the_orders_holding_the_product(warehouse: Warehouse):
    """A product's purchase sessions in a month are at most the distinct orders holding it that a
    purchase event names, recounted from staging; and the store does sell through product pages."""
    over = query(warehouse, """
        with bought as (
            select e.tenant_id, i.product_id, count(distinct e.order_id) as orders
            from staging.stg_commerce__web_events e
            inner join staging.stg_commerce__order_items i
                on e.tenant_id = i.tenant_id and e.order_id = i.order_id
            where e.event_type = 'purchase'
            group by 1, 2
        ),
        mart as (
            select tenant_id, product_id, sum(purchase_sessions) as purchases
            from marts.product_conversion_monthly group by 1, 2
        )
        select count(*), sum(case when mart.purchases > coalesce(bought.orders, 0) then 1 else 0 end),
               sum(mart.purchases)
        from mart left join bought on mart.tenant_id = bought.tenant_id and mart.product_id = bought.product_id""")
    products, exceeding, purchases = over[0]
    assert products > 10 and exceeding == 0 and purchases > 100


@pytest.mark.parametrize("relation", COMMERCE_MARTS)
def test_duckdb_and_postgres_give_identical_commerce_marts(duckdb_warehouse, postgres_warehouse, relation):
    keys, values = COMMERCE_MARTS[relation]
    assert_engines_agree(duckdb_warehouse, postgres_warehouse, relation, keys, values)
