with

base as (select * from {{ ref('base_billing__prices') }}),

currencies as (select * from {{ ref('currencies') }}),

renamed as (
    select
        {{ surrogate_key(['base.tenant_id', 'base.id']) }} as price_key,
        cast(base.id as {{ dbt.type_string() }}) as price_id,
        cast(base.tenant_id as {{ dbt.type_string() }}) as tenant_id,
        cast(base.product_id as {{ dbt.type_string() }}) as product_id,
        cast(nullif(trim(base.nickname), '') as {{ dbt.type_string() }}) as price_nickname,
        cast(base.unit_amount as {{ dbt.type_bigint() }}) as unit_amount_minor,
        {{ minor_to_major('base.unit_amount', 'currencies.minor_unit_exponent') }} as unit_amount,
        cast(nullif(upper(trim(base.currency)), '') as {{ dbt.type_string() }}) as currency,
        cast(nullif(lower(trim(base.recurring_interval)), '') as {{ dbt.type_string() }}) as recurring_interval,
        cast(base.recurring_interval_count as {{ dbt.type_int() }}) as recurring_interval_count,
        cast(base.is_active as {{ dbt.type_boolean() }}) as is_active,
        cast(base.created_at as {{ dbt.type_timestamp() }}) as created_at,
        base._loaded_at
    from base
    left join currencies
        on upper(trim(base.currency)) = currencies.currency_code
    where base.quarantine_reason is null
)

select * from renamed
