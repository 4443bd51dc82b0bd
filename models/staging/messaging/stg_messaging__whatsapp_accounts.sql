with

base as (select * from {{ ref('base_messaging__whatsapp_accounts') }}),

renamed as (
    select
        {{ surrogate_key(['base.tenant_id', 'base.id']) }} as whatsapp_account_key,
        cast(base.id as {{ dbt.type_string() }}) as whatsapp_account_id,
        cast(base.tenant_id as {{ dbt.type_string() }}) as tenant_id,
        cast(nullif(trim(base.display_phone_number), '') as {{ dbt.type_string() }}) as display_phone_number,
        cast(nullif(trim(base.display_name), '') as {{ dbt.type_string() }}) as display_name,
        cast(base.outlet_id as {{ dbt.type_string() }}) as outlet_id,
        cast(base.created_at as {{ dbt.type_timestamp() }}) as created_at,
        cast(base.updated_at as {{ dbt.type_timestamp() }}) as updated_at,
        base._loaded_at
    from base
    where base.quarantine_reason is null
)

select * from renamed
