{#- Rows of raw_billing.customers that break the contract: the latest version of each
    record, with the rule it broke. Nothing here reaches staging or the marts. -#}

with

base as (select * from {{ ref('base_billing__customers') }}),

quarantined as (
    select
        base.tenant_id,
        cast('raw_billing.customers' as {{ dbt.type_string() }}) as source_table,
        cast(base.id as {{ dbt.type_string() }}) as record_id,
        base.quarantine_reason as reason,
        base._loaded_at,
        base.id as raw_id,
        base.crm_account_id as raw_crm_account_id,
        base.email as raw_email,
        base.name as raw_name,
        base.currency as raw_currency,
        base.created_at as raw_created_at,
        base.is_deleted as raw_is_deleted,
        base.updated_at as raw_updated_at
    from base
    where base.quarantine_reason is not null
)

select * from quarantined
