with

base as (select * from {{ ref('base_crm__users') }}),

renamed as (
    select
        {{ surrogate_key(['base.tenant_id', 'base.id']) }} as user_key,
        cast(base.id as {{ dbt.type_string() }}) as user_id,
        cast(base.tenant_id as {{ dbt.type_string() }}) as tenant_id,
        cast(nullif(trim(base.full_name), '') as {{ dbt.type_string() }}) as full_name,
        cast(nullif(lower(trim(base.email)), '') as {{ dbt.type_string() }}) as email,
        cast(nullif(lower(trim(base.role)), '') as {{ dbt.type_string() }}) as role,
        cast(nullif(trim(base.team), '') as {{ dbt.type_string() }}) as team,
        cast(base.created_at as {{ dbt.type_timestamp() }}) as created_at,
        cast(base.is_active as {{ dbt.type_boolean() }}) as is_active,
        cast(base.updated_at as {{ dbt.type_timestamp() }}) as updated_at,
        base._loaded_at
    from base
    where base.quarantine_reason is null
)

select * from renamed
