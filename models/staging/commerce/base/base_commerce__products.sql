{#- Latest version of each raw_commerce.products record (greatest updated_at, then _loaded_at), with the first
    contract rule it breaks, if any (checked in this order: null_key (null or blank), conflicting_versions, negative_amount, out_of_range dates).
    stg_commerce__products keeps the clean rows, quarantine_commerce__products the rest. -#}

with

source as (select * from {{ source('raw_commerce', 'products') }}),

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
                latest.price < 0
                or latest.cost < 0
                then 'negative_amount'
            when {{ out_of_range_dates('latest.', ['created_at'], []) }}
                then 'out_of_range'
        end as quarantine_reason
    from latest
)

select * from checked
