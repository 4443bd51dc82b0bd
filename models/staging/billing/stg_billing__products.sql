with

base as (select * from {{ ref('base_billing__products') }}),

renamed as (
    select
        {{ surrogate_key(['base.tenant_id', 'base.id']) }} as product_key,
        cast(base.id as {{ dbt.type_string() }}) as product_id,
        cast(base.tenant_id as {{ dbt.type_string() }}) as tenant_id,
        cast(nullif(trim(base.name), '') as {{ dbt.type_string() }}) as product_name,
        cast(nullif(lower(trim(base.product_line)), '') as {{ dbt.type_string() }}) as product_line,
        cast(base.created_at as {{ dbt.type_timestamp() }}) as created_at,
        base._loaded_at
    from base
    where base.quarantine_reason is null
)

select * from renamed
