{#- Lines of paid orders with their product, category, revenue and cost in
    USD (rate of the order's month), and whether the order was (partly)
    refunded. -#}
with

orders as (select * from {{ ref('int_orders_enriched') }}),

order_items as (select * from {{ ref('stg_commerce__order_items') }}),

products as (select * from {{ ref('stg_commerce__products') }}),

lines as (
    select
        order_items.tenant_id,
        order_items.order_item_id,
        order_items.order_id,
        order_items.product_id,
        coalesce(products.category, 'unknown') as category,
        orders.order_month,
        orders.status in ('refunded', 'partially_refunded') as is_refunded,
        order_items.quantity,
        {{ as_money(to_usd('order_items.quantity * order_items.unit_price - order_items.discount')) }}
            as revenue_usd,
        {{ as_money(to_usd('order_items.quantity * products.cost')) }} as cost_usd
    from order_items
    inner join orders
        on order_items.tenant_id = orders.tenant_id
        and order_items.order_id = orders.order_id
        and orders.is_paid
    left join products
        on order_items.tenant_id = products.tenant_id
        and order_items.product_id = products.product_id
    {{ fx_rates_join('orders.currency', 'orders.order_month') }}
)

select * from lines
