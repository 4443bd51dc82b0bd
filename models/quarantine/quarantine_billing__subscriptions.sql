{#- Rows of raw_billing.subscriptions that break the contract: the latest version of each
    record, with the rule it broke. Nothing here reaches staging or the marts. -#}

with

base as (select * from {{ ref('base_billing__subscriptions') }}),

quarantined as (
    select
        base.tenant_id,
        cast('raw_billing.subscriptions' as {{ dbt.type_string() }}) as source_table,
        cast(base.id as {{ dbt.type_string() }}) as record_id,
        base.quarantine_reason as reason,
        base._loaded_at,
        base.id as raw_id,
        base.customer_id as raw_customer_id,
        base.status as raw_status,
        base.created_at as raw_created_at,
        base.start_date as raw_start_date,
        base.trial_start as raw_trial_start,
        base.trial_end as raw_trial_end,
        base.cancel_at_period_end as raw_cancel_at_period_end,
        base.canceled_at as raw_canceled_at,
        base.ended_at as raw_ended_at,
        base.current_period_start as raw_current_period_start,
        base.current_period_end as raw_current_period_end,
        base.updated_at as raw_updated_at
    from base
    where base.quarantine_reason is not null
)

select * from quarantined
