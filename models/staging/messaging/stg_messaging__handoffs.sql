with

base as (select * from {{ ref('base_messaging__handoffs') }}),

renamed as (
    select
        {{ surrogate_key(['base.tenant_id', 'base.id']) }} as handoff_key,
        cast(base.id as {{ dbt.type_string() }}) as handoff_id,
        cast(base.tenant_id as {{ dbt.type_string() }}) as tenant_id,
        cast(base.conversation_id as {{ dbt.type_string() }}) as conversation_id,
        cast(nullif(lower(trim(base.trigger)), '') as {{ dbt.type_string() }}) as handoff_trigger,
        cast(base.requested_at as {{ dbt.type_timestamp() }}) as requested_at,
        cast(base.accepted_at as {{ dbt.type_timestamp() }}) as accepted_at,
        cast(base.agent_user_id as {{ dbt.type_string() }}) as agent_user_id,
        base._loaded_at
    from base
    where base.quarantine_reason is null
)

select * from renamed
