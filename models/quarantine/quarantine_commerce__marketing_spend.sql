{#- Rows of raw_commerce.marketing_spend that break the contract: the latest version of each
    record, with the rule it broke. Nothing here reaches staging or the marts. -#}

with

base as (select * from {{ ref('base_commerce__marketing_spend') }}),

quarantined as (
    select
        base.tenant_id,
        cast('raw_commerce.marketing_spend' as {{ dbt.type_string() }}) as source_table,
        {{
            dbt.concat([
            "cast(base.spend_date as " ~ dbt.type_string() ~ ")",
            "'|'",
            "cast(base.channel as " ~ dbt.type_string() ~ ")"
        ]) }} as record_id,
        base.quarantine_reason as reason,
        base._loaded_at,
        base.spend_date as raw_spend_date,
        base.channel as raw_channel,
        base.spend as raw_spend,
        base.currency as raw_currency
    from base
    where base.quarantine_reason is not null
)

select * from quarantined
