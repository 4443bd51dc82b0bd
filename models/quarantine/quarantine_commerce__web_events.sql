{#- Rows of raw_commerce.web_events that break the contract: the latest version of each
    record, with the rule it broke. Nothing here reaches staging or the marts.
    A view of the incremental base table, so a build never re-scans the clickstream. -#}
{{ config(materialized='view') }}

with

base as (select * from {{ ref('base_commerce__web_events') }}),

quarantined as (
    select
        base.tenant_id,
        cast('raw_commerce.web_events' as {{ dbt.type_string() }}) as source_table,
        cast(base.event_id as {{ dbt.type_string() }}) as record_id,
        base.quarantine_reason as reason,
        base._loaded_at,
        base.event_id as raw_event_id,
        base.session_id as raw_session_id,
        base.anonymous_id as raw_anonymous_id,
        base.customer_id as raw_customer_id,
        base.event_type as raw_event_type,
        base.product_id as raw_product_id,
        base.order_id as raw_order_id,
        base.utm_source as raw_utm_source,
        base.device as raw_device,
        base.occurred_at as raw_occurred_at
    from base
    where base.quarantine_reason is not null
)

select * from quarantined
