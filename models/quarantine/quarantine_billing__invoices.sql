{#- Rows of raw_billing.invoices that break the contract: the latest version of each
    record, with the rule it broke. Nothing here reaches staging or the marts. -#}

with

base as (select * from {{ ref('base_billing__invoices') }}),

quarantined as (
    select
        base.tenant_id,
        cast('raw_billing.invoices' as {{ dbt.type_string() }}) as source_table,
        cast(base.id as {{ dbt.type_string() }}) as record_id,
        base.quarantine_reason as reason,
        base._loaded_at,
        base.id as raw_id,
        base.customer_id as raw_customer_id,
        base.subscription_id as raw_subscription_id,
        base.status as raw_status,
        base.currency as raw_currency,
        base.subtotal as raw_subtotal,
        base.discount_total as raw_discount_total,
        base.tax as raw_tax,
        base.total as raw_total,
        base.amount_paid as raw_amount_paid,
        base.created_at as raw_created_at,
        base.period_start as raw_period_start,
        base.period_end as raw_period_end,
        base.paid_at as raw_paid_at,
        base.updated_at as raw_updated_at
    from base
    where base.quarantine_reason is not null
)

select * from quarantined
