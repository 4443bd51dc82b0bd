{#- Latest version of each raw_crm.health_scores record (latest _loaded_at), with the first
    contract rule it breaks, if any (checked in this order: null_key (null or blank), conflicting_versions, out_of_range, out_of_range dates).
    stg_crm__health_scores keeps the clean rows, quarantine_crm__health_scores the rest. -#}

with

source as (select * from {{ source('raw_crm', 'health_scores') }}),

latest as (
    {{ dedup_latest('source', ['tenant_id', 'account_id', 'scored_on'], ['_loaded_at']) | indent(4) }}
),

checked as (
    select
        latest.*,
        case
            when
                latest.account_id is null
                or trim(cast(latest.account_id as {{ dbt.type_string() }})) = ''
                or latest.scored_on is null
                then 'null_key'
            when latest._tied_versions > 1 then 'conflicting_versions'
            when
                latest.score < 0
                or latest.score > 100
                then 'out_of_range'
            when {{ out_of_range_dates('latest.', ['scored_on'], []) }}
                then 'out_of_range'
        end as quarantine_reason
    from latest
)

select * from checked
