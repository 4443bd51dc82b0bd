{#- Pipeline and deal outcomes per tenant, month and opportunity type.
    Open pipeline at each month end: opportunities created by then and not
    yet closed, at their current amount and probability (the sources keep no
    history of either). Win rates count opportunities closed in the month:
    won / (won + lost), by count and by amount, from the closed-deal sums of
    int_closed_deals_by_day. -#}
with

opportunities as (select * from {{ ref('fct_opportunities') }}),

closed_deals as (select * from {{ ref('int_closed_deals_by_day') }}),

months as (select * from {{ ref('util_months') }}),

open_at_month_end as (
    select
        opportunities.tenant_id,
        months.month,
        opportunities.opportunity_type,
        count(*) as open_opportunities,
        sum(opportunities.amount_usd) as open_pipeline_usd,
        sum(opportunities.weighted_amount_usd) as weighted_pipeline_usd
    from opportunities
    inner join months
        on cast(opportunities.created_at as date) <= months.month_end_date
        and (
            opportunities.closed_at is null
            or cast(opportunities.closed_at as date) > months.month_end_date
        )
    group by 1, 2, 3
),

closed_in_month as (
    select
        tenant_id,
        closed_month as month,
        opportunity_type,
        sum(won_opportunities) as won_opportunities,
        sum(lost_opportunities) as lost_opportunities,
        sum(won_amount_usd) as won_amount_usd,
        sum(lost_amount_usd) as lost_amount_usd,
        sum(won_sales_cycle_days) as won_sales_cycle_days,
        sum(won_with_sales_cycle) as won_with_sales_cycle
    from closed_deals
    group by 1, 2, 3
),

keys as (
    {{ complete_period_keys(['open_at_month_end', 'closed_in_month'], ['tenant_id', 'month', 'opportunity_type']) }}
),

final as (
    select
        {{ surrogate_key(['keys.tenant_id', 'keys.month', 'keys.opportunity_type']) }} as pipeline_key,
        keys.tenant_id,
        keys.month,
        keys.opportunity_type,
        coalesce(open_at_month_end.open_opportunities, 0) as open_opportunities,
        {{ as_money('coalesce(open_at_month_end.open_pipeline_usd, 0)') }} as open_pipeline_usd,
        {{ as_money('coalesce(open_at_month_end.weighted_pipeline_usd, 0)') }} as weighted_pipeline_usd,
        coalesce(closed_in_month.won_opportunities, 0) as won_opportunities,
        coalesce(closed_in_month.lost_opportunities, 0) as lost_opportunities,
        {{ as_money('coalesce(closed_in_month.won_amount_usd, 0)') }} as won_amount_usd,
        {{ as_money('coalesce(closed_in_month.lost_amount_usd, 0)') }} as lost_amount_usd,
        {{ win_rate('closed_in_month.won_opportunities', 'closed_in_month.lost_opportunities') }}
            as win_rate_by_count,
        {{ win_rate('closed_in_month.won_amount_usd', 'closed_in_month.lost_amount_usd') }}
            as win_rate_by_amount,
        {{ safe_divide('closed_in_month.won_amount_usd', 'closed_in_month.won_opportunities') }}
            as average_deal_size_usd,
        -- the average's parts, so months and types roll up as sum / sum
        coalesce(closed_in_month.won_sales_cycle_days, 0) as won_sales_cycle_days,
        coalesce(closed_in_month.won_with_sales_cycle, 0) as won_with_sales_cycle,
        {{ safe_divide('closed_in_month.won_sales_cycle_days', 'closed_in_month.won_with_sales_cycle') }}
            as avg_sales_cycle_days
    from keys
    left join open_at_month_end
        on {{ keys_match('keys', 'open_at_month_end', ['tenant_id', 'month', 'opportunity_type']) }}
    left join closed_in_month
        on {{ keys_match('keys', 'closed_in_month', ['tenant_id', 'month', 'opportunity_type']) }}
)

select * from final
