{#- Rows of raw_crm.activities that break the contract: the latest version of each
    record, with the rule it broke. Nothing here reaches staging or the marts. -#}

with

base as (select * from {{ ref('base_crm__activities') }}),

quarantined as (
    select
        base.tenant_id,
        cast('raw_crm.activities' as {{ dbt.type_string() }}) as source_table,
        cast(base.id as {{ dbt.type_string() }}) as record_id,
        base.quarantine_reason as reason,
        base._loaded_at,
        base.id as raw_id,
        base.type as raw_type,
        base.lead_id as raw_lead_id,
        base.account_id as raw_account_id,
        base.user_id as raw_user_id,
        base.occurred_at as raw_occurred_at
    from base
    where base.quarantine_reason is not null
)

select * from quarantined
