with

base as (select * from {{ ref('base_messaging__campaigns') }}),

renamed as (
    select
        {{ surrogate_key(['base.tenant_id', 'base.id']) }} as campaign_key,
        cast(base.id as {{ dbt.type_string() }}) as campaign_id,
        cast(base.tenant_id as {{ dbt.type_string() }}) as tenant_id,
        cast(base.whatsapp_account_id as {{ dbt.type_string() }}) as whatsapp_account_id,
        cast(nullif(trim(base.name), '') as {{ dbt.type_string() }}) as campaign_name,
        cast(nullif(trim(base.template_name), '') as {{ dbt.type_string() }}) as template_name,
        cast(nullif(lower(trim(base.category)), '') as {{ dbt.type_string() }}) as category,
        cast(nullif(lower(trim(base.status)), '') as {{ dbt.type_string() }}) as status,
        cast(base.audience_size as {{ dbt.type_int() }}) as audience_size,
        cast(base.scheduled_at as {{ dbt.type_timestamp() }}) as scheduled_at,
        cast(base.started_at as {{ dbt.type_timestamp() }}) as started_at,
        cast(base.completed_at as {{ dbt.type_timestamp() }}) as completed_at,
        cast(base.created_at as {{ dbt.type_timestamp() }}) as created_at,
        cast(base.updated_at as {{ dbt.type_timestamp() }}) as updated_at,
        base._loaded_at
    from base
    where base.quarantine_reason is null
)

select * from renamed
