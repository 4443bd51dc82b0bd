{#- One row per message (docs/contracts/marts.md, Messaging): its conversation,
    contact, WhatsApp account and campaign, the status timestamps and flags from
    its webhooks (int_message_status), whether a customer replied within 24 hours,
    tokens, and costs at the unit prices in force on the message's day (seed
    messaging_unit_prices: an item's own price over the '*' price, the latest
    effective_from on or before the day). A billable message is an outbound one
    that was delivered; its category is its campaign's, else 'service'.

    Incremental: a run recomputes the messages of every conversation touched
    since the last run: a message loaded after the latest _loaded_at held here,
    new or re-delivered (an inbound one changes is_replied of the outbound
    messages up to 24 hours before it); a staged message that holds no row here
    (it landed before its conversation and was quarantined as orphan_fk until
    it came); and a held message whose status (int_message_status), whose
    conversation's contact or account, or whose campaign's category differs
    from what it holds, or one of which was loaded after the newest load behind
    it. Those last touches are found by comparing with what is held, not by
    load stamps, because the messaging tables land separately: a status event,
    a conversation or a campaign can become visible after newer rows of another
    table were built. A row depends only on its message, its status, its
    conversation, its campaign and the messages after it, so a touched
    conversation is recomputed from the earliest message a touch can change,
    which bounds the scan: 24 hours before a new message, the send of a touched
    held message (found by key: a read receipt can happen weeks after the
    send). Needs a full refresh: a change to the seed messaging_unit_prices
    (costs of past days), or a message or conversation re-delivered in a form
    that breaks the contract (its old row stays; the
    weekly_messaging_full_refresh job rebuilds from all history). _built_at says
    when a run last wrote the row (build_stamp), for the models that read the
    rewritten rows. -#}
-- sqlfluff:indentation:template_blocks_indent:false
-- (its incremental-only CTEs and joins sit at the indent of the SQL around them)
-- BigQuery: one partition per day and rows of a tenant stored together, so a dashboard's
-- tenant and date filters read a fraction of the table (other engines ignore both)
{{
    config(
        materialized='incremental',
        incremental_strategy=('merge' if target.type == 'bigquery' else 'delete+insert'),
        unique_key=['tenant_id', 'message_id'],
        on_schema_change='fail',
        tags=['messaging_incremental'],
        partition_by=({'field': 'sent_date', 'data_type': 'date'} if target.type == 'bigquery' else none),
        cluster_by=(['tenant_id', 'conversation_id'] if target.type == 'bigquery' else none),
        indexes=([
            {'columns': ['_loaded_at']},
            {'columns': ['_built_at']},
            {'columns': ['tenant_id', 'message_id']},
        ] if target.type == 'postgres' else []),
    )
}}
-- depends_on: {{ ref('base_messaging__messages') }} (read by incremental runs only)
-- depends_on: {{ ref('base_messaging__conversations') }} (their newest loads: the check below)
-- depends_on: {{ ref('base_messaging__campaigns') }}
{%- do assert_incremental_source_unchanged([
    ref('base_messaging__messages'),
    ref('base_messaging__message_status_events'),
    ref('base_messaging__conversations'),
    ref('base_messaging__campaigns'),
]) %}

with

messages as (select * from {{ ref('stg_messaging__messages') }}),

conversations as (select * from {{ ref('stg_messaging__conversations') }}),

campaigns as (select * from {{ ref('stg_messaging__campaigns') }}),

message_status as (select * from {{ ref('int_message_status') }}),

prices as (select * from {{ ref('messaging_unit_prices') }}),

{% if is_incremental() -%}
-- newly loaded rows, from base, not staging: a re-delivered row now quarantined also touches
new_messages as (
    select
        tenant_id,
        conversation_id,
        sent_at,
        quarantine_reason
    from {{ ref('base_messaging__messages') }}
    where _loaded_at > {{ incremental_watermark('_loaded_at') }}
),

-- a staged message not held yet, whatever its load stamp says
unheld_messages as (
    select
        messages.tenant_id,
        messages.conversation_id,
        messages.sent_at
    from messages
    left join {{ this }} as held
        on messages.tenant_id = held.tenant_id
        and messages.message_id = held.message_id
    where held.message_id is null
),

-- the held rows whose sources now say otherwise, found by key and by comparing with what is held,
-- not by load stamps: the messaging tables land separately, so a status event, a conversation or a
-- campaign can become visible after newer rows of another table were built (stamped before this
-- model's watermark). A row is touched when its status (int_message_status, rebuilt before this
-- model) differs from the one held, when its conversation's contact or account or its campaign's
-- category does, or when any of them was loaded after the newest load behind the row (a
-- re-delivery that changes nothing but the row's _loaded_at). One pass over what is held: the
-- message, not the receipt or the new conversation version, says how far back to read
held_touched_messages as (
    select
        held.tenant_id,
        held.conversation_id,
        held.sent_at
    from {{ this }} as held
    left join message_status
        on held.tenant_id = message_status.tenant_id
        and held.message_id = message_status.message_id
    left join conversations
        on held.tenant_id = conversations.tenant_id
        and held.conversation_id = conversations.conversation_id
    left join campaigns
        on held.tenant_id = campaigns.tenant_id
        and held.campaign_id = campaigns.campaign_id
    where
        (
            message_status.message_id is not null
            and (
                held.sent_status_at is distinct from message_status.sent_status_at
                or held.delivered_at is distinct from message_status.delivered_at
                or held.read_at is distinct from message_status.read_at
                or held.is_failed != message_status.is_failed
                or held.error_code is distinct from message_status.error_code
                or held._loaded_at < message_status._loaded_at
            )
        )
        or (
            conversations.conversation_id is not null
            and (
                held.contact_id is distinct from conversations.contact_id
                or held.whatsapp_account_id is distinct from conversations.whatsapp_account_id
                or held._loaded_at < conversations._loaded_at
            )
        )
        or (
            campaigns.campaign_id is not null
            and (
                (held.direction = 'outbound' and held.message_category != coalesce(campaigns.category, 'service'))
                or held._loaded_at < campaigns._loaded_at
            )
        )
),

-- the earliest sent_at a newly loaded row can change (a row out of range has no usable time)
scan_floor as (
    select min(recompute_from) as sent_at_floor
    from (
        select {{ dbt.dateadd('hour', -24, 'sent_at') }} as recompute_from
        from new_messages
        where coalesce(quarantine_reason, '') != 'out_of_range'
        union all
        select {{ dbt.dateadd('hour', -24, 'sent_at') }} as recompute_from
        from unheld_messages
        union all
        select sent_at as recompute_from
        from held_touched_messages
    ) as touches
),

messages_since_floor as (
    select messages.*
    from messages
    where
        messages.sent_at >= (select scan_floor.sent_at_floor from scan_floor)
        or messages.sent_at is null
),

touched_conversations as (
    select
        tenant_id,
        conversation_id
    from new_messages
    union distinct
    select
        tenant_id,
        conversation_id
    from unheld_messages
    union distinct
    select
        tenant_id,
        conversation_id
    from held_touched_messages
),

{%- endif %}

messages_in_scope as (
    {% if is_incremental() %}
    select messages_since_floor.*
    from messages_since_floor
    inner join touched_conversations
        on messages_since_floor.tenant_id = touched_conversations.tenant_id
        and messages_since_floor.conversation_id = touched_conversations.conversation_id
    {% else %}
    select * from messages
    {% endif %}
),

with_next_inbound as (
    select
        messages_in_scope.*,
        cast(messages_in_scope.sent_at as date) as sent_date,
        -- the first inbound message after this one in its conversation (order: sent_at, then id)
        min(case when messages_in_scope.direction = 'inbound' then messages_in_scope.sent_at end) over (
            partition by messages_in_scope.tenant_id, messages_in_scope.conversation_id
            order by messages_in_scope.sent_at, messages_in_scope.message_id
            rows between 1 following and unbounded following
        ) as next_inbound_at
    from messages_in_scope
),

enriched as (
    select
        with_next_inbound.*,
        conversations.whatsapp_account_id,
        conversations.contact_id,
        case
            when with_next_inbound.direction = 'outbound'
                then coalesce(campaigns.category, 'service')
        end as message_category,
        message_status.sent_status_at,
        message_status.delivered_at,
        message_status.read_at,
        coalesce(message_status.is_sent, false) as is_sent,
        coalesce(message_status.is_delivered, false) as is_delivered,
        coalesce(message_status.is_read, false) as is_read,
        coalesce(message_status.is_failed, false) as is_failed,
        message_status.error_code,
        -- the newest of the rows it is built from: the incremental watermark
        greatest(
            with_next_inbound._loaded_at,
            coalesce(message_status._loaded_at, with_next_inbound._loaded_at),
            coalesce(conversations._loaded_at, with_next_inbound._loaded_at),
            coalesce(campaigns._loaded_at, with_next_inbound._loaded_at)
        ) as source_loaded_at,
        -- false, not null, when no inbound message follows in the conversation
        coalesce(
            with_next_inbound.direction = 'outbound'
            and with_next_inbound.next_inbound_at > with_next_inbound.sent_at
            and with_next_inbound.next_inbound_at
            <= {{ dbt.dateadd('hour', 24, 'with_next_inbound.sent_at') }},
            false
        ) as is_replied
    from with_next_inbound
    left join conversations
        on with_next_inbound.tenant_id = conversations.tenant_id
        and with_next_inbound.conversation_id = conversations.conversation_id
    left join campaigns
        on with_next_inbound.tenant_id = campaigns.tenant_id
        and with_next_inbound.campaign_id = campaigns.campaign_id
    left join message_status
        on with_next_inbound.tenant_id = message_status.tenant_id
        and with_next_inbound.message_id = message_status.message_id
),

-- each price's days in force: from its effective_from up to the next one of its type and item
price_periods as (
    select
        price_type,
        item,
        unit_price_usd,
        effective_from,
        lead(effective_from) over (partition by price_type, item order by effective_from) as next_effective_from
    from prices
),

-- the price list a message is charged from, if any: tokens of an llm message, a delivered outbound one
price_keys as (
    select
        enriched.*,
        case when enriched.sender_type = 'llm' then 'llm_tokens' end as llm_price_type,
        case
            when enriched.direction = 'outbound' and enriched.is_delivered then 'whatsapp_message'
        end as whatsapp_price_type
    from enriched
),

-- the price in force on the message's day: its own item's (model or category) over '*'. One equality
-- join per price instead of ranking every candidate price per message (a window over all messages)
priced as (
    select
        price_keys.*,
        coalesce(llm_own.unit_price_usd, llm_default.unit_price_usd) as llm_price_per_million_tokens,
        coalesce(whatsapp_own.unit_price_usd, whatsapp_default.unit_price_usd) as whatsapp_price_per_message
    from price_keys
    left join price_periods as llm_own
        on price_keys.llm_price_type = llm_own.price_type
        and price_keys.llm_model = llm_own.item
        and price_keys.sent_date >= llm_own.effective_from
        and (price_keys.sent_date < llm_own.next_effective_from or llm_own.next_effective_from is null)
    left join price_periods as llm_default
        on price_keys.llm_price_type = llm_default.price_type
        and llm_default.item = '*'
        and price_keys.sent_date >= llm_default.effective_from
        and (price_keys.sent_date < llm_default.next_effective_from or llm_default.next_effective_from is null)
    left join price_periods as whatsapp_own
        on price_keys.whatsapp_price_type = whatsapp_own.price_type
        and price_keys.message_category = whatsapp_own.item
        and price_keys.sent_date >= whatsapp_own.effective_from
        and (price_keys.sent_date < whatsapp_own.next_effective_from or whatsapp_own.next_effective_from is null)
    left join price_periods as whatsapp_default
        on price_keys.whatsapp_price_type = whatsapp_default.price_type
        and whatsapp_default.item = '*'
        and price_keys.sent_date >= whatsapp_default.effective_from
        and (
            price_keys.sent_date < whatsapp_default.next_effective_from
            or whatsapp_default.next_effective_from is null
        )
),

final as (
    select
        {{ surrogate_key(['priced.tenant_id', 'priced.message_id']) }} as message_key,
        priced.tenant_id,
        priced.message_id,
        priced.conversation_id,
        priced.contact_id,
        priced.whatsapp_account_id,
        priced.campaign_id,
        priced.direction,
        priced.sender_type,
        priced.sender_user_id,
        priced.message_type,
        priced.message_category,
        priced.sent_at,
        priced.sent_date,
        priced.sent_status_at,
        priced.delivered_at,
        priced.read_at,
        priced.is_sent,
        priced.is_delivered,
        priced.is_read,
        priced.is_failed,
        priced.error_code,
        priced.is_replied,
        priced.direction = 'outbound' and priced.is_delivered as is_billable,
        priced.llm_model,
        coalesce(priced.tokens_used, 0) as tokens,
        -- eight decimals: a message's tokens cost fractions of a cent
        cast(
            coalesce(priced.tokens_used, 0) * coalesce(priced.llm_price_per_million_tokens, 0) / 1000000.0
            as numeric(18, 8)
        ) as llm_cost_usd,
        {{ as_money('case when priced.direction = \'outbound\' and priced.is_delivered'
                    ' then coalesce(priced.whatsapp_price_per_message, 0) else 0 end') }}
            as whatsapp_cost_usd,
        priced.source_loaded_at as _loaded_at,
        -- when this run wrote the row: what messaging_engagement_daily reads, since a row rewritten
        -- for a table that landed behind the others keeps an old _loaded_at
        {{ build_stamp() }} as _built_at
    from priced
)

select * from final
