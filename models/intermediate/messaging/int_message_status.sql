{#- One row per outbound message that has status events: the contract's status
    timestamps from its webhooks, whatever their order or repetition
    (docs/contracts/marts.md, Messaging): the earliest of each status, read
    implying delivered, and the error code of the earliest failure.

    Incremental: a run recomputes only the messages touched by status events
    loaded after the latest _loaded_at held here (late, re-delivered and now
    quarantined events included: they are read from the base model), from all
    of those messages' events, so no row is rebuilt from part of its events
    (found by key, not by a time window: a read receipt can happen weeks after
    its message was sent). A
    staged event whose message holds no row here touches its message too: its
    events that landed before it were quarantined as orphan_fk until it came,
    and the base model has judged them again. That is found by key, not by the
    message's _loaded_at: the tables land separately, and a message can become
    visible after newer status events were built (its load stamped earlier than
    this model's watermark). A message whose every event is later re-delivered
    in a form that breaks the contract keeps its old row until a full refresh
    (the weekly_messaging_full_refresh job). -#}
-- sqlfluff:indentation:template_blocks_indent:false
-- (its incremental-only CTEs and joins sit at the indent of the SQL around them)
{{
    config(
        materialized='incremental',
        incremental_strategy=('merge' if target.type == 'bigquery' else 'delete+insert'),
        unique_key=['tenant_id', 'message_id'],
        on_schema_change='fail',
        tags=['messaging_incremental'],
        indexes=([
            {'columns': ['_loaded_at']},
            {'columns': ['tenant_id', 'message_id']},
        ] if target.type == 'postgres' else []),
    )
}}
-- depends_on: {{ ref('base_messaging__message_status_events') }} (read by incremental runs only)
{%- do assert_incremental_source_unchanged(ref('base_messaging__message_status_events')) %}

with

all_status_events as (select * from {{ ref('stg_messaging__message_status_events') }}),

{% if is_incremental() -%}
touched_messages as (
    -- from base, not staging: a re-delivered event that is now quarantined also touches its message
    select
        tenant_id,
        message_id
    from {{ ref('base_messaging__message_status_events') }}
    where _loaded_at > {{ incremental_watermark('_loaded_at') }} and message_id is not null
    union distinct
    select
        all_status_events.tenant_id,
        all_status_events.message_id
    from all_status_events
    left join {{ this }} as held
        on all_status_events.tenant_id = held.tenant_id
        and all_status_events.message_id = held.message_id
    where held.message_id is null
),

{%- endif %}

status_events as (
    {% if is_incremental() %}
    -- every event of a touched message, however long ago it happened: a receipt can come weeks
    -- after the send (a customer opens an old chat), so no window from the new events holds them
    select all_status_events.*
    from all_status_events
    inner join touched_messages
        on all_status_events.tenant_id = touched_messages.tenant_id
        and all_status_events.message_id = touched_messages.message_id
    {% else %}
    select * from all_status_events
    {% endif %}
),

earliest as (
    select
        tenant_id,
        message_id,
        min(case when status = 'sent' then occurred_at end) as sent_status_at,
        min(case when status = 'delivered' then occurred_at end) as delivered_event_at,
        min(case when status = 'read' then occurred_at end) as read_at,
        min(case when status = 'failed' then occurred_at end) as failed_event_at,
        max(_loaded_at) as _loaded_at
    from status_events
    group by tenant_id, message_id
),

failures_ranked as (
    select
        tenant_id,
        message_id,
        error_code,
        row_number() over (
            partition by tenant_id, message_id order by occurred_at, message_status_event_id
        ) as failure_rank
    from status_events
    where status = 'failed'
),

final as (
    select
        earliest.tenant_id,
        earliest.message_id,
        earliest.sent_status_at,
        -- a read message was delivered, even when its delivered webhook never came
        coalesce(earliest.delivered_event_at, earliest.read_at) as delivered_at,
        earliest.read_at,
        earliest.failed_event_at,
        coalesce(earliest.sent_status_at, earliest.delivered_event_at, earliest.read_at) is not null as is_sent,
        coalesce(earliest.delivered_event_at, earliest.read_at) is not null as is_delivered,
        earliest.read_at is not null as is_read,
        earliest.failed_event_at is not null
        and earliest.delivered_event_at is null
        and earliest.read_at is null as is_failed,
        failures_ranked.error_code,
        earliest._loaded_at
    from earliest
    left join failures_ranked
        on earliest.tenant_id = failures_ranked.tenant_id
        and earliest.message_id = failures_ranked.message_id
        and failures_ranked.failure_rank = 1
)

select * from final
