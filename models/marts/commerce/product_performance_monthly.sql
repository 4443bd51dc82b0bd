{#- Per tenant, month and product: units sold and line revenue of paid
    orders, cost and gross margin (USD), and the return rate (share of the
    product's orders that were refunded or partly refunded). The running
    month is shown, month to date, with is_complete false. -#}
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

by_product as (
    select
        tenant_id,
        order_month as month,
        product_id,
        category,
        sum(quantity) as units,
        count(distinct order_id) as orders,
        count(distinct case when is_refunded then order_id end) as refunded_orders,
        sum(revenue_usd) as revenue_usd,
        sum(cost_usd) as cost_usd
    from lines
    group by tenant_id, order_month, product_id, category
),

final as (
    select
        {{ surrogate_key(['tenant_id', 'month', 'product_id']) }} as product_month_key,
        by_product.tenant_id,
        by_product.month,
        {{ is_complete_period('by_product.month', 'month') }} as is_complete,
        by_product.product_id,
        by_product.category,
        by_product.units,
        by_product.orders,
        {{ as_money('by_product.revenue_usd') }} as revenue_usd,
        {{ as_money('by_product.cost_usd') }} as cost_usd,
        {{ as_money('by_product.revenue_usd - by_product.cost_usd') }} as gross_margin_usd,
        {{ safe_divide('by_product.revenue_usd - by_product.cost_usd', 'by_product.revenue_usd') }}
            as gross_margin_rate,
        {{ safe_divide('by_product.refunded_orders', 'by_product.orders') }} as return_rate
    from by_product
)

select * from final
