{#- Clean clickstream events: a view of base_commerce__web_events (incremental), so building it
    never re-scans history; readers filter it by _loaded_at or occurred_at. -#}
{{ config(materialized='view', tags=['clickstream']) }}

with

base as (select * from {{ ref('base_commerce__web_events') }}),

renamed as (
    select
        {{ surrogate_key(['base.tenant_id', 'base.event_id']) }} as web_event_key,
        cast(base.event_id as {{ dbt.type_string() }}) as event_id,
        cast(base.tenant_id as {{ dbt.type_string() }}) as tenant_id,
        cast(base.session_id as {{ dbt.type_string() }}) as session_id,
        cast(base.anonymous_id as {{ dbt.type_string() }}) as anonymous_id,
        cast(base.customer_id as {{ dbt.type_string() }}) as customer_id,
        cast(nullif(lower(trim(base.event_type)), '') as {{ dbt.type_string() }}) as event_type,
        cast(base.product_id as {{ dbt.type_string() }}) as product_id,
        cast(base.order_id as {{ dbt.type_string() }}) as order_id,
        cast(nullif(lower(trim(base.utm_source)), '') as {{ dbt.type_string() }}) as utm_source,
        cast(nullif(lower(trim(base.device)), '') as {{ dbt.type_string() }}) as device,
        cast(base.occurred_at as {{ dbt.type_timestamp() }}) as occurred_at,
        base._loaded_at
    from base
    where base.quarantine_reason is null
)

select * from renamed
