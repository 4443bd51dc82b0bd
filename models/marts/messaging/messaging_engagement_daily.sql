{#- One row per tenant, scope (a WhatsApp account, or '(all accounts)' for the
    tenant's total) and day on which some contact was active in the 90 days up
    to it: the sum of the contacts' engagement scores as of the day after it
    (engagement_score(), the formula of contact_engagement), which
    messaging_snapshots averages at each period's end. A contact who was not
    active in those 90 days scores 0 and is left out of the sum.

    A contact's activity day lies in the 90-day window of each of the 90 days
    from it on, so each activity day is spread over those 90 window ends (an
    equality join downstream, where a range join against every day would grow
    with days x activity). The windows are taken per account once; the
    tenant's total adds a contact's accounts together (counts add up, the last
    inbound date is the latest), rather than spreading every message twice.

    Incremental: the score on a day depends only on the messages sent in the
    90 days up to it, so a run recomputes every day from the earliest one a
    message rewritten in fct_messages since this model's last build can change
    (a day before its sent day: a new inbound message marks outbound messages
    up to 24 hours before it replied), and any day not held yet; it reads the
    messages from 89 days before that on. Rewritten messages are found by their
    build stamp (_built_at), not their load stamp: fct_messages rewrites a
    message whose conversation landed behind the others with another contact,
    and keeps its older _loaded_at. A day
    whose every message disappeared keeps its row (fct_messages keeps its
    rows too; the weekly full refresh rebuilds both). -#}
-- sqlfluff:indentation:template_blocks_indent:false
{{
    config(
        materialized='incremental',
        incremental_strategy=('merge' if target.type == 'bigquery' else 'delete+insert'),
        unique_key=['tenant_id', 'scope_id', 'day'],
        on_schema_change='fail',
        partition_by=({'field': 'day', 'data_type': 'date'} if target.type == 'bigquery' else none),
        cluster_by=(['tenant_id', 'scope_id'] if target.type == 'bigquery' else none),
        pre_hook="{{ large_work_mem() }}",
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
        select cast({{ dbt.dateadd('day', -1, 'min(sent_date)') }} as date) as from_day
        from messages
        where _built_at > {{ incremental_watermark('_built_at') }}
        union all
        select cast({{ dbt.dateadd('day', 1, 'max(day)') }} as date) as from_day
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
                select cast({{ dbt.dateadd('day', -89, 'recompute_from.from_day') }} as date)
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

digits as (
    {%- for n in range(10) %}
    select {{ n }} as n{{ ' union all' if not loop.last }}
    {%- endfor %}
),

window_offsets as (
    -- 0, 1, ..., 89
    select tens.n * 10 + units.n as day_offset
    from digits as tens
    cross join digits as units
    where tens.n < 9
),

activity_by_window_end as (
    -- no day is observed past the day before as_of_date
    select
        activity_days.*,
        window_offsets.day_offset,
        cast({{ dbt.dateadd('day', 'window_offsets.day_offset', 'activity_days.activity_date') }} as date) as day
    from activity_days
    cross join window_offsets
    where
        {{ dbt.dateadd('day', 'window_offsets.day_offset', 'activity_days.activity_date') }}
        < cast({{ as_of_date() }} as date)
        -- only the days to recompute (earlier ones would see part of their 90 days here)
        and {{ dbt.dateadd('day', 'window_offsets.day_offset', 'activity_days.activity_date') }}
        >= coalesce((select recompute_from.from_day from recompute_from), activity_days.activity_date)
),

account_windows as (
    -- each contact's activity on an account in the 30 and 90 days up to each day
    select
        tenant_id,
        whatsapp_account_id,
        contact_id,
        day,
        sum(case when day_offset < 30 then inbound else 0 end) as inbound_30d,
        sum(outbound_sent) as outbound_sent_90d,
        sum(outbound_replied) as outbound_replied_90d,
        max(case when inbound > 0 then activity_date end) as last_inbound_date,
        max(_loaded_at) as _loaded_at
    from activity_by_window_end
    group by tenant_id, whatsapp_account_id, contact_id, day
),

tenant_windows as (
    -- the same over all the tenant's accounts
    select
        tenant_id,
        contact_id,
        day,
        sum(inbound_30d) as inbound_30d,
        sum(outbound_sent_90d) as outbound_sent_90d,
        sum(outbound_replied_90d) as outbound_replied_90d,
        max(last_inbound_date) as last_inbound_date,
        max(_loaded_at) as _loaded_at
    from account_windows
    group by tenant_id, contact_id, day
),

scoped_windows as (
    select
        tenant_id,
        whatsapp_account_id as scope_id,
        whatsapp_account_id,
        day,
        inbound_30d,
        outbound_sent_90d,
        outbound_replied_90d,
        last_inbound_date,
        _loaded_at
    from account_windows
    where whatsapp_account_id is not null
    union all
    select
        tenant_id,
        {{ all_accounts }} as scope_id,
        cast(null as {{ dbt.type_string() }}) as whatsapp_account_id,
        day,
        inbound_30d,
        outbound_sent_90d,
        outbound_replied_90d,
        last_inbound_date,
        _loaded_at
    from tenant_windows
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
                dbt.datediff('last_inbound_date', dbt.dateadd('day', 1, 'day'), 'day')) | indent(12) }}
        ) as engagement_score_sum,
        count(*) as contacts_in_window,
        -- the newest load behind the row, the same whether the row was built now or before
        max(_loaded_at) as _loaded_at,
        -- when this run wrote the row: the next run reads the messages written after it
        {{ build_stamp() }} as _built_at
    from scoped_windows
    group by tenant_id, scope_id, whatsapp_account_id, day
)

select * from final
