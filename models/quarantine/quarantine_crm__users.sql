{#- Rows of raw_crm.users that break the contract: the latest version of each
    record, with the rule it broke. Nothing here reaches staging or the marts. -#}

with

base as (select * from {{ ref('base_crm__users') }}),

quarantined as (
    select
        base.tenant_id,
        cast('raw_crm.users' as {{ dbt.type_string() }}) as source_table,
        cast(base.id as {{ dbt.type_string() }}) as record_id,
        base.quarantine_reason as reason,
        base._loaded_at,
        base.id as raw_id,
        base.full_name as raw_full_name,
        base.email as raw_email,
        base.role as raw_role,
        base.team as raw_team,
        base.created_at as raw_created_at,
        base.is_active as raw_is_active,
        base.updated_at as raw_updated_at
    from base
    where base.quarantine_reason is not null
)

select * from quarantined
