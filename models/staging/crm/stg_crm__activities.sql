with

base as (select * from {{ ref('base_crm__activities') }}),

renamed as (
    select
        {{ surrogate_key(['base.tenant_id', 'base.id']) }} as activity_key,
        cast(base.id as {{ dbt.type_string() }}) as activity_id,
        cast(base.tenant_id as {{ dbt.type_string() }}) as tenant_id,
        cast(nullif(lower(trim(base.type)), '') as {{ dbt.type_string() }}) as activity_type,
        cast(base.lead_id as {{ dbt.type_string() }}) as lead_id,
        cast(base.account_id as {{ dbt.type_string() }}) as account_id,
        cast(base.user_id as {{ dbt.type_string() }}) as user_id,
        cast(base.occurred_at as {{ dbt.type_timestamp() }}) as occurred_at,
        base._loaded_at
    from base
    where base.quarantine_reason is null
)

select * from renamed
