{#- The one home of the store's product figures: a select of the paid order
    lines (int_paid_order_lines, imported as `lines`) summed per tenant, order
    month and the given dimensions (['product_id', 'category'] for products,
    ['category'] for categories): units, distinct orders, revenue, cost, gross
    margin and its rate, and the return rate (distinct refunded or partly
    refunded orders / distinct orders, both kept as columns so months roll up). Orders are counted distinct at each
    grain, so a category's figures are not a sum of its products' (an order
    holding two products of one category is one order of it); the running
    month is kept with is_complete false. -#}
{% macro paid_lines_performance(dimensions) -%}
    select
        by_grain.tenant_id,
        by_grain.month,
        {{ is_complete_period('by_grain.month', 'month') }} as is_complete,
        {%- for dimension in dimensions %}
        by_grain.{{ dimension }},
        {%- endfor %}
        by_grain.units,
        by_grain.orders,
        by_grain.refunded_orders,
        {{ as_money('by_grain.revenue_usd') }} as revenue_usd,
        {{ as_money('by_grain.cost_usd') }} as cost_usd,
        {{ as_money('by_grain.revenue_usd - by_grain.cost_usd') }} as gross_margin_usd,
        {{ safe_divide('by_grain.revenue_usd - by_grain.cost_usd', 'by_grain.revenue_usd') }}
            as gross_margin_rate,
        {{ safe_divide('by_grain.refunded_orders', 'by_grain.orders') }} as return_rate
    from (
        select
            lines.tenant_id,
            lines.order_month as month,
            {%- for dimension in dimensions %}
            lines.{{ dimension }},
            {%- endfor %}
            sum(lines.quantity) as units,
            count(distinct lines.order_id) as orders,
            count(distinct case when lines.is_refunded then lines.order_id end) as refunded_orders,
            sum(lines.revenue_usd) as revenue_usd,
            sum(lines.cost_usd) as cost_usd
        from lines
        group by lines.tenant_id, lines.order_month
            {%- for dimension in dimensions %}, lines.{{ dimension }}{% endfor %}
    ) as by_grain
{%- endmacro %}
