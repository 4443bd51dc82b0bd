{#- Rows of raw_commerce.customers that break the contract: the latest version of each
    record, with the rule it broke. Nothing here reaches staging or the marts. -#}

with

base as (select * from {{ ref('base_commerce__customers') }}),

quarantined as (
    select
        base.tenant_id,
        cast('raw_commerce.customers' as {{ dbt.type_string() }}) as source_table,
        cast(base.id as {{ dbt.type_string() }}) as record_id,
        base.quarantine_reason as reason,
        base._loaded_at,
        base.id as raw_id,
        base.email as raw_email,
        base.first_name as raw_first_name,
        base.last_name as raw_last_name,
        base.country_code as raw_country_code,
        base.accepts_marketing as raw_accepts_marketing,
        base.acquisition_channel as raw_acquisition_channel,
        base.created_at as raw_created_at,
        base.updated_at as raw_updated_at
    from base
    where base.quarantine_reason is not null
)

select * from quarantined
