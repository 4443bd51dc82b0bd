{#- One row per customer turn (docs/contracts/marts.md, Messaging, "Response
    time"): a turn starts with an inbound message that opens the conversation
    or follows a non-customer message, and its response time is the seconds to
    the next outbound llm or agent message in the conversation. A turn with no
    such message is unanswered: it has no response time. Messages are ordered
    by sent_at, then id, as fct_messages orders them for replies. -#}
with

messages as (select * from {{ ref('stg_messaging__messages') }}),

ordered as (
    select
        tenant_id,
        conversation_id,
        message_id,
        direction,
        sent_at,
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
    from messages
),

turn_starts as (
    select *
    from ordered
    where
        direction = 'inbound'
        and (previous_direction is null or previous_direction <> 'inbound')
),

final as (
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
        {{ seconds_between('sent_at', 'answered_at') }} as response_seconds
    from turn_starts
)

select * from final
