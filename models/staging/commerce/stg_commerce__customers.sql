with

base as (select * from {{ ref('base_commerce__customers') }}),

renamed as (
    select
        {{ surrogate_key(['base.tenant_id', 'base.id']) }} as customer_key,
        cast(base.id as {{ dbt.type_string() }}) as customer_id,
        cast(base.tenant_id as {{ dbt.type_string() }}) as tenant_id,
        cast(nullif(lower(trim(base.email)), '') as {{ dbt.type_string() }}) as email,
        cast(nullif(trim(base.first_name), '') as {{ dbt.type_string() }}) as first_name,
        cast(nullif(trim(base.last_name), '') as {{ dbt.type_string() }}) as last_name,
        cast(nullif(upper(trim(base.country_code)), '') as {{ dbt.type_string() }}) as country_code,
        cast(base.accepts_marketing as {{ dbt.type_boolean() }}) as accepts_marketing,
        cast(nullif(lower(trim(base.acquisition_channel)), '') as {{ dbt.type_string() }}) as acquisition_channel,
        cast(base.created_at as {{ dbt.type_timestamp() }}) as created_at,
        cast(base.updated_at as {{ dbt.type_timestamp() }}) as updated_at,
        base._loaded_at
    from base
    where base.quarantine_reason is null
)

select * from renamed
