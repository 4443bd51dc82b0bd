{#- A metric shown by several marts shows one value per tenant and month.
    Each is held to the mart that owns it:
    - win rate (and won / lost counts): sales_pipeline_monthly summed over
      opportunity types; sales_rep_performance_monthly summed over reps, and
      the win_rate that period_kpis (months) and executive_kpis publish;
    - MRR: mrr_monthly.ending_mrr; fct_mrr and mrr_by_segment summed, and the
      mrr of executive_kpis and period_kpis (months);
    - net store revenue: fct_orders' paid orders summed by order month; the
      revenue of period_kpis (months) and executive_kpis.
    Returns one row per disagreement: the metric, the mart that shows it, the
    tenant and month, the value shown and the owner's value. Money may differ
    by less than a cent (rounded parts summed), a rate by rounding error. -#}
with

pipeline as (select * from {{ ref('sales_pipeline_monthly') }}),

reps as (select * from {{ ref('sales_rep_performance_monthly') }}),

period_kpis as (select * from {{ ref('period_kpis') }}),

executive_kpis as (select * from {{ ref('executive_kpis') }}),

mrr_monthly as (select * from {{ ref('mrr_monthly') }}),

fct_mrr as (select * from {{ ref('fct_mrr') }}),

mrr_by_segment as (select * from {{ ref('mrr_by_segment') }}),

orders as (select * from {{ ref('fct_orders') }}),

monthly_kpis as (
    select *
    from period_kpis
    where period_type = 'month'
),

pipeline_deals as (
    select
        tenant_id,
        month,
        sum(won_opportunities) as won,
        sum(lost_opportunities) as lost
    from pipeline
    group by tenant_id, month
),

rep_deals as (
    select
        tenant_id,
        month,
        sum(deals_won) as won,
        sum(deals_lost) as lost
    from reps
    group by tenant_id, month
),

deal_months as (
    select
        tenant_id,
        month
    from pipeline_deals
    union distinct
    select
        tenant_id,
        month
    from rep_deals
),

fct_mrr_by_month as (
    select
        tenant_id,
        month,
        sum(mrr) as mrr
    from fct_mrr
    group by tenant_id, month
),

segment_mrr_by_month as (
    select
        tenant_id,
        month,
        sum(mrr) as mrr
    from mrr_by_segment
    group by tenant_id, month
),

net_revenue_by_month as (
    select
        tenant_id,
        order_month as month,
        sum(net_revenue_usd) as net_revenue_usd
    from orders
    where is_paid
    group by tenant_id, order_month
),

compared as (
    -- won and lost deals: the reps' months against the pipeline's, both ways
    select
        'deals_won' as metric,
        'sales_rep_performance_monthly' as mart,
        deal_months.tenant_id,
        deal_months.month,
        cast(coalesce(rep_deals.won, 0) as {{ type_double() }}) as shown,
        cast(coalesce(pipeline_deals.won, 0) as {{ type_double() }}) as owned,
        0 as tolerance
    from deal_months
    left join rep_deals
        on deal_months.tenant_id = rep_deals.tenant_id
        and deal_months.month = rep_deals.month
    left join pipeline_deals
        on deal_months.tenant_id = pipeline_deals.tenant_id
        and deal_months.month = pipeline_deals.month
    union all
    select
        'deals_lost',
        'sales_rep_performance_monthly',
        deal_months.tenant_id,
        deal_months.month,
        cast(coalesce(rep_deals.lost, 0) as {{ type_double() }}),
        cast(coalesce(pipeline_deals.lost, 0) as {{ type_double() }}),
        0
    from deal_months
    left join rep_deals
        on deal_months.tenant_id = rep_deals.tenant_id
        and deal_months.month = rep_deals.month
    left join pipeline_deals
        on deal_months.tenant_id = pipeline_deals.tenant_id
        and deal_months.month = pipeline_deals.month
    union all
    select
        'win_rate',
        'period_kpis',
        monthly_kpis.tenant_id,
        monthly_kpis.period_start,
        monthly_kpis.win_rate,
        {{ win_rate('pipeline_deals.won', 'pipeline_deals.lost') }},
        0.000000001
    from monthly_kpis
    left join pipeline_deals
        on monthly_kpis.tenant_id = pipeline_deals.tenant_id
        and monthly_kpis.period_start = pipeline_deals.month
    union all
    select
        'win_rate',
        'executive_kpis',
        executive_kpis.tenant_id,
        executive_kpis.month,
        executive_kpis.win_rate,
        {{ win_rate('pipeline_deals.won', 'pipeline_deals.lost') }},
        0.000000001
    from executive_kpis
    inner join monthly_kpis
        on executive_kpis.tenant_id = monthly_kpis.tenant_id
        and executive_kpis.month = monthly_kpis.period_start
    left join pipeline_deals
        on executive_kpis.tenant_id = pipeline_deals.tenant_id
        and executive_kpis.month = pipeline_deals.month
    union all
    -- MRR: every mart that shows it against mrr_monthly's ending MRR
    select
        'mrr',
        'fct_mrr',
        mrr_monthly.tenant_id,
        mrr_monthly.month,
        cast(coalesce(fct_mrr_by_month.mrr, 0) as {{ type_double() }}),
        cast(mrr_monthly.ending_mrr as {{ type_double() }}),
        0.01
    from mrr_monthly
    left join fct_mrr_by_month
        on mrr_monthly.tenant_id = fct_mrr_by_month.tenant_id
        and mrr_monthly.month = fct_mrr_by_month.month
    union all
    select
        'mrr',
        'mrr_by_segment',
        mrr_monthly.tenant_id,
        mrr_monthly.month,
        cast(coalesce(segment_mrr_by_month.mrr, 0) as {{ type_double() }}),
        cast(mrr_monthly.ending_mrr as {{ type_double() }}),
        0.01
    from mrr_monthly
    left join segment_mrr_by_month
        on mrr_monthly.tenant_id = segment_mrr_by_month.tenant_id
        and mrr_monthly.month = segment_mrr_by_month.month
    union all
    select
        'mrr',
        'executive_kpis',
        mrr_monthly.tenant_id,
        mrr_monthly.month,
        cast(executive_kpis.mrr as {{ type_double() }}),
        cast(mrr_monthly.ending_mrr as {{ type_double() }}),
        0.01
    from mrr_monthly
    left join executive_kpis
        on mrr_monthly.tenant_id = executive_kpis.tenant_id
        and mrr_monthly.month = executive_kpis.month
    union all
    select
        'mrr',
        'period_kpis',
        monthly_kpis.tenant_id,
        monthly_kpis.period_start,
        cast(monthly_kpis.mrr as {{ type_double() }}),
        cast(mrr_monthly.ending_mrr as {{ type_double() }}),
        0.01
    from monthly_kpis
    inner join mrr_monthly
        on monthly_kpis.tenant_id = mrr_monthly.tenant_id
        and monthly_kpis.period_start = mrr_monthly.month
    union all
    -- net store revenue: the months period_kpis shows (from the tenant's first activity) against fct_orders
    select
        'net_revenue_usd',
        'period_kpis',
        monthly_kpis.tenant_id,
        monthly_kpis.period_start,
        cast(monthly_kpis.revenue_usd as {{ type_double() }}),
        cast(coalesce(net_revenue_by_month.net_revenue_usd, 0) as {{ type_double() }}),
        0.01
    from monthly_kpis
    left join net_revenue_by_month
        on monthly_kpis.tenant_id = net_revenue_by_month.tenant_id
        and monthly_kpis.period_start = net_revenue_by_month.month
    union all
    select
        'net_revenue_usd',
        'executive_kpis',
        monthly_kpis.tenant_id,
        monthly_kpis.period_start,
        cast(executive_kpis.store_revenue_usd as {{ type_double() }}),
        cast(coalesce(net_revenue_by_month.net_revenue_usd, 0) as {{ type_double() }}),
        0.01
    from monthly_kpis
    left join executive_kpis
        on monthly_kpis.tenant_id = executive_kpis.tenant_id
        and monthly_kpis.period_start = executive_kpis.month
    left join net_revenue_by_month
        on monthly_kpis.tenant_id = net_revenue_by_month.tenant_id
        and monthly_kpis.period_start = net_revenue_by_month.month
),

disagreements as (
    select *
    from compared
    where
        (shown is null and owned is not null)
        or (shown is not null and owned is null)
        or abs(shown - owned) > tolerance
)

select * from disagreements
