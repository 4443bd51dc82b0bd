{#- One row per web session: its day (of the session's first event, by
    occurred_at, so events loaded up to 3 days late still land on the day
    they happened), device, campaign source, and the furthest funnel step it
    reached. A later step implies the earlier ones, as in the sales funnel. -#}
with

events as (select * from {{ ref('stg_commerce__web_events') }}),

sessions as (
    select
        tenant_id,
        session_id,
        min(occurred_at) as started_at,
        max(device) as device,
        max(utm_source) as utm_source,
        max(customer_id) as customer_id,
        max(case when event_type = 'product_view' then 1 else 0 end) as has_product_view,
        max(case when event_type = 'add_to_cart' then 1 else 0 end) as has_add_to_cart,
        max(case when event_type = 'checkout_started' then 1 else 0 end) as has_checkout,
        max(case when event_type = 'purchase' then 1 else 0 end) as has_purchase
    from events
    where session_id is not null
    group by tenant_id, session_id
),

final as (
    select
        tenant_id,
        session_id,
        started_at,
        cast(started_at as date) as session_date,
        coalesce(device, 'unknown') as device,
        coalesce(utm_source, 'direct') as utm_source,
        customer_id,
        has_purchase = 1 as reached_purchase,
        has_purchase + has_checkout > 0 as reached_checkout,
        has_purchase + has_checkout + has_add_to_cart > 0 as reached_add_to_cart,
        has_purchase + has_checkout + has_add_to_cart + has_product_view > 0 as reached_product_view
    from sessions
)

select * from final
