{#- Additive daily facts per tenant across domains (store orders and
    revenue, web sessions, leads, proposals created (an opportunity, as the
    funnel's proposal stage), deals closed and the amount won), dense from the tenant's first
    activity to the day before as_of_date. Period KPIs sum these. -#}
with

days as (select * from {{ ref('util_days') }}),

orders as (select * from {{ ref('int_orders_enriched') }}),

sessions as (select * from {{ ref('int_web_sessions') }}),

leads as (select * from {{ ref('stg_crm__leads') }}),

opportunities as (select * from {{ ref('int_opportunities_enriched') }}),

closed_deals as (select * from {{ ref('int_closed_deals_by_day') }}),

order_days as (
    select
        tenant_id,
        order_date as day,
        count(*) as orders,
        sum(net_revenue_usd) as revenue_usd,
        sum(case when customer_type = 'new' then 1 else 0 end) as new_customers
    from orders
    where is_paid
    group by tenant_id, order_date
),

session_days as (
    select
        tenant_id,
        session_date as day,
        count(*) as sessions,
        sum(case when reached_purchase then 1 else 0 end) as purchase_sessions
    from sessions
    group by tenant_id, session_date
),

lead_days as (
    select
        tenant_id,
        cast(created_at as date) as day,
        count(*) as leads
    from leads
    group by tenant_id, cast(created_at as date)
),

deal_days as (
    select
        tenant_id,
        closed_date as day,
        sum(won_opportunities) as deals_won,
        sum(lost_opportunities) as deals_lost,
        sum(won_amount_usd) as won_amount_usd
    from closed_deals
    group by tenant_id, closed_date
),

proposal_days as (
    select
        tenant_id,
        cast(created_at as date) as day,
        count(*) as proposals_created
    from opportunities
    group by tenant_id, cast(created_at as date)
),

tenant_starts as (
    select
        tenant_id,
        min(day) as first_day
    from (
        select
            tenant_id,
            day
        from order_days
        union all
        select
            tenant_id,
            day
        from session_days
        union all
        select
            tenant_id,
            day
        from lead_days
    ) as activity
    group by tenant_id
),

tenant_days as (
    select
        tenant_starts.tenant_id,
        days.day
    from tenant_starts
    inner join days
        on tenant_starts.first_day <= days.day
),

final as (
    select
        tenant_days.tenant_id,
        tenant_days.day,
        coalesce(order_days.orders, 0) as orders,
        {{ as_money('coalesce(order_days.revenue_usd, 0)') }} as revenue_usd,
        coalesce(order_days.new_customers, 0) as new_customers,
        coalesce(session_days.sessions, 0) as sessions,
        coalesce(session_days.purchase_sessions, 0) as purchase_sessions,
        coalesce(lead_days.leads, 0) as leads,
        coalesce(deal_days.deals_won, 0) as deals_won,
        coalesce(deal_days.deals_lost, 0) as deals_lost,
        {{ as_money('coalesce(deal_days.won_amount_usd, 0)') }} as won_amount_usd,
        coalesce(proposal_days.proposals_created, 0) as proposals_created
    from tenant_days
    left join order_days
        on tenant_days.tenant_id = order_days.tenant_id
        and tenant_days.day = order_days.day
    left join session_days
        on tenant_days.tenant_id = session_days.tenant_id
        and tenant_days.day = session_days.day
    left join lead_days
        on tenant_days.tenant_id = lead_days.tenant_id
        and tenant_days.day = lead_days.day
    left join deal_days
        on tenant_days.tenant_id = deal_days.tenant_id
        and tenant_days.day = deal_days.day
    left join proposal_days
        on tenant_days.tenant_id = proposal_days.tenant_id
        and tenant_days.day = proposal_days.day
)

select * from final
