{#- One row per tenant, outlet and day (docs/contracts/marts.md, Messaging):
    conversations by their start day, messages and customer turns by their
    day, hand-offs by their request day, costs (fct_messages: the prices in
    force on the day) by the message's day. outlet_id null is the tenant's
    total, every outlet and every number without an outlet together; a
    number without an outlet has no row of its own. Every rate and average
    comes with its additive parts, so a date range sums correctly; the
    percentiles are the one exception and say so. Days run from the
    outlet's first conversation to the day before as_of_date, zeros
    included. -#}
-- BigQuery: one partition per day and rows of a tenant stored together, so a dashboard's
-- tenant and date filters read a fraction of the table (other engines ignore both)
{{
    config(
        partition_by=({'field': 'day', 'data_type': 'date'} if target.type == 'bigquery' else none),
        cluster_by=(['tenant_id', 'outlet_id'] if target.type == 'bigquery' else none),
        pre_hook="{{ prefer_hash_aggregation() }}",
    )
}}
with

conversations as (select * from {{ ref('int_conversations_enriched') }}),

turns as (select * from {{ ref('int_conversation_turns') }}),

handoffs as (select * from {{ ref('int_handoffs_enriched') }}),

messages as (select * from {{ ref('fct_messages') }}),

days as (select * from {{ ref('util_days') }}),

scopes as (
    -- each fact counts twice: for its own outlet and for the tenant's total (outlet_id null)
    select true as is_tenant_total
    union all
    select false as is_tenant_total
),

conversations_scoped as (
    select
        conversations.*,
        case when not scopes.is_tenant_total then conversations.outlet_id end as scope_outlet_id
    from conversations
    cross join scopes
    where scopes.is_tenant_total or conversations.outlet_id is not null
),

messages_scoped as (
    select
        messages.*,
        conversations_scoped.scope_outlet_id
    from messages
    inner join conversations_scoped
        on messages.tenant_id = conversations_scoped.tenant_id
        and messages.conversation_id = conversations_scoped.conversation_id
),

turns_scoped as (
    select
        turns.*,
        conversations_scoped.scope_outlet_id
    from turns
    inner join conversations_scoped
        on turns.tenant_id = conversations_scoped.tenant_id
        and turns.conversation_id = conversations_scoped.conversation_id
),

handoffs_scoped as (
    select
        handoffs.*,
        conversations_scoped.scope_outlet_id
    from handoffs
    inner join conversations_scoped
        on handoffs.tenant_id = conversations_scoped.tenant_id
        and handoffs.conversation_id = conversations_scoped.conversation_id
),

conversations_by_start_day as (
    select
        tenant_id,
        scope_outlet_id,
        started_date as day,
        count(*) as total_conversations,
        sum(case when is_active then 1 else 0 end) as active_conversations,
        sum(case when is_resolved then 1 else 0 end) as resolved_conversations,
        sum(case when is_handed_off then 1 else 0 end) as handed_off_conversations,
        sum(case when has_handoff then 1 else 0 end) as conversations_with_handoff,
        sum(case when is_ended then 1 else 0 end) as ended_conversations,
        sum(case when is_contained then 1 else 0 end) as contained_conversations,
        sum(case when is_ended then duration_minutes else 0 end) as duration_minutes_sum
    from conversations_scoped
    group by tenant_id, scope_outlet_id, started_date
),

messages_by_day as (
    select
        tenant_id,
        scope_outlet_id,
        sent_date as day,
        count(*) as total_messages,
        sum(case when sender_type = 'customer' then 1 else 0 end) as customer_messages,
        sum(case when sender_type = 'llm' then 1 else 0 end) as llm_messages,
        sum(case when sender_type = 'agent' then 1 else 0 end) as agent_messages,
        -- every llm message is one model call
        sum(case when sender_type = 'llm' then 1 else 0 end) as llm_calls,
        sum(tokens) as tokens_used,
        sum(llm_cost_usd) as llm_cost,
        sum(whatsapp_cost_usd) as whatsapp_cost
    from messages_scoped
    group by tenant_id, scope_outlet_id, sent_date
),

turns_by_day as (
    select
        tenant_id,
        scope_outlet_id,
        turn_date as day,
        count(*) as customer_turns,
        sum(case when is_answered then 1 else 0 end) as answered_turns,
        sum(case when is_answered then response_seconds else 0 end) as response_time_seconds_sum,
        {{ percentile('response_seconds', 0.5) }} as p50_response_time_seconds,
        {{ percentile('response_seconds', 0.9) }} as p90_response_time_seconds
    from turns_scoped
    group by tenant_id, scope_outlet_id, turn_date
),

handoffs_by_request_day as (
    select
        tenant_id,
        scope_outlet_id,
        requested_date as day,
        count(*) as total_handoffs,
        sum(case when handoff_trigger = 'keyword' then 1 else 0 end) as keyword_triggered,
        sum(case when handoff_trigger = 'confidence' then 1 else 0 end) as confidence_triggered,
        sum(coalesce(minutes_to_handoff, 0)) as time_to_handoff_minutes_sum,
        sum(case when human_first_response_seconds is not null then 1 else 0 end) as human_first_responses,
        sum(coalesce(human_first_response_seconds, 0)) as human_first_response_seconds_sum,
        {{ percentile('human_first_response_seconds', 0.5) }} as p50_human_first_response_seconds,
        {{ percentile('human_first_response_seconds', 0.9) }} as p90_human_first_response_seconds
    from handoffs_scoped
    group by tenant_id, scope_outlet_id, requested_date
),

scope_first_days as (
    select
        tenant_id,
        scope_outlet_id,
        min(started_date) as first_day
    from conversations_scoped
    group by tenant_id, scope_outlet_id
),

spine as (
    select
        scope_first_days.tenant_id,
        scope_first_days.scope_outlet_id,
        days.day
    from scope_first_days
    inner join days
        on scope_first_days.first_day <= days.day
),

joined as (
    select
        spine.tenant_id,
        spine.scope_outlet_id as outlet_id,
        spine.day,
        coalesce(conversations_by_start_day.total_conversations, 0) as total_conversations,
        coalesce(conversations_by_start_day.active_conversations, 0) as active_conversations,
        coalesce(conversations_by_start_day.resolved_conversations, 0) as resolved_conversations,
        coalesce(conversations_by_start_day.handed_off_conversations, 0) as handed_off_conversations,
        coalesce(conversations_by_start_day.conversations_with_handoff, 0) as conversations_with_handoff,
        coalesce(conversations_by_start_day.ended_conversations, 0) as ended_conversations,
        coalesce(conversations_by_start_day.contained_conversations, 0) as contained_conversations,
        coalesce(conversations_by_start_day.duration_minutes_sum, 0) as duration_minutes_sum,
        coalesce(messages_by_day.total_messages, 0) as total_messages,
        coalesce(messages_by_day.customer_messages, 0) as customer_messages,
        coalesce(messages_by_day.llm_messages, 0) as llm_messages,
        coalesce(messages_by_day.agent_messages, 0) as agent_messages,
        coalesce(turns_by_day.customer_turns, 0) as customer_turns,
        coalesce(turns_by_day.answered_turns, 0) as answered_turns,
        coalesce(turns_by_day.response_time_seconds_sum, 0) as response_time_seconds_sum,
        turns_by_day.p50_response_time_seconds,
        turns_by_day.p90_response_time_seconds,
        coalesce(handoffs_by_request_day.total_handoffs, 0) as total_handoffs,
        coalesce(handoffs_by_request_day.keyword_triggered, 0) as keyword_triggered,
        coalesce(handoffs_by_request_day.confidence_triggered, 0) as confidence_triggered,
        coalesce(handoffs_by_request_day.time_to_handoff_minutes_sum, 0) as time_to_handoff_minutes_sum,
        coalesce(handoffs_by_request_day.human_first_responses, 0) as human_first_responses,
        coalesce(handoffs_by_request_day.human_first_response_seconds_sum, 0)
            as human_first_response_seconds_sum,
        handoffs_by_request_day.p50_human_first_response_seconds,
        handoffs_by_request_day.p90_human_first_response_seconds,
        coalesce(messages_by_day.llm_calls, 0) as llm_calls,
        coalesce(messages_by_day.tokens_used, 0) as tokens_used,
        coalesce(messages_by_day.llm_cost, 0) as llm_cost,
        coalesce(messages_by_day.whatsapp_cost, 0) as whatsapp_cost
    from spine
    left join conversations_by_start_day
        on spine.tenant_id = conversations_by_start_day.tenant_id
        and spine.day = conversations_by_start_day.day
        and spine.scope_outlet_id is not distinct from conversations_by_start_day.scope_outlet_id
    left join messages_by_day
        on spine.tenant_id = messages_by_day.tenant_id
        and spine.day = messages_by_day.day
        and spine.scope_outlet_id is not distinct from messages_by_day.scope_outlet_id
    left join turns_by_day
        on spine.tenant_id = turns_by_day.tenant_id
        and spine.day = turns_by_day.day
        and spine.scope_outlet_id is not distinct from turns_by_day.scope_outlet_id
    left join handoffs_by_request_day
        on spine.tenant_id = handoffs_by_request_day.tenant_id
        and spine.day = handoffs_by_request_day.day
        and spine.scope_outlet_id is not distinct from handoffs_by_request_day.scope_outlet_id
),

final as (
    select
        {{ surrogate_key(['joined.tenant_id', 'joined.outlet_id', 'joined.day']) }} as conversation_metrics_key,
        joined.tenant_id,
        joined.outlet_id,
        joined.day,
        -- conversations, by start day
        joined.total_conversations,
        joined.active_conversations,
        joined.resolved_conversations,
        joined.handed_off_conversations,
        {{ safe_divide('joined.duration_minutes_sum', 'joined.ended_conversations') }} as avg_duration_minutes,
        {{ safe_divide('joined.resolved_conversations', 'joined.total_conversations') }} as resolution_rate,
        -- messages and customer turns, by their day
        joined.total_messages,
        joined.customer_messages,
        joined.llm_messages,
        joined.agent_messages,
        {{ safe_divide('joined.response_time_seconds_sum', 'joined.answered_turns') }} as avg_response_time_seconds,
        -- hand-offs, by request day
        joined.total_handoffs,
        joined.keyword_triggered,
        joined.confidence_triggered,
        {{ safe_divide('joined.time_to_handoff_minutes_sum', 'joined.total_handoffs') }}
            as avg_time_to_handoff_minutes,
        {{ safe_divide('joined.conversations_with_handoff', 'joined.total_conversations') }} as handoff_rate,
        -- costs, by the message's day, at the prices in force on it
        joined.llm_calls,
        joined.tokens_used,
        -- eight decimals, as fct_messages: a day's tokens can cost less than a hundredth of a cent
        cast(joined.llm_cost as numeric(18, 8)) as llm_cost,
        {{ as_money('joined.whatsapp_cost') }} as whatsapp_cost,
        cast(joined.llm_cost + joined.whatsapp_cost as numeric(18, 8)) as total_cost,
        {{ safe_divide('joined.llm_cost + joined.whatsapp_cost', 'joined.total_conversations') }}
            as cost_per_conversation,
        -- beyond the contract: the additive parts, containment, percentiles, human response
        joined.ended_conversations,
        joined.duration_minutes_sum,
        joined.conversations_with_handoff,
        joined.contained_conversations,
        {{ safe_divide('joined.contained_conversations', 'joined.ended_conversations') }} as containment_rate,
        joined.customer_turns,
        joined.answered_turns,
        joined.customer_turns - joined.answered_turns as unanswered_turns,
        joined.response_time_seconds_sum,
        joined.p50_response_time_seconds,
        joined.p90_response_time_seconds,
        joined.time_to_handoff_minutes_sum,
        joined.human_first_responses,
        joined.human_first_response_seconds_sum,
        {{ safe_divide('joined.human_first_response_seconds_sum', 'joined.human_first_responses') }}
            as avg_human_first_response_seconds,
        joined.p50_human_first_response_seconds,
        joined.p90_human_first_response_seconds
    from joined
)

select * from final
