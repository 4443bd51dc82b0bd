{#- One row per opportunity, enriched from staging: open / won / lost flags,
    amount and weighted amount (amount x probability) in USD, sales cycle
    (lead created -> won) and days open. An amount converts at the rate of the
    month it belongs to: the close month for closed deals, the as-of month for
    open ones. fct_opportunities publishes it; intermediate models read it
    here, never the mart. -#}
with

opportunities as (select * from {{ ref('stg_crm__opportunities') }}),

leads as (select * from {{ ref('stg_crm__leads') }}),

dated as (
    select
        opportunities.*,
        opportunities.stage in ('prospecting', 'proposal', 'negotiation') as is_open,
        opportunities.stage = 'closed_won' as is_won,
        opportunities.stage = 'closed_lost' as is_lost,
        cast({{ dbt.date_trunc('month', 'opportunities.closed_at') }} as date) as closed_month,
        cast({{ dbt.date_trunc('month', 'opportunities.created_at') }} as date) as created_month,
        cast({{ dbt.date_trunc('month', 'coalesce(opportunities.closed_at, ' ~ as_of_date() ~ ')') }} as date)
            as amount_month
    from opportunities
),

enriched as (
    select
        dated.*,
        fx_rates.fx_rate_month,
        fx_rates.fx_rate_source,
        {{ as_money(to_usd('dated.amount')) }} as amount_usd,
        {{ as_money(to_usd('dated.amount') ~ ' * dated.probability / 100.0') }} as weighted_amount_usd,
        leads.created_at as lead_created_at,
        case
            when dated.is_won and leads.created_at is not null
                then {{ dbt.datediff('leads.created_at', 'dated.closed_at', 'day') }}
        end as sales_cycle_days,
        case
            when dated.closed_at is not null
                then {{ dbt.datediff('dated.created_at', 'dated.closed_at', 'day') }}
        end as days_open
    from dated
    {{ fx_rates_join('dated.currency', 'dated.amount_month') }}
    left join leads
        on dated.tenant_id = leads.tenant_id
        and dated.lead_id = leads.lead_id
)

select * from enriched
