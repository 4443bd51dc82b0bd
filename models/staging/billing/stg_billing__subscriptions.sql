with

base as (select * from {{ ref('base_billing__subscriptions') }}),

renamed as (
    select
        {{ surrogate_key(['base.tenant_id', 'base.id']) }} as subscription_key,
        cast(base.id as {{ dbt.type_string() }}) as subscription_id,
        cast(base.tenant_id as {{ dbt.type_string() }}) as tenant_id,
        cast(base.customer_id as {{ dbt.type_string() }}) as customer_id,
        cast(nullif(lower(trim(base.status)), '') as {{ dbt.type_string() }}) as status,
        cast(base.created_at as {{ dbt.type_timestamp() }}) as created_at,
        cast(base.start_date as {{ dbt.type_timestamp() }}) as started_at,
        cast(base.trial_start as {{ dbt.type_timestamp() }}) as trial_started_at,
        cast(base.trial_end as {{ dbt.type_timestamp() }}) as trial_ended_at,
        cast(base.cancel_at_period_end as {{ dbt.type_boolean() }}) as cancel_at_period_end,
        cast(base.canceled_at as {{ dbt.type_timestamp() }}) as canceled_at,
        cast(base.ended_at as {{ dbt.type_timestamp() }}) as ended_at,
        cast(base.current_period_start as {{ dbt.type_timestamp() }}) as current_period_start_at,
        cast(base.current_period_end as {{ dbt.type_timestamp() }}) as current_period_end_at,
        cast(base.updated_at as {{ dbt.type_timestamp() }}) as updated_at,
        base._loaded_at
    from base
    where base.quarantine_reason is null
)

select * from renamed
