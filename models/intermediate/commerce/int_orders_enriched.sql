{#- One row per store order, enriched from staging: item count and cost,
    refunds, the paid flag (status paid, fulfilled, partially_refunded or
    refunded, and placed; docs/contracts/marts.md), amounts in USD at the rate
    of the month the order was placed, net revenue = total - tax - shipping -
    refunds, gross margin, the customer's paid-order sequence and new / repeat
    / guest, and fulfilment: hours from placement to fulfilment, and whether
    a paid order still awaits it (status paid or partially_refunded with no
    fulfilled_at: a cancelled or fully refunded order will never ship).
    Guest orders are kept with a null customer. fct_orders publishes
    it; intermediate models read it here, never the mart. -#}
with

orders as (select * from {{ ref('stg_commerce__orders') }}),

order_items as (select * from {{ ref('stg_commerce__order_items') }}),

products as (select * from {{ ref('stg_commerce__products') }}),

refunds as (select * from {{ ref('stg_commerce__refunds') }}),

item_totals as (
    select
        order_items.tenant_id,
        order_items.order_id,
        sum(order_items.quantity) as item_count,
        sum(order_items.quantity * products.cost) as cost,
        -- a line whose product cost is unknown makes the order's cost unknown: null, never a 100 % margin
        sum(case when products.cost is null then 1 else 0 end) as lines_without_cost
    from order_items
    left join products
        on order_items.tenant_id = products.tenant_id
        and order_items.product_id = products.product_id
    group by order_items.tenant_id, order_items.order_id
),

refund_totals as (
    select
        tenant_id,
        order_id,
        sum(amount) as refunds
    from refunds
    group by tenant_id, order_id
),

orders_with_totals as (
    select
        orders.*,
        orders.status in ('paid', 'fulfilled', 'partially_refunded', 'refunded')
        and orders.placed_at is not null as is_paid,
        cast({{ dbt.date_trunc('month', 'orders.placed_at') }} as date) as order_month,
        coalesce(item_totals.item_count, 0) as item_count,
        case
            when item_totals.lines_without_cost > 0 then null
            else coalesce(item_totals.cost, 0)
        end as cost,
        coalesce(refund_totals.refunds, 0) as refunds
    from orders
    left join item_totals
        on orders.tenant_id = item_totals.tenant_id
        and orders.order_id = item_totals.order_id
    left join refund_totals
        on orders.tenant_id = refund_totals.tenant_id
        and orders.order_id = refund_totals.order_id
),

in_usd as (
    select
        orders_with_totals.tenant_id,
        orders_with_totals.order_id,
        orders_with_totals.customer_id,
        orders_with_totals.order_number,
        orders_with_totals.status,
        orders_with_totals.channel,
        orders_with_totals.currency,
        orders_with_totals.placed_at,
        orders_with_totals.fulfilled_at,
        cast(orders_with_totals.placed_at as date) as order_date,
        orders_with_totals.order_month,
        orders_with_totals.is_paid,
        orders_with_totals.item_count,
        fx_rates.fx_rate_month,
        fx_rates.fx_rate_source,
        {{ as_money(to_usd('orders_with_totals.subtotal')) }} as gross_revenue_usd,
        {{ as_money(to_usd('orders_with_totals.discount_total')) }} as discounts_usd,
        {{ as_money(to_usd('orders_with_totals.shipping_total')) }} as shipping_usd,
        {{ as_money(to_usd('orders_with_totals.tax_total')) }} as tax_usd,
        {{ as_money(to_usd('orders_with_totals.total')) }} as total_usd,
        {{ as_money(to_usd('orders_with_totals.refunds')) }} as refunds_usd,
        {{ as_money(to_usd('orders_with_totals.total - orders_with_totals.tax_total'
                           ' - orders_with_totals.shipping_total - orders_with_totals.refunds')) }}
            as net_revenue_usd,
        {{ as_money(to_usd('orders_with_totals.cost')) }} as cost_usd
    from orders_with_totals
    {{ fx_rates_join('orders_with_totals.currency', 'orders_with_totals.order_month') }}
),

sequenced as (
    select
        in_usd.*,
        {{ as_money('in_usd.net_revenue_usd - in_usd.cost_usd') }} as gross_margin_usd,
        case
            when in_usd.is_paid and in_usd.customer_id is not null
                then row_number() over (
                    partition by in_usd.tenant_id, in_usd.customer_id, in_usd.is_paid
                    order by in_usd.placed_at, in_usd.order_id
                )
        end as customer_order_sequence
    from in_usd
),

final as (
    select
        sequenced.*,
        case
            when sequenced.customer_id is null then 'guest'
            when sequenced.customer_order_sequence = 1 then 'new'
            when sequenced.customer_order_sequence > 1 then 'repeat'
        end as customer_type,
        case
            when sequenced.is_paid and sequenced.fulfilled_at is not null
                then {{ seconds_between('sequenced.placed_at', 'sequenced.fulfilled_at') }} / 3600.0
        end as fulfilment_hours,
        coalesce(
            sequenced.is_paid
            and sequenced.status in ('paid', 'partially_refunded')
            and sequenced.fulfilled_at is null,
            false
        ) as is_awaiting_fulfilment
    from sequenced
)

select * from final
