with

base as (select * from {{ ref('base_crm__accounts') }}),

renamed as (
    select
        {{ surrogate_key(['base.tenant_id', 'base.id']) }} as account_key,
        cast(base.id as {{ dbt.type_string() }}) as account_id,
        cast(base.tenant_id as {{ dbt.type_string() }}) as tenant_id,
        cast(nullif(trim(base.name), '') as {{ dbt.type_string() }}) as account_name,
        cast(nullif(lower(trim(base.domain)), '') as {{ dbt.type_string() }}) as domain,
        cast(nullif(lower(trim(base.industry)), '') as {{ dbt.type_string() }}) as industry,
        cast(base.employee_count as {{ dbt.type_int() }}) as employee_count,
        cast(nullif(upper(trim(base.country_code)), '') as {{ dbt.type_string() }}) as country_code,
        cast(base.owner_user_id as {{ dbt.type_string() }}) as owner_user_id,
        cast(base.created_at as {{ dbt.type_timestamp() }}) as created_at,
        cast(base.updated_at as {{ dbt.type_timestamp() }}) as updated_at,
        cast(base.is_deleted as {{ dbt.type_boolean() }}) as is_deleted,
        base._loaded_at
    from base
    where base.quarantine_reason is null
),

with_derived as (
    select
        renamed.*,
        case
            when renamed.employee_count is null then 'unknown'
            when renamed.employee_count < 100 then 'smb'
            when renamed.employee_count < 1000 then 'mid_market'
            else 'enterprise'
        end as segment
    from renamed
)

select * from with_derived
