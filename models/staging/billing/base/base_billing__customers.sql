{#- Latest version of each raw_billing.customers record (greatest updated_at, then _loaded_at), with the first
    contract rule it breaks, if any (checked in this order: null_key (null or blank), conflicting_versions, unknown_currency, out_of_range dates).
    stg_billing__customers keeps the clean rows, quarantine_billing__customers the rest. -#}

with

source as (select * from {{ source('raw_billing', 'customers') }}),

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
            when latest.currency is not null and currencies.currency_code is null
                then 'unknown_currency'
            when {{ out_of_range_dates('latest.', ['created_at'], []) }}
                then 'out_of_range'
        end as quarantine_reason
    from latest
    left join currencies
        on upper(trim(latest.currency)) = currencies.currency_code
)

select * from checked
