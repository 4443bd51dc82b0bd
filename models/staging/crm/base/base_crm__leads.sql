{#- Latest version of each raw_crm.leads record (greatest updated_at, then _loaded_at), with the first
    contract rule it breaks, if any (checked in this order: null_key (null or blank), conflicting_versions, unknown_enum, unknown_enum, out_of_range, out_of_range dates).
    stg_crm__leads keeps the clean rows, quarantine_crm__leads the rest. -#}

with

source as (select * from {{ source('raw_crm', 'leads') }}),

latest as (
    {{ dedup_latest('source', ['tenant_id', 'id'], ['updated_at', '_loaded_at']) | indent(4) }}
),

checked as (
    select
        latest.*,
        case
            when
                latest.id is null or trim(cast(latest.id as {{ dbt.type_string() }})) = ''
                then 'null_key'
            when latest._tied_versions > 1 then 'conflicting_versions'
            when
                lower(trim(latest.source)) not in (
                    'web', 'referral', 'paid_search', 'paid_social', 'event', 'outbound', 'partner'
                )
                then 'unknown_enum'
            when
                lower(trim(latest.status)) not in (
                    'new', 'contacted', 'qualified', 'unqualified', 'converted'
                )
                then 'unknown_enum'
            when
                latest.score < 0
                or latest.score > 100
                then 'out_of_range'
            when {{ out_of_range_dates(
                'latest.', ['created_at', 'first_contacted_at', 'qualified_at', 'converted_at'], []) }}
                then 'out_of_range'
        end as quarantine_reason
    from latest
)

select * from checked
