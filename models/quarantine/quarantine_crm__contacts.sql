{#- Rows of raw_crm.contacts that break the contract: the latest version of each
    record, with the rule it broke. Nothing here reaches staging or the marts. -#}

with

base as (select * from {{ ref('base_crm__contacts') }}),

quarantined as (
    select
        base.tenant_id,
        cast('raw_crm.contacts' as {{ dbt.type_string() }}) as source_table,
        cast(base.id as {{ dbt.type_string() }}) as record_id,
        base.quarantine_reason as reason,
        base._loaded_at,
        base.id as raw_id,
        base.account_id as raw_account_id,
        base.email as raw_email,
        base.first_name as raw_first_name,
        base.last_name as raw_last_name,
        base.title as raw_title,
        base.created_at as raw_created_at,
        base.updated_at as raw_updated_at
    from base
    where base.quarantine_reason is not null
)

select * from quarantined
