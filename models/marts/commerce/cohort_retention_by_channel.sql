{#- cohort_retention split by the customers' acquisition channel: per tenant,
    cohort month, channel and month_number, dense through the last complete
    month. -#}
-- BigQuery: partitioned by cohort_month (a partition per month),
-- clustered by tenant (then acquisition_channel): a dashboard's tenant and date filters
-- read a fraction of the table (other engines ignore both)
{{
    config(
        partition_by=({'field': 'cohort_month', 'data_type': 'date', 'granularity': 'month'}
                      if target.type == 'bigquery' else none),
        cluster_by=(['tenant_id', 'acquisition_channel'] if target.type == 'bigquery' else none),
    )
}}
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
        {{ dbt.datediff('cohorts.cohort_month', 'months.month', 'month') }} as month_number -- noqa: LT05
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
        sum(net_revenue_usd) as revenue
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
        {{ as_money('coalesce(activity.revenue, 0)') }} as revenue
    from grid
    left join activity
        on grid.tenant_id = activity.tenant_id
        and grid.cohort_month = activity.cohort_month
        and grid.acquisition_channel = activity.acquisition_channel
        and grid.activity_month = activity.activity_month
),

final as (
    select
        {{ surrogate_key(['tenant_id', 'cohort_month', 'acquisition_channel', 'month_number']) }}
            as cohort_channel_cell_key,
        filled.*,
        {{ safe_divide('retained_customers', 'cohort_size') }} as retention_rate,
        {{ safe_divide(
            'sum(revenue) over (partition by tenant_id, cohort_month, acquisition_channel order by month_number'
            ~ ' rows between unbounded preceding and current row)',
            'cohort_size') }} as cumulative_revenue_per_customer
    from filled
)

select * from final
