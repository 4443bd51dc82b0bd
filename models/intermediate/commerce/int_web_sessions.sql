{#- One row per web session: its day (of the session's first event, by
    occurred_at, so events loaded up to 3 days late still land on the day
    they happened), device, campaign source, and the furthest funnel step it
    reached. A later step implies the earlier ones, as in the sales funnel.

    Incremental: a run recomputes only the sessions touched by events loaded
    after the latest _loaded_at held here (late or re-delivered events
    included), from those sessions' events alone. Sessions last well under a
    day, so a touched session's events all occurred at most one day before
    the earliest newly loaded event: that bound keeps the recompute from
    scanning history. A session whose every event is later re-delivered in a
    form that breaks the contract keeps its old row until a full refresh
    (the weekly full-refresh job). -#}
-- sqlfluff:indentation:template_blocks_indent:false
-- (its incremental-only CTEs and joins sit at the indent of the SQL around them)
{{
    config(
        materialized='incremental',
        incremental_strategy=('merge' if target.type == 'bigquery' else 'delete+insert'),
        unique_key=['tenant_id', 'session_id'],
        partition_by=({'field': 'session_date', 'data_type': 'date'} if target.type == 'bigquery' else none),
        cluster_by=(['tenant_id', 'session_id'] if target.type == 'bigquery' else none),
        on_schema_change='fail',
        tags=['clickstream'],
        indexes=([
            {'columns': ['_loaded_at']},
            {'columns': ['tenant_id', 'session_date']},
        ] if target.type == 'postgres' else []),
    )
}}
-- depends_on: {{ ref('base_commerce__web_events') }} (read by incremental runs only)
{%- do assert_incremental_source_unchanged(ref('base_commerce__web_events')) %}

with

events as (select * from {{ ref('stg_commerce__web_events') }}),

{% if is_incremental() -%}
newly_loaded as (
    -- from base, not staging: a re-delivered version that is now quarantined also touches its session
    select
        tenant_id,
        session_id,
        occurred_at
    from {{ ref('base_commerce__web_events') }}
    where _loaded_at > {{ incremental_watermark('_loaded_at') }}
),

touched_sessions as (
    select distinct
        tenant_id,
        session_id
    from newly_loaded
    where session_id is not null
),

{%- endif %}

events_in_scope as (
    {% if is_incremental() %}
    select events.*
    from events
    inner join touched_sessions
        on events.tenant_id = touched_sessions.tenant_id
        and events.session_id = touched_sessions.session_id
    where
        events.occurred_at >= (
            select {{ dbt.dateadd('day', -1, 'min(occurred_at)') }} from newly_loaded
        )
    {% else %}
    select * from events
    {% endif %}
),

sessions as (
    select
        tenant_id,
        session_id,
        min(occurred_at) as started_at,
        max(device) as device,
        max(utm_source) as utm_source,
        max(customer_id) as customer_id,
        max(case when event_type = 'product_view' then 1 else 0 end) as has_product_view,
        max(case when event_type = 'add_to_cart' then 1 else 0 end) as has_add_to_cart,
        max(case when event_type = 'checkout_started' then 1 else 0 end) as has_checkout,
        max(case when event_type = 'purchase' then 1 else 0 end) as has_purchase,
        max(_loaded_at) as _loaded_at
    from events_in_scope
    where session_id is not null
    group by tenant_id, session_id
),

final as (
    select
        tenant_id,
        session_id,
        started_at,
        cast(started_at as date) as session_date,
        coalesce(device, 'unknown') as device,
        coalesce(utm_source, 'direct') as utm_source,
        customer_id,
        has_purchase = 1 as reached_purchase,
        has_purchase + has_checkout > 0 as reached_checkout,
        has_purchase + has_checkout + has_add_to_cart > 0 as reached_add_to_cart,
        has_purchase + has_checkout + has_add_to_cart + has_product_view > 0 as reached_product_view,
        _loaded_at
    from sessions
)

select * from final
