{#- The store's operating day per tenant: visitors (distinct anonymous_id in
    the day's web events) and revenue per visitor (the day's paid-order net
    revenue, int_tenant_daily_activity, over them), orders fulfilled that day
    and their fulfilment hours, and the orders awaiting fulfilment at the
    day's end (paid, placed by then, not fulfilled by then; orders that will
    never ship, cancelled or fully refunded unfulfilled, are not waiting).
    Days run from the tenant's first activity through the day before
    as_of_date. Visitors are distinct per day: a range's visitors are not the
    sum of its days. -#}
with

daily as (select * from {{ ref('int_tenant_daily_activity') }}),

events as (select * from {{ ref('stg_commerce__web_events') }}),

orders as (select * from {{ ref('int_orders_enriched') }}),

visitor_days as (
    select
        tenant_id,
        cast(occurred_at as date) as day,
        count(distinct anonymous_id) as visitors
    from events
    where anonymous_id is not null
    group by tenant_id, cast(occurred_at as date)
),

fulfilment_days as (
    select
        tenant_id,
        cast(fulfilled_at as date) as day,
        count(*) as orders_fulfilled,
        sum(fulfilment_hours) as fulfilment_hours_sum
    from orders
    where is_paid and fulfilled_at is not null
    group by tenant_id, cast(fulfilled_at as date)
),

backlog_movements as (
    -- a shipping order joins the backlog the day it is placed and leaves it the day it ships
    select
        tenant_id,
        order_date as day,
        1 as movement
    from orders
    where is_paid and (fulfilled_at is not null or is_awaiting_fulfilment)
    union all
    select
        tenant_id,
        cast(fulfilled_at as date) as day,
        -1 as movement
    from orders
    where is_paid and fulfilled_at is not null
),

backlog_days as (
    select
        tenant_id,
        day,
        sum(movement) as backlog_change
    from backlog_movements
    group by tenant_id, day
),

joined as (
    select
        daily.tenant_id,
        daily.day,
        coalesce(visitor_days.visitors, 0) as visitors,
        daily.revenue_usd,
        coalesce(fulfilment_days.orders_fulfilled, 0) as orders_fulfilled,
        coalesce(fulfilment_days.fulfilment_hours_sum, 0) as fulfilment_hours_sum,
        sum(coalesce(backlog_days.backlog_change, 0)) over (
            partition by daily.tenant_id
            order by daily.day
            rows between unbounded preceding and current row
        ) as orders_awaiting_fulfilment
    from daily
    left join visitor_days
        on daily.tenant_id = visitor_days.tenant_id
        and daily.day = visitor_days.day
    left join fulfilment_days
        on daily.tenant_id = fulfilment_days.tenant_id
        and daily.day = fulfilment_days.day
    left join backlog_days
        on daily.tenant_id = backlog_days.tenant_id
        and daily.day = backlog_days.day
),

final as (
    select
        {{ surrogate_key(['tenant_id', 'day']) }} as store_day_key,
        tenant_id,
        day,
        visitors,
        revenue_usd,
        {{ safe_divide('revenue_usd', 'visitors') }} as revenue_per_visitor_usd,
        orders_fulfilled,
        cast(fulfilment_hours_sum as {{ type_double() }}) as fulfilment_hours_sum,
        {{ safe_divide('fulfilment_hours_sum', 'orders_fulfilled') }} as avg_fulfilment_hours,
        orders_awaiting_fulfilment
    from joined
)

select * from final
