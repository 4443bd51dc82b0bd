with

base as (select * from {{ ref('base_commerce__products') }}),

renamed as (
    select
        {{ surrogate_key(['base.tenant_id', 'base.id']) }} as product_key,
        cast(base.id as {{ dbt.type_string() }}) as product_id,
        cast(base.tenant_id as {{ dbt.type_string() }}) as tenant_id,
        cast(nullif(trim(base.title), '') as {{ dbt.type_string() }}) as product_title,
        cast(nullif(lower(trim(base.category)), '') as {{ dbt.type_string() }}) as category,
        cast(nullif(trim(base.vendor), '') as {{ dbt.type_string() }}) as vendor,
        cast(base.price as {{ dbt.type_numeric() }}) as price,
        cast(base.cost as {{ dbt.type_numeric() }}) as cost,
        cast(base.created_at as {{ dbt.type_timestamp() }}) as created_at,
        cast(base.updated_at as {{ dbt.type_timestamp() }}) as updated_at,
        base._loaded_at
    from base
    where base.quarantine_reason is null
)

select * from renamed
