with

base as (select * from {{ ref('base_crm__contacts') }}),

renamed as (
    select
        {{ surrogate_key(['base.tenant_id', 'base.id']) }} as contact_key,
        cast(base.id as {{ dbt.type_string() }}) as contact_id,
        cast(base.tenant_id as {{ dbt.type_string() }}) as tenant_id,
        cast(base.account_id as {{ dbt.type_string() }}) as account_id,
        cast(nullif(lower(trim(base.email)), '') as {{ dbt.type_string() }}) as email,
        cast(nullif(trim(base.first_name), '') as {{ dbt.type_string() }}) as first_name,
        cast(nullif(trim(base.last_name), '') as {{ dbt.type_string() }}) as last_name,
        cast(nullif(trim(base.title), '') as {{ dbt.type_string() }}) as title,
        cast(base.created_at as {{ dbt.type_timestamp() }}) as created_at,
        cast(base.updated_at as {{ dbt.type_timestamp() }}) as updated_at,
        base._loaded_at
    from base
    where base.quarantine_reason is null
)

select * from renamed
