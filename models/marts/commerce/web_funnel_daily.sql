{#- The web funnel per tenant, day, device and campaign source: sessions,
    sessions reaching product_view, add_to_cart, checkout_started and
    purchase, each step's conversion from the step before (null when that
    step is 0), and cart abandonment = 1 - purchase sessions / add_to_cart
    sessions. Days are those the sessions started on. -#}
with

sessions as (select * from {{ ref('int_web_sessions') }}),

daily as (
    select
        tenant_id,
        session_date,
        device,
        utm_source,
        count(*) as sessions,
        sum(case when reached_product_view then 1 else 0 end) as product_view_sessions,
        sum(case when reached_add_to_cart then 1 else 0 end) as add_to_cart_sessions,
        sum(case when reached_checkout then 1 else 0 end) as checkout_sessions,
        sum(case when reached_purchase then 1 else 0 end) as purchase_sessions
    from sessions
    where session_date < {{ as_of_date() }}
    group by tenant_id, session_date, device, utm_source
),

final as (
    select
        {{ surrogate_key(['tenant_id', 'session_date', 'device', 'utm_source']) }} as funnel_day_key,
        daily.*,
        {{ safe_divide('product_view_sessions', 'sessions') }} as product_view_rate,
        {{ safe_divide('add_to_cart_sessions', 'product_view_sessions') }} as add_to_cart_rate,
        {{ safe_divide('checkout_sessions', 'add_to_cart_sessions') }} as checkout_rate,
        {{ safe_divide('purchase_sessions', 'checkout_sessions') }} as purchase_rate,
        {{ safe_divide('purchase_sessions', 'sessions') }} as conversion_rate,
        1 - {{ safe_divide('purchase_sessions', 'add_to_cart_sessions') }} as cart_abandonment_rate
    from daily
)

select * from final
