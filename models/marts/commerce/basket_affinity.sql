{#- Market-basket pairs per tenant over all paid orders: for products A and
    B bought in one order, support = orders with both / paid orders,
    confidence = orders with both / orders with A, lift = confidence / (orders
    with B / paid orders). One row per ordered pair (A -> B), kept when the
    support reaches var basket_min_support. -#}
with

lines as (select * from {{ ref('int_paid_order_lines') }}),

order_products as (
    select distinct
        tenant_id,
        order_id,
        product_id
    from lines
),

tenant_orders as (
    select
        tenant_id,
        count(distinct order_id) as paid_orders
    from order_products
    group by tenant_id
),

product_orders as (
    select
        tenant_id,
        product_id,
        count(*) as orders_with_product
    from order_products
    group by tenant_id, product_id
),

pairs as (
    select
        antecedent.tenant_id,
        antecedent.product_id as antecedent_product_id,
        consequent.product_id as consequent_product_id,
        count(*) as orders_with_both
    from order_products as antecedent
    inner join order_products as consequent
        on antecedent.tenant_id = consequent.tenant_id
        and antecedent.order_id = consequent.order_id
        and antecedent.product_id != consequent.product_id
    group by antecedent.tenant_id, antecedent.product_id, consequent.product_id
),

measured as (
    select
        pairs.tenant_id,
        pairs.antecedent_product_id,
        pairs.consequent_product_id,
        pairs.orders_with_both,
        antecedent_orders.orders_with_product as antecedent_orders,
        consequent_orders.orders_with_product as consequent_orders,
        tenant_orders.paid_orders,
        {{ safe_divide('pairs.orders_with_both', 'tenant_orders.paid_orders') }} as support,
        {{ safe_divide('pairs.orders_with_both', 'antecedent_orders.orders_with_product') }} as confidence,
        {{ safe_divide('pairs.orders_with_both * tenant_orders.paid_orders',
                       'antecedent_orders.orders_with_product * consequent_orders.orders_with_product') }} as lift
    from pairs
    inner join tenant_orders
        on pairs.tenant_id = tenant_orders.tenant_id
    inner join product_orders as antecedent_orders
        on pairs.tenant_id = antecedent_orders.tenant_id
        and pairs.antecedent_product_id = antecedent_orders.product_id
    inner join product_orders as consequent_orders
        on pairs.tenant_id = consequent_orders.tenant_id
        and pairs.consequent_product_id = consequent_orders.product_id
),

final as (
    select
        {{ surrogate_key(['tenant_id', 'antecedent_product_id', 'consequent_product_id']) }} as pair_key,
        measured.*
    from measured
    where measured.support >= {{ var('basket_min_support') }}
)

select * from final
