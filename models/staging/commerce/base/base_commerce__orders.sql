{#- Latest version of each raw_commerce.orders record (greatest updated_at, then _loaded_at), with the first
    contract rule it breaks, if any (checked in this order: null_key (null or blank), conflicting_versions, unknown_enum, unknown_enum, unknown_currency, negative_amount, out_of_range dates).
    stg_commerce__orders keeps the clean rows, quarantine_commerce__orders the rest. -#}

with

source as (select * from {{ source('raw_commerce', 'orders') }}),

currencies as (select * from {{ ref('currencies') }}),

latest as (
    {{ dedup_latest('source', ['tenant_id', 'id'], ['updated_at', '_loaded_at']) | indent(4) }}
),

checked as (
    select
        latest.*,
        case
            when
                latest.id is null or trim(cast(latest.id as {{ dbt.type_string() }})) = ''
                then 'null_key'
            when latest._tied_versions > 1 then 'conflicting_versions'
            when
                lower(trim(latest.status)) not in (
                    'pending', 'paid', 'fulfilled', 'cancelled', 'refunded', 'partially_refunded'
                )
                then 'unknown_enum'
            when
                lower(trim(latest.channel)) not in (
                    'web', 'mobile', 'pos', 'marketplace'
                )
                then 'unknown_enum'
            when latest.currency is not null and currencies.currency_code is null
                then 'unknown_currency'
            when
                latest.subtotal < 0
                or latest.discount_total < 0
                or latest.shipping_total < 0
                or latest.tax_total < 0
                or latest.total < 0
                then 'negative_amount'
            when {{ out_of_range_dates('latest.', ['placed_at', 'cancelled_at', 'fulfilled_at'], []) }}
                then 'out_of_range'
        end as quarantine_reason
    from latest
    left join currencies
        on upper(trim(latest.currency)) = currencies.currency_code
)

select * from checked
