{#- One row per campaign (docs/contracts/marts.md, Messaging): its audience,
    what happened to its sends, the four rates with their additive parts,
    first and last send, costs and the contract's campaign score. Every
    campaign is a row, a draft with no sends too (counts 0, rates null,
    score 0). Message flags come from fct_messages, the one home of the
    status, 24-hour reply and cost rules; this model only counts them. -#}
with

campaigns as (select * from {{ ref('stg_messaging__campaigns') }}),

messages as (select * from {{ ref('fct_messages') }}),

campaign_sends as (
    -- a campaign's messages are its outbound template sends; a customer's
    -- answer belongs to the conversation, not to the campaign
    select
        tenant_id,
        campaign_id,
        count(*) as messages_outbound,
        sum(case when is_sent then 1 else 0 end) as messages_sent,
        sum(case when is_delivered then 1 else 0 end) as messages_delivered,
        sum(case when is_read then 1 else 0 end) as messages_read,
        -- a reply counts for a send that reached the phone, so replied <= sent
        -- and reply_rate <= 1 (DECISIONLOG: rates count within their denominator)
        sum(case when is_sent and is_replied then 1 else 0 end) as messages_replied,
        sum(case when is_failed then 1 else 0 end) as messages_failed,
        min(sent_at) as first_sent_at,
        max(sent_at) as last_sent_at,
        sum(llm_cost_usd) as llm_cost_usd,
        sum(whatsapp_cost_usd) as whatsapp_cost_usd
    from messages
    where
        campaign_id is not null
        and direction = 'outbound'
    group by tenant_id, campaign_id
),

counted as (
    select
        campaigns.tenant_id,
        campaigns.campaign_id,
        campaigns.whatsapp_account_id,
        campaigns.campaign_name,
        campaigns.template_name,
        campaigns.category,
        campaigns.status,
        campaigns.scheduled_at,
        campaigns.started_at,
        campaigns.completed_at,
        campaigns.audience_size,
        coalesce(campaign_sends.messages_outbound, 0) as messages_outbound,
        coalesce(campaign_sends.messages_sent, 0) as messages_sent,
        coalesce(campaign_sends.messages_delivered, 0) as messages_delivered,
        coalesce(campaign_sends.messages_read, 0) as messages_read,
        coalesce(campaign_sends.messages_replied, 0) as messages_replied,
        coalesce(campaign_sends.messages_failed, 0) as messages_failed,
        campaign_sends.first_sent_at,
        campaign_sends.last_sent_at,
        coalesce(campaign_sends.llm_cost_usd, 0) as llm_cost_usd,
        coalesce(campaign_sends.whatsapp_cost_usd, 0) as whatsapp_cost_usd
    from campaigns
    left join campaign_sends
        on campaigns.tenant_id = campaign_sends.tenant_id
        and campaigns.campaign_id = campaign_sends.campaign_id
),

rated as (
    -- the contract's rates; null when the denominator is 0
    select
        counted.*,
        {{ safe_divide('messages_delivered', 'messages_sent') }} as delivery_rate,
        {{ safe_divide('messages_read', 'messages_delivered') }} as read_rate,
        {{ safe_divide('messages_replied', 'messages_sent') }} as reply_rate,
        {{ safe_divide('messages_failed', 'messages_outbound') }} as failure_rate
    from counted
),

final as (
    select
        {{ surrogate_key(['tenant_id', 'campaign_id']) }} as campaign_key,
        tenant_id,
        campaign_id,
        whatsapp_account_id,
        campaign_name,
        template_name,
        category,
        status,
        scheduled_at,
        started_at,
        completed_at,
        audience_size,
        messages_outbound,
        messages_sent,
        messages_delivered,
        messages_read,
        messages_replied,
        messages_failed,
        delivery_rate,
        read_rate,
        reply_rate,
        failure_rate,
        first_sent_at,
        last_sent_at,
        cast(llm_cost_usd as numeric(18, 8)) as llm_cost_usd,
        {{ as_money('whatsapp_cost_usd') }} as whatsapp_cost_usd,
        cast(llm_cost_usd + whatsapp_cost_usd as numeric(18, 8)) as total_cost_usd,
        -- null rates count as 0: a campaign that sent nothing scores 0
        {{ as_score('0.3 * coalesce(delivery_rate, 0) + 0.3 * coalesce(read_rate, 0)'
                    ' + 0.4 * coalesce(reply_rate, 0)') }} as campaign_score
    from rated
)

select * from final
