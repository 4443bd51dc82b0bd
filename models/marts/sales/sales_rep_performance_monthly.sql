{#- The rep leaderboard: per tenant, CRM user and month, leads worked
    (distinct leads the user touched), activities, deals won and won amount,
    win rate (won / (won + lost) of the user's deals closed in the month),
    median sales cycle of the won deals, and the rank by won amount. -#}
with

users as (select * from {{ ref('stg_crm__users') }}),

activities as (select * from {{ ref('stg_crm__activities') }}),

opportunities as (select * from {{ ref('fct_opportunities') }}),

closed_deals as (select * from {{ ref('int_closed_deals_by_day') }}),

activity_by_month as (
    select
        tenant_id,
        user_id,
        cast({{ dbt.date_trunc('month', 'occurred_at') }} as date) as month,
        count(*) as activities,
        count(distinct lead_id) as leads_worked
    from activities
    group by 1, 2, 3
),

deals_by_month as (
    select
        tenant_id,
        owner_user_id as user_id,
        closed_month as month,
        sum(won_opportunities) as deals_won,
        sum(lost_opportunities) as deals_lost,
        sum(won_amount_usd) as won_amount_usd
    from closed_deals
    group by 1, 2, 3
),

-- a median cannot be added up from daily sums: it is taken over the won deals themselves
sales_cycle_by_month as (
    select
        tenant_id,
        owner_user_id as user_id,
        closed_month as month,
        {{ median('sales_cycle_days') }} as median_sales_cycle_days
    from opportunities
    where is_won
    group by 1, 2, 3
),

keys as (
    {{ complete_period_keys(['activity_by_month', 'deals_by_month'], ['tenant_id', 'user_id', 'month']) }}
),

combined as (
    select
        keys.tenant_id,
        keys.user_id,
        keys.month,
        users.full_name,
        users.role,
        users.team,
        coalesce(activity_by_month.leads_worked, 0) as leads_worked,
        coalesce(activity_by_month.activities, 0) as activities,
        coalesce(deals_by_month.deals_won, 0) as deals_won,
        coalesce(deals_by_month.deals_lost, 0) as deals_lost,
        {{ as_money('coalesce(deals_by_month.won_amount_usd, 0)') }} as won_amount_usd,
        {{ win_rate('deals_by_month.deals_won', 'deals_by_month.deals_lost') }} as win_rate,
        cast(sales_cycle_by_month.median_sales_cycle_days as {{ type_double() }}) as median_sales_cycle_days
    from keys
    left join users
        on keys.tenant_id = users.tenant_id
        and keys.user_id = users.user_id
    left join activity_by_month
        on {{ keys_match('keys', 'activity_by_month', ['tenant_id', 'user_id', 'month']) }}
    left join deals_by_month
        on {{ keys_match('keys', 'deals_by_month', ['tenant_id', 'user_id', 'month']) }}
    left join sales_cycle_by_month
        on {{ keys_match('keys', 'sales_cycle_by_month', ['tenant_id', 'user_id', 'month']) }}
),

final as (
    select
        {{ surrogate_key(['tenant_id', 'user_id', 'month']) }} as rep_month_key,
        combined.*,
        rank() over (
            partition by combined.tenant_id, combined.month order by combined.won_amount_usd desc
        ) as won_amount_rank
    from combined
)

select * from final
