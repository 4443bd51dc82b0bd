{#- Product-page conversion per tenant, month and product: web sessions that
    viewed the product, added it to the cart, and bought it (a purchase in the
    session whose order holds the product). A later step implies the earlier
    ones, as in the web funnel: a session that bought the product counts as
    having viewed and added it. A session counts in the month of its first
    event with the product. The running month is shown, month to date, with
    is_complete false. -#}
with

events as (
    -- only the columns and steps used: both step CTEs read it, so Postgres materializes it, and
    -- the whole clickstream copied (7.5 million wide rows at scale 1) was half the model's time
    select
        tenant_id,
        session_id,
        product_id,
        order_id,
        event_type,
        occurred_at
    from {{ ref('stg_commerce__web_events') }}
    where
        event_type in ('product_view', 'add_to_cart', 'purchase')
        and session_id is not null
),

order_items as (select * from {{ ref('stg_commerce__order_items') }}),

product_steps as (
    select
        tenant_id,
        session_id,
        product_id,
        case when event_type = 'product_view' then 1 else 2 end as step,
        occurred_at
    from events
    where
        event_type in ('product_view', 'add_to_cart')
        and product_id is not null
),

purchase_steps as (
    -- the purchase event names the order; the order's lines name the products bought
    select distinct
        events.tenant_id,
        events.session_id,
        order_items.product_id,
        3 as step,
        events.occurred_at
    from events
    inner join order_items
        on events.tenant_id = order_items.tenant_id
        and events.order_id = order_items.order_id
    where events.event_type = 'purchase'
),

session_products as (
    select
        tenant_id,
        session_id,
        product_id,
        max(step) as furthest_step,
        min(occurred_at) as first_at
    from (
        select * from product_steps
        union all
        select * from purchase_steps
    ) as steps
    group by tenant_id, session_id, product_id
),

by_month as (
    select
        tenant_id,
        cast({{ dbt.date_trunc('month', 'first_at') }} as date) as month,
        product_id,
        count(*) as product_view_sessions,
        sum(case when furthest_step >= 2 then 1 else 0 end) as add_to_cart_sessions,
        sum(case when furthest_step = 3 then 1 else 0 end) as purchase_sessions
    from session_products
    group by tenant_id, cast({{ dbt.date_trunc('month', 'first_at') }} as date), product_id
),

final as (
    select
        {{ surrogate_key(['tenant_id', 'month', 'product_id']) }} as product_conversion_key,
        tenant_id,
        month,
        {{ is_complete_period('month', 'month') }} as is_complete,
        product_id,
        product_view_sessions,
        add_to_cart_sessions,
        purchase_sessions,
        {{ safe_divide('add_to_cart_sessions', 'product_view_sessions') }} as add_to_cart_rate,
        {{ safe_divide('purchase_sessions', 'add_to_cart_sessions') }} as cart_to_purchase_rate,
        {{ safe_divide('purchase_sessions', 'product_view_sessions') }} as product_page_conversion_rate
    from by_month
)

select * from final
