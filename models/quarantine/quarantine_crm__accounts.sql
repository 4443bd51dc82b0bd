{#- Rows of raw_crm.accounts that break the contract: the latest version of each
    record, with the rule it broke. Nothing here reaches staging or the marts. -#}

with

base as (select * from {{ ref('base_crm__accounts') }}),

quarantined as (
    select
        base.tenant_id,
        cast('raw_crm.accounts' as {{ dbt.type_string() }}) as source_table,
        cast(base.id as {{ dbt.type_string() }}) as record_id,
        base.quarantine_reason as reason,
        base._loaded_at,
        base.id as raw_id,
        base.name as raw_name,
        base.domain as raw_domain,
        base.industry as raw_industry,
        base.employee_count as raw_employee_count,
        base.country_code as raw_country_code,
        base.owner_user_id as raw_owner_user_id,
        base.created_at as raw_created_at,
        base.updated_at as raw_updated_at,
        base.is_deleted as raw_is_deleted
    from base
    where base.quarantine_reason is not null
)

select * from quarantined
