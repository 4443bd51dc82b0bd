{#- Latest version of each raw_commerce.marketing_spend record (latest _loaded_at), with the first
    contract rule it breaks, if any (checked in this order: null_key (null or blank), conflicting_versions, unknown_currency, negative_amount, out_of_range dates).
    stg_commerce__marketing_spend keeps the clean rows, quarantine_commerce__marketing_spend the rest. -#}

with

source as (select * from {{ source('raw_commerce', 'marketing_spend') }}),

currencies as (select * from {{ ref('currencies') }}),

latest as (
    {{ dedup_latest('source', ['tenant_id', 'spend_date', 'channel'], ['_loaded_at']) | indent(4) }}
),

checked as (
    select
        latest.*,
        case
            when
                latest.spend_date is null
                or latest.channel is null
                or trim(cast(latest.channel as {{ dbt.type_string() }})) = ''
                then 'null_key'
            when latest._tied_versions > 1 then 'conflicting_versions'
            when latest.currency is not null and currencies.currency_code is null
                then 'unknown_currency'
            when
                latest.spend < 0
                then 'negative_amount'
            when {{ out_of_range_dates('latest.', ['spend_date'], []) }}
                then 'out_of_range'
        end as quarantine_reason
    from latest
    left join currencies
        on upper(trim(latest.currency)) = currencies.currency_code
)

select * from checked
