with

base as (select * from {{ ref('base_messaging__contacts') }}),

renamed as (
    select
        {{ surrogate_key(['base.tenant_id', 'base.id']) }} as contact_key,
        cast(base.id as {{ dbt.type_string() }}) as contact_id,
        cast(base.tenant_id as {{ dbt.type_string() }}) as tenant_id,
        cast(nullif(trim(base.name), '') as {{ dbt.type_string() }}) as contact_name,
        cast(nullif(lower(trim(base.status)), '') as {{ dbt.type_string() }}) as status,
        cast(base.crm_account_id as {{ dbt.type_string() }}) as crm_account_id,
        cast(base.commerce_customer_id as {{ dbt.type_string() }}) as commerce_customer_id,
        cast(base.created_at as {{ dbt.type_timestamp() }}) as created_at,
        cast(base.updated_at as {{ dbt.type_timestamp() }}) as updated_at,
        base._loaded_at
    from base
    where base.quarantine_reason is null
)

select * from renamed
