{#- Latest version of each raw_commerce.web_events record (latest _loaded_at), with the first
    contract rule it breaks, if any (checked in this order: null_key (null or blank), conflicting_versions, unknown_enum, unknown_enum, out_of_range dates).
    stg_commerce__web_events and quarantine_commerce__web_events are views of this table.

    Clickstream is the largest raw table, so this table is incremental: a run reads only raw rows
    loaded after the latest _loaded_at it holds, and a later version of an event replaces the
    earlier one (delete+insert on the key; merge on BigQuery). Null-key rows match nothing and are
    appended, as a full refresh keeps every one of them. -#}
{{
    config(
        materialized='incremental',
        incremental_strategy=('merge' if target.type == 'bigquery' else 'delete+insert'),
        unique_key=['tenant_id', 'event_id'],
        on_schema_change='fail',
        indexes=([
            {'columns': ['_loaded_at']},
            {'columns': ['tenant_id', 'event_id']},
        ] if target.type == 'postgres' else []),
    )
}}

with

source as (
    select * from {{ source('raw_commerce', 'web_events') }}
    {% if is_incremental() -%}
        where _loaded_at > {{ incremental_watermark('_loaded_at') }}
    {%- endif %}
),

latest as (
    {{ dedup_latest('source', ['tenant_id', 'event_id'], ['_loaded_at']) | indent(4) }}
),

checked as (
    -- explicit columns: _version_rank is the rank within one run's batch, not a fact about the row
    select
        latest.event_id,
        latest.tenant_id,
        latest.session_id,
        latest.anonymous_id,
        latest.customer_id,
        latest.event_type,
        latest.product_id,
        latest.order_id,
        latest.utm_source,
        latest.device,
        latest.occurred_at,
        latest._loaded_at,
        latest._tied_versions,
        case
            when
                latest.event_id is null or trim(cast(latest.event_id as {{ dbt.type_string() }})) = ''
                then 'null_key'
            when latest._tied_versions > 1 then 'conflicting_versions'
            when
                lower(trim(latest.event_type)) not in (
                    'page_view', 'product_view', 'add_to_cart', 'checkout_started', 'purchase'
                )
                then 'unknown_enum'
            when
                lower(trim(latest.device)) not in (
                    'desktop', 'mobile', 'tablet'
                )
                then 'unknown_enum'
            when {{ out_of_range_dates('latest.', ['occurred_at'], []) }}
                then 'out_of_range'
        end as quarantine_reason
    from latest
)

select * from checked
