{#- Acquisition cohorts of store customers (cohort = month of the first paid
    order) per tenant, cohort month and month_number (whole months since the
    cohort month, 0 = the cohort month): a dense grid through the last
    complete month before as_of_date, zeros included, with retention and the
    cumulative revenue per customer (the LTV curve). Each customer has one
    acquisition channel, so this is the channel grid of
    int_store_cohorts_by_channel summed over channels: the grid logic lives
    there. -#}
-- BigQuery: partitioned by cohort_month (a partition per month),
-- clustered by tenant: a dashboard's tenant and date filters
-- read a fraction of the table (other engines ignore both)
{{
    config(
        partition_by=({'field': 'cohort_month', 'data_type': 'date', 'granularity': 'month'}
                      if target.type == 'bigquery' else none),
        cluster_by=(['tenant_id'] if target.type == 'bigquery' else none),
    )
}}
with

by_channel as (select * from {{ ref('int_store_cohorts_by_channel') }}),

summed as (
    select
        tenant_id,
        cohort_month,
        month_number,
        activity_month,
        sum(cohort_size) as cohort_size,
        sum(retained_customers) as retained_customers,
        {{ as_money('sum(revenue)') }} as revenue
    from by_channel
    group by tenant_id, cohort_month, month_number, activity_month
),

final as (
    select
        {{ surrogate_key(['tenant_id', 'cohort_month', 'month_number']) }} as cohort_cell_key,
        summed.*,
        {{ safe_divide('retained_customers', 'cohort_size') }} as retention_rate,
        {{ safe_divide(
            'sum(revenue) over (partition by tenant_id, cohort_month order by month_number'
            ~ ' rows between unbounded preceding and current row)',
            'cohort_size') }} as cumulative_revenue_per_customer
    from summed
)

select * from final
