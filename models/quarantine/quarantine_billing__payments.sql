{#- Rows of raw_billing.payments that break the contract: the latest version of each
    record, with the rule it broke. Nothing here reaches staging or the marts. -#}

with

base as (select * from {{ ref('base_billing__payments') }}),

quarantined as (
    select
        base.tenant_id,
        cast('raw_billing.payments' as {{ dbt.type_string() }}) as source_table,
        cast(base.id as {{ dbt.type_string() }}) as record_id,
        base.quarantine_reason as reason,
        base._loaded_at,
        base.id as raw_id,
        base.invoice_id as raw_invoice_id,
        base.customer_id as raw_customer_id,
        base.amount as raw_amount,
        base.amount_refunded as raw_amount_refunded,
        base.currency as raw_currency,
        base.status as raw_status,
        base.failure_code as raw_failure_code,
        base.created_at as raw_created_at
    from base
    where base.quarantine_reason is not null
)

select * from quarantined
