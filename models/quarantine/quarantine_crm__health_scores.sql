{#- Rows of raw_crm.health_scores that break the contract: the latest version of each
    record, with the rule it broke. Nothing here reaches staging or the marts. -#}

with

base as (select * from {{ ref('base_crm__health_scores') }}),

quarantined as (
    select
        base.tenant_id,
        cast('raw_crm.health_scores' as {{ dbt.type_string() }}) as source_table,
        {{
            dbt.concat([
            "cast(base.account_id as " ~ dbt.type_string() ~ ")",
            "'|'",
            "cast(base.scored_on as " ~ dbt.type_string() ~ ")"
        ]) }} as record_id,
        base.quarantine_reason as reason,
        base._loaded_at,
        base.account_id as raw_account_id,
        base.scored_on as raw_scored_on,
        base.score as raw_score
    from base
    where base.quarantine_reason is not null
)

select * from quarantined
