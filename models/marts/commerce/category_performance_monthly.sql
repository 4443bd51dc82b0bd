{#- product_performance_monthly rolled up to the product category, the running
    month included with is_complete false. -#}
with

lines as (select * from {{ ref('int_paid_order_lines') }}),

by_category as (
    select
        tenant_id,
        order_month as month,
        category,
        sum(quantity) as units,
        count(distinct order_id) as orders,
        count(distinct case when is_refunded then order_id end) as refunded_orders,
        sum(revenue_usd) as revenue_usd,
        sum(cost_usd) as cost_usd
    from lines
    group by tenant_id, order_month, category
),

final as (
    select
        {{ surrogate_key(['tenant_id', 'month', 'category']) }} as category_month_key,
        by_category.tenant_id,
        by_category.month,
        {{ is_complete_period('by_category.month', 'month') }} as is_complete,
        by_category.category,
        by_category.units,
        by_category.orders,
        {{ as_money('by_category.revenue_usd') }} as revenue_usd,
        {{ as_money('by_category.cost_usd') }} as cost_usd,
        {{ as_money('by_category.revenue_usd - by_category.cost_usd') }} as gross_margin_usd,
        {{ safe_divide('by_category.revenue_usd - by_category.cost_usd', 'by_category.revenue_usd') }}
            as gross_margin_rate,
        {{ safe_divide('by_category.refunded_orders', 'by_category.orders') }} as return_rate
    from by_category
)

select * from final
