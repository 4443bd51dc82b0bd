with

base as (select * from {{ ref('base_commerce__orders') }}),

renamed as (
    select
        {{ surrogate_key(['base.tenant_id', 'base.id']) }} as order_key,
        cast(base.id as {{ dbt.type_string() }}) as order_id,
        cast(base.tenant_id as {{ dbt.type_string() }}) as tenant_id,
        cast(base.customer_id as {{ dbt.type_string() }}) as customer_id,
        cast(base.order_number as {{ dbt.type_bigint() }}) as order_number,
        cast(nullif(lower(trim(base.status)), '') as {{ dbt.type_string() }}) as status,
        cast(nullif(upper(trim(base.currency)), '') as {{ dbt.type_string() }}) as currency,
        cast(base.subtotal as {{ dbt.type_numeric() }}) as subtotal,
        cast(base.discount_total as {{ dbt.type_numeric() }}) as discount_total,
        cast(base.shipping_total as {{ dbt.type_numeric() }}) as shipping_total,
        cast(base.tax_total as {{ dbt.type_numeric() }}) as tax_total,
        cast(base.total as {{ dbt.type_numeric() }}) as total,
        cast(nullif(lower(trim(base.channel)), '') as {{ dbt.type_string() }}) as channel,
        cast(base.placed_at as {{ dbt.type_timestamp() }}) as placed_at,
        cast(base.cancelled_at as {{ dbt.type_timestamp() }}) as cancelled_at,
        cast(base.fulfilled_at as {{ dbt.type_timestamp() }}) as fulfilled_at,
        cast(base.updated_at as {{ dbt.type_timestamp() }}) as updated_at,
        base._loaded_at
    from base
    where base.quarantine_reason is null
)

select * from renamed
