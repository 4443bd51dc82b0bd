with

base as (select * from {{ ref('base_billing__invoice_line_items') }}),

currencies as (select * from {{ ref('currencies') }}),

renamed as (
    select
        {{ surrogate_key(['base.tenant_id', 'base.id']) }} as invoice_line_item_key,
        cast(base.id as {{ dbt.type_string() }}) as invoice_line_item_id,
        cast(base.tenant_id as {{ dbt.type_string() }}) as tenant_id,
        cast(base.invoice_id as {{ dbt.type_string() }}) as invoice_id,
        cast(base.subscription_id as {{ dbt.type_string() }}) as subscription_id,
        cast(base.price_id as {{ dbt.type_string() }}) as price_id,
        cast(nullif(lower(trim(base.type)), '') as {{ dbt.type_string() }}) as line_type,
        cast(base.is_proration as {{ dbt.type_boolean() }}) as is_proration,
        cast(base.quantity as {{ dbt.type_int() }}) as quantity,
        cast(base.amount as {{ dbt.type_bigint() }}) as amount_minor,
        {{ minor_to_major('base.amount', 'currencies.minor_unit_exponent') }} as amount,
        cast(base.discount_amount as {{ dbt.type_bigint() }}) as discount_amount_minor,
        {{ minor_to_major('base.discount_amount', 'currencies.minor_unit_exponent') }} as discount_amount,
        cast(nullif(upper(trim(base.currency)), '') as {{ dbt.type_string() }}) as currency,
        cast(base.period_start as {{ dbt.type_timestamp() }}) as period_start_at,
        cast(base.period_end as {{ dbt.type_timestamp() }}) as period_end_at,
        base._loaded_at
    from base
    left join currencies
        on upper(trim(base.currency)) = currencies.currency_code
    where base.quarantine_reason is null
)

select * from renamed
