with

base as (select * from {{ ref('base_commerce__order_items') }}),

renamed as (
    select
        {{ surrogate_key(['base.tenant_id', 'base.id']) }} as order_item_key,
        cast(base.id as {{ dbt.type_string() }}) as order_item_id,
        cast(base.tenant_id as {{ dbt.type_string() }}) as tenant_id,
        cast(base.order_id as {{ dbt.type_string() }}) as order_id,
        cast(base.product_id as {{ dbt.type_string() }}) as product_id,
        cast(base.quantity as {{ dbt.type_int() }}) as quantity,
        cast(base.unit_price as {{ dbt.type_numeric() }}) as unit_price,
        cast(base.discount as {{ dbt.type_numeric() }}) as discount,
        base._loaded_at
    from base
    where base.quarantine_reason is null
)

select * from renamed
