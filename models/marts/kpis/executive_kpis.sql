{#- The executive dashboard, one row per tenant and month: subscription
    revenue (MRR, ARR, growth, NRR, churn, unit economics), store revenue
    (revenue, orders, AOV, conversion, growth), sales (leads, win rate,
    pipeline) and customer health. Every figure is read from its own mart. -#}
with

mrr_monthly as (select * from {{ ref('mrr_monthly') }}),

unit_economics as (select * from {{ ref('revenue_unit_economics') }}),

kpis as (select * from {{ ref('period_kpis') }}),

pipeline as (select * from {{ ref('sales_pipeline_monthly') }}),

health as (select * from {{ ref('customer_health_monthly') }}),

monthly_kpis as (
    select *
    from kpis
    where period_type = 'month'
),

pipeline_by_month as (
    select
        tenant_id,
        month,
        sum(open_pipeline_usd) as open_pipeline_usd,
        sum(weighted_pipeline_usd) as weighted_pipeline_usd
    from pipeline
    group by tenant_id, month
),

keys as (
    select
        tenant_id,
        month
    from mrr_monthly
    union distinct
    select
        tenant_id,
        period_start as month
    from monthly_kpis
),

final as (
    select
        {{ surrogate_key(['keys.tenant_id', 'keys.month']) }} as tenant_month_key,
        keys.tenant_id,
        keys.month,
        -- a month with no row in a domain's mart had none of it: 0, not null (rates stay null)
        {{ as_money('coalesce(mrr_monthly.ending_mrr, 0)') }} as mrr,
        {{ as_money('coalesce(mrr_monthly.arr, 0)') }} as arr,
        {{ as_money('coalesce(mrr_monthly.net_new_mrr, 0)') }} as net_new_mrr,
        -- the parts of each rate, so a BI tool rolls months up as sum / sum (docs/periods.md)
        {{ as_money('coalesce(mrr_monthly.starting_mrr, 0)') }} as starting_mrr,
        {{ as_money('coalesce(mrr_monthly.expansion_mrr, 0)') }} as expansion_mrr,
        {{ as_money('coalesce(mrr_monthly.contraction_mrr, 0)') }} as contraction_mrr,
        {{ as_money('coalesce(mrr_monthly.churned_mrr, 0)') }} as churned_mrr,
        mrr_monthly.mrr_growth_rate,
        coalesce(mrr_monthly.starting_customers, 0) as starting_subscription_customers,
        coalesce(mrr_monthly.churned_customers, 0) as churned_subscription_customers,
        coalesce(mrr_monthly.active_customers, 0) as subscription_customers,
        coalesce(mrr_monthly.new_customers, 0) as new_subscription_customers,
        mrr_monthly.logo_churn_rate,
        mrr_monthly.net_revenue_retention,
        mrr_monthly.trailing_12m_net_revenue_retention,
        unit_economics.arpa,
        {{ as_money('coalesce(unit_economics.marketing_spend_usd, 0)') }} as marketing_spend_usd,
        unit_economics.ltv,
        unit_economics.cac,
        unit_economics.ltv_to_cac,
        {{ as_money('coalesce(monthly_kpis.revenue_usd, 0)') }} as store_revenue_usd,
        monthly_kpis.revenue_growth as store_revenue_growth,
        coalesce(monthly_kpis.orders, 0) as store_orders,
        monthly_kpis.average_order_value_usd,
        coalesce(monthly_kpis.new_customers, 0) as new_store_customers,
        coalesce(monthly_kpis.sessions, 0) as sessions,
        coalesce(monthly_kpis.purchase_sessions, 0) as purchase_sessions,
        monthly_kpis.conversion_rate,
        coalesce(monthly_kpis.leads, 0) as leads,
        monthly_kpis.leads_growth,
        coalesce(monthly_kpis.deals_won, 0) as deals_won,
        coalesce(monthly_kpis.deals_lost, 0) as deals_lost,
        monthly_kpis.win_rate,
        {{ as_money('coalesce(pipeline_by_month.open_pipeline_usd, 0)') }} as open_pipeline_usd,
        {{ as_money('coalesce(pipeline_by_month.weighted_pipeline_usd, 0)') }} as weighted_pipeline_usd,
        coalesce(health.at_risk_accounts + health.critical_accounts, 0) as at_risk_accounts,
        {{ as_money('coalesce(health.at_risk_mrr, 0)') }} as at_risk_mrr
    from keys
    left join mrr_monthly
        on keys.tenant_id = mrr_monthly.tenant_id
        and keys.month = mrr_monthly.month
    left join unit_economics
        on keys.tenant_id = unit_economics.tenant_id
        and keys.month = unit_economics.month
    left join monthly_kpis
        on keys.tenant_id = monthly_kpis.tenant_id
        and keys.month = monthly_kpis.period_start
    left join pipeline_by_month
        on keys.tenant_id = pipeline_by_month.tenant_id
        and keys.month = pipeline_by_month.month
    left join health
        on keys.tenant_id = health.tenant_id
        and keys.month = health.month
)

select * from final
