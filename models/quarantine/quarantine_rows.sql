{#- Every quarantined raw row in one place, for monitoring and alerting. -#}

with

all_rows as (

    select
        tenant_id,
        source_table,
        record_id,
        reason,
        _loaded_at
    from {{ ref('quarantine_crm__users') }}

    union all

    select
        tenant_id,
        source_table,
        record_id,
        reason,
        _loaded_at
    from {{ ref('quarantine_crm__accounts') }}

    union all

    select
        tenant_id,
        source_table,
        record_id,
        reason,
        _loaded_at
    from {{ ref('quarantine_crm__contacts') }}

    union all

    select
        tenant_id,
        source_table,
        record_id,
        reason,
        _loaded_at
    from {{ ref('quarantine_crm__leads') }}

    union all

    select
        tenant_id,
        source_table,
        record_id,
        reason,
        _loaded_at
    from {{ ref('quarantine_crm__opportunities') }}

    union all

    select
        tenant_id,
        source_table,
        record_id,
        reason,
        _loaded_at
    from {{ ref('quarantine_crm__activities') }}

    union all

    select
        tenant_id,
        source_table,
        record_id,
        reason,
        _loaded_at
    from {{ ref('quarantine_crm__health_scores') }}

    union all

    select
        tenant_id,
        source_table,
        record_id,
        reason,
        _loaded_at
    from {{ ref('quarantine_billing__customers') }}

    union all

    select
        tenant_id,
        source_table,
        record_id,
        reason,
        _loaded_at
    from {{ ref('quarantine_billing__products') }}

    union all

    select
        tenant_id,
        source_table,
        record_id,
        reason,
        _loaded_at
    from {{ ref('quarantine_billing__prices') }}

    union all

    select
        tenant_id,
        source_table,
        record_id,
        reason,
        _loaded_at
    from {{ ref('quarantine_billing__subscriptions') }}

    union all

    select
        tenant_id,
        source_table,
        record_id,
        reason,
        _loaded_at
    from {{ ref('quarantine_billing__invoices') }}

    union all

    select
        tenant_id,
        source_table,
        record_id,
        reason,
        _loaded_at
    from {{ ref('quarantine_billing__invoice_line_items') }}

    union all

    select
        tenant_id,
        source_table,
        record_id,
        reason,
        _loaded_at
    from {{ ref('quarantine_billing__payments') }}

    union all

    select
        tenant_id,
        source_table,
        record_id,
        reason,
        _loaded_at
    from {{ ref('quarantine_commerce__customers') }}

    union all

    select
        tenant_id,
        source_table,
        record_id,
        reason,
        _loaded_at
    from {{ ref('quarantine_commerce__products') }}

    union all

    select
        tenant_id,
        source_table,
        record_id,
        reason,
        _loaded_at
    from {{ ref('quarantine_commerce__orders') }}

    union all

    select
        tenant_id,
        source_table,
        record_id,
        reason,
        _loaded_at
    from {{ ref('quarantine_commerce__order_items') }}

    union all

    select
        tenant_id,
        source_table,
        record_id,
        reason,
        _loaded_at
    from {{ ref('quarantine_commerce__refunds') }}

    union all

    select
        tenant_id,
        source_table,
        record_id,
        reason,
        _loaded_at
    from {{ ref('quarantine_commerce__web_events') }}

    union all

    select
        tenant_id,
        source_table,
        record_id,
        reason,
        _loaded_at
    from {{ ref('quarantine_commerce__marketing_spend') }}

)

select * from all_rows
