{#- product_performance_monthly's figures per product category, the running
    month included with is_complete false: the same macro
    (paid_lines_performance) over the same lines, with each order counted
    once per category, not a sum of the products' rows. -#}
with

lines as (select * from {{ ref('int_paid_order_lines') }}),

performance as (
    {{ paid_lines_performance(['category']) }}
),

final as (
    select
        {{ surrogate_key(['performance.tenant_id', 'performance.month', 'performance.category']) }}
            as category_month_key,
        performance.*
    from performance
)

select * from final
