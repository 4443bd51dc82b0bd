{#- One row per hand-off with the times the conversation metrics need: how
    long the bot held the conversation before asking for a human (request -
    conversation start, docs/contracts/marts.md) and how long the customer
    then waited for a human: the seconds from the request to the first agent
    message at or after it. That wait is measured from the request, not from
    accepted_at, because the customer waits from the moment the bot gives up;
    a hand-off no agent ever wrote in has none. -#}
with

handoffs as (select * from {{ ref('stg_messaging__handoffs') }}),

conversations as (select * from {{ ref('stg_messaging__conversations') }}),

messages as (select * from {{ ref('stg_messaging__messages') }}),

first_agent_messages as (
    select
        handoffs.tenant_id,
        handoffs.handoff_id,
        min(messages.sent_at) as first_agent_message_at
    from handoffs
    inner join messages
        on handoffs.tenant_id = messages.tenant_id
        and handoffs.conversation_id = messages.conversation_id
        and handoffs.requested_at <= messages.sent_at
    where messages.direction = 'outbound' and messages.sender_type = 'agent'
    group by handoffs.tenant_id, handoffs.handoff_id
),

final as (
    select
        handoffs.handoff_key,
        handoffs.tenant_id,
        handoffs.handoff_id,
        handoffs.conversation_id,
        handoffs.handoff_trigger,
        handoffs.requested_at,
        cast(handoffs.requested_at as date) as requested_date,
        handoffs.accepted_at,
        conversations.started_at as conversation_started_at,
        {{ seconds_between('conversations.started_at', 'handoffs.requested_at') }} / 60.0
            as minutes_to_handoff,
        first_agent_messages.first_agent_message_at,
        {{ seconds_between('handoffs.requested_at', 'first_agent_messages.first_agent_message_at') }}
            as human_first_response_seconds
    from handoffs
    left join conversations
        on handoffs.tenant_id = conversations.tenant_id
        and handoffs.conversation_id = conversations.conversation_id
    left join first_agent_messages
        on handoffs.tenant_id = first_agent_messages.tenant_id
        and handoffs.handoff_id = first_agent_messages.handoff_id
)

select * from final
