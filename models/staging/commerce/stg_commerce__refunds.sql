with

base as (select * from {{ ref('base_commerce__refunds') }}),

renamed as (
    select
        {{ surrogate_key(['base.tenant_id', 'base.id']) }} as refund_key,
        cast(base.id as {{ dbt.type_string() }}) as refund_id,
        cast(base.tenant_id as {{ dbt.type_string() }}) as tenant_id,
        cast(base.order_id as {{ dbt.type_string() }}) as order_id,
        cast(base.amount as {{ dbt.type_numeric() }}) as amount,
        cast(nullif(lower(trim(base.reason)), '') as {{ dbt.type_string() }}) as refund_reason,
        cast(base.created_at as {{ dbt.type_timestamp() }}) as created_at,
        base._loaded_at
    from base
    where base.quarantine_reason is null
)

select * from renamed
