"""Revenue marts against independent truths: the generator's ledger (MRR per tenant, customer and
month from its own event model) and identical results on DuckDB and Postgres (the month-close record
that keeps restatements visible: tests/test_month_close.py)."""
import pytest

from conftest import assert_engines_agree, AS_OF, Warehouse, query


def test_fct_mrr_equals_the_generator_ledger(warehouse: Warehouse):
    rows = query(warehouse, """
        with mart as (
            select tenant_id, customer_id, month, mrr from marts.fct_mrr where mrr > 0
        ),
        ledger as (
            select tenant_id, customer_id, month, mrr_usd from generator_ledger.mrr
        )
        select
            count(*),
            sum(case when abs(coalesce(mart.mrr, 0) - coalesce(ledger.mrr_usd, 0)) > 0.005 then 1 else 0 end),
            count(distinct coalesce(mart.tenant_id, ledger.tenant_id))
        from mart
        full outer join ledger
            on mart.tenant_id = ledger.tenant_id
            and mart.customer_id = ledger.customer_id
            and mart.month = ledger.month""")
    total, mismatched, tenants = rows[0]
    assert total > 1000 and tenants == 3
    assert mismatched == 0


def test_every_movement_occurs_in_generated_data(warehouse: Warehouse):
    movements = {r[0] for r in query(warehouse, "select distinct movement from marts.fct_mrr")}
    assert movements == {"new", "expansion", "contraction", "churn", "reactivation", "flat", "inactive"}


def test_segments_and_products_add_up_to_the_bridge(warehouse: Warehouse):
    off = query(warehouse, """
        with seg as (select tenant_id, month, sum(mrr) as mrr from marts.mrr_by_segment group by 1, 2),
             prod as (select tenant_id, month, sum(mrr) as mrr from marts.mrr_by_product group by 1, 2)
        select count(*) from marts.mrr_monthly m
        left join seg on m.tenant_id = seg.tenant_id and m.month = seg.month
        left join prod on m.tenant_id = prod.tenant_id and m.month = prod.month
        where abs(m.ending_mrr - coalesce(seg.mrr, 0)) > 0.0001
           or abs(m.ending_mrr - coalesce(prod.mrr, 0)) > 0.01""")
    assert off[0][0] == 0


REVENUE_MARTS = {
    "marts.fct_mrr": ("tenant_id, customer_id, month", "mrr, previous_mrr, movement, upsell_mrr, cross_sell_mrr"),
    "marts.mrr_monthly": ("tenant_id, month", "starting_mrr, new_mrr, expansion_mrr, reactivation_mrr, "
                          "contraction_mrr, churned_mrr, ending_mrr, active_customers, logo_churn_rate, "
                          "net_revenue_retention, trailing_12m_gross_revenue_retention, upsell_mrr, "
                          "cross_sell_mrr, retained_customers, onboarding_customers, logo_retention_rate, "
                          "expansion_rate"),
    "marts.mrr_by_segment": ("tenant_id, month, segment", "mrr, active_customers, arpa"),
    "marts.mrr_by_product": ("tenant_id, month, product_id", "mrr, paying_customers"),
    "marts.revenue_unit_economics": ("tenant_id, month", "arpa, ltv, cac, ltv_to_cac"),
    "marts.fct_customer_churn": ("tenant_id, customer_id, churn_month",
                                 "lost_mrr, tenure_months, segment, last_health_band"),
    "marts.cash_daily": ("tenant_id, day", "invoices_issued, invoiced_usd, collected_usd, refunded_usd, "
                         "failed_payments, failed_usd, recovered_payments, payment_recovery_rate"),
}


def test_cash_daily_counts_every_staged_invoice_and_payment_once(warehouse: Warehouse):
    """Recounted from staging, per tenant: issued invoices, succeeded and failed payments before the
    as-of date, and the collected amount in USD at the seed's rate of the payment's month. The
    generator only fails payments of invoices that end uncollectible, so none is ever recovered."""
    rows = query(warehouse, f"""
        with payments as (
            select p.tenant_id, p.status, p.amount * fx.rate_to_usd as amount_usd
            from staging.stg_billing__payments p
            inner join reference.fx_rates_monthly fx
                on p.currency = fx.currency_code
                and fx.month = cast(date_trunc('month', p.created_at) as date)
            where p.created_at < date '{AS_OF.isoformat()}'
        ),
        truth as (
            select tenant_id,
                   sum(case when status = 'succeeded' then 1 else 0 end) as collected,
                   sum(case when status = 'failed' then 1 else 0 end) as failed,
                   sum(case when status = 'succeeded' then amount_usd else 0 end) as collected_usd
            from payments group by tenant_id
        ),
        invoices as (
            select tenant_id, count(*) as issued from staging.stg_billing__invoices
            where status in ('open', 'paid', 'uncollectible') and created_at < date '{AS_OF.isoformat()}'
            group by tenant_id
        ),
        mart as (
            select tenant_id, sum(payments_collected) as collected, sum(failed_payments) as failed,
                   sum(collected_usd) as collected_usd, sum(invoices_issued) as issued,
                   sum(recovered_payments) as recovered
            from marts.cash_daily group by tenant_id
        )
        select truth.tenant_id, truth.collected, mart.collected, truth.failed, mart.failed,
               truth.collected_usd, mart.collected_usd, invoices.issued, mart.issued, mart.recovered
        from truth
        inner join invoices on truth.tenant_id = invoices.tenant_id
        left join mart on truth.tenant_id = mart.tenant_id
        order by truth.tenant_id""")
    assert len(rows) == 3
    for tenant, collected, m_collected, failed, m_failed, usd, m_usd, issued, m_issued, recovered in rows:
        assert (collected, failed, issued) == (m_collected, m_failed, m_issued), tenant
        assert collected > 100 and failed > 0
        assert abs(float(usd) - float(m_usd)) < 0.0001 * collected, tenant   # each payment rounds to 4 places
        assert recovered == 0


@pytest.mark.parametrize("relation", REVENUE_MARTS)
def test_duckdb_and_postgres_give_identical_revenue_marts(duckdb_warehouse, postgres_warehouse, relation):
    keys, values = REVENUE_MARTS[relation]
    assert_engines_agree(duckdb_warehouse, postgres_warehouse, relation, keys, values)
