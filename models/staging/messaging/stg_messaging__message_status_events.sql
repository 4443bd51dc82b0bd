{#- Clean message status webhooks: a view of base_messaging__message_status_events
    (incremental), so building it never re-scans history; int_message_status reads
    only the messages that newly loaded rows touch. -#}
{{ config(materialized='view', tags=['messaging_incremental']) }}

with

base as (select * from {{ ref('base_messaging__message_status_events') }}),

renamed as (
    select
        {{ surrogate_key(['base.tenant_id', 'base.id']) }} as message_status_event_key,
        cast(base.id as {{ dbt.type_string() }}) as message_status_event_id,
        cast(base.tenant_id as {{ dbt.type_string() }}) as tenant_id,
        cast(base.message_id as {{ dbt.type_string() }}) as message_id,
        cast(nullif(lower(trim(base.status)), '') as {{ dbt.type_string() }}) as status,
        cast(nullif(trim(base.error_code), '') as {{ dbt.type_string() }}) as error_code,
        cast(base.occurred_at as {{ dbt.type_timestamp() }}) as occurred_at,
        base._loaded_at
    from base
    where base.quarantine_reason is null
)

select * from renamed
