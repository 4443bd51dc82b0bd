{#- Rows of raw_billing.prices that break the contract: the latest version of each
    record, with the rule it broke. Nothing here reaches staging or the marts. -#}

with

base as (select * from {{ ref('base_billing__prices') }}),

quarantined as (
    select
        base.tenant_id,
        cast('raw_billing.prices' as {{ dbt.type_string() }}) as source_table,
        cast(base.id as {{ dbt.type_string() }}) as record_id,
        base.quarantine_reason as reason,
        base._loaded_at,
        base.id as raw_id,
        base.product_id as raw_product_id,
        base.nickname as raw_nickname,
        base.unit_amount as raw_unit_amount,
        base.currency as raw_currency,
        base.recurring_interval as raw_recurring_interval,
        base.recurring_interval_count as raw_recurring_interval_count,
        base.is_active as raw_is_active,
        base.created_at as raw_created_at
    from base
    where base.quarantine_reason is not null
)

select * from quarantined
