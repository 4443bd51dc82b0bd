{#- Per tenant, month and product: units sold and line revenue of paid
    orders, cost and gross margin (USD), and the return rate (share of the
    product's orders that were refunded or partly refunded). The running
    month is shown, month to date, with is_complete false. The figures are
    macro paid_lines_performance's, which category_performance_monthly shares. -#}
-- BigQuery: partitioned by month (a partition per month),
-- clustered by tenant (then category): a dashboard's tenant and date filters
-- read a fraction of the table (other engines ignore both)
{{
    config(
        partition_by=({'field': 'month', 'data_type': 'date', 'granularity': 'month'}
                      if target.type == 'bigquery' else none),
        cluster_by=(['tenant_id', 'category'] if target.type == 'bigquery' else none),
    )
}}
with

lines as (select * from {{ ref('int_paid_order_lines') }}),

performance as (
    {{ paid_lines_performance(['product_id', 'category']) }}
),

final as (
    select
        {{ surrogate_key(['performance.tenant_id', 'performance.month', 'performance.product_id']) }}
            as product_month_key,
        performance.*
    from performance
)

select * from final
