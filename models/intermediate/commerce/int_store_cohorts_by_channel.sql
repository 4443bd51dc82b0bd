{#- Acquisition cohorts of store customers per tenant, cohort month (month of
    the first paid order), acquisition channel and month_number (whole months
    since the cohort month, 0 = the cohort month): a dense grid through the
    last complete month before as_of_date, zeros included, with retention and
    the cumulative revenue and gross margin per customer (the LTV curves). The one home of the
    cohort grid: cohort_retention_by_channel publishes it, cohort_retention
    sums its channels and cac_by_channel_monthly reads its cohort sizes and
    LTV curves, so no mart reads another. -#}
with

paid_months as (select * from {{ ref('int_customer_paid_months') }}),

months as (select * from {{ ref('util_months') }}),

cohorts as (
    select
        tenant_id,
        cohort_month,
        acquisition_channel,
        count(distinct customer_id) as cohort_size
    from paid_months
    where cohort_month <= {{ last_complete_month() }}
    group by tenant_id, cohort_month, acquisition_channel
),

grid as (
    select
        cohorts.tenant_id,
        cohorts.cohort_month,
        cohorts.acquisition_channel,
        cohorts.cohort_size,
        months.month as activity_month,
        cast({{ dbt.datediff('cohorts.cohort_month', 'months.month', 'month') }} as {{ dbt.type_bigint() }}) as month_number -- noqa: LT05
    from cohorts
    inner join months
        on cohorts.cohort_month <= months.month
),

activity as (
    select
        tenant_id,
        cohort_month,
        acquisition_channel,
        activity_month,
        count(distinct customer_id) as retained_customers,
        sum(net_revenue_usd) as revenue,
        sum(gross_margin_usd) as gross_margin
    from paid_months
    group by tenant_id, cohort_month, acquisition_channel, activity_month
),

filled as (
    select
        grid.tenant_id,
        grid.cohort_month,
        grid.acquisition_channel,
        grid.month_number,
        grid.activity_month,
        grid.cohort_size,
        coalesce(activity.retained_customers, 0) as retained_customers,
        {{ as_money('coalesce(activity.revenue, 0)') }} as revenue,
        {{ as_money('coalesce(activity.gross_margin, 0)') }} as gross_margin
    from grid
    left join activity
        on grid.tenant_id = activity.tenant_id
        and grid.cohort_month = activity.cohort_month
        and grid.acquisition_channel = activity.acquisition_channel
        and grid.activity_month = activity.activity_month
),

final as (
    select
        filled.*,
        {{ safe_divide('filled.retained_customers', 'filled.cohort_size') }} as retention_rate,
        {{ safe_divide(
            'sum(filled.revenue) over (partition by filled.tenant_id, filled.cohort_month,'
            ~ ' filled.acquisition_channel order by filled.month_number'
            ~ ' rows between unbounded preceding and current row)',
            'filled.cohort_size') }} as cumulative_revenue_per_customer,
        {{ safe_divide(
            'sum(filled.gross_margin) over (partition by filled.tenant_id, filled.cohort_month,'
            ~ ' filled.acquisition_channel order by filled.month_number'
            ~ ' rows between unbounded preceding and current row)',
            'filled.cohort_size') }} as cumulative_margin_per_customer
    from filled
)

select * from final
