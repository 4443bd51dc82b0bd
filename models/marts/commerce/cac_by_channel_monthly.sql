{#- Store CAC per tenant, month and acquisition channel: the channel's paid
    spend in the month (USD) / store customers acquired through it that month
    (cohort month = first paid order), and the payback in months: the first
    month_number at which the channel cohort's cumulative revenue per
    customer reaches the CAC (null while it has not). Channels with spend but
    no customers have a null CAC; channels without spend (organic) have none. -#}
with

spend as (select * from {{ ref('int_marketing_spend_by_month') }}),

cohorts as (select * from {{ ref('int_store_cohorts_by_channel') }}),

acquired as (
    select
        tenant_id,
        cohort_month as month,
        acquisition_channel as channel,
        cohort_size as new_customers
    from cohorts
    where month_number = 0
),

keys as (
    {{ complete_period_keys(['spend', 'acquired'], ['tenant_id', 'month', 'channel']) }}
),

cac as (
    select
        keys.tenant_id,
        keys.month,
        keys.channel,
        {{ as_money('coalesce(spend.spend_usd, 0)') }} as spend_usd,
        coalesce(acquired.new_customers, 0) as new_customers,
        {{ safe_divide('spend.spend_usd', 'acquired.new_customers') }} as cac_usd
    from keys
    left join spend
        on {{ keys_match('keys', 'spend', ['tenant_id', 'month', 'channel']) }}
    left join acquired
        on {{ keys_match('keys', 'acquired', ['tenant_id', 'month', 'channel']) }}
),

payback as (
    select
        cac.tenant_id,
        cac.month,
        cac.channel,
        min(cohorts.month_number) as payback_months
    from cac
    inner join cohorts
        on cac.tenant_id = cohorts.tenant_id
        and cac.month = cohorts.cohort_month
        and cac.channel = cohorts.acquisition_channel
        and cac.cac_usd <= cohorts.cumulative_revenue_per_customer
    group by cac.tenant_id, cac.month, cac.channel
),

final as (
    select
        {{ surrogate_key(['cac.tenant_id', 'cac.month', 'cac.channel']) }} as channel_month_key,
        cac.*,
        payback.payback_months
    from cac
    left join payback
        on cac.tenant_id = payback.tenant_id
        and cac.month = payback.month
        and cac.channel = payback.channel
)

select * from final
