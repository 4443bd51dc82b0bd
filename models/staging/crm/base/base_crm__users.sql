{#- Latest version of each raw_crm.users record (greatest updated_at, then _loaded_at), with the first
    contract rule it breaks, if any (checked in this order: null_key (null or blank), conflicting_versions, unknown_enum, out_of_range dates).
    stg_crm__users keeps the clean rows, quarantine_crm__users the rest. -#}

with

source as (select * from {{ source('raw_crm', 'users') }}),

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
                lower(trim(latest.role)) not in (
                    'sales_rep', 'sales_manager', 'customer_success', 'admin'
                )
                then 'unknown_enum'
            when {{ out_of_range_dates('latest.', ['created_at'], []) }}
                then 'out_of_range'
        end as quarantine_reason
    from latest
)

select * from checked
