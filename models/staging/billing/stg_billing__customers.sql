with

base as (select * from {{ ref('base_billing__customers') }}),

renamed as (
    select
        {{ surrogate_key(['base.tenant_id', 'base.id']) }} as customer_key,
        cast(base.id as {{ dbt.type_string() }}) as customer_id,
        cast(base.tenant_id as {{ dbt.type_string() }}) as tenant_id,
        cast(base.crm_account_id as {{ dbt.type_string() }}) as crm_account_id,
        cast(nullif(lower(trim(base.email)), '') as {{ dbt.type_string() }}) as email,
        cast(nullif(trim(base.name), '') as {{ dbt.type_string() }}) as customer_name,
        cast(nullif(upper(trim(base.currency)), '') as {{ dbt.type_string() }}) as currency,
        cast(base.created_at as {{ dbt.type_timestamp() }}) as created_at,
        cast(base.is_deleted as {{ dbt.type_boolean() }}) as is_deleted,
        cast(base.updated_at as {{ dbt.type_timestamp() }}) as updated_at,
        base._loaded_at
    from base
    where base.quarantine_reason is null
)

select * from renamed
