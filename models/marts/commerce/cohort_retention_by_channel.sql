{#- cohort_retention split by the customers' acquisition channel: per tenant,
    cohort month, channel and month_number, dense through the last complete
    month, as int_store_cohorts_by_channel builds it. -#}
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

cohorts as (select * from {{ ref('int_store_cohorts_by_channel') }}),

final as (
    select
        {{ surrogate_key(['cohorts.tenant_id', 'cohorts.cohort_month', 'cohorts.acquisition_channel',
                          'cohorts.month_number']) }} as cohort_channel_cell_key,
        cohorts.*
    from cohorts
)

select * from final
