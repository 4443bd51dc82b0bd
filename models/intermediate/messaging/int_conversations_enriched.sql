{#- One row per conversation with everything the conversation metrics count:
    its outlet (the outlet of its WhatsApp account), start day, status flags,
    duration once ended, hand-offs, whether the bot contained it (ended
    without any hand-off) and its first customer turn's response time, which
    is where a conversation opened by an outbound message starts counting
    (docs/contracts/marts.md, messaging_snapshots). -#}
with

conversations as (select * from {{ ref('stg_messaging__conversations') }}),

accounts as (select * from {{ ref('stg_messaging__whatsapp_accounts') }}),

handoffs as (select * from {{ ref('stg_messaging__handoffs') }}),

turns as (select * from {{ ref('int_conversation_turns') }}),

handoffs_per_conversation as (
    select
        tenant_id,
        conversation_id,
        count(*) as handoffs,
        min(requested_at) as first_handoff_requested_at
    from handoffs
    group by tenant_id, conversation_id
),

first_turns as (
    select *
    from turns
    where turn_number = 1
),

final as (
    select
        conversations.conversation_key,
        conversations.tenant_id,
        conversations.conversation_id,
        conversations.whatsapp_account_id,
        accounts.outlet_id,
        conversations.contact_id,
        conversations.status,
        conversations.started_at,
        cast(conversations.started_at as date) as started_date,
        conversations.ended_at,
        conversations.status = 'active' as is_active,
        conversations.status = 'resolved' as is_resolved,
        conversations.status = 'handed_off' as is_handed_off,
        conversations.ended_at is not null as is_ended,
        {{ seconds_between('conversations.started_at', 'conversations.ended_at') }} / 60.0 as duration_minutes,
        coalesce(handoffs_per_conversation.handoffs, 0) as handoffs,
        handoffs_per_conversation.first_handoff_requested_at,
        handoffs_per_conversation.conversation_id is not null as has_handoff,
        -- contained: the bot closed it on its own (an open conversation may still be handed off)
        conversations.ended_at is not null
        and handoffs_per_conversation.conversation_id is null as is_contained,
        first_turns.turn_started_at as first_turn_started_at,
        first_turns.conversation_id is not null as has_customer_turn,
        coalesce(first_turns.is_answered, false) as is_first_turn_answered,
        first_turns.response_seconds as first_response_seconds
    from conversations
    left join accounts
        on conversations.tenant_id = accounts.tenant_id
        and conversations.whatsapp_account_id = accounts.whatsapp_account_id
    left join handoffs_per_conversation
        on conversations.tenant_id = handoffs_per_conversation.tenant_id
        and conversations.conversation_id = handoffs_per_conversation.conversation_id
    left join first_turns
        on conversations.tenant_id = first_turns.tenant_id
        and conversations.conversation_id = first_turns.conversation_id
)

select * from final
