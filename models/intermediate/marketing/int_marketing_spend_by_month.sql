{#- Paid acquisition spend per tenant, month and channel, in USD at the
    month's rate. -#}
with

spend as (select * from {{ ref('stg_commerce__marketing_spend') }}),

spend_by_month as (
    select
        spend.tenant_id,
        cast({{ dbt.date_trunc('month', 'spend.spend_date') }} as date) as month,
        spend.channel,
        spend.currency,
        sum(spend.spend) as spend_local
    from spend
    group by 1, 2, 3, 4
),

converted as (
    select
        spend_by_month.tenant_id,
        spend_by_month.month,
        spend_by_month.channel,
        sum({{ to_usd('spend_by_month.spend_local') }}) as spend_usd
    from spend_by_month
    {{ fx_rates_join('spend_by_month.currency', 'spend_by_month.month') }}
    group by 1, 2, 3
)

select * from converted
