{#- Rows of raw_commerce.refunds that break the contract: the latest version of each
    record, with the rule it broke. Nothing here reaches staging or the marts. -#}

with

base as (select * from {{ ref('base_commerce__refunds') }}),

quarantined as (
    select
        base.tenant_id,
        cast('raw_commerce.refunds' as {{ dbt.type_string() }}) as source_table,
        cast(base.id as {{ dbt.type_string() }}) as record_id,
        base.quarantine_reason as reason,
        base._loaded_at,
        base.id as raw_id,
        base.order_id as raw_order_id,
        base.amount as raw_amount,
        base.reason as raw_reason,
        base.created_at as raw_created_at
    from base
    where base.quarantine_reason is not null
)

select * from quarantined
