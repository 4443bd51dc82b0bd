{#- Latest version of each raw_billing.invoices record (greatest updated_at, then _loaded_at), with the first
    contract rule it breaks, if any (checked in this order: null_key (null or blank), conflicting_versions, unknown_enum, unknown_currency, negative_amount, end_before_start, orphan_fk, out_of_range dates).
    stg_billing__invoices keeps the clean rows, quarantine_billing__invoices the rest. -#}

with

source as (select * from {{ source('raw_billing', 'invoices') }}),

currencies as (select * from {{ ref('currencies') }}),

customers_keys as (
    select distinct
        tenant_id,
        id
    from {{ source('raw_billing', 'customers') }}
    where id is not null and trim(id) != ''  -- a blank key identifies nothing
),

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
                lower(trim(latest.status)) not in (
                    'draft', 'open', 'paid', 'void', 'uncollectible'
                )
                then 'unknown_enum'
            when latest.currency is not null and currencies.currency_code is null
                then 'unknown_currency'
            when
                latest.subtotal < 0
                or latest.discount_total < 0
                or latest.tax < 0
                or latest.total < 0
                or latest.amount_paid < 0
                then 'negative_amount'
            when
                latest.period_end < latest.period_start
                then 'end_before_start'
            when customers_keys.id is null then 'orphan_fk'
            when {{ out_of_range_dates('latest.', ['created_at', 'paid_at'], ['period_start', 'period_end']) }}
                then 'out_of_range'
        end as quarantine_reason
    from latest
    left join currencies
        on upper(trim(latest.currency)) = currencies.currency_code
    left join customers_keys
        on latest.tenant_id = customers_keys.tenant_id
        and latest.customer_id = customers_keys.id
)

select * from checked
