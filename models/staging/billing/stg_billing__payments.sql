with

base as (select * from {{ ref('base_billing__payments') }}),

currencies as (select * from {{ ref('currencies') }}),

renamed as (
    select
        {{ surrogate_key(['base.tenant_id', 'base.id']) }} as payment_key,
        cast(base.id as {{ dbt.type_string() }}) as payment_id,
        cast(base.tenant_id as {{ dbt.type_string() }}) as tenant_id,
        cast(base.invoice_id as {{ dbt.type_string() }}) as invoice_id,
        cast(base.customer_id as {{ dbt.type_string() }}) as customer_id,
        cast(base.amount as {{ dbt.type_bigint() }}) as amount_minor,
        {{ minor_to_major('base.amount', 'currencies.minor_unit_exponent') }} as amount,
        cast(base.amount_refunded as {{ dbt.type_bigint() }}) as amount_refunded_minor,
        {{ minor_to_major('base.amount_refunded', 'currencies.minor_unit_exponent') }} as amount_refunded,
        cast(nullif(upper(trim(base.currency)), '') as {{ dbt.type_string() }}) as currency,
        cast(nullif(lower(trim(base.status)), '') as {{ dbt.type_string() }}) as status,
        cast(nullif(lower(trim(base.failure_code)), '') as {{ dbt.type_string() }}) as failure_code,
        cast(base.created_at as {{ dbt.type_timestamp() }}) as created_at,
        base._loaded_at
    from base
    left join currencies
        on upper(trim(base.currency)) = currencies.currency_code
    where base.quarantine_reason is null
)

select * from renamed
