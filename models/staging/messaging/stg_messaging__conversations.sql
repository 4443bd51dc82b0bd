with

base as (select * from {{ ref('base_messaging__conversations') }}),

renamed as (
    select
        {{ surrogate_key(['base.tenant_id', 'base.id']) }} as conversation_key,
        cast(base.id as {{ dbt.type_string() }}) as conversation_id,
        cast(base.tenant_id as {{ dbt.type_string() }}) as tenant_id,
        cast(base.whatsapp_account_id as {{ dbt.type_string() }}) as whatsapp_account_id,
        cast(base.contact_id as {{ dbt.type_string() }}) as contact_id,
        cast(nullif(lower(trim(base.status)), '') as {{ dbt.type_string() }}) as status,
        cast(base.started_at as {{ dbt.type_timestamp() }}) as started_at,
        cast(base.ended_at as {{ dbt.type_timestamp() }}) as ended_at,
        cast(base.last_message_at as {{ dbt.type_timestamp() }}) as last_message_at,
        cast(base.updated_at as {{ dbt.type_timestamp() }}) as updated_at,
        base._loaded_at
    from base
    where base.quarantine_reason is null
)

select * from renamed
