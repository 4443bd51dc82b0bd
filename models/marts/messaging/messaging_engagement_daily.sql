{#- One row per tenant, scope (a WhatsApp account, or '(all accounts)' for the
    tenant's total) and day on which some contact was active in the 90 days up
    to it: the sum of the contacts' engagement scores as of the day after it
    (engagement_score(), the formula of contact_engagement), which
    messaging_snapshots averages at each period's end. A contact who was not
    active in those 90 days scores 0 and is left out of the sum.

    A contact's counts over the 30 and 90 days up to a day change only on the
    days one of its activity days enters or leaves those windows: the activity
    day itself, 30 and 90 days after it. So each contact's days are cut into
    segments at those change points, the counts are taken once per segment
    (a join of each segment start with the contact's activity days in its 90
    days), and only then spread over the segment's days to be scored. Spreading
    every activity day over its 90 window ends first and grouping them back by
    contact and day made a group per contact-day (about 16 million at scale 1,
    most of this model's time); the segments are about 1.5 million. The
    tenant's total is its own scope: a contact's activity on all its accounts
    added up per day (counts add up, the last inbound date is the latest).

    Incremental: the score on a day depends only on the messages sent in the
    90 days up to it, so a run recomputes every day from the earliest one a
    message rewritten in fct_messages since this model's last build can change
    (a day before its sent day: a new inbound message marks outbound messages
    up to 24 hours before it replied), and any day not held yet; it reads the
    messages from 89 days before that on. Rewritten messages are found by their
    build stamp (_built_at), not their load stamp: fct_messages rewrites a
    message whose conversation landed behind the others with another contact,
    and keeps its older _loaded_at. A day whose every message disappeared keeps
    its row (fct_messages keeps its rows too; the weekly full refresh rebuilds
    both). -#}
-- sqlfluff:indentation:template_blocks_indent:false
{#- Hashed groups on a full build only: it spreads tens of millions of contact-days, which
    Postgres misestimates and sorts on disk; a day's run spreads few and plans well by itself. -#}
{{
    config(
        materialized='incremental',
        incremental_strategy=('merge' if target.type == 'bigquery' else 'delete+insert'),
        unique_key=['tenant_id', 'scope_id', 'day'],
        on_schema_change='fail',
        partition_by=({'field': 'day', 'data_type': 'date'} if target.type == 'bigquery' else none),
        cluster_by=(['tenant_id', 'scope_id'] if target.type == 'bigquery' else none),
        pre_hook=["{{ large_work_mem() }}", "{{ '' if is_incremental() else prefer_hash_aggregation() }}"],
    )
}}
{#- The tenant's total has no account id; a non-null key lets every engine hash the joins on it. -#}
{%- set all_accounts = "'(all accounts)'" %}
with

messages as (select * from {{ ref('fct_messages') }}),

{% if is_incremental() -%}
recompute_from as (
    select min(from_day) as from_day
    from (
        select {{ add_days('min(sent_date)', -1) }} as from_day
        from messages
        where _built_at > {{ incremental_watermark('_built_at') }}
        union all
        select {{ add_days('max(day)', 1) }} as from_day
        from {{ this }}
    ) as starts
),

{% else -%}
recompute_from as (
    -- a full build: every day
    select cast(null as date) as from_day
),

{% endif -%}
messages_in_scope as (
    select
        tenant_id,
        whatsapp_account_id,
        contact_id,
        sent_date,
        direction,
        is_sent,
        is_replied,
        _loaded_at
    from messages
    where
        sent_date < cast({{ as_of_date() }} as date)
        and (
            sent_date >= (
                select {{ add_days('recompute_from.from_day', -89) }}
                from recompute_from
            )
            -- a full build, or nothing held yet: every day
            or (select recompute_from.from_day from recompute_from) is null
        )
),

activity_days as (
    select
        tenant_id,
        whatsapp_account_id,
        contact_id,
        sent_date as activity_date,
        sum(case when direction = 'inbound' then 1 else 0 end) as inbound,
        sum(case when is_sent then 1 else 0 end) as outbound_sent,
        sum(case when is_replied then 1 else 0 end) as outbound_replied,
        max(_loaded_at) as _loaded_at
    from messages_in_scope
    group by tenant_id, whatsapp_account_id, contact_id, sent_date
),

scoped_activity as (
    -- per account, and over all the tenant's accounts
    select
        tenant_id,
        whatsapp_account_id as scope_id,
        whatsapp_account_id,
        contact_id,
        activity_date,
        inbound,
        outbound_sent,
        outbound_replied,
        _loaded_at
    from activity_days
    where whatsapp_account_id is not null
    union all
    select
        tenant_id,
        {{ all_accounts }} as scope_id,
        cast(null as {{ dbt.type_string() }}) as whatsapp_account_id,
        contact_id,
        activity_date,
        sum(inbound) as inbound,
        sum(outbound_sent) as outbound_sent,
        sum(outbound_replied) as outbound_replied,
        max(_loaded_at) as _loaded_at
    from activity_days
    group by tenant_id, contact_id, activity_date
),

change_points as (
    -- the days a contact's 30- or 90-day counts can change: an activity day enters both windows,
    -- leaves the 30 days 30 days later and the 90 days 90 days later
    select
        tenant_id,
        scope_id,
        whatsapp_account_id,
        contact_id,
        activity_date as segment_start
    from scoped_activity
    union distinct
    select
        tenant_id,
        scope_id,
        whatsapp_account_id,
        contact_id,
        {{ add_days('activity_date', 30) }} as segment_start
    from scoped_activity
    union distinct
    select
        tenant_id,
        scope_id,
        whatsapp_account_id,
        contact_id,
        {{ add_days('activity_date', 90) }} as segment_start
    from scoped_activity
),

segments as (
    -- from one change point to the next: the counts hold throughout (at most 90 days, since the
    -- latest activity day's 90-day exit is a change point)
    select
        *,
        lead(segment_start) over (
            partition by tenant_id, scope_id, contact_id
            order by segment_start
        ) as next_segment_start
    from change_points
),

segment_windows as (
    -- each segment's counts: the activity days in the 90 days up to its start (none: the contact
    -- has left the window, no row)
    select
        segments.tenant_id,
        segments.scope_id,
        segments.whatsapp_account_id,
        segments.contact_id,
        segments.segment_start,
        {{ dbt.datediff(
            'segments.segment_start',
            'coalesce(segments.next_segment_start, ' ~ add_days('segments.segment_start', 90) ~ ')',
            'day') }} as segment_days,
        sum(
            case
                when scoped_activity.activity_date > {{ add_days('segments.segment_start', -30) }}
                    then scoped_activity.inbound
                else 0
            end
        ) as inbound_30d,
        sum(scoped_activity.outbound_sent) as outbound_sent_90d,
        sum(scoped_activity.outbound_replied) as outbound_replied_90d,
        max(case when scoped_activity.inbound > 0 then scoped_activity.activity_date end) as last_inbound_date,
        max(scoped_activity._loaded_at) as _loaded_at
    from segments
    inner join scoped_activity
        on segments.tenant_id = scoped_activity.tenant_id
        and segments.scope_id = scoped_activity.scope_id
        and segments.contact_id = scoped_activity.contact_id
        and segments.segment_start >= scoped_activity.activity_date
        and {{ add_days('segments.segment_start', -90) }} < scoped_activity.activity_date
    group by
        segments.tenant_id,
        segments.scope_id,
        segments.whatsapp_account_id,
        segments.contact_id,
        segments.segment_start,
        segments.next_segment_start
),

digits as (
    {%- for n in range(10) %}
    select {{ n }} as n{{ ' union all' if not loop.last }}
    {%- endfor %}
),

day_offsets as (
    -- 0, 1, ..., 89
    select tens.n * 10 + units.n as day_offset
    from digits as tens
    cross join digits as units
    where tens.n < 9
),

contact_days as (
    -- each segment's days; no day is observed past the day before as_of_date
    select
        segment_windows.*,
        {{ add_days('segment_windows.segment_start', 'day_offsets.day_offset') }} as day
    from segment_windows
    inner join day_offsets
        on segment_windows.segment_days > day_offsets.day_offset
    where
        {{ add_days('segment_windows.segment_start', 'day_offsets.day_offset') }}
        < cast({{ as_of_date() }} as date)
        -- only the days to recompute (the counts of an earlier segment's later days are whole: a
        -- segment's counts hold on each of its days)
        and {{ add_days('segment_windows.segment_start', 'day_offsets.day_offset') }}
        >= coalesce((select recompute_from.from_day from recompute_from), segment_windows.segment_start)
),

final as (
    -- scored as of the day after each day, so the last 30 and 90 dates end on it
    select
        tenant_id,
        scope_id,
        whatsapp_account_id,
        day,
        sum(
            {{ engagement_score(
                'inbound_30d',
                safe_divide('outbound_replied_90d', 'outbound_sent_90d'),
                dbt.datediff('last_inbound_date', add_days('day', 1), 'day')) | indent(12) }}
        ) as engagement_score_sum,
        count(*) as contacts_in_window,
        -- the newest load behind the row, the same whether the row was built now or before
        max(_loaded_at) as _loaded_at,
        -- when this run wrote the row: the next run reads the messages written after it
        {{ build_stamp() }} as _built_at
    from contact_days
    group by tenant_id, scope_id, whatsapp_account_id, day
)

select * from final
