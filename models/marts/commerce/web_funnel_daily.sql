{#- The web funnel per tenant, day, device and campaign source: sessions,
    sessions reaching product_view, add_to_cart, checkout_started and
    purchase, each step's conversion from the step before (null when that
    step is 0), and cart abandonment = 1 - purchase sessions / add_to_cart
    sessions. Days are those the sessions started on. Events land up to three
    days late, so the latest days, today's included, are still filling: every
    day is kept and rebuilt as its events arrive, rather than hiding days
    behind a cut-off that would need a second watermark. A day on or after
    as_of_date (the running day, when the loads reach it) is not complete:
    is_complete is false (the warehouse's period rule, docs/periods.md).

    Incremental: a run rebuilds whole tenant-days, those holding a session
    loaded since the latest _loaded_at here, and those whose is_complete
    differs under this run's as_of_date (yesterday's running day, or every
    later day on a replay of an earlier date), so an incremental run equals a
    full refresh. Deleting by tenant and day, not by row key, drops a device
    or source group that no longer has sessions. On BigQuery a day is one
    partition, replaced whole (insert_overwrite): a day that any tenant needs
    rebuilt is rebuilt for every tenant. -#}
-- sqlfluff:indentation:template_blocks_indent:false
-- (its incremental-only CTEs and joins sit at the indent of the SQL around them)
{{
    config(
        materialized='incremental',
        incremental_strategy=('insert_overwrite' if target.type == 'bigquery' else 'delete+insert'),
        unique_key=(none if target.type == 'bigquery' else ['tenant_id', 'session_date']),
        partition_by=({'field': 'session_date', 'data_type': 'date'} if target.type == 'bigquery' else none),
        cluster_by=(['tenant_id', 'device'] if target.type == 'bigquery' else none),
        on_schema_change='fail',
        tags=['clickstream'],
    )
}}
{%- do assert_incremental_source_unchanged(ref('int_web_sessions')) %}

with

sessions as (select * from {{ ref('int_web_sessions') }}),

{% if is_incremental() -%}
newly_loaded_days as (
    select distinct
        tenant_id,
        session_date
    from sessions
    where _loaded_at > {{ incremental_watermark('_loaded_at') }}
),

-- days whose is_complete differs under this run's as_of_date: the running day of the last run,
-- or every later day on a replay of an earlier date
reflagged_days as (
    select
        tenant_id,
        session_date
    from {{ this }}
    where is_complete != {{ is_complete_period('session_date', 'day') }}
),

days_to_rebuild as (
    select * from newly_loaded_days
    union distinct
    select * from reflagged_days
),

{%- endif %}

sessions_in_scope as (
    {% if is_incremental() and target.type == 'bigquery' %}
    -- insert_overwrite replaces whole day partitions: a day is rebuilt for every tenant in it,
    -- or the other tenants' rows of that day would be lost
    select sessions.*
    from sessions
    where sessions.session_date in (select days_to_rebuild.session_date from days_to_rebuild)
    {% elif is_incremental() %}
    select sessions.*
    from sessions
    inner join days_to_rebuild
        on sessions.tenant_id = days_to_rebuild.tenant_id
        and sessions.session_date = days_to_rebuild.session_date
    {% else %}
    select * from sessions
    {% endif %}
),

daily as (
    select
        tenant_id,
        session_date,
        device,
        utm_source,
        count(*) as sessions,
        sum(case when reached_product_view then 1 else 0 end) as product_view_sessions,
        sum(case when reached_add_to_cart then 1 else 0 end) as add_to_cart_sessions,
        sum(case when reached_checkout then 1 else 0 end) as checkout_sessions,
        sum(case when reached_purchase then 1 else 0 end) as purchase_sessions,
        max(_loaded_at) as _loaded_at
    from sessions_in_scope
    group by tenant_id, session_date, device, utm_source
),

final as (
    select
        {{ surrogate_key(['tenant_id', 'session_date', 'device', 'utm_source']) }} as funnel_day_key,
        tenant_id,
        session_date,
        {{ is_complete_period('session_date', 'day') }} as is_complete,
        device,
        utm_source,
        sessions,
        product_view_sessions,
        add_to_cart_sessions,
        checkout_sessions,
        purchase_sessions,
        {{ safe_divide('product_view_sessions', 'sessions') }} as product_view_rate,
        {{ safe_divide('add_to_cart_sessions', 'product_view_sessions') }} as add_to_cart_rate,
        {{ safe_divide('checkout_sessions', 'add_to_cart_sessions') }} as checkout_rate,
        {{ safe_divide('purchase_sessions', 'checkout_sessions') }} as purchase_rate,
        {{ safe_divide('purchase_sessions', 'sessions') }} as conversion_rate,
        1 - {{ safe_divide('purchase_sessions', 'add_to_cart_sessions') }} as cart_abandonment_rate,
        _loaded_at
    from daily
)

select * from final
