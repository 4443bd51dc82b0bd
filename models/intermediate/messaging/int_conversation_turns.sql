{#- One row per customer turn (docs/contracts/marts.md, Messaging, "Response
    time"): a turn starts with an inbound message that opens the conversation
    or follows a non-customer message, and its response time is the seconds to
    the next outbound llm or agent message in the conversation. A turn with no
    such message is unanswered: it has no response time. Messages are ordered
    by sent_at, then id, as fct_messages orders them for replies.

    Incremental: a conversation's turns depend on its messages only, so a run
    recomputes the conversations whose staged messages differ from what the
    held turns were built from (their count and newest load, carried on every
    turn row), and replaces whole days: every day that holds a turn of such a
    conversation, before or after, is rewritten with the recomputed turns and
    the held turns of the other conversations on it. Days, not turns, are
    replaced because a late message can end a held turn (an inbound message
    landing just before a turn's start makes it a continuation): its row must
    go, and a day's rows are what every engine can replace at once (delete+insert
    on turn_date; BigQuery overwrites the day's partition). Compared, not read
    by load stamp: a message quarantined as orphan_fk until its conversation
    landed is staged later with its old _loaded_at. -#}
-- sqlfluff:indentation:template_blocks_indent:false
-- (its incremental-only CTEs sit at the indent of the SQL around them)
{{
    config(
        materialized='incremental',
        incremental_strategy=('insert_overwrite' if target.type == 'bigquery' else 'delete+insert'),
        unique_key=(none if target.type == 'bigquery' else 'turn_date'),
        on_schema_change='fail',
        tags=['messaging_incremental'],
        partition_by=({'field': 'turn_date', 'data_type': 'date'} if target.type == 'bigquery' else none),
        cluster_by=(['tenant_id', 'conversation_id'] if target.type == 'bigquery' else none),
        indexes=([{'columns': ['turn_date']}] if target.type == 'postgres' else []),
    )
}}
with

messages as (select * from {{ ref('stg_messaging__messages') }}),

-- what a conversation's turns are built from; only a conversation with an inbound message has any
conversation_inputs as (
    select
        tenant_id,
        conversation_id,
        count(*) as conversation_messages,
        max(_loaded_at) as conversation_loaded_at
    from messages
    group by tenant_id, conversation_id
    having sum(case when direction = 'inbound' then 1 else 0 end) > 0
),

{% if is_incremental() -%}
held as (select * from {{ this }}),

held_conversations as (
    select distinct
        tenant_id,
        conversation_id,
        conversation_messages,
        conversation_loaded_at
    from held
),

-- conversations whose staged messages are not what their held turns were built from: new ones,
-- changed ones (on both sides of the join) and ones with no inbound message left (held side only)
changed_conversations as (
    select
        coalesce(conversation_inputs.tenant_id, held_conversations.tenant_id) as tenant_id,
        coalesce(conversation_inputs.conversation_id, held_conversations.conversation_id) as conversation_id,
        conversation_inputs.conversation_messages,
        conversation_inputs.conversation_loaded_at
    from conversation_inputs
    full outer join held_conversations
        on conversation_inputs.tenant_id = held_conversations.tenant_id
        and conversation_inputs.conversation_id = held_conversations.conversation_id
        and conversation_inputs.conversation_messages = held_conversations.conversation_messages
        and conversation_inputs.conversation_loaded_at = held_conversations.conversation_loaded_at
    where conversation_inputs.conversation_id is null or held_conversations.conversation_id is null
),

changed_keys as (
    select distinct
        tenant_id,
        conversation_id
    from changed_conversations
),

-- the changed conversations' held turns, to be replaced
stale_held as (
    select held.*
    from held
    inner join changed_keys
        on held.tenant_id = changed_keys.tenant_id
        and held.conversation_id = changed_keys.conversation_id
),

recomputed_conversations as (
    select *
    from changed_conversations
    where conversation_messages is not null
),

{% else -%}
recomputed_conversations as (select * from conversation_inputs),

{% endif -%}
messages_in_scope as (
    select
        messages.*,
        recomputed_conversations.conversation_messages,
        recomputed_conversations.conversation_loaded_at
    from messages
    inner join recomputed_conversations
        on messages.tenant_id = recomputed_conversations.tenant_id
        and messages.conversation_id = recomputed_conversations.conversation_id
),

ordered as (
    select
        tenant_id,
        conversation_id,
        message_id,
        direction,
        sent_at,
        conversation_messages,
        conversation_loaded_at,
        -- a customer message right after another customer message continues the same turn
        lag(direction) over (
            partition by tenant_id, conversation_id order by sent_at, message_id
        ) as previous_direction,
        -- the answer: the first llm or agent message after this one (system sends do not answer)
        min(case when direction = 'outbound' and sender_type in ('llm', 'agent') then sent_at end) over (
            partition by tenant_id, conversation_id
            order by sent_at, message_id
            rows between 1 following and unbounded following
        ) as answered_at
    from messages_in_scope
),

turn_starts as (
    select *
    from ordered
    where
        direction = 'inbound'
        and (previous_direction is null or previous_direction <> 'inbound')
),

recomputed as (
    select
        {{ surrogate_key(['tenant_id', 'message_id']) }} as customer_turn_key,
        tenant_id,
        conversation_id,
        message_id as turn_message_id,
        row_number() over (
            partition by tenant_id, conversation_id order by sent_at, message_id
        ) as turn_number,
        sent_at as turn_started_at,
        cast(sent_at as date) as turn_date,
        answered_at,
        answered_at is not null as is_answered,
        {{ seconds_between('sent_at', 'answered_at') }} as response_seconds,
        conversation_messages,
        conversation_loaded_at
    from turn_starts
),

{% if is_incremental() -%}
-- the days to rewrite: where a recomputed conversation has a turn now or had one before
replaced_days as (
    select turn_date from recomputed
    union distinct
    select turn_date from stale_held
),

-- the held turns of untouched conversations on those days, rewritten as they are
kept_held as (
    select held.*
    from held
    inner join replaced_days
        on held.turn_date = replaced_days.turn_date
    left join stale_held
        on held.tenant_id = stale_held.tenant_id
        and held.customer_turn_key = stale_held.customer_turn_key
    where stale_held.customer_turn_key is null
),

final as (
    select * from recomputed
    union all
    select * from kept_held
)

{%- else -%}
final as (select * from recomputed)

{%- endif %}

select * from final
