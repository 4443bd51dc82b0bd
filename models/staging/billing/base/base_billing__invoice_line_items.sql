{#- Latest version of each raw_billing.invoice_line_items record (latest _loaded_at), with the first
    contract rule it breaks, if any (checked in this order: null_key (null or blank), conflicting_versions, unknown_enum, unknown_currency, negative_quantity, negative_amount, end_before_start, orphan_fk, out_of_range dates).
    stg_billing__invoice_line_items keeps the clean rows, quarantine_billing__invoice_line_items the rest. -#}

with

source as (select * from {{ source('raw_billing', 'invoice_line_items') }}),

currencies as (select * from {{ ref('currencies') }}),

invoices_keys as (
    select distinct
        tenant_id,
        id
    from {{ source('raw_billing', 'invoices') }}
    where id is not null and trim(id) != ''  -- a blank key identifies nothing
),

latest as (
    {{ dedup_latest('source', ['tenant_id', 'id'], ['_loaded_at']) | indent(4) }}
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
                    'subscription', 'invoiceitem'
                )
                then 'unknown_enum'
            when latest.currency is not null and currencies.currency_code is null
                then 'unknown_currency'
            when
                latest.quantity < 0
                then 'negative_quantity'
            when
                latest.discount_amount < 0
                or (latest.amount < 0 and not coalesce(latest.is_proration, false))
                then 'negative_amount'
            when
                latest.period_end < latest.period_start
                then 'end_before_start'
            when invoices_keys.id is null then 'orphan_fk'
            when {{ out_of_range_dates('latest.', [], ['period_start', 'period_end']) }}
                then 'out_of_range'
        end as quarantine_reason
    from latest
    left join currencies
        on upper(trim(latest.currency)) = currencies.currency_code
    left join invoices_keys
        on latest.tenant_id = invoices_keys.tenant_id
        and latest.invoice_id = invoices_keys.id
)

select * from checked
