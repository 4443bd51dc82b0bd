{#- Rows of raw_crm.leads that break the contract: the latest version of each
    record, with the rule it broke. Nothing here reaches staging or the marts. -#}

with

base as (select * from {{ ref('base_crm__leads') }}),

quarantined as (
    select
        base.tenant_id,
        cast('raw_crm.leads' as {{ dbt.type_string() }}) as source_table,
        cast(base.id as {{ dbt.type_string() }}) as record_id,
        base.quarantine_reason as reason,
        base._loaded_at,
        base.id as raw_id,
        base.email as raw_email,
        base.company_name as raw_company_name,
        base.source as raw_source,
        base.status as raw_status,
        base.score as raw_score,
        base.owner_user_id as raw_owner_user_id,
        base.created_at as raw_created_at,
        base.first_contacted_at as raw_first_contacted_at,
        base.qualified_at as raw_qualified_at,
        base.converted_at as raw_converted_at,
        base.converted_account_id as raw_converted_account_id,
        base.updated_at as raw_updated_at
    from base
    where base.quarantine_reason is not null
)

select * from quarantined
