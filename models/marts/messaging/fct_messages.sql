{#- One row per message (docs/contracts/marts.md, Messaging): its conversation,
    contact, WhatsApp account and campaign, the status timestamps and flags from
    its webhooks (int_message_status), whether a customer replied within 24 hours,
    tokens, and costs at the unit prices in force on the message's day (seed
    messaging_unit_prices: an item's own price over the '*' price, the latest
    effective_from on or before the day). A billable message is an outbound one
    that was delivered; its category is its campaign's, else 'service'. -#}
-- BigQuery: one partition per day and rows of a tenant stored together, so a dashboard's
-- tenant and date filters read a fraction of the table (other engines ignore both)
{{
    config(
        partition_by=({'field': 'sent_date', 'data_type': 'date'} if target.type == 'bigquery' else none),
        cluster_by=(['tenant_id', 'conversation_id'] if target.type == 'bigquery' else none),
    )
}}
with

messages as (select * from {{ ref('stg_messaging__messages') }}),

conversations as (select * from {{ ref('stg_messaging__conversations') }}),

campaigns as (select * from {{ ref('stg_messaging__campaigns') }}),

message_status as (select * from {{ ref('int_message_status') }}),

prices as (select * from {{ ref('messaging_unit_prices') }}),

with_next_inbound as (
    select
        messages.*,
        cast(messages.sent_at as date) as sent_date,
        -- the first inbound message after this one in its conversation (order: sent_at, then id)
        min(case when messages.direction = 'inbound' then messages.sent_at end) over (
            partition by messages.tenant_id, messages.conversation_id
            order by messages.sent_at, messages.message_id
            rows between 1 following and unbounded following
        ) as next_inbound_at
    from messages
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

price_candidates as (
    -- every price that could apply to a message: its own item or '*', in force on its day
    select
        enriched.tenant_id,
        enriched.message_id,
        prices.price_type,
        prices.unit_price_usd,
        row_number() over (
            partition by enriched.tenant_id, enriched.message_id, prices.price_type
            order by case when prices.item = '*' then 1 else 0 end, prices.effective_from desc
        ) as price_rank
    from enriched
    inner join prices
        on enriched.sent_date >= prices.effective_from
        and (
            (
                prices.price_type = 'llm_tokens'
                and enriched.sender_type = 'llm'
                and prices.item in (enriched.llm_model, '*')
            )
            or (
                prices.price_type = 'whatsapp_message'
                and enriched.is_delivered
                and enriched.direction = 'outbound'
                and prices.item in (enriched.message_category, '*')
            )
        )
),

prices_in_force as (
    select
        tenant_id,
        message_id,
        max(case when price_type = 'llm_tokens' then unit_price_usd end) as llm_price_per_million_tokens,
        max(case when price_type = 'whatsapp_message' then unit_price_usd end) as whatsapp_price_per_message
    from price_candidates
    where price_rank = 1
    group by tenant_id, message_id
),

final as (
    select
        {{ surrogate_key(['enriched.tenant_id', 'enriched.message_id']) }} as message_key,
        enriched.tenant_id,
        enriched.message_id,
        enriched.conversation_id,
        enriched.contact_id,
        enriched.whatsapp_account_id,
        enriched.campaign_id,
        enriched.direction,
        enriched.sender_type,
        enriched.sender_user_id,
        enriched.message_type,
        enriched.message_category,
        enriched.sent_at,
        enriched.sent_date,
        enriched.sent_status_at,
        enriched.delivered_at,
        enriched.read_at,
        enriched.is_sent,
        enriched.is_delivered,
        enriched.is_read,
        enriched.is_failed,
        enriched.error_code,
        enriched.is_replied,
        enriched.direction = 'outbound' and enriched.is_delivered as is_billable,
        enriched.llm_model,
        coalesce(enriched.tokens_used, 0) as tokens,
        -- eight decimals: a message's tokens cost fractions of a cent
        cast(
            coalesce(enriched.tokens_used, 0) * coalesce(prices_in_force.llm_price_per_million_tokens, 0) / 1000000.0
            as numeric(18, 8)
        ) as llm_cost_usd,
        {{ as_money('case when enriched.direction = \'outbound\' and enriched.is_delivered'
                    ' then coalesce(prices_in_force.whatsapp_price_per_message, 0) else 0 end') }}
            as whatsapp_cost_usd
    from enriched
    left join prices_in_force
        on enriched.tenant_id = prices_in_force.tenant_id
        and enriched.message_id = prices_in_force.message_id
)

select * from final
