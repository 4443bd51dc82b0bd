{#- Clean WhatsApp messages: a view of base_messaging__messages (incremental), so
    building it never re-scans history; fct_messages reads only the conversations
    that newly loaded rows touch. -#}
{{ config(materialized='view', tags=['messaging_incremental']) }}

with

base as (select * from {{ ref('base_messaging__messages') }}),

renamed as (
    select
        {{ surrogate_key(['base.tenant_id', 'base.id']) }} as message_key,
        cast(base.id as {{ dbt.type_string() }}) as message_id,
        cast(base.tenant_id as {{ dbt.type_string() }}) as tenant_id,
        cast(base.conversation_id as {{ dbt.type_string() }}) as conversation_id,
        cast(base.campaign_id as {{ dbt.type_string() }}) as campaign_id,
        cast(nullif(lower(trim(base.direction)), '') as {{ dbt.type_string() }}) as direction,
        cast(nullif(lower(trim(base.sender_type)), '') as {{ dbt.type_string() }}) as sender_type,
        cast(base.sender_user_id as {{ dbt.type_string() }}) as sender_user_id,
        cast(nullif(lower(trim(base.message_type)), '') as {{ dbt.type_string() }}) as message_type,
        cast(base.sent_at as {{ dbt.type_timestamp() }}) as sent_at,
        cast(nullif(trim(base.llm_model), '') as {{ dbt.type_string() }}) as llm_model,
        cast(base.tokens_used as {{ dbt.type_int() }}) as tokens_used,
        base._loaded_at
    from base
    where base.quarantine_reason is null
)

select * from renamed
