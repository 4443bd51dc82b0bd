with

base as (select * from {{ ref('base_billing__invoices') }}),

currencies as (select * from {{ ref('currencies') }}),

renamed as (
    select
        {{ surrogate_key(['base.tenant_id', 'base.id']) }} as invoice_key,
        cast(base.id as {{ dbt.type_string() }}) as invoice_id,
        cast(base.tenant_id as {{ dbt.type_string() }}) as tenant_id,
        cast(base.customer_id as {{ dbt.type_string() }}) as customer_id,
        cast(base.subscription_id as {{ dbt.type_string() }}) as subscription_id,
        cast(nullif(lower(trim(base.status)), '') as {{ dbt.type_string() }}) as status,
        cast(nullif(upper(trim(base.currency)), '') as {{ dbt.type_string() }}) as currency,
        cast(base.subtotal as {{ dbt.type_bigint() }}) as subtotal_minor,
        {{ minor_to_major('base.subtotal', 'currencies.minor_unit_exponent') }} as subtotal,
        cast(base.discount_total as {{ dbt.type_bigint() }}) as discount_total_minor,
        {{ minor_to_major('base.discount_total', 'currencies.minor_unit_exponent') }} as discount_total,
        cast(base.tax as {{ dbt.type_bigint() }}) as tax_minor,
        {{ minor_to_major('base.tax', 'currencies.minor_unit_exponent') }} as tax,
        cast(base.total as {{ dbt.type_bigint() }}) as total_minor,
        {{ minor_to_major('base.total', 'currencies.minor_unit_exponent') }} as total,
        cast(base.amount_paid as {{ dbt.type_bigint() }}) as amount_paid_minor,
        {{ minor_to_major('base.amount_paid', 'currencies.minor_unit_exponent') }} as amount_paid,
        cast(base.created_at as {{ dbt.type_timestamp() }}) as created_at,
        cast(base.period_start as {{ dbt.type_timestamp() }}) as period_start_at,
        cast(base.period_end as {{ dbt.type_timestamp() }}) as period_end_at,
        cast(base.paid_at as {{ dbt.type_timestamp() }}) as paid_at,
        cast(base.updated_at as {{ dbt.type_timestamp() }}) as updated_at,
        base._loaded_at
    from base
    left join currencies
        on upper(trim(base.currency)) = currencies.currency_code
    where base.quarantine_reason is null
)

select * from renamed
