with

base as (select * from {{ ref('base_crm__opportunities') }}),

renamed as (
    select
        {{ surrogate_key(['base.tenant_id', 'base.id']) }} as opportunity_key,
        cast(base.id as {{ dbt.type_string() }}) as opportunity_id,
        cast(base.tenant_id as {{ dbt.type_string() }}) as tenant_id,
        cast(base.account_id as {{ dbt.type_string() }}) as account_id,
        cast(base.lead_id as {{ dbt.type_string() }}) as lead_id,
        cast(base.owner_user_id as {{ dbt.type_string() }}) as owner_user_id,
        cast(nullif(trim(base.name), '') as {{ dbt.type_string() }}) as opportunity_name,
        cast(nullif(lower(trim(base.type)), '') as {{ dbt.type_string() }}) as opportunity_type,
        cast(base.amount as {{ dbt.type_numeric() }}) as amount,
        cast(nullif(upper(trim(base.currency)), '') as {{ dbt.type_string() }}) as currency,
        cast(nullif(lower(trim(base.stage)), '') as {{ dbt.type_string() }}) as stage,
        cast(base.probability as {{ dbt.type_int() }}) as probability,
        cast(base.created_at as {{ dbt.type_timestamp() }}) as created_at,
        cast(base.expected_close_date as date) as expected_close_date,
        cast(base.closed_at as {{ dbt.type_timestamp() }}) as closed_at,
        cast(nullif(lower(trim(base.lost_reason)), '') as {{ dbt.type_string() }}) as lost_reason,
        cast(base.updated_at as {{ dbt.type_timestamp() }}) as updated_at,
        base._loaded_at
    from base
    where base.quarantine_reason is null
)

select * from renamed
