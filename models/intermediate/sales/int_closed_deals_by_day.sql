{#- The one home of closed-deal sums: per tenant, owner, opportunity type and
    close day, the deals won and lost, their USD amounts, and the won deals'
    sales cycles as a sum and a count (an average of averages would weight
    days unevenly). Sales marts and the daily KPIs add these up to their own
    grain, so won, lost and the win rate built from them agree at every grain.
    Medians cannot be added up: the rep leaderboard takes its median from the
    deals themselves. -#}
with

opportunities as (select * from {{ ref('int_opportunities_enriched') }}),

closed_by_day as (
    select
        tenant_id,
        owner_user_id,
        opportunity_type,
        cast(closed_at as date) as closed_date,
        sum(case when is_won then 1 else 0 end) as won_opportunities,
        sum(case when is_lost then 1 else 0 end) as lost_opportunities,
        sum(case when is_won then amount_usd else 0 end) as won_amount_usd,
        sum(case when is_lost then amount_usd else 0 end) as lost_amount_usd,
        sum(case when is_won then sales_cycle_days end) as won_sales_cycle_days,
        count(case when is_won then sales_cycle_days end) as won_with_sales_cycle
    from opportunities
    where closed_at is not null
    group by tenant_id, owner_user_id, opportunity_type, cast(closed_at as date)
),

final as (
    select
        {{ surrogate_key(['tenant_id', 'owner_user_id', 'opportunity_type', 'closed_date']) }}
            as closed_deals_key,
        tenant_id,
        owner_user_id,
        opportunity_type,
        closed_date,
        cast({{ dbt.date_trunc('month', 'closed_date') }} as date) as closed_month,
        won_opportunities,
        lost_opportunities,
        {{ as_money('won_amount_usd') }} as won_amount_usd,
        {{ as_money('lost_amount_usd') }} as lost_amount_usd,
        won_sales_cycle_days,
        won_with_sales_cycle
    from closed_by_day
)

select * from final
