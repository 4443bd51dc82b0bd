{#- Latest version of each raw_crm.opportunities record (greatest updated_at, then _loaded_at), with the first
    contract rule it breaks, if any (checked in this order: null_key (null or blank), conflicting_versions, unknown_enum, unknown_enum, unknown_currency, negative_amount, out_of_range, out_of_range dates).
    stg_crm__opportunities keeps the clean rows, quarantine_crm__opportunities the rest. -#}

with

source as (select * from {{ source('raw_crm', 'opportunities') }}),

currencies as (select * from {{ ref('currencies') }}),

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
                lower(trim(latest.type)) not in (
                    'new_business', 'expansion', 'renewal'
                )
                then 'unknown_enum'
            when
                lower(trim(latest.stage)) not in (
                    'prospecting', 'proposal', 'negotiation', 'closed_won', 'closed_lost'
                )
                then 'unknown_enum'
            when latest.currency is not null and currencies.currency_code is null
                then 'unknown_currency'
            when
                latest.amount < 0
                then 'negative_amount'
            when
                latest.probability < 0
                or latest.probability > 100
                then 'out_of_range'
            when {{ out_of_range_dates('latest.', ['created_at', 'closed_at'], ['expected_close_date']) }}
                then 'out_of_range'
        end as quarantine_reason
    from latest
    left join currencies
        on upper(trim(latest.currency)) = currencies.currency_code
)

select * from checked
