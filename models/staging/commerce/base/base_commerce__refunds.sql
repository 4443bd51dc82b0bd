{#- Latest version of each raw_commerce.refunds record (latest _loaded_at), with the first
    contract rule it breaks, if any (checked in this order: null_key (null or blank), conflicting_versions, negative_amount, orphan_fk, out_of_range dates).
    stg_commerce__refunds keeps the clean rows, quarantine_commerce__refunds the rest. -#}

with

source as (select * from {{ source('raw_commerce', 'refunds') }}),

orders_keys as (
    select distinct
        tenant_id,
        id
    from {{ source('raw_commerce', 'orders') }}
    where id is not null and trim(id) != ''  -- a blank key identifies nothing
),

latest as (
    {{ dedup_latest('source', ['tenant_id', 'id'], ['_loaded_at']) | indent(4) }}
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
                latest.amount < 0
                then 'negative_amount'
            when orders_keys.id is null then 'orphan_fk'
            when {{ out_of_range_dates('latest.', ['created_at'], []) }}
                then 'out_of_range'
        end as quarantine_reason
    from latest
    left join orders_keys
        on latest.tenant_id = orders_keys.tenant_id
        and latest.order_id = orders_keys.id
)

select * from checked
