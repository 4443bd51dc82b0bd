{#- Subscription-customer cohorts by signup month (the billing customer's
    first month with MRR) per tenant, cohort month and month_number (whole
    months since the cohort month, 0 = the cohort month): a dense grid through
    the last complete month before as_of_date, zeros included, with customers
    still active, logo retention and MRR retained against the cohort's month-0
    MRR. A customer who leaves and comes back counts again in the months it
    pays. The billing counterpart of the store's cohort_retention. -#}
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

customer_mrr as (select * from {{ ref('int_customer_mrr_by_month') }}),

months as (select * from {{ ref('util_months') }}),

complete_customer_mrr as (
    select * from customer_mrr
    where month <= {{ last_complete_month() }}
),

customer_cohorts as (
    select
        tenant_id,
        customer_id,
        min(month) as cohort_month
    from complete_customer_mrr
    group by tenant_id, customer_id
),

cohorts as (
    select
        customer_cohorts.tenant_id,
        customer_cohorts.cohort_month,
        count(*) as cohort_size,
        sum(complete_customer_mrr.mrr) as cohort_starting_mrr
    from customer_cohorts
    inner join complete_customer_mrr
        on customer_cohorts.tenant_id = complete_customer_mrr.tenant_id
        and customer_cohorts.customer_id = complete_customer_mrr.customer_id
        and customer_cohorts.cohort_month = complete_customer_mrr.month
    group by customer_cohorts.tenant_id, customer_cohorts.cohort_month
),

grid as (
    select
        cohorts.tenant_id,
        cohorts.cohort_month,
        cohorts.cohort_size,
        cohorts.cohort_starting_mrr,
        months.month as activity_month,
        cast({{ dbt.datediff('cohorts.cohort_month', 'months.month', 'month') }} as {{ dbt.type_bigint() }}) as month_number -- noqa: LT05
    from cohorts
    inner join months
        on cohorts.cohort_month <= months.month
),

activity as (
    select
        customer_cohorts.tenant_id,
        customer_cohorts.cohort_month,
        complete_customer_mrr.month as activity_month,
        count(*) as active_customers,
        sum(complete_customer_mrr.mrr) as mrr
    from customer_cohorts
    inner join complete_customer_mrr
        on customer_cohorts.tenant_id = complete_customer_mrr.tenant_id
        and customer_cohorts.customer_id = complete_customer_mrr.customer_id
    group by customer_cohorts.tenant_id, customer_cohorts.cohort_month, complete_customer_mrr.month
),

filled as (
    select
        grid.tenant_id,
        grid.cohort_month,
        grid.month_number,
        grid.activity_month,
        grid.cohort_size,
        coalesce(activity.active_customers, 0) as active_customers,
        {{ as_money('grid.cohort_starting_mrr') }} as cohort_starting_mrr,
        {{ as_money('coalesce(activity.mrr, 0)') }} as mrr
    from grid
    left join activity
        on grid.tenant_id = activity.tenant_id
        and grid.cohort_month = activity.cohort_month
        and grid.activity_month = activity.activity_month
),

final as (
    select
        {{ surrogate_key(['tenant_id', 'cohort_month', 'month_number']) }} as cohort_cell_key,
        tenant_id,
        cohort_month,
        month_number,
        activity_month,
        cohort_size,
        active_customers,
        {{ safe_divide('active_customers', 'cohort_size') }} as retention_rate,
        cohort_starting_mrr,
        mrr,
        {{ safe_divide('mrr', 'cohort_starting_mrr') }} as mrr_retention_rate
    from filled
)

select * from final
