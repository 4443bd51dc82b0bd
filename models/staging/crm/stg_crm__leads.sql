with

base as (select * from {{ ref('base_crm__leads') }}),

renamed as (
    select
        {{ surrogate_key(['base.tenant_id', 'base.id']) }} as lead_key,
        cast(base.id as {{ dbt.type_string() }}) as lead_id,
        cast(base.tenant_id as {{ dbt.type_string() }}) as tenant_id,
        cast(nullif(lower(trim(base.email)), '') as {{ dbt.type_string() }}) as email,
        cast(nullif(trim(base.company_name), '') as {{ dbt.type_string() }}) as company_name,
        cast(nullif(lower(trim(base.source)), '') as {{ dbt.type_string() }}) as lead_source,
        cast(nullif(lower(trim(base.status)), '') as {{ dbt.type_string() }}) as status,
        cast(base.score as {{ dbt.type_int() }}) as lead_score,
        cast(base.owner_user_id as {{ dbt.type_string() }}) as owner_user_id,
        cast(base.created_at as {{ dbt.type_timestamp() }}) as created_at,
        cast(base.first_contacted_at as {{ dbt.type_timestamp() }}) as first_contacted_at,
        cast(base.qualified_at as {{ dbt.type_timestamp() }}) as qualified_at,
        cast(base.converted_at as {{ dbt.type_timestamp() }}) as converted_at,
        cast(base.converted_account_id as {{ dbt.type_string() }}) as converted_account_id,
        cast(base.updated_at as {{ dbt.type_timestamp() }}) as updated_at,
        base._loaded_at
    from base
    where base.quarantine_reason is null
)

select * from renamed
