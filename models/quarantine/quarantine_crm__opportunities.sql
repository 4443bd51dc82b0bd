{#- Rows of raw_crm.opportunities that break the contract: the latest version of each
    record, with the rule it broke. Nothing here reaches staging or the marts. -#}

with

base as (select * from {{ ref('base_crm__opportunities') }}),

quarantined as (
    select
        base.tenant_id,
        cast('raw_crm.opportunities' as {{ dbt.type_string() }}) as source_table,
        cast(base.id as {{ dbt.type_string() }}) as record_id,
        base.quarantine_reason as reason,
        base._loaded_at,
        base.id as raw_id,
        base.account_id as raw_account_id,
        base.lead_id as raw_lead_id,
        base.owner_user_id as raw_owner_user_id,
        base.name as raw_name,
        base.type as raw_type,
        base.amount as raw_amount,
        base.currency as raw_currency,
        base.stage as raw_stage,
        base.probability as raw_probability,
        base.created_at as raw_created_at,
        base.expected_close_date as raw_expected_close_date,
        base.closed_at as raw_closed_at,
        base.lost_reason as raw_lost_reason,
        base.updated_at as raw_updated_at
    from base
    where base.quarantine_reason is not null
)

select * from quarantined
